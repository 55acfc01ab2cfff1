//! The fictional demo practice behind `sensate demo`. Demo accounts exist only
//! in a database marked as a demo (meta `mode = demo`); `sensate serve`
//! refuses such a database, and `sensate demo` refuses any other.
use jiff::civil::{Date, Time};
use jiff::{SignedDuration, ToSpan};
use sensate_domain::care::{CareRole, CaseStatus};
use sensate_domain::scheduling::{AppointmentStatus, CaseKind, SessionFormat};
use sensate_domain::{AppointmentId, CaseId, Email, PracticeId, Role, UserId};
use sensate_store::{NewAppointment, NewCase, NewPractice, NewUser, Store, TherapistProfile};

mod scheduling;

use crate::directory::synthetic::{DEMO_SEED, SyntheticDirectory, SyntheticOptions};
use crate::{App, AppError};

/// Every demo account signs in with this password. It is printed at start
/// and documented: demo data is fictional and local.
pub const DEMO_PASSWORD: &str = "demo-practice-2026";
pub const DEMO_TIME_ZONE: &str = "America/New_York";
const META_MODE: &str = "mode";

/// One line of the sign-in table printed at demo start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: &'static str,
    pub name: &'static str,
    pub email: &'static str,
}

struct Person {
    email: &'static str,
    name: &'static str,
    role: Role,
    what: &'static str,
}

const PEOPLE: &[Person] = &[
    Person { email: "owner@harbor.example", name: "Maya Okafor", role: Role::Owner, what: "Practice owner" },
    Person {
        email: "frontdesk@harbor.example",
        name: "Lena Brooks",
        role: Role::Admin,
        what: "Front desk and billing",
    },
    Person { email: "dr.rivera@harbor.example", name: "Dr. Elena Rivera", role: Role::Clinician, what: "Therapist" },
    Person { email: "sam.chen@harbor.example", name: "Sam Chen", role: Role::Clinician, what: "Therapist" },
    Person { email: "daniel.levi@harbor.example", name: "Daniel Levi", role: Role::Clinician, what: "Therapist" },
    Person { email: "jordan@client.example", name: "Jordan Miles", role: Role::Client, what: "Client (individual)" },
    Person { email: "alex@client.example", name: "Alex Kim", role: Role::Client, what: "Client (couple, partner 1)" },
    Person { email: "riley@client.example", name: "Riley Kim", role: Role::Client, what: "Client (couple, partner 2)" },
    Person { email: "priya@client.example", name: "Priya Nair", role: Role::Client, what: "Client (individual)" },
];

struct Profile {
    email: &'static str,
    pronouns: &'static str,
    credentials: &'static str,
    headline: &'static str,
    approach: &'static str,
    languages: &'static str,
    in_person: bool,
    telehealth: bool,
    accepting: bool,
}

const PROFILES: &[Profile] = &[
    Profile {
        email: "dr.rivera@harbor.example",
        pronouns: "she/her",
        credentials: "PhD, Licensed Psychologist (NY) · AASECT Certified Sex Therapist",
        headline: "Desire, arousal and pain concerns for individuals and couples",
        approach: "I work from a cognitive-behavioural and mindfulness base, and I coordinate closely with \
                   pelvic-floor physiotherapists and gynecologists when pain is part of the picture. Sessions \
                   are paced so you feel in charge of what we talk about.",
        languages: "English, Spanish",
        in_person: true,
        telehealth: true,
        accepting: true,
    },
    Profile {
        email: "sam.chen@harbor.example",
        pronouns: "they/them",
        credentials: "LMFT (NY, NJ) · AASECT Certified Sex Therapist",
        headline: "Couples with mismatched desire, communication and reconnection",
        approach: "Couples often arrive stuck in the same conversation. I help partners understand each \
                   other's experience, agree realistic goals and practise new ways of talking and being \
                   close, with structured exercises between sessions. LGBTQ+ affirming.",
        languages: "English, Mandarin",
        in_person: false,
        telehealth: true,
        accepting: true,
    },
    Profile {
        email: "daniel.levi@harbor.example",
        pronouns: "he/him",
        credentials: "LCSW (NY) · Sex therapy training in progress",
        headline: "Performance anxiety, erectile and ejaculation concerns, trauma-informed care",
        approach: "Many sexual difficulties are kept going by worry about them. I combine education, anxiety \
                   work and gradual practice, and I make sure medical causes are checked with your physician. \
                   Trauma-informed and unhurried.",
        languages: "English, Hebrew",
        in_person: true,
        telehealth: true,
        accepting: false,
    },
];

