//! The life of an appointment as a pure rule: which changes are allowed from
//! which state, by whom, and when a cancellation is late. Booking and the
//! calendar ask this before they write; the database then guards time
//! (never two overlapping appointments that occupy time).
//!
//! ```text
//! held ──email confirmed──▶ requested ──clinician confirms──▶ confirmed ──▶ completed / no-show
//!   │                           │  └──clinician declines──▶ cancelled          │
//!   └──hold lapses──▶ expired   └────────── cancel ──────▶ cancelled ◀──cancel─┘
//! ```
//! (A session type that needs no approval goes from held straight to confirmed.)
use jiff::{SignedDuration, Timestamp};

use super::AppointmentStatus;

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The client (or visitor) the appointment is for, by their own link or account.
    Client,
    /// The clinician, or the practice's owner or admin on their behalf.
    Practice,
}

/// A change asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The visitor confirmed their email; `needs_approval` comes from the session type.
    EmailConfirmed {
        needs_approval: bool,
    },
    /// The hold's time ran out before the email was confirmed.
    HoldLapsed,
    Confirm,
    Decline,
    Cancel,
    /// Moved to another time; the status stays.
    Reschedule,
    Complete,
    NoShow,
}

/// The practice's rule for cancelling and rescheduling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancellationPolicy {
    /// Clients may cancel or reschedule themselves until this long before the start.
    pub notice: SignedDuration,
}

/// What the change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: AppointmentStatus,
    /// A cancellation (or a reschedule) within the policy's notice.
    pub late: bool,
}

/// Why a change is refused, in words for the person who asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This appointment is already {}; it cannot be changed.", .0.label().to_lowercase())]
    Finished(AppointmentStatus),
    #[error("That change does not apply to an appointment that is {}.", .0.label().to_lowercase())]
    NotNow(AppointmentStatus),
    #[error("Only the practice can do that.")]
    PracticeOnly,
    #[error("It is too late to cancel or move this appointment online; please contact the practice.")]
    PastClientNotice,
    #[error("A session can be marked as held or missed only once it has started.")]
    NotStartedYet,
    #[error("This appointment has already started.")]
    AlreadyStarted,
}

fn is_finished(status: AppointmentStatus) -> bool {
    use AppointmentStatus::*;
    matches!(status, Completed | Cancelled | NoShow | Expired)
}

/// Decides a change of an appointment starting at `starts_at`, asked by
/// `party` at `now`.
pub fn decide(
    status: AppointmentStatus,
    change: Change,
    party: Party,
    starts_at: Timestamp,
    now: Timestamp,
    policy: CancellationPolicy,
) -> Result<Outcome, Refusal> {
    use AppointmentStatus::*;
    if is_finished(status) {
        return Err(Refusal::Finished(status));
    }
    let started = now >= starts_at;
    let late = now > starts_at - policy.notice;
    let to = |status| Ok(Outcome { status, late: false });
    match (change, status) {
        (Change::EmailConfirmed { needs_approval }, Held) => to(if needs_approval { Requested } else { Confirmed }),
        (Change::HoldLapsed, Held) => to(Expired),
        (Change::Confirm | Change::Decline, Requested) if party == Party::Client => Err(Refusal::PracticeOnly),
        (Change::Confirm, Requested) => to(Confirmed),
        (Change::Decline, Requested) => to(Cancelled),
        (Change::Cancel | Change::Reschedule, Requested | Confirmed) => {
            if started {
                return Err(Refusal::AlreadyStarted);
            }
            if party == Party::Client && late {
                return Err(Refusal::PastClientNotice);
            }
            let status = if change == Change::Cancel { Cancelled } else { status };
            Ok(Outcome { status, late })
        }
        (Change::Complete | Change::NoShow, Confirmed) if party == Party::Client => Err(Refusal::PracticeOnly),
        (Change::Complete | Change::NoShow, Confirmed) if !started => Err(Refusal::NotStartedYet),
        (Change::Complete, Confirmed) => to(Completed),
        (Change::NoShow, Confirmed) => to(NoShow),
        (_, status) => Err(Refusal::NotNow(status)),
    }
}

#[cfg(test)]
mod tests {
    use super::AppointmentStatus::*;
    use super::*;

    const POLICY: CancellationPolicy = CancellationPolicy { notice: SignedDuration::from_hours(24) };

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn ask(status: AppointmentStatus, change: Change, party: Party, now: &str) -> Result<Outcome, Refusal> {
        decide(status, change, party, at("2026-12-01T15:00:00Z"), at(now), POLICY)
    }

