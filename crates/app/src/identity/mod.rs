//! Who people are and how they get in: first set-up, invitations, signing
//! in and out, the second step, passwords.
pub mod auth;
pub mod invitations;
pub mod mfa;
pub mod passwords;
pub mod setup;
