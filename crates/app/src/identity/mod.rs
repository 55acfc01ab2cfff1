//! Who people are and how they get in: first set-up, invitations, signing
//! in and out, the second step, passwords.
pub mod auth;
pub mod invitations;
pub mod mfa;
pub mod passwords;
pub(crate) mod sessions;
pub mod setup;

/// The use cases of first set-up, invitations, signing in and out, the second
/// step and passwords, on the app: `app.identity()`.
#[derive(Clone, Copy)]
pub struct Identity<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn identity(&self) -> Identity<'_> {
        Identity { app: self }
    }
}
