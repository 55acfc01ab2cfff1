//! The public directory: profiles and their verification, photos, search,
//! "next available", and the synthetic therapists of the demo.
pub mod next_free;
pub mod photos;
pub mod profiles;
pub mod search;
pub mod synthetic;

/// The use cases of profiles, verification, photos, search and the table of
/// free times, on the app: `app.directory()`.
#[derive(Clone, Copy)]
pub struct Directory<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn directory(&self) -> Directory<'_> {
        Directory { app: self }
    }
}
