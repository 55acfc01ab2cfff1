//! Things the use cases need from the outside world: the system clock,
//! randomness, password hashing.
pub mod clock;
pub mod crypto;
pub mod hashing;
pub(crate) mod kept;
pub mod mailer;
pub(crate) mod refusals;
pub mod secrets;
pub(crate) mod versions;

pub use clock::{ShiftedClock, SystemClock};
