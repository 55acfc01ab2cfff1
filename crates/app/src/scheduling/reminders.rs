//! Reminder emails before confirmed appointments (by default 24 and 2 hours
//! before). Nothing that confirms, adds or moves an appointment has to call
//! anything: the job runner's planner looks at confirmed appointments that
//! start within the largest offset and enqueues one `reminder` job per
//! appointment, offset, start time and recipient (the dedupe key holds all
//! four, so a moved appointment gets new reminders and planning twice
//! changes nothing). When a job runs it reads the appointment again and
//! sends only if it is still confirmed at the same start.
//!
//! The wording is discreet by default: the practice's name, the time in the
//! recipient's zone, the format and a link; no concern, and the service is
//! named only when the practice chose so. Subjects never carry health data.
use jiff::{SignedDuration, Timestamp};
use sensate_domain::locale::local_time;
use sensate_domain::scheduling::{AppointmentStatus, SessionFormat};
use sensate_domain::{AppointmentId, UserId};
use sensate_store::{NewJob, PracticeRecord, ReminderFacts, ReminderRecipient};

use crate::AppError;
use crate::infra::mailer::Email;
use crate::jobs::{JobRun, Sent};
use crate::mail::{Letter, MailName};

/// The job kind of a reminder email.
pub const REMINDER_JOB: &str = "reminder";

/// 24 and 2 hours before.
pub fn default_reminder_offsets() -> Vec<SignedDuration> {
    vec![SignedDuration::from_hours(24), SignedDuration::from_hours(2)]
}

const SHORTEST: SignedDuration = SignedDuration::from_mins(5);
const LONGEST: SignedDuration = SignedDuration::from_hours(24 * 14);

/// `24h,2h`, `90m`, `2d` or `none`: how long before an appointment reminders
/// go out, largest first. Each from 5 minutes to 14 days.
pub fn parse_reminder_offsets(text: &str) -> Result<Vec<SignedDuration>, String> {
    let text = text.trim();
    let explain = |what: &str| {
        format!(
            "{what}; write how long before an appointment to remind, as hours, minutes or days separated \
             by commas (e.g. 24h,2h or 90m), or none to send no reminders"
        )
    };
    if text.eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    if text.is_empty() {
        return Err(explain("no reminder time given"));
    }
    let mut offsets = Vec::new();
    for item in text.split(',').map(str::trim) {
        let split = item.find(|c: char| !c.is_ascii_digit()).unwrap_or(item.len());
        let (number, unit) = item.split_at(split);
        let amount: i64 = number.parse().map_err(|_| explain(&format!("'{item}' is not a duration")))?;
        let offset = match unit {
            "m" => SignedDuration::from_mins(amount),
            "h" => SignedDuration::from_hours(amount),
            "d" => SignedDuration::from_hours(amount.saturating_mul(24)),
            _ => return Err(explain(&format!("'{item}' has no unit m, h or d"))),
        };
        if !(SHORTEST..=LONGEST).contains(&offset) {
            return Err(explain(&format!("'{item}' is not between 5 minutes and 14 days")));
        }
        offsets.push(offset);
    }
    offsets.sort_by(|a, b| b.cmp(a));
    offsets.dedup();
    Ok(offsets)
}

/// What a reminder job carries: ids and times only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReminderPayload {
    pub appointment: AppointmentId,
    pub offset_minutes: i64,
    pub starts_at: Timestamp,
    /// The client's account, or `None` for the visitor who booked.
    pub recipient: Option<UserId>,
}

impl ReminderPayload {
    fn recipient_key(&self) -> String {
        self.recipient.map_or_else(|| "visitor".to_string(), |id| id.to_string())
    }

    pub(crate) fn encode(&self) -> String {
        format!(
            "appointment={};offset_minutes={};starts_at={};recipient={}",
            self.appointment,
            self.offset_minutes,
            self.starts_at.as_second(),
            self.recipient_key()
        )
    }

    pub(crate) fn decode(text: &str) -> Option<Self> {
        let field = |name: &str| {
            text.split(';').find_map(|pair| pair.split_once('=').filter(|(key, _)| *key == name).map(|(_, v)| v))
        };
        let recipient = match field("recipient")? {
            "visitor" => None,
            id => Some(id.parse().ok()?),
        };
        Some(Self {
            appointment: field("appointment")?.parse().ok()?,
            offset_minutes: field("offset_minutes")?.parse().ok()?,
            starts_at: Timestamp::from_second(field("starts_at")?.parse().ok()?).ok()?,
            recipient,
        })
    }

    /// A new start or another offset makes another job; the same one, none.
    fn dedupe_key(&self) -> String {
        format!(
            "reminder:{}:{}:{}:{}",
            self.appointment,
            self.offset_minutes,
            self.starts_at.as_second(),
            self.recipient_key()
        )
    }
}

/// Until when the reminder at `offset` is still worth sending: until the
/// next smaller offset's time (or the start), so an appointment booked 3
/// hours ahead gets the 2-hour reminder only, not both at once.
fn window_end(offsets: &[SignedDuration], offset: SignedDuration, starts_at: Timestamp) -> Timestamp {
    let next = offsets.iter().copied().filter(|o| *o < offset).max().unwrap_or(SignedDuration::ZERO);
    starts_at - next
}

