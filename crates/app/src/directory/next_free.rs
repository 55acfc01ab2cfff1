//! "Next available" in directory search results, and sorting by it.
//!
//! Computing free times for every hit of every search would cost tens of
//! microseconds per therapist; at 100,000 profiles that is far too slow.
//! Instead the app keeps a table of each bookable therapist's first few free
//! times (a [`NextFree`] column beside the search index, plus each one's zone
//! and session name for the card), computed for all of them at once from a
//! handful of bulk queries, off the async threads. It is computed again:
//! - when `meta.scheduling_version` (bumped by bookings, cancellations,
//!   expired holds, hours and session types) or the directory version
//!   differs from the one it was computed at — the search that sees this
//!   waits for the new table, as it does for a new index, so a change is
//!   never answered with the old times; searches meanwhile use the old one;
//! - when it is older than [`REFRESH_EVERY`] — in the background, while
//!   searches go on with the table there is. Between two computations each
//!   search uses the first kept time that is still outside the therapist's
//!   notice, so a time already past is never shown.
//!
//! Every app server computes its own table from the database, so several of
//! them converge without talking to each other, as the index does.
//!
//! A therapist is bookable as the profile page computes it: listed today,
//! accepting new clients, with hours and an active session type of a format
//! they offer; the time is that of the first such type (a trial consultation
//! if the practice has one, else the shortest).
use std::collections::HashMap;
use std::sync::Arc;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use sensate_domain::UserId;
use sensate_domain::directory::search::{DirectoryIndex, NEXT_FREE_KEPT, NextFree};
use sensate_domain::scheduling::availability::{Busy, SlotQuery, free_slots};
use sensate_store::{BookableClinician, SessionTypeRecord};

use crate::AppError;
use crate::scheduling::availability::rules;
use crate::scheduling::session_types::formats;

/// The longest a table is used before it is computed again (hours pass,
/// holds lapse, days come into the booking horizon).
pub const REFRESH_EVERY: SignedDuration = SignedDuration::from_mins(5);

/// Free times are first looked for this far ahead; only therapists with
/// fewer than [`NEXT_FREE_KEPT`] there are looked at up to their horizon.
const FIRST_LOOK: SignedDuration = SignedDuration::from_hours(24 * 14);

/// A therapist's next free time, as a result card shows it.
#[derive(Debug, Clone)]
pub struct NextAvailable {
    pub at: Timestamp,
    /// The therapist's zone.
    pub time_zone: TimeZone,
    /// The session type's name, e.g. "Trial consultation".
    pub session: String,
}

/// The active session types a visitor may book with a therapist, the one
/// offered first first: trial consultations, then the shortest. Only formats
/// the therapist offers.
pub fn offered_session_types(
    mut types: Vec<SessionTypeRecord>,
    in_person: bool,
    telehealth: bool,
) -> Vec<SessionTypeRecord> {
    types.retain(|t| offerable(t, in_person, telehealth));
    types.sort_by_key(|t| (!t.trial, t.duration_minutes));
    types
}

/// Whether a visitor may book `kind` with a therapist who offers these formats.
fn offerable(kind: &SessionTypeRecord, in_person: bool, telehealth: bool) -> bool {
    kind.active && ((kind.in_person && in_person) || (kind.telehealth && telehealth))
}

/// The first of [`offered_session_types`], without copying the list.
fn first_offered(types: &[SessionTypeRecord], in_person: bool, telehealth: bool) -> Option<&SessionTypeRecord> {
    // `min_by_key` keeps the first of equals, as the stable sort does.
    types.iter().filter(|t| offerable(t, in_person, telehealth)).min_by_key(|t| (!t.trial, t.duration_minutes))
}

/// The first `NEXT_FREE_KEPT` distinct start times for a session of `kind`
/// within the clinician's horizon, as of `now`; empty when their hours are
/// not usable.
pub fn first_free_times(clinician: &BookableClinician, kind: &SessionTypeRecord, now: Timestamp) -> Vec<Timestamp> {
    let Ok(rules) = rules(&clinician.availability) else { return Vec::new() };
    let busy: Vec<Busy> = clinician.busy.iter().map(|&(start, end)| Busy { start, end }).collect();
    let horizon = SignedDuration::from_hours(24 * (i64::from(clinician.availability.horizon_days) + 2));
    let duration = SignedDuration::from_mins(i64::from(kind.duration_minutes));
    let look = |until: SignedDuration| -> Vec<Timestamp> {
        let query = SlotQuery { duration, formats: formats(kind), from: now, to: now + until };
        let mut starts: Vec<Timestamp> =
            free_slots(&rules, &busy, &query, now).unwrap_or_default().into_iter().map(|slot| slot.start).collect();
        // The same time in two formats is one time.
        starts.dedup();
        starts.truncate(NEXT_FREE_KEPT);
        starts
    };
    let first = look(FIRST_LOOK.min(horizon));
    if first.len() < NEXT_FREE_KEPT && horizon > FIRST_LOOK { look(horizon) } else { first }
}

