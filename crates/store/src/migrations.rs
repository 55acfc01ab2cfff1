//! Schema migrations. Each step exists for both engines under the same version
//! number, so a database of either kind at version N has the same tables and
//! columns (checked by the conformance suite).
//!
//! A step is written once (`migrations/shared/`) when the engines differ only
//! in column types: the placeholders `{{uuid}}`, `{{bytes}}`, `{{bigint}}`
//! and `{{serial}}` (an auto-numbered primary key) become each engine's type
//! when the migrator is built. A step that needs engine-specific SQL (triggers,
//! constraints, sequences) is a file per engine. Steps are never edited once
//! released: the database keeps each applied step's checksum.
use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

struct Step {
    version: i64,
    description: &'static str,
    sql: Sql,
}

/// A step's SQL: once for both engines, or one file each.
enum Sql {
    Shared(&'static str),
    PerEngine { sqlite: &'static str, postgres: &'static str },
}

/// Each engine's column types for the placeholders of shared steps.
const SQLITE_TYPES: [(&str, &str); 4] = [
    ("{{uuid}}", "BLOB"),
    ("{{bytes}}", "BLOB"),
    ("{{bigint}}", "INTEGER"),
    ("{{serial}}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
];
const POSTGRES_TYPES: [(&str, &str); 4] =
    [("{{uuid}}", "UUID"), ("{{bytes}}", "BYTEA"), ("{{bigint}}", "BIGINT"), ("{{serial}}", "BIGSERIAL PRIMARY KEY")];

#[derive(Clone, Copy)]
enum Target {
    Sqlite,
    Postgres,
}

impl Step {
    fn sql(&self, target: Target) -> Cow<'static, str> {
        match (&self.sql, target) {
            (Sql::PerEngine { sqlite, .. }, Target::Sqlite) => Cow::Borrowed(sqlite),
            (Sql::PerEngine { postgres, .. }, Target::Postgres) => Cow::Borrowed(postgres),
            (Sql::Shared(text), target) => {
                let types = match target {
                    Target::Sqlite => &SQLITE_TYPES,
                    Target::Postgres => &POSTGRES_TYPES,
                };
                Cow::Owned(types.iter().fold(text.to_string(), |sql, (from, to)| sql.replace(from, to)))
            }
        }
    }
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        description: "foundation",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
            postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
        },
    },
    Step {
        version: 2,
        description: "practice_contact",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0002_practice_contact.sql"),
            postgres: include_str!("../migrations/postgres/0002_practice_contact.sql"),
        },
    },
    Step {
        version: 3,
        description: "identity",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0003_identity.sql"),
            postgres: include_str!("../migrations/postgres/0003_identity.sql"),
        },
    },
    Step {
        version: 4,
        description: "directory",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0004_directory.sql"),
            postgres: include_str!("../migrations/postgres/0004_directory.sql"),
        },
    },
    Step {
        version: 5,
        description: "profile_photos",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0005_profile_photos.sql"),
            postgres: include_str!("../migrations/postgres/0005_profile_photos.sql"),
        },
    },
    Step {
        version: 6,
        description: "scheduling",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0006_scheduling.sql"),
            postgres: include_str!("../migrations/postgres/0006_scheduling.sql"),
        },
    },
    Step {
        version: 7,
        description: "availability",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0007_availability.sql"),
            postgres: include_str!("../migrations/postgres/0007_availability.sql"),
        },
    },
    Step {
        version: 8,
        description: "calendar_feeds",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0008_calendar_feeds.sql"),
            postgres: include_str!("../migrations/postgres/0008_calendar_feeds.sql"),
        },
    },
    Step {
        version: 9,
        description: "booking_requests",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0009_booking_requests.sql"),
            postgres: include_str!("../migrations/postgres/0009_booking_requests.sql"),
        },
    },
    Step {
        version: 10,
        description: "jobs",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0010_jobs.sql"),
            postgres: include_str!("../migrations/postgres/0010_jobs.sql"),
        },
    },
    Step {
        version: 11,
        description: "appointment_changes",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0011_appointment_changes.sql"),
            postgres: include_str!("../migrations/postgres/0011_appointment_changes.sql"),
        },
    },
    Step {
        version: 12,
        description: "series",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0012_series.sql"),
            postgres: include_str!("../migrations/postgres/0012_series.sql"),
        },
    },
    Step {
        version: 13,
        description: "scheduling_version",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0013_scheduling_version.sql"),
            postgres: include_str!("../migrations/postgres/0013_scheduling_version.sql"),
        },
    },
    Step {
        version: 14,
        description: "audit_with_actions",
        sql: Sql::Shared(include_str!("../migrations/shared/0014_audit_with_actions.sql")),
    },
    Step {
        version: 15,
        description: "client_profiles_per_practice",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0015_client_profiles_per_practice.sql"),
            postgres: include_str!("../migrations/postgres/0015_client_profiles_per_practice.sql"),
        },
    },
    Step {
        version: 16,
        description: "rate_limit_attempts",
        sql: Sql::Shared(include_str!("../migrations/shared/0016_rate_limit_attempts.sql")),
    },
    Step {
        version: 17,
        description: "membership_disabling",
        sql: Sql::Shared(include_str!("../migrations/shared/0017_membership_disabling.sql")),
    },
    Step {
        version: 18,
        description: "practice_sender_name",
        sql: Sql::Shared(include_str!("../migrations/shared/0018_practice_sender_name.sql")),
    },
    Step {
        version: 19,
        description: "identity_version",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0019_identity_version.sql"),
            postgres: include_str!("../migrations/postgres/0019_identity_version.sql"),
        },
    },
    Step {
        version: 20,
        description: "calendar_version",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0020_calendar_version.sql"),
            postgres: include_str!("../migrations/postgres/0020_calendar_version.sql"),
        },
    },
    Step {
        version: 21,
        description: "acting_practice",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0021_acting_practice.sql"),
            postgres: include_str!("../migrations/postgres/0021_acting_practice.sql"),
        },
    },
    Step {
        version: 22,
        description: "care_team",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0022_care_team.sql"),
            postgres: include_str!("../migrations/postgres/0022_care_team.sql"),
        },
    },
    Step {
        version: 23,
        description: "consents",
        sql: Sql::Shared(include_str!("../migrations/shared/0023_consents.sql")),
    },
    Step { version: 24, description: "intake", sql: Sql::Shared(include_str!("../migrations/shared/0024_intake.sql")) },
    Step {
        version: 25,
        description: "messages",
        sql: Sql::Shared(include_str!("../migrations/shared/0025_messages.sql")),
    },
    Step {
        version: 26,
        description: "releases",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0026_releases.sql"),
            postgres: include_str!("../migrations/postgres/0026_releases.sql"),
        },
    },
    Step {
        version: 27,
        description: "message_attachments",
        sql: Sql::Shared(include_str!("../migrations/shared/0027_message_attachments.sql")),
    },
    Step {
        version: 28,
        description: "appointment_attendees",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0028_appointment_attendees.sql"),
            postgres: include_str!("../migrations/postgres/0028_appointment_attendees.sql"),
        },
    },
    Step {
        version: 29,
        description: "care_version",
        sql: Sql::PerEngine {
            sqlite: include_str!("../migrations/sqlite/0029_care_version.sql"),
            postgres: include_str!("../migrations/postgres/0029_care_version.sql"),
        },
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    STEPS.iter().map(|step| step.version).max().unwrap_or(0)
}

