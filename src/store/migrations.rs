//! The schema migrations of both backends, embedded in the binary.
//!
//! Each backend has its own list because the SQL dialects differ, but the versions and names
//! line up: version N means the same schema on SQLite and PostgreSQL. A migration is applied
//! once and recorded in `mirage_migrations`; the runner of each backend decides what is pending
//! by reading that table inside a transaction that excludes other runners.

/// One schema step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// Ordinal, starting at 1; the primary key of `mirage_migrations`.
    pub(crate) version: i32,
    /// Short name, recorded alongside the version for operators.
    pub(crate) name: &'static str,
    /// The statements, run as one batch.
    pub(crate) sql: &'static str,
}

/// SQLite migrations, oldest first.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "events",
        sql: include_str!("../../migrations/sqlite/0001_events.sql"),
    },
    Migration {
        version: SESSIONS,
        name: "sessions",
        sql: include_str!("../../migrations/sqlite/0002_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "strategy",
        sql: include_str!("../../migrations/sqlite/0003_strategy.sql"),
    },
    Migration {
        version: 4,
        name: "session_phase_strategy",
        sql: include_str!("../../migrations/sqlite/0004_session_phase_strategy.sql"),
    },
];

/// PostgreSQL migrations, oldest first.
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "events",
        sql: include_str!("../../migrations/postgres/0001_events.sql"),
    },
    Migration {
        version: SESSIONS,
        name: "sessions",
        sql: include_str!("../../migrations/postgres/0002_sessions.sql"),
    },
    Migration {
        version: 3,
        name: "strategy",
        sql: include_str!("../../migrations/postgres/0003_strategy.sql"),
    },
    Migration {
        version: 4,
        name: "session_phase_strategy",
        sql: include_str!("../../migrations/postgres/0004_session_phase_strategy.sql"),
    },
];

/// The migration that creates `sessions`. When a run applies it, each runner folds the
/// events already stored into it (a node upgraded in place) in the same transaction, after
/// the run's last migration ([`backfills_after`]), so the fold can fill every later column.
pub(crate) const SESSIONS: i32 = 2;

/// Whether the runner folds stored events into `sessions` right after applying `version`:
/// the last of `migrations`, in a run that started below [`SESSIONS`].
pub(crate) fn backfills_after(migrations: &[Migration], applied: i32, version: i32) -> bool {
    applied < SESSIONS && migrations.last().is_some_and(|m| m.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(list: &[Migration]) {
        for (i, m) in list.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1, "versions are 1, 2, 3… in order");
            assert!(!m.name.is_empty());
            assert!(!m.sql.trim().is_empty(), "migration {} is empty", m.version);
        }
    }

    #[test]
    fn versions_are_consecutive() {
        check(SQLITE);
        check(POSTGRES);
    }

    #[test]
    fn backends_have_the_same_steps() {
        let names =
            |list: &[Migration]| list.iter().map(|m| (m.version, m.name)).collect::<Vec<_>>();
        assert_eq!(names(SQLITE), names(POSTGRES));
    }

    #[test]
    fn first_migration_creates_both_tables() {
        for m in [&SQLITE[0], &POSTGRES[0]] {
            assert!(m.sql.contains("CREATE TABLE IF NOT EXISTS events"));
            assert!(
                m.sql
                    .contains("CREATE TABLE IF NOT EXISTS mirage_migrations")
            );
        }
    }
}
