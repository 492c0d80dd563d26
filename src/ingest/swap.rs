//! Building the new database beside the target and swapping it in only when all went well.
//!
//! The new database is written to a hidden temporary file in the target's own folder (so the
//! final rename stays on one file system and is atomic). Until [`TempDb::commit`] renames it
//! over the target, the previous database is never opened or touched. If ingest fails or
//! panics, dropping the [`TempDb`] deletes the temporary file and its DuckDB write-ahead log;
//! if the process is killed, the leftover file has a recognisable name and the next ingest
//! into the same target deletes it (two ingests into the same target at once are not
//! supported: the later one would delete the earlier one's work file).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::error::IngestError;

/// A database file being built, removed on drop unless committed.
#[derive(Debug)]
pub struct TempDb {
    path: PathBuf,
    target: PathBuf,
    committed: bool,
}

/// The name prefix of temporary files for `target`, e.g. `.scores.duckdb.ingest-`.
fn prefix(target: &Path) -> String {
    let name = target
        .file_name()
        .map_or_else(|| "database".into(), |name| name.to_string_lossy());
    format!(".{name}.ingest-")
}

/// DuckDB's write-ahead log beside a database file.
pub fn wal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".wal");
    PathBuf::from(name)
}

impl TempDb {
    /// Picks a fresh temporary path beside `target` after deleting leftovers of interrupted
    /// runs; returns the names of the leftovers deleted.
    pub fn prepare(target: &Path) -> Result<(Self, Vec<String>), IngestError> {
        refuse_foreign_target(target)?;
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|source| IngestError::Output {
            path: dir.clone(),
            action: "creating the database folder",
            source,
        })?;

        let prefix = prefix(target);
        let cleaned = remove_leftovers(&dir, &prefix)?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        let path = dir.join(format!("{prefix}{}-{nanos}.tmp", std::process::id()));
        let temp = Self {
            path,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((temp, cleaned))
    }

    /// Where the new database is being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the target with the finished database (whose connection must be closed).
    pub fn commit(mut self) -> Result<(), IngestError> {
        // A log left by the old database would be replayed into the new one: remove it first.
        // The old database itself stays valid without it until the rename below.
        remove_if_present(&wal_of(&self.target))?;
        std::fs::rename(&self.path, &self.target).map_err(|source| IngestError::Output {
            path: self.target.clone(),
            action: "replacing the database with the new one",
            source,
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: a file that cannot be removed now is cleaned by the next ingest.
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(wal_of(&self.path));
        }
    }
}

/// Refuses to replace something that is not a DuckDB database (a mistyped `--db` naming a
/// CSV file, say): only an absent target or a database file may be replaced.
fn refuse_foreign_target(target: &Path) -> Result<(), IngestError> {
    let foreign = |reason: &str| IngestError::NotADatabase {
        path: target.to_path_buf(),
        reason: reason.to_owned(),
    };
    let metadata = match std::fs::metadata(target) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(IngestError::Output {
                path: target.to_path_buf(),
                action: "checking the existing database",
                source,
            });
        }
        Ok(metadata) => metadata,
    };
    if !metadata.is_file() {
        return Err(foreign("it is a folder, not a file"));
    }
    if metadata.len() == 0 {
        return Ok(());
    }
    let database = crate::db::looks_like_duckdb(target).map_err(|source| IngestError::Output {
        path: target.to_path_buf(),
        action: "checking the existing database",
        source,
    })?;
    if !database {
        return Err(foreign("it is not a DuckDB database"));
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), IngestError> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(IngestError::Output {
            path: path.to_path_buf(),
            action: "removing a stale database log",
            source: error,
        }),
        _ => Ok(()),
    }
}

/// Deletes `dir/<prefix>*` files left by interrupted ingests.
fn remove_leftovers(dir: &Path, prefix: &str) -> Result<Vec<String>, IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Output {
        path: dir.to_path_buf(),
        action: "listing the database folder",
        source,
    })?;
    let mut removed = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(prefix) && (name.ends_with(".tmp") || name.ends_with(".tmp.wal")) {
            remove_if_present(&entry.path())?;
            removed.push(name);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_a_database_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("bureau.csv");
        std::fs::write(&csv, b"SK_ID_CURR,SK_ID_BUREAU\n1,2\n").unwrap();
        let err = TempDb::prepare(&csv).unwrap_err();
        assert!(
            err.to_string().contains("is not a DuckDB database"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(&csv).unwrap(),
            b"SK_ID_CURR,SK_ID_BUREAU\n1,2\n"
        );
        let err = TempDb::prepare(dir.path()).unwrap_err();
        assert!(err.to_string().contains("a folder"), "{err}");

        let db = dir.path().join("real.duckdb");
        duckdb::Connection::open(&db).unwrap().close().unwrap();
        assert!(TempDb::prepare(&db).is_ok(), "a database may be replaced");
        let empty = dir.path().join("empty.duckdb");
        std::fs::write(&empty, b"").unwrap();
        assert!(
            TempDb::prepare(&empty).is_ok(),
            "an empty file may be replaced"
        );
    }

    #[test]
    fn leftovers_are_removed_and_other_files_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.duckdb");
        let stale = dir.path().join(".x.duckdb.ingest-1-2.tmp");
        let other = dir.path().join(".y.duckdb.ingest-1-2.tmp");
        std::fs::write(&stale, b"half").unwrap();
        std::fs::write(&other, b"someone else's").unwrap();

        let (temp, cleaned) = TempDb::prepare(&target).unwrap();
        assert_eq!(cleaned, vec![".x.duckdb.ingest-1-2.tmp".to_owned()]);
        assert!(!stale.exists() && other.exists());
        assert_eq!(temp.path().parent(), Some(dir.path()));

        std::fs::write(temp.path(), b"new").unwrap();
        let path = temp.path().to_path_buf();
        drop(temp);
        assert!(!path.exists(), "an uncommitted temp file is removed");
    }

    #[test]
    fn commit_replaces_the_target_and_its_stale_log() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("x.duckdb");
        // The old target only needs DuckDB's signature to count as a database.
        std::fs::write(&target, b"\0\0\0\0\0\0\0\0DUCK old").unwrap();
        std::fs::write(wal_of(&target), b"old log").unwrap();
        let (temp, _) = TempDb::prepare(&target).unwrap();
        std::fs::write(temp.path(), b"new").unwrap();
        temp.commit().unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert!(!wal_of(&target).exists());
    }
}