fn migrator(target: Target, up_to: i64) -> Migrator {
    let migrations = STEPS
        .iter()
        .filter(|step| step.version <= up_to)
        .map(|step| {
            Migration::new(
                step.version,
                Cow::Borrowed(step.description),
                MigrationType::Simple,
                step.sql(target),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

pub(crate) fn sqlite(up_to: i64) -> Migrator {
    migrator(Target::Sqlite, up_to)
}

pub(crate) fn postgres(up_to: i64) -> Migrator {
    migrator(Target::Postgres, up_to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(engine: &str) -> Vec<String> {
        let dir = format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_listed_once_for_both_engines() {
        let name = |step: &Step| format!("{:04}_{}.sql", step.version, step.description);
        let per_engine: Vec<String> =
            STEPS.iter().filter(|step| matches!(step.sql, Sql::PerEngine { .. })).map(name).collect();
        let shared: Vec<String> = STEPS.iter().filter(|step| matches!(step.sql, Sql::Shared(_))).map(name).collect();
        assert_eq!(files("sqlite"), per_engine);
        assert_eq!(files("postgres"), per_engine);
        assert_eq!(files("shared"), shared);
        let mut versions: Vec<i64> = STEPS.iter().map(|step| step.version).collect();
        versions.dedup();
        assert_eq!(versions.len(), STEPS.len());
    }

    #[test]
    fn shared_steps_leave_no_placeholder_behind() {
        for step in STEPS.iter().filter(|step| matches!(step.sql, Sql::Shared(_))) {
            for target in [Target::Sqlite, Target::Postgres] {
                let sql = step.sql(target);
                assert!(!sql.contains("{{"), "step {} keeps a placeholder: {sql}", step.version);
            }
        }
        let step = STEPS.iter().find(|step| step.version == 14).unwrap();
        assert!(step.sql(Target::Sqlite).contains("id INTEGER PRIMARY KEY AUTOINCREMENT"));
        assert!(step.sql(Target::Postgres).contains("actor_id UUID"));
    }
}
