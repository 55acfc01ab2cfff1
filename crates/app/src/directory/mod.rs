//! The public directory: profiles and their verification, photos, search,
//! "next available", and the synthetic therapists of the demo.
pub mod next_free;
pub mod photos;
pub mod profiles;
pub mod search;
pub mod synthetic;
