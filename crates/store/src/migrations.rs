//! Schema migrations. Each step exists for both engines under the same version
//! number, so a database of either kind at version N has the same tables and
//! columns (checked by the conformance suite).
use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

struct Step {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        description: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Step {
        version: 2,
        description: "practice_contact",
        sqlite: include_str!("../migrations/sqlite/0002_practice_contact.sql"),
        postgres: include_str!("../migrations/postgres/0002_practice_contact.sql"),
    },
    Step {
        version: 3,
        description: "identity",
        sqlite: include_str!("../migrations/sqlite/0003_identity.sql"),
        postgres: include_str!("../migrations/postgres/0003_identity.sql"),
    },
    Step {
        version: 4,
        description: "directory",
        sqlite: include_str!("../migrations/sqlite/0004_directory.sql"),
        postgres: include_str!("../migrations/postgres/0004_directory.sql"),
    },
    Step {
        version: 5,
        description: "profile_photos",
        sqlite: include_str!("../migrations/sqlite/0005_profile_photos.sql"),
        postgres: include_str!("../migrations/postgres/0005_profile_photos.sql"),
    },
    Step {
        version: 6,
        description: "scheduling",
        sqlite: include_str!("../migrations/sqlite/0006_scheduling.sql"),
        postgres: include_str!("../migrations/postgres/0006_scheduling.sql"),
    },
    Step {
        version: 7,
        description: "availability",
        sqlite: include_str!("../migrations/sqlite/0007_availability.sql"),
        postgres: include_str!("../migrations/postgres/0007_availability.sql"),
    },
    Step {
        version: 8,
        description: "calendar_feeds",
        sqlite: include_str!("../migrations/sqlite/0008_calendar_feeds.sql"),
        postgres: include_str!("../migrations/postgres/0008_calendar_feeds.sql"),
    },
    Step {
        version: 9,
        description: "booking_requests",
        sqlite: include_str!("../migrations/sqlite/0009_booking_requests.sql"),
        postgres: include_str!("../migrations/postgres/0009_booking_requests.sql"),
    },
    Step {
        version: 10,
        description: "jobs",
        sqlite: include_str!("../migrations/sqlite/0010_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0010_jobs.sql"),
    },
    Step {
        version: 11,
        description: "appointment_changes",
        sqlite: include_str!("../migrations/sqlite/0011_appointment_changes.sql"),
        postgres: include_str!("../migrations/postgres/0011_appointment_changes.sql"),
    },
    Step {
        version: 12,
        description: "series",
        sqlite: include_str!("../migrations/sqlite/0012_series.sql"),
        postgres: include_str!("../migrations/postgres/0012_series.sql"),
    },
    Step {
        version: 13,
        description: "scheduling_version",
        sqlite: include_str!("../migrations/sqlite/0013_scheduling_version.sql"),
        postgres: include_str!("../migrations/postgres/0013_scheduling_version.sql"),
    },
    Step {
        version: 14,
        description: "audit_with_actions",
        sqlite: include_str!("../migrations/sqlite/0014_audit_with_actions.sql"),
        postgres: include_str!("../migrations/postgres/0014_audit_with_actions.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    STEPS.iter().map(|step| step.version).max().unwrap_or(0)
}

fn migrator(sql_of: fn(&Step) -> &'static str, up_to: i64) -> Migrator {
    let migrations = STEPS
        .iter()
        .filter(|step| step.version <= up_to)
        .map(|step| {
            Migration::new(
                step.version,
                Cow::Borrowed(step.description),
                MigrationType::Simple,
                Cow::Borrowed(sql_of(step)),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator { migrations: Cow::Owned(migrations), ..Migrator::DEFAULT }
}

pub(crate) fn sqlite(up_to: i64) -> Migrator {
    migrator(|step| step.sqlite, up_to)
}

pub(crate) fn postgres(up_to: i64) -> Migrator {
    migrator(|step| step.postgres, up_to)
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
        let listed: Vec<String> =
            STEPS.iter().map(|step| format!("{:04}_{}.sql", step.version, step.description)).collect();
        assert_eq!(files("sqlite"), listed);
        assert_eq!(files("postgres"), listed);
        let mut versions: Vec<i64> = STEPS.iter().map(|step| step.version).collect();
        versions.dedup();
        assert_eq!(versions.len(), STEPS.len());
    }
}
