//! Signing in and out, first set-up, password resets, joining by
//! invitation, and a person's own account (second step, password).
pub(crate) mod account;
pub(crate) mod api;
pub(crate) mod auth;
