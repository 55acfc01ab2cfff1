//! The therapist directory: reference data (what concerns, licences,
//! certifying bodies, payers and languages exist), the profile facts the
//! search works on, and the search itself. Pure: the clock is a parameter.
pub mod reference;
pub mod search;