/// The reminder's text, with the appointment's manage link (see, cancel or
/// move it within the practice's notice).
pub(crate) fn reminder_email(
    recipient: &ReminderRecipient,
    facts: &ReminderFacts,
    practice: &PracticeRecord,
    manage_link: &str,
) -> Email {
    let zone = recipient.time_zone.zone().clone();
    let when = local_time(facts.starts_at, &zone);
    let what = if practice.reminders_name_service { "therapy session" } else { "appointment" };
    let how = match facts.format {
        SessionFormat::InPerson => match crate::scheduling::confirmation::office(practice) {
            Some(address) => format!("in person at {address}"),
            None => "in person".to_string(),
        },
        SessionFormat::Telehealth => "by video".to_string(),
    };
    let discreet = !practice.reminders_name_service;
    let name = MailName::of(practice, discreet);
    Letter::to(Some(&recipient.name))
        .paragraph(format!("This is a reminder of your {what}{} on {when}, {how}.", name.with()))
        .link("See, cancel or move it", manage_link)
        .signed(name.sender())
        .mail(recipient.email.clone(), format!("Reminder: your appointment on {when}"))
        .from_name(name.sender())
}

impl super::Scheduling<'_> {
    /// Enqueues the reminders of confirmed appointments that start within
    /// the largest offset; returns how many jobs were new.
    pub(crate) async fn plan_reminders(&self, now: Timestamp) -> Result<usize, AppError> {
        let offsets = &self.app.config.reminders;
        let Some(largest) = offsets.first().copied() else { return Ok(0) };
        let mut added = 0;
        for (appointment, starts_at) in self.app.store.confirmed_starting_between(now, now + largest).await? {
            let Some(facts) = self.app.store.reminder_facts(appointment).await? else { continue };
            for offset in offsets.iter().copied() {
                if now >= window_end(offsets, offset, starts_at) {
                    continue;
                }
                for recipient in &facts.recipients {
                    let payload = ReminderPayload {
                        appointment,
                        offset_minutes: offset.as_mins(),
                        starts_at,
                        recipient: recipient.user_id,
                    };
                    let job = NewJob {
                        id: sensate_domain::JobId::new(),
                        kind: REMINDER_JOB.to_string(),
                        payload: payload.encode(),
                        dedupe_key: payload.dedupe_key(),
                        run_at: starts_at - offset,
                    };
                    if self.app.store.enqueue_job(&job, now).await? {
                        added += 1;
                    }
                }
            }
        }
        Ok(added)
    }

    /// Sends one reminder if it is still wanted. The email's Message-ID is
    /// the job's, so a resend after a crash is recognisably the same message.
    pub(crate) async fn run_reminder(
        &self,
        job: sensate_domain::JobId,
        payload: &str,
        now: Timestamp,
    ) -> Result<Result<JobRun, crate::infra::mailer::MailError>, AppError> {
        let Some(payload) = ReminderPayload::decode(payload) else {
            return Err(AppError::Internal("a reminder job's payload is not readable".into()));
        };
        let offset = SignedDuration::from_mins(payload.offset_minutes);
        let offsets = &self.app.config.reminders;
        let wanted = offsets.contains(&offset) && now < window_end(offsets, offset, payload.starts_at);
        let Some(facts) = self.app.store.reminder_facts(payload.appointment).await? else {
            return Ok(Ok(JobRun::Skipped));
        };
        let recipient = facts.recipients.iter().find(|r| r.user_id == payload.recipient);
        let (true, AppointmentStatus::Confirmed, true, Some(recipient)) =
            (wanted, facts.status, facts.starts_at == payload.starts_at, recipient)
        else {
            return Ok(Ok(JobRun::Skipped));
        };
        let Some(practice) = self.app.store.practice(facts.practice_id).await? else {
            return Ok(Ok(JobRun::Skipped));
        };
        let link = self.appointment_manage_link(facts.id).await?;
        let email = reminder_email(recipient, &facts, &practice, &link)
            .with_message_id(format!("reminder.{}", job.as_uuid().simple()));
        let sent = JobRun::Sent(Sent {
            practice: Some(facts.practice_id),
            action: "send_reminder",
            record_type: "appointment",
            record_id: facts.id.to_string(),
        });
        Ok(self.app.mailer.send(&email).await.map(|()| sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_parsed_largest_first_or_refused_with_the_expected_form() {
        let h = SignedDuration::from_hours;
        assert_eq!(parse_reminder_offsets("24h,2h"), Ok(vec![h(24), h(2)]));
        assert_eq!(parse_reminder_offsets(" 90m , 2d, 24h,2d"), Ok(vec![h(48), h(24), SignedDuration::from_mins(90)]));
        assert_eq!(parse_reminder_offsets("NONE"), Ok(vec![]));
        for bad in ["", "24", "2x", "h", "1m", "15d", "24h,,2h", "-2h"] {
            let message = parse_reminder_offsets(bad).unwrap_err();
            assert!(message.contains("e.g. 24h,2h"), "{bad}: {message}");
        }
    }

    #[test]
    fn a_reminder_is_wanted_until_the_next_smaller_offset() {
        let start: Timestamp = "2026-11-25T15:00:00Z".parse().unwrap();
        let offsets = default_reminder_offsets();
        assert_eq!(
            window_end(&offsets, SignedDuration::from_hours(24), start),
            "2026-11-25T13:00:00Z".parse().unwrap()
        );
        assert_eq!(window_end(&offsets, SignedDuration::from_hours(2), start), start);
    }

    #[test]
    fn payloads_carry_ids_and_times_only_and_read_back() {
        let payload = ReminderPayload {
            appointment: AppointmentId::new(),
            offset_minutes: 120,
            starts_at: "2026-11-25T15:00:00Z".parse().unwrap(),
            recipient: Some(UserId::new()),
        };
        assert_eq!(ReminderPayload::decode(&payload.encode()), Some(payload.clone()));
        let visitor = ReminderPayload { recipient: None, ..payload };
        assert!(visitor.encode().ends_with(";recipient=visitor"));
        assert_eq!(ReminderPayload::decode(&visitor.encode()), Some(visitor));
        assert_eq!(ReminderPayload::decode("appointment=x"), None);
    }
}