/// The table, as of two versions and an instant.
pub(crate) struct Table {
    directory_version: i64,
    scheduling_version: i64,
    computed_at: Timestamp,
    /// Which computation this is (see `search::next_serial`).
    pub(crate) serial: u64,
    pub(crate) column: Arc<NextFree>,
    details: Details,
    /// The index the column and the details are by position in.
    pub(crate) index: Arc<DirectoryIndex>,
}

/// Zone and session name of each therapist with a free time, by position
/// in the index, as the column is: a few bytes a profile, where a map by
/// user with a name each took tens (at 100,000 profiles, MBs resident).
pub struct Details {
    /// Per position, which of `kinds`; [`Details::NONE`] when none.
    of: Vec<u32>,
    /// Each zone and session name met, once.
    kinds: Vec<(TimeZone, Arc<str>)>,
    count: usize,
}

impl Details {
    const NONE: u32 = u32::MAX;

    fn for_index(index: &DirectoryIndex) -> Self {
        Self { of: vec![Self::NONE; index.len()], kinds: Vec::new(), count: 0 }
    }

    /// How many therapists have details.
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn get(&self, position: u32) -> Option<&(TimeZone, Arc<str>)> {
        let kind = *self.of.get(position as usize)?;
        self.kinds.get(kind as usize)
    }
}

impl Table {
    /// What a result card says about the therapist's next free time `at`.
    pub(crate) fn next_available(&self, user: UserId, at: Timestamp) -> Option<NextAvailable> {
        let position = self.index.position(&user.to_string())?;
        let (time_zone, session) = self.details.get(position)?;
        Some(NextAvailable { at, time_zone: time_zone.clone(), session: session.to_string() })
    }
}