/// What the demo directory shows of each therapist (all fictional).
struct Listing {
    email: &'static str,
    concerns: &'static [&'static str],
    languages: &'static [&'static str],
    payers: &'static [&'static str],
    /// ZIP code of the office, when seen in person.
    office: Option<(&'static str, &'static str)>,
    /// (licence type, number, jurisdiction)
    licences: &'static [(&'static str, &'static str, &'static str)],
    certified: bool,
    gender: &'static str,
    couples: bool,
    fee_cents: i64,
    sliding_scale: bool,
    lgbtq: bool,
}

const LISTINGS: &[Listing] = &[
    Listing {
        email: "dr.rivera@harbor.example",
        concerns: &["low-desire", "arousal-difficulties", "genito-pelvic-pain", "vaginismus", "orgasm-difficulties"],
        languages: &["en", "es"],
        payers: &["aetna", "cigna"],
        office: Some(("10001", "Midtown office, 5th floor, elevator")),
        licences: &[("psychologist", "NY-PSY-018273", "US-NY")],
        certified: true,
        gender: "woman",
        couples: true,
        fee_cents: 18_000,
        sliding_scale: false,
        lgbtq: true,
    },
    Listing {
        email: "sam.chen@harbor.example",
        concerns: &[
            "desire-discrepancy",
            "intimacy-and-communication",
            "infidelity-recovery",
            "relationship-structures",
        ],
        languages: &["en", "cmn"],
        payers: &[],
        office: None,
        licences: &[("lmft", "NY-MFT-004512", "US-NY"), ("lmft", "NJ-MFT-77120", "US-NJ")],
        certified: true,
        gender: "non-binary",
        couples: true,
        fee_cents: 16_000,
        sliding_scale: true,
        lgbtq: true,
    },
    Listing {
        email: "daniel.levi@harbor.example",
        concerns: &["performance-anxiety", "erection-difficulties", "early-ejaculation", "sexual-trauma"],
        languages: &["en", "he"],
        payers: &["aetna", "bcbs"],
        office: Some(("11201", "Brooklyn Heights office, ground floor, step-free")),
        licences: &[("lcsw", "NY-SW-092214", "US-NY")],
        certified: false,
        gender: "man",
        couples: false,
        fee_cents: 14_000,
        sliding_scale: true,
        lgbtq: false,
    },
];

/// (client emails, therapist email, kind, weekday offsets, local time,
/// format, where the case stands, who supervises it)
struct DemoCase {
    clients: &'static [&'static str],
    therapist: &'static str,
    kind: CaseKind,
    first_day: i64,
    hour: i8,
    format: SessionFormat,
    status: CaseStatus,
    supervisor: Option<&'static str>,
}

const CASES: &[DemoCase] = &[
    DemoCase {
        clients: &["jordan@client.example"],
        therapist: "dr.rivera@harbor.example",
        kind: CaseKind::Individual,
        first_day: 1,
        hour: 10,
        format: SessionFormat::InPerson,
        status: CaseStatus::Active,
        supervisor: None,
    },
    DemoCase {
        clients: &["alex@client.example", "riley@client.example"],
        therapist: "sam.chen@harbor.example",
        kind: CaseKind::Couple,
        first_day: 2,
        hour: 18,
        format: SessionFormat::Telehealth,
        status: CaseStatus::Intake,
        supervisor: Some("dr.rivera@harbor.example"),
    },
    DemoCase {
        clients: &["priya@client.example"],
        therapist: "daniel.levi@harbor.example",
        kind: CaseKind::Individual,
        first_day: 3,
        hour: 14,
        format: SessionFormat::Telehealth,
        status: CaseStatus::Active,
        supervisor: None,
    },
    DemoCase {
        clients: &["alex@client.example"],
        therapist: "dr.rivera@harbor.example",
        kind: CaseKind::Individual,
        first_day: 4,
        hour: 16,
        format: SessionFormat::Telehealth,
        status: CaseStatus::Intake,
        supervisor: None,
    },
];

/// Weekly sessions per demo case.
const WEEKS: i64 = 4;

/// The most synthetic therapists the demo directory takes
/// (`sensate demo --therapists`): ten times the size it is built for.
pub const MAX_DEMO_THERAPISTS: u32 = 1_000_000;
/// Synthetic therapists added per transaction.
const THERAPIST_BATCH: u32 = 2_000;

