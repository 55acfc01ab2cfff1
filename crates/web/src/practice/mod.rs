//! Running the practice: people and invitations, settings and the audit
//! log.
pub(crate) mod api;
pub(crate) mod audit;
pub(crate) mod people;
pub(crate) mod settings;