/// The current table, and one computation at a time.
#[derive(Default)]
pub(crate) struct NextFreeCache {
    current: std::sync::RwLock<Option<Arc<Table>>>,
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl NextFreeCache {
    fn current(&self) -> Option<Arc<Table>> {
        self.current.read().map(|current| current.clone()).unwrap_or_default()
    }

    fn replace(&self, table: Arc<Table>) {
        if let Ok(mut current) = self.current.write() {
            // A slower computation that started earlier never replaces a newer one.
            if current
                .as_ref()
                .is_none_or(|c| (c.scheduling_version, c.computed_at) <= (table.scheduling_version, table.computed_at))
            {
                *current = Some(table);
            }
        }
    }
}

/// Each listed, bookable therapist's first free times as of `now`, for
/// `index`, with their zone and session name (what a result card needs).
/// Benchmarks call it too.
pub fn next_free_times(
    index: &DirectoryIndex,
    schedules: sensate_store::BookableSchedules,
    now: Timestamp,
) -> (NextFree, Details) {
    let mut column = NextFree::for_index(index);
    let mut details = Details::for_index(index);
    // (zone, session type) → its place in `details.kinds`.
    let mut kinds: HashMap<(String, sensate_domain::SessionTypeId), u32> = HashMap::new();
    let sensate_store::BookableSchedules { clinicians, session_types } = schedules;
    // Taken one by one, so each clinician's hours and busy times are freed
    // as soon as they have been used, not all together at the end.
    for clinician in clinicians {
        let id = clinician.availability.clinician_id;
        let id_text = id.to_string();
        if !index.is_listed(&id_text, now) {
            continue;
        }
        let types = session_types.get(&clinician.practice_id).map(Vec::as_slice).unwrap_or_default();
        let Some(kind) = first_offered(types, clinician.offers_in_person, clinician.offers_telehealth) else {
            continue;
        };
        let zone = clinician.availability.time_zone.zone().clone();
        let starts = first_free_times(&clinician, kind, now);
        if starts.is_empty() {
            continue;
        }
        let notice = SignedDuration::from_mins(i64::from(clinician.availability.min_notice_minutes));
        if column.set(index, &id_text, notice, &starts)
            && let Some(slot) = index.position(&id_text).and_then(|at| details.of.get_mut(at as usize))
        {
            let key = (clinician.availability.time_zone.as_str().to_string(), kind.id);
            let next = u32::try_from(details.kinds.len()).unwrap_or(Details::NONE);
            *slot = *kinds.entry(key).or_insert_with(|| {
                details.kinds.push((zone, Arc::from(kind.name.as_str())));
                next
            });
            details.count += 1;
        }
    }
    (column, details)
}

impl super::Directory<'_> {
    /// The table to search with for the index of `directory_version`, computing
    /// it first when it is missing or outdated (see the module docs). `None`
    /// only when the index searched is not the one a table was computed for
    /// while another search computes it.
    pub(crate) async fn next_free_table(
        &self,
        index: &Arc<DirectoryIndex>,
        directory_version: i64,
        scheduling_version: i64,
    ) -> Result<Option<Arc<Table>>, AppError> {
        let now = self.app.now();
        let fits = |table: &Table| table.directory_version == directory_version;
        let current = self.app.next_free.current();
        if let Some(table) = &current
            && fits(table)
            && table.scheduling_version == scheduling_version
        {
            if now.duration_since(table.computed_at) >= REFRESH_EVERY
                && let Ok(turn) = self.app.next_free.computing.clone().try_lock_owned()
            {
                // Old, not wrong: searches go on with it while a new one is computed.
                let (app, index) = (self.app.clone(), index.clone());
                tokio::spawn(async move {
                    let _turn = turn;
                    if let Err(error) =
                        app.directory().compute_next_free(&index, directory_version, scheduling_version).await
                    {
                        tracing::warn!(%error, "computing next free times");
                    }
                });
            }
            return Ok(Some(table.clone()));
        }
        let _turn = match self.app.next_free.computing.try_lock() {
            Ok(turn) => turn,
            Err(_) => match &current {
                Some(table) if fits(table) => return Ok(Some(table.clone())),
                _ => self.app.next_free.computing.lock().await,
            },
        };
        if let Some(table) = self.app.next_free.current()
            && fits(&table)
            && table.scheduling_version >= scheduling_version
        {
            return Ok(Some(table));
        }
        let table = self.compute_next_free(index, directory_version, scheduling_version).await?;
        Ok(Some(table))
    }

    async fn compute_next_free(
        &self,
        index: &Arc<DirectoryIndex>,
        directory_version: i64,
        scheduling_version: i64,
    ) -> Result<Arc<Table>, AppError> {
        let now = self.app.now();
        // As `App::free_times` reads them: busy times from a day before, so
        // the daily limit and buffers see the whole day.
        let from = now - SignedDuration::from_hours(24);
        let overrides_from = from.to_zoned(TimeZone::UTC).date().yesterday().unwrap_or_default();
        let schedules = self.app.store.bookable_schedules(from, now, overrides_from).await?;
        let for_index = index.clone();
        let (column, details) = tokio::task::spawn_blocking(move || next_free_times(&for_index, schedules, now))
            .await
            .map_err(|e| AppError::Internal(format!("computing next free times: {e}")))?;
        let table = Arc::new(Table {
            directory_version,
            scheduling_version,
            computed_at: now,
            serial: crate::directory::search::next_serial(),
            column: Arc::new(column),
            details,
            index: index.clone(),
        });
        self.app.next_free.replace(table.clone());
        Ok(table)
    }

    /// What a result card says about the therapist's next free time `at`
    /// (from the hit): their zone and the session's name.
    pub fn next_available(&self, user: UserId, at: Option<Timestamp>) -> Option<NextAvailable> {
        self.app.next_free.current()?.next_available(user, at?)
    }
}

#[cfg(test)]
mod tests {
    use sensate_domain::PracticeId;
    use sensate_domain::scheduling::SessionFormat;
    use sensate_store::WeeklyHoursRecord;

    use super::*;