pub async fn is_demo_database(store: &dyn Store) -> Result<bool, AppError> {
    Ok(store.meta_get(META_MODE).await?.as_deref() == Some("demo"))
}

/// Whether the database holds anything at all (a practice).
pub async fn is_empty_database(store: &dyn Store) -> Result<bool, AppError> {
    Ok(store.practice_count().await? == 0 && store.meta_get(META_MODE).await?.is_none())
}

pub fn demo_logins() -> Vec<DemoLogin> {
    PEOPLE.iter().map(|p| DemoLogin { role: p.what, name: p.name, email: p.email }).collect()
}

impl App {
    /// Fills an empty database with the demo practice, its appointments
    /// placed in the weeks after today (practice time).
    pub async fn seed_demo(&self) -> Result<(), AppError> {
        let store = &self.store;
        store.meta_set(META_MODE, "demo").await?;
        let now = self.now();
        let practice = NewPractice {
            id: PracticeId::new(),
            name: "Harbor Sexual Health Collective".to_string(),
            time_zone: sensate_domain::TimeZoneName::parse(DEMO_TIME_ZONE)
                .map_err(|_| AppError::Internal("the demo's zone is unknown".into()))?,
            created_at: now,
        };
        store.insert_practice(&practice).await?;
        // A complete practice, as a real one would set it up: where it is,
        // how to reach it, and the neutral name its emails go out under.
        let settings = sensate_store::PracticeRecord {
            id: practice.id,
            name: practice.name.clone(),
            time_zone: practice.time_zone.clone(),
            address: "200 Harbor Street, Suite 4, Boston, MA 02110".to_string(),
            contact_email: "hello@harbor.example".to_string(),
            phone: "+1 617 555 0142".to_string(),
            reminders_name_service: false,
            sender_name: "Harbor Collective".to_string(),
        };
        store.update_practice_settings(&settings, 24).await?;

        // One hash for every demo account: they share the published password.
        let password_hash = self.passwords.hash(DEMO_PASSWORD.to_string()).await?;
        let mut ids = std::collections::HashMap::new();
        for person in PEOPLE {
            let id = UserId::new();
            store
                .insert_user(&NewUser {
                    id,
                    email: Email::parse(person.email)
                        .map_err(|_| AppError::Internal("a demo address does not parse".into()))?,
                    display_name: person.name.to_string(),
                    password_hash: password_hash.clone(),
                    created_at: now,
                })
                .await?;
            store.insert_membership(practice.id, id, person.role, now).await?;
            if person.role.is_staff() {
                self.identity().enrol_demo_mfa(id).await?;
            }
            ids.insert(person.email, (id, person.name));
        }
        let id_of = |email: &str| {
            ids.get(email)
                .map(|(id, _)| *id)
                .ok_or_else(|| AppError::Internal(format!("demo data names an unknown person: {email}")))
        };

        for profile in PROFILES {
            let (user_id, name) = ids
                .get(profile.email)
                .copied()
                .ok_or_else(|| AppError::Internal("demo profile without a person".into()))?;
            store
                .insert_therapist_profile(&TherapistProfile {
                    user_id,
                    practice_id: practice.id,
                    display_name: name.to_string(),
                    pronouns: profile.pronouns.to_string(),
                    credentials: profile.credentials.to_string(),
                    headline: profile.headline.to_string(),
                    approach: profile.approach.split_whitespace().collect::<Vec<_>>().join(" "),
                    languages: profile.languages.to_string(),
                    offers_in_person: profile.in_person,
                    offers_telehealth: profile.telehealth,
                    accepting_new_clients: profile.accepting,
                })
                .await?;
        }

        let owner = id_of("owner@harbor.example")?;
        self.seed_demo_directory(practice.id, owner, &id_of).await?;
        let therapists = PROFILES
            .iter()
            .map(|profile| Ok((id_of(profile.email)?, profile.in_person)))
            .collect::<Result<Vec<_>, AppError>>()?;
        self.seed_demo_scheduling(practice.id, &practice.time_zone, &therapists).await?;

        let zone = jiff::tz::TimeZone::get(DEMO_TIME_ZONE).map_err(|e| AppError::Internal(e.to_string()))?;
        let today = now.to_zoned(zone.clone()).date();
        // A session of a case at a whole hour of a day on the practice's clock.
        let session = |case: &NewCase, day: Date, hour: i8, minutes: i64, format, status| {
            let starts_at = day
                .to_datetime(Time::constant(hour, 0, 0, 0))
                .to_zoned(zone.clone())
                .map_err(|e| AppError::Internal(e.to_string()))?
                .timestamp();
            Ok::<_, AppError>(NewAppointment {
                id: AppointmentId::new(),
                practice_id: practice.id,
                case_id: Some(case.id),
                clinician_id: case.clinician_id,
                starts_at,
                ends_at: starts_at + SignedDuration::from_mins(minutes),
                time_zone: practice.time_zone.clone(),
                format,
                status,
                created_at: now,
                session_type_id: None,
                held_until: None,
                attendees: Vec::new(),
            })
        };
        let mut cases = Vec::new();
        for demo_case in CASES {
            let case = NewCase {
                id: CaseId::new(),
                practice_id: practice.id,
                clinician_id: id_of(demo_case.therapist)?,
                kind: demo_case.kind,
                members: demo_case.clients.iter().map(|c| id_of(c)).collect::<Result<_, _>>()?,
                opened_at: now,
            };
            store.insert_case(&case).await?;
            if demo_case.status != CaseStatus::Intake {
                store.change_case_status(case.id, CaseStatus::Intake, demo_case.status, now).await?;
            }
            if let Some(supervisor) = demo_case.supervisor {
                store.add_to_care_team(case.id, id_of(supervisor)?, CareRole::Supervisor, now).await?;
            }
            cases.push(case.clone());
            for week in 0..WEEKS {
                let day = next_weekday(today, demo_case.first_day + week * 7)?;
                let minutes = if demo_case.kind == CaseKind::Couple { 60 } else { 50 };
                // Established clients' sessions are agreed; "requested" means
                // a booking request that waits for the therapist, and only that.
                store
                    .insert_appointment(&session(
                        &case,
                        day,
                        demo_case.hour,
                        minutes,
                        demo_case.format,
                        AppointmentStatus::Confirmed,
                    )?)
                    .await?;
            }
            // A couple's therapy mixes joint sessions with each partner's
            // own: the second partner has one in the first week, which the
            // first partner never sees.
            if let (CaseKind::Couple, Some(partner)) = (demo_case.kind, case.members.get(1)) {
                let day = next_weekday(today, demo_case.first_day + 1)?;
                let alone = NewAppointment {
                    attendees: vec![*partner],
                    ..session(&case, day, demo_case.hour - 1, 50, demo_case.format, AppointmentStatus::Confirmed)?
                };
                store.insert_appointment(&alone).await?;
            }
        }
        self.seed_demo_care(practice.id, &cases).await?;
        // A session that already took place on the last weekday, so the
        // therapist's calendar shows this week's work, not only what lies ahead.
        if let Some(case) = cases.first() {
            let mut day = today.yesterday().map_err(|e| AppError::Internal(e.to_string()))?;
            while matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) {
                day = day.yesterday().map_err(|e| AppError::Internal(e.to_string()))?;
            }
            store
                .insert_appointment(&session(case, day, 9, 50, SessionFormat::InPerson, AppointmentStatus::Completed)?)
                .await?;
        }
        Ok(())
    }
}

