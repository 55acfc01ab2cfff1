//! The public directory (search and profiles) and the editing and
//! verification of profiles by therapists and practice staff.
pub(crate) mod api;
pub(crate) mod profiles;
pub(crate) mod search;