    fn kind(name: &str, minutes: u32, trial: bool, in_person: bool, telehealth: bool) -> SessionTypeRecord {
        SessionTypeRecord {
            id: sensate_domain::SessionTypeId::new(),
            practice_id: PracticeId::new(),
            name: name.into(),
            duration_minutes: minutes,
            fee_cents: None,
            in_person,
            telehealth,
            participants: sensate_domain::scheduling::Participants::Either,
            trial,
            needs_approval: true,
            active: true,
            created_at: Timestamp::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_trial_comes_first_then_the_shortest_of_the_formats_offered() {
        let mut inactive = kind("Old trial", 15, true, true, true);
        inactive.active = false;
        let types = vec![
            kind("Individual session", 50, false, true, true),
            kind("Couples session", 80, false, true, false),
            inactive,
            kind("Trial consultation", 20, true, false, true),
        ];
        let names = |offered: Vec<SessionTypeRecord>| offered.into_iter().map(|t| t.name).collect::<Vec<_>>();
        assert_eq!(
            names(offered_session_types(types.clone(), true, true)),
            vec!["Trial consultation", "Individual session", "Couples session"]
        );
        assert_eq!(
            names(offered_session_types(types.clone(), true, false)),
            vec!["Individual session", "Couples session"]
        );
        assert_eq!(
            names(offered_session_types(types.clone(), false, true)),
            vec!["Trial consultation", "Individual session"]
        );
        // The first one, found without copying the list: the same.
        for (in_person, telehealth) in [(true, true), (true, false), (false, true), (false, false)] {
            assert_eq!(
                first_offered(&types, in_person, telehealth).map(|t| t.id),
                offered_session_types(types.clone(), in_person, telehealth).first().map(|t| t.id)
            );
        }
        let tied = vec![kind("First of two", 30, false, true, true), kind("Second of two", 30, false, true, true)];
        assert_eq!(first_offered(&tied, true, true).map(|t| t.name.as_str()), Some("First of two"));
    }

    /// Mondays 09:00–11:00 in New York, by video and in person (the same
    /// times twice), no buffers, an hour's notice.
    fn clinician(busy: Vec<(Timestamp, Timestamp)>) -> BookableClinician {
        let mut availability = crate::scheduling::availability::default_availability(
            UserId::new(),
            &sensate_domain::TimeZoneName::parse("America/New_York").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        availability.min_notice_minutes = 60;
        availability.buffer_after_minutes = 0;
        for format in [SessionFormat::Telehealth, SessionFormat::InPerson] {
            availability.weekly.push(WeeklyHoursRecord {
                weekday: 1,
                start_minute: 9 * 60,
                end_minute: 11 * 60,
                format,
                office_id: None,
            });
        }
        BookableClinician {
            practice_id: PracticeId::new(),
            offers_in_person: true,
            offers_telehealth: true,
            availability,
            busy,
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_first_few_distinct_times_around_what_is_taken() {
        // Sunday 22 November 2026, noon in New York.
        let now = at("2026-11-22T17:00:00Z");
        let trial = kind("Trial consultation", 30, true, true, true);
        let free = first_free_times(&clinician(Vec::new()), &trial, now);
        // Monday 09:00, 09:30, 10:00, 10:30 (EST, UTC−5): each once, though both formats offer it.
        assert_eq!(
            free,
            vec![
                at("2026-11-23T14:00:00Z"),
                at("2026-11-23T14:30:00Z"),
                at("2026-11-23T15:00:00Z"),
                at("2026-11-23T15:30:00Z")
            ]
        );
        let taken = clinician(vec![(at("2026-11-23T14:00:00Z"), at("2026-11-23T15:00:00Z"))]);
        let free = first_free_times(&taken, &trial, now);
        assert_eq!(free[..2], [at("2026-11-23T15:00:00Z"), at("2026-11-23T15:30:00Z")]);
        // The next two are a week later: found beyond the first look only if needed.
        assert_eq!(free[2..], [at("2026-11-30T14:00:00Z"), at("2026-11-30T14:30:00Z")]);
    }

    #[test]
    fn a_time_inside_the_notice_is_not_offered_and_no_hours_means_none() {
        // Monday 08:30 in New York: 09:00 is inside the hour's notice.
        let now = at("2026-11-23T13:30:00Z");
        let trial = kind("Trial consultation", 30, true, true, true);
        assert_eq!(first_free_times(&clinician(Vec::new()), &trial, now)[0], at("2026-11-23T14:30:00Z"));
        let mut closed = clinician(Vec::new());
        closed.availability.weekly.clear();
        assert_eq!(first_free_times(&closed, &trial, now), Vec::<Timestamp>::new());
    }
}