impl App {
    /// Where the demo's clients stand in their care: Jordan, through
    /// intake, signed the consent, sent the answers and signed a release of
    /// information to their physician; of the couple, Alex
    /// signed the consent and left the intake as a draft, Riley has not
    /// started.
    async fn seed_demo_care(&self, practice: PracticeId, cases: &[NewCase]) -> Result<(), AppError> {
        use sensate_domain::care::consent::ConsentKind;
        use sensate_domain::care::intake::IntakeAnswers;
        let now = self.now();
        let mut ids = Vec::new();
        for email in ["jordan@client.example", "alex@client.example"] {
            ids.push(self.store.login_record(email).await?.map(|u| u.id).ok_or(AppError::NotFound)?);
        }
        let (jordan, alex) = (ids[0], ids[1]);
        for (client, name) in [(jordan, "Jordan Miles"), (alex, "Alex Kim")] {
            let requests = self.care().requests_for(practice, client).await?;
            if let Some(request) = requests.into_iter().find(|r| r.kind == ConsentKind::SexTherapy) {
                let signature =
                    crate::care::consents::signature_of(request, practice, client, name.to_string(), "192.0.2.10", now);
                self.store.insert_signature(&signature).await?;
            }
        }
        let case_of =
            |client: UserId, kind: CaseKind| cases.iter().find(|c| c.kind == kind && c.members.contains(&client));
        if let Some(case) = case_of(jordan, CaseKind::Individual) {
            let answers = IntakeAnswers {
                goals: "Feel relaxed and confident again with a new partner.".into(),
                concerns: vec!["performance-anxiety".into()],
                format: "alone".into(),
                sex_education: "Mostly from friends and the internet; little about feelings or consent.".into(),
                unwanted_experience: "no".into(),
                feels_safe: "yes".into(),
                ..IntakeAnswers::default()
            };
            let sealed = self.care().sealed(practice, case.id, jordan, &answers, true).await?;
            self.store.save_intake(&sealed).await?;
            self.seed_demo_release(practice, case, jordan).await?;
        }
        if let Some(case) = case_of(alex, CaseKind::Couple) {
            let answers = IntakeAnswers {
                goals: "Talk about what we each want without it turning into an argument.".into(),
                format: "mix".into(),
                ..IntakeAnswers::default()
            };
            let sealed = self.care().sealed(practice, case.id, alex, &answers, false).await?;
            self.store.save_intake(&sealed).await?;
        }
        Ok(())
    }

