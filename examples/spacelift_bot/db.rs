//! The reference bot's database: a SQLite file with the SaaS accounts and
//! worker pools that its commands administer.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// One customer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub subdomain: String,
    pub plan: String,
    pub status: String,
    /// The end of the trial as an ISO date (`YYYY-MM-DD`, UTC), if on a trial.
    pub trial_end: Option<String>,
    pub disabled_reason: Option<String>,
    pub users: i64,
    pub shard: String,
    pub created: String,
}

/// One worker pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub name: String,
    pub workers: i64,
    /// When the pool was last cycled, as `YYYY-MM-DD HH:MM:SS` in UTC.
    pub cycled: Option<String>,
}

/// The application state the bot's handlers share.
pub struct Database {
    connection: Mutex<Connection>,
}

impl Database {
    /// Opens the database at `path`, creating it and seeding demo accounts
    /// when it does not exist yet. `now` is the current Unix time in seconds.
    pub fn open(path: &Path, now: i64) -> rusqlite::Result<Self> {
        let connection = Connection::open(path)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        create_schema(&connection)?;
        seed_if_empty(&connection, now)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns the account `subdomain`, if it exists.
    pub fn account(&self, subdomain: &str) -> rusqlite::Result<Option<Account>> {
        self.lock()
            .query_row(
                "SELECT subdomain, plan, status, date(trial_end, 'unixepoch'), disabled_reason,
                        users, shard, date(created, 'unixepoch')
                 FROM accounts WHERE subdomain = ?1 COLLATE NOCASE",
                params![subdomain],
                |row| {
                    Ok(Account {
                        subdomain: row.get(0)?,
                        plan: row.get(1)?,
                        status: row.get(2)?,
                        trial_end: row.get(3)?,
                        disabled_reason: row.get(4)?,
                        users: row.get(5)?,
                        shard: row.get(6)?,
                        created: row.get(7)?,
                    })
                },
            )
            .optional()
    }

    /// Sets the end of `subdomain`'s trial to `trial_end` (Unix seconds) and
    /// returns whether the account exists.
    pub fn set_trial_end(&self, subdomain: &str, trial_end: i64) -> rusqlite::Result<bool> {
        let changed = self.lock().execute(
            "UPDATE accounts SET trial_end = ?2 WHERE subdomain = ?1 COLLATE NOCASE",
            params![subdomain, trial_end],
        )?;
        Ok(changed == 1)
    }

    /// Disables `subdomain` with `reason` and returns whether the account exists.
    pub fn disable(&self, subdomain: &str, reason: &str) -> rusqlite::Result<bool> {
        let changed = self.lock().execute(
            "UPDATE accounts SET status = 'disabled', disabled_reason = ?2
             WHERE subdomain = ?1 COLLATE NOCASE",
            params![subdomain, reason],
        )?;
        Ok(changed == 1)
    }

    /// Deletes `subdomain` and returns whether the account existed.
    pub fn delete(&self, subdomain: &str) -> rusqlite::Result<bool> {
        let changed = self.lock().execute(
            "DELETE FROM accounts WHERE subdomain = ?1 COLLATE NOCASE",
            params![subdomain],
        )?;
        Ok(changed == 1)
    }

    /// Records that the workers of `pool` were cycled at `now` and returns
    /// how many workers the pool has, or `None` for an unknown pool.
    pub fn cycle_pool(&self, pool: &str, now: i64) -> rusqlite::Result<Option<i64>> {
        let connection = self.lock();
        let changed = connection.execute(
            "UPDATE pools SET cycled_at = ?2 WHERE name = ?1 COLLATE NOCASE",
            params![pool, now],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        connection
            .query_row(
                "SELECT workers FROM pools WHERE name = ?1 COLLATE NOCASE",
                params![pool],
                |row| row.get(0),
            )
            .optional()
    }

    /// Returns the worker pool `name`, if it exists.
    pub fn pool(&self, name: &str) -> rusqlite::Result<Option<Pool>> {
        self.lock()
            .query_row(
                "SELECT name, workers, datetime(cycled_at, 'unixepoch') FROM pools
                 WHERE name = ?1 COLLATE NOCASE",
                params![name],
                |row| {
                    Ok(Pool {
                        name: row.get(0)?,
                        workers: row.get(1)?,
                        cycled: row.get(2)?,
                    })
                },
            )
            .optional()
    }

    /// Returns the names of every worker pool.
    pub fn pool_names(&self) -> rusqlite::Result<Vec<String>> {
        let connection = self.lock();
        let mut statement = connection.prepare("SELECT name FROM pools ORDER BY name")?;
        let names = statement.query_map([], |row| row.get(0))?;
        names.collect()
    }

    /// Formats `seconds` (Unix time) as an ISO date in UTC.
    pub fn iso_date(&self, seconds: i64) -> rusqlite::Result<String> {
        self.lock()
            .query_row("SELECT date(?1, 'unixepoch')", params![seconds], |row| {
                row.get(0)
            })
    }
}

fn create_schema(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS accounts (
             subdomain TEXT PRIMARY KEY COLLATE NOCASE,
             plan TEXT NOT NULL,
             status TEXT NOT NULL,
             trial_end INTEGER,
             disabled_reason TEXT,
             users INTEGER NOT NULL,
             shard TEXT NOT NULL,
             created INTEGER NOT NULL
         );
         CREATE TABLE IF NOT EXISTS pools (
             name TEXT PRIMARY KEY COLLATE NOCASE,
             workers INTEGER NOT NULL,
             cycled_at INTEGER
         );",
    )
}

fn seed_if_empty(connection: &Connection, now: i64) -> rusqlite::Result<()> {
    let count: i64 = connection.query_row("SELECT COUNT(*) FROM accounts", [], |row| row.get(0))?;
    if count > 0 {
        return Ok(());
    }
    let accounts = [
        (
            "acme",
            "trial",
            Some(now + 7 * DAY),
            12,
            "eu-1",
            now - 23 * DAY,
        ),
        ("globex", "business", None, 240, "us-2", now - 400 * DAY),
        (
            "initech",
            "trial",
            Some(now - 2 * DAY),
            3,
            "us-1",
            now - 16 * DAY,
        ),
    ];
    for (subdomain, plan, trial_end, users, shard, created) in accounts {
        connection.execute(
            "INSERT INTO accounts (subdomain, plan, status, trial_end, users, shard, created)
             VALUES (?1, ?2, 'active', ?3, ?4, ?5, ?6)",
            params![subdomain, plan, trial_end, users, shard, created],
        )?;
    }
    for (name, workers) in [("default", 4), ("reports", 2)] {
        connection.execute(
            "INSERT INTO pools (name, workers) VALUES (?1, ?2)",
            params![name, workers],
        )?;
    }
    Ok(())
}
