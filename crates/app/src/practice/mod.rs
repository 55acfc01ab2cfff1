//! The practice itself: its people and its settings.
pub mod people;

/// The use cases of the practice's people and settings, on the app:
/// `app.practice()`.
#[derive(Clone, Copy)]
pub struct Practice<'a> {
    app: &'a crate::App,
}

impl crate::App {
    pub fn practice(&self) -> Practice<'_> {
        Practice { app: self }
    }
}