    /// Jordan's therapist asked for a release to Jordan's physician, and
    /// Jordan signed it.
    async fn seed_demo_release(&self, practice: PracticeId, case: &NewCase, jordan: UserId) -> Result<(), AppError> {
        use sensate_domain::care::release::{ReleaseTerms, SharedInformation, usual_expiry};
        let now = self.now();
        let today = self.care().today_in(practice).await?;
        let release = crate::care::consents::Release {
            id: sensate_domain::ReleaseId::new(),
            practice_id: practice,
            case_id: case.id,
            terms: ReleaseTerms {
                recipient: "Dr. Priya Patel, primary care physician".into(),
                shared: vec![SharedInformation::HealthHistory, SharedInformation::Progress],
                purpose: "Coordinating care: a physical check-up to rule out a medical cause".into(),
                expires_on: usual_expiry(today),
            },
            requested_by: case.clinician_id,
            requested_at: now,
        };
        self.store.insert_release(&release).await?;
        let requests = self.care().requests_for(practice, jordan).await?;
        if let Some(request) = requests.into_iter().find(|r| r.release == Some(release.id)) {
            let signature = crate::care::consents::signature_of(
                request,
                practice,
                jordan,
                "Jordan Miles".to_string(),
                "192.0.2.10",
                now,
            );
            self.store.insert_signature(&signature).await?;
        }
        Ok(())
    }

    /// Directory listings for the demo therapists: concerns, languages,
    /// payers, an office placed by its ZIP code, licences verified by the
    /// owner (so they are listed), certifications.
    async fn seed_demo_directory(
        &self,
        practice: PracticeId,
        owner: UserId,
        id_of: &dyn Fn(&str) -> Result<UserId, AppError>,
    ) -> Result<(), AppError> {
        let reference = crate::directory::search::reference_data()?;
        let now = self.now();
        let expires_on = now.to_zoned(jiff::tz::TimeZone::UTC).date().saturating_add(2.years());
        for listing in LISTINGS {
            let user = id_of(listing.email)?;
            let Some(mut record) = self.store.directory_profile(user).await? else {
                return Err(AppError::Internal("demo listing without a profile".into()));
            };
            record.gender = listing.gender.to_string();
            record.sees_individuals = true;
            record.sees_couples = listing.couples;
            record.affirming_lgbtq = listing.lgbtq;
            record.min_fee_cents = Some(listing.fee_cents);
            record.sliding_scale = listing.sliding_scale;
            record.free_consultation = true;
            record.superbill = true;
            record.concerns = listing.concerns.iter().map(|s| s.to_string()).collect();
            record.language_codes = listing.languages.iter().map(|s| s.to_string()).collect();
            record.payers = listing.payers.iter().map(|s| s.to_string()).collect();
            record.offices = match listing.office {
                Some((zip, label)) => {
                    let place = reference
                        .postal(zip)
                        .ok_or_else(|| AppError::Internal(format!("demo ZIP {zip} missing from the reference data")))?;
                    vec![sensate_store::OfficeRecord {
                        id: sensate_domain::OfficeId::new(),
                        label: label.to_string(),
                        address: format!("{} {}", place.city, place.state),
                        postal_code: zip.to_string(),
                        lat: place.lat,
                        lon: place.lon,
                        accessibility: "Step-free access; quiet waiting room".to_string(),
                    }]
                }
                None => Vec::new(),
            };
            self.store.save_directory_profile(&record, now).await?;
            let verification =
                sensate_store::Verification { at: now, by: owner, method: "State board online register".to_string() };
            for (kind, number, jurisdiction) in listing.licences {
                let id = sensate_domain::CredentialId::new();
                self.store
                    .insert_licence(&sensate_store::LicenceRecord {
                        id,
                        user_id: user,
                        practice_id: practice,
                        licence_type: kind.to_string(),
                        number: number.to_string(),
                        jurisdiction: jurisdiction.to_string(),
                        expires_on,
                        verification: None,
                    })
                    .await?;
                self.store.verify_licence(practice, id, &verification).await?;
            }
            if listing.certified {
                let id = sensate_domain::CredentialId::new();
                self.store
                    .insert_certification(&sensate_store::CertificationRecord {
                        id,
                        user_id: user,
                        practice_id: practice,
                        body: "aasect".to_string(),
                        credential_id: format!("CST-DEMO-{}", &number_of(listing.email)),
                        expires_on: Some(expires_on),
                        verification: None,
                    })
                    .await?;
                self.store.verify_certification(practice, id, &verification).await?;
            }
        }
        Ok(())
    }
}

