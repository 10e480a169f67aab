//! Helpers shared by the tests that run the built examples.

// Each test file includes this module and uses only some of its helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Returns the path of the example binary `name`, building it when
/// `cargo test` did not, for example when one test file runs alone.
pub fn example_binary(name: &str) -> PathBuf {
    let test_binary = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = test_binary
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let binary = profile_dir.join("examples").join(name);
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--example", name])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building the example {name} failed");
    }
    binary
}

/// A folder in the system's temporary folder for one test's database,
/// removed with its contents when dropped.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a folder whose name starts with `backoffice-{name}` and that
    /// no other test or test process uses.
    ///
    /// # Panics
    ///
    /// Panics if the folder cannot be created.
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "backoffice-{name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&path).expect("the temporary folder can be created");
        Self { path }
    }

    /// Returns the path of the SQLite file `bot.sqlite3` in the folder.
    pub fn database(&self) -> PathBuf {
        self.path.join("bot.sqlite3")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
