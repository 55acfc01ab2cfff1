//! The practice itself: its people and its settings.
pub mod people;