    const EARLY: &str = "2026-11-25T12:00:00Z";
    const WITHIN_A_DAY: &str = "2026-12-01T09:00:00Z";
    const DURING: &str = "2026-12-01T15:10:00Z";

    #[test]
    fn the_path_of_a_booked_trial_session() {
        let ok = |status| Ok(Outcome { status, late: false });
        assert_eq!(ask(Held, Change::EmailConfirmed { needs_approval: true }, Party::Client, EARLY), ok(Requested));
        assert_eq!(ask(Held, Change::EmailConfirmed { needs_approval: false }, Party::Client, EARLY), ok(Confirmed));
        assert_eq!(ask(Held, Change::HoldLapsed, Party::Practice, EARLY), ok(Expired));
        assert_eq!(ask(Requested, Change::Confirm, Party::Practice, EARLY), ok(Confirmed));
        assert_eq!(ask(Requested, Change::Decline, Party::Practice, EARLY), ok(Cancelled));
        assert_eq!(ask(Confirmed, Change::Complete, Party::Practice, DURING), ok(Completed));
        assert_eq!(ask(Confirmed, Change::NoShow, Party::Practice, DURING), ok(NoShow));
    }

    #[test]
    fn clients_cancel_or_move_only_before_the_notice_the_practice_any_time_before_the_start() {
        assert_eq!(
            ask(Confirmed, Change::Cancel, Party::Client, EARLY),
            Ok(Outcome { status: Cancelled, late: false })
        );
        assert_eq!(
            ask(Requested, Change::Reschedule, Party::Client, EARLY),
            Ok(Outcome { status: Requested, late: false })
        );
        assert_eq!(ask(Confirmed, Change::Cancel, Party::Client, WITHIN_A_DAY), Err(Refusal::PastClientNotice));
        assert_eq!(ask(Confirmed, Change::Reschedule, Party::Client, WITHIN_A_DAY), Err(Refusal::PastClientNotice));
        assert_eq!(
            ask(Confirmed, Change::Cancel, Party::Practice, WITHIN_A_DAY),
            Ok(Outcome { status: Cancelled, late: true })
        );
        assert_eq!(ask(Confirmed, Change::Cancel, Party::Practice, DURING), Err(Refusal::AlreadyStarted));
        // Exactly at the notice boundary is still on time.
        assert_eq!(ask(Confirmed, Change::Cancel, Party::Client, "2026-11-30T15:00:00Z").map(|o| o.late), Ok(false));
        assert_eq!(
            ask(Confirmed, Change::Cancel, Party::Client, "2026-11-30T15:00:01Z"),
            Err(Refusal::PastClientNotice)
        );
    }

    #[test]
    fn the_practice_moves_within_the_notice_as_late_and_a_move_keeps_the_status() {
        assert_eq!(
            ask(Confirmed, Change::Reschedule, Party::Practice, WITHIN_A_DAY),
            Ok(Outcome { status: Confirmed, late: true })
        );
        assert_eq!(ask(Confirmed, Change::Reschedule, Party::Practice, DURING), Err(Refusal::AlreadyStarted));
        let a_week: CancellationPolicy = CancellationPolicy { notice: SignedDuration::from_hours(24 * 7) };
        let early = decide(Confirmed, Change::Cancel, Party::Client, at("2026-12-01T15:00:00Z"), at(EARLY), a_week);
        assert_eq!(early, Err(Refusal::PastClientNotice), "the practice's own notice decides");
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(ask(Requested, Change::Confirm, Party::Client, EARLY), Err(Refusal::PracticeOnly));
        assert_eq!(ask(Confirmed, Change::Complete, Party::Practice, EARLY), Err(Refusal::NotStartedYet));
        assert_eq!(ask(Confirmed, Change::NoShow, Party::Client, DURING), Err(Refusal::PracticeOnly));
        assert_eq!(ask(Held, Change::Confirm, Party::Practice, EARLY), Err(Refusal::NotNow(Held)));
        assert_eq!(ask(Requested, Change::Complete, Party::Practice, DURING), Err(Refusal::NotNow(Requested)));
        for finished in [Completed, Cancelled, NoShow, Expired] {
            for change in [Change::Cancel, Change::Confirm, Change::Reschedule, Change::HoldLapsed] {
                assert_eq!(ask(finished, change, Party::Practice, EARLY), Err(Refusal::Finished(finished)));
            }
        }
        assert_eq!(
            Refusal::Finished(Cancelled).to_string(),
            "This appointment is already cancelled; it cannot be changed."
        );
        assert_eq!(
            Refusal::PastClientNotice.to_string(),
            "It is too late to cancel or move this appointment online; please contact the practice."
        );
    }
}