impl App {
    /// Adds `count` synthetic therapists ([`crate::directory::synthetic`], always the
    /// same ones for the same day) to the demo directory, each with a
    /// verified licence that has not expired, so every one of them is
    /// listed. Runs in transactions of a few thousand and calls
    /// `progress(done, count)` after each. Only a demo database takes them.
    pub async fn seed_demo_therapists(
        &self,
        count: u32,
        progress: &mut (dyn FnMut(u32, u32) + Send),
    ) -> Result<(), AppError> {
        if count > MAX_DEMO_THERAPISTS {
            return Err(AppError::Internal(format!("at most {MAX_DEMO_THERAPISTS} synthetic therapists")));
        }
        if !is_demo_database(self.store.as_ref()).await? {
            return Err(AppError::Internal("synthetic therapists are only added to the demo database".into()));
        }
        let now = self.now();
        let mut generator = SyntheticDirectory::new(SyntheticOptions {
            seed: DEMO_SEED,
            today: now.to_zoned(jiff::tz::TimeZone::UTC).date(),
            now,
            all_listed: true,
        })?;
        let mut done = 0;
        while done < count {
            let size = (count - done).min(THERAPIST_BATCH);
            let batch = generator.batch(size as usize)?;
            self.store.import_directory(&batch, now).await?;
            // A realistic share gets hours (none booked yet), so "next available" has something to show.
            let schedules = crate::directory::synthetic::synthetic_schedules(DEMO_SEED ^ u64::from(done), &batch, now);
            let hours: Vec<_> = schedules.clinicians.into_iter().map(|c| c.availability).collect();
            let kinds: Vec<_> = schedules.session_types.into_values().flatten().collect();
            self.store.import_schedules(&hours, &kinds).await?;
            done += size;
            progress(done, count);
        }
        Ok(())
    }
}

fn number_of(email: &str) -> String {
    email.bytes().map(u32::from).sum::<u32>().to_string()
}

/// `offset` days after `today`, moved forward past a weekend: practices in
/// the demo see clients Monday to Friday.
fn next_weekday(today: Date, offset: i64) -> Result<Date, AppError> {
    let mut day = today.checked_add(offset.days()).map_err(|e| AppError::Internal(e.to_string()))?;
    while matches!(day.weekday(), jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday) {
        day = day.tomorrow().map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_sessions_fall_on_weekdays() {
        let saturday: Date = "2026-11-21".parse().unwrap();
        assert_eq!(next_weekday(saturday, 0).unwrap().to_string(), "2026-11-23");
        assert_eq!(next_weekday(saturday, 3).unwrap().to_string(), "2026-11-24");
    }

    #[test]
    fn every_role_has_a_demo_login() {
        let logins = demo_logins();
        for role in Role::ALL {
            assert!(PEOPLE.iter().any(|p| p.role == role), "{role:?}");
        }
        assert_eq!(logins.len(), PEOPLE.len());
        assert!(logins.iter().all(|l| l.email.ends_with(".example")));
    }
}
