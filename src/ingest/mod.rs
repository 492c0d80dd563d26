//! Reading the Home Credit files into one DuckDB database, checked, typed and atomically.
//!
//! `ingest` reads the Kaggle files of a data folder (`.csv` or `.csv.gz`, see [`locate`]) into
//! the raw tables of the database contract (ARCHITECTURE.md), records where they came from
//! (`ingest_files`, `ingest_runs`), builds the features, and only then replaces the previous
//! database. Design decisions, and why:
//!
//! - **Types come from [`schema`], never from sniffing.** A column empty for the first
//!   thousands of rows, or an integer-looking column with one stray `95422.5` (as
//!   `AMT_INCOME_TOTAL` has in the real sample), keeps its declared type. Value rules (empty and
//!   `nan` are NULL, `3.0` is a valid integer, `3.5` is not) are in [`value`].
//! - **One streaming pass per file, in Rust, that also loads** (module `load`): the CSV
//!   crate reads byte records, every value is parsed by its type, keys are checked, the raw
//!   bytes are hashed, and the parsed row goes straight into DuckDB's Appender. We chose the
//!   Appender over a second pass with DuckDB's `read_csv(columns = {...})` because then the
//!   database holds exactly what our own parser accepted: `read_csv` would need its own answers
//!   to `3.0` in a BIGINT column, `nan`, a byte-order mark, a pandas index column, extra
//!   columns and Windows-1252 text, and any difference between the two readers would load a
//!   value we never checked. It also reads each file once instead of twice. Throughput on the
//!   real sample is reported by the tests (`real_sample_ingests_with_readme_row_counts`).
//! - **Every problem at once.** Problems are collected over all files (at most
//!   20 per kind and file are listed, then "and N more") and returned together in
//!   [`IngestError::Validation`]; once one is found, rows are no longer appended but reading
//!   goes on.
//! - **Orphans are kept and warned about.** A history row whose applicant (or bureau credit)
//!   is in no parent file is real data we cannot place; it is loaded and counted, and the
//!   features simply never join it to anyone.
//! - **Nothing is lost** (module `swap`): the new database is built under a temporary name
//!   beside the target and renamed over it only after features, `CHECKPOINT` and close have
//!   succeeded.
//! - Keys are the only thing held in memory (about 4 M integers for the full data set), so
//!   the 27 M rows of `bureau_balance` stream through in constant memory.

mod error;
mod header;
mod load;
pub mod schema;
mod source;
mod swap;
mod value;
mod zerofill;

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use duckdb::Connection;
use serde::Serialize;

pub use error::{IngestError, Problem, ProblemKind};
pub use load::PROBLEMS_SHOWN_PER_KIND;
pub use source::locate;

use error::DbContext;
use load::{APPLICANTS, FileOutcome, Progress, ReadRules};
use schema::{COLUMNS_DESCRIPTION, TABLES, TableSchema};
use swap::TempDb;

use crate::features::{self, Encodings};
use crate::report::Reporter;

/// What is being ingested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IngestMode {
    /// Training data: `application_train` and the six history files are required,
    /// `application_test` is optional (an empty table when absent).
    Training,
    /// New applicants to score: `application_test` is required; history files are optional
    /// (missing ones become empty tables); `application_train` is not read and is created
    /// empty, so that later SQL works unchanged.
    NewApplicants,
}

/// Where to read from and write to.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub data_dir: PathBuf,
    pub db: PathBuf,
    pub mode: IngestMode,
}

/// Rows loaded into one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableRows {
    pub table: String,
    /// The file read, or `None` when the table was left empty.
    pub file: Option<String>,
    pub rows: u64,
}

/// How many applicants have rows in one history table.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryCount {
    pub table: String,
    pub applicants: u64,
}

/// Rows of a table whose parent key is in no parent file.
#[derive(Debug, Clone, Serialize)]
pub struct OrphanCount {
    pub table: String,
    /// `applicants` (either application file) or the parent table.
    pub parent: String,
    pub rows: u64,
}

/// What an ingest did, for the closing summary and for callers.
#[derive(Debug, Clone, Serialize)]
pub struct IngestSummary {
    pub db: PathBuf,
    pub data_dir: PathBuf,
    pub mode: IngestMode,
    pub tables: Vec<TableRows>,
    /// Applicants in `application_train` and `application_test`.
    pub training_applicants: u64,
    pub new_applicants: u64,
    pub histories: Vec<HistoryCount>,
    pub orphans: Vec<OrphanCount>,
    pub warnings: Vec<String>,
    pub elapsed_secs: f64,
}

impl IngestSummary {
    /// Rows loaded into `table`, if the summary has it.
    pub fn rows(&self, table: &str) -> Option<u64> {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.rows)
    }

    /// Orphan rows of `table` (0 when it has none or no parent).
    pub fn orphans(&self, table: &str) -> u64 {
        self.orphans
            .iter()
            .find(|o| o.table == table)
            .map_or(0, |o| o.rows)
    }
}

/// A file to read for a table, or none (the table stays empty).
struct Planned {
    schema: &'static TableSchema,
    path: Option<PathBuf>,
}

/// Reads the data folder into a new database, builds the features and swaps it in.
pub fn run(opts: &IngestOptions, reporter: &Reporter) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let span =
        tracing::info_span!("ingest", data_dir = %opts.data_dir.display(), db = %opts.db.display());
    let _entered = span.enter();

    std::fs::read_dir(&opts.data_dir).map_err(|source| IngestError::DataDir {
        dir: opts.data_dir.clone(),
        source,
    })?;
    let mut progress = Progress::default();
    let planned = plan(opts, &mut progress, reporter);

    let (temp, cleaned) = TempDb::prepare(&opts.db)?;
    for name in cleaned {
        warn(
            reporter,
            &mut progress,
            format!("removed `{name}`, left by an interrupted ingest"),
        );
    }
    let conn = Connection::open(temp.path()).doing(|| "creating the new database".into())?;
    create_tables(&conn)?;

    reporter.info(format!("Reading {}", opts.data_dir.display()));
    let outcomes = read_all(&conn, &planned, opts, &mut progress, reporter)?;
    progress.problems.extend(empty_training_file(&outcomes));
    if !progress.problems.is_empty() {
        return Err(IngestError::Validation {
            problems: progress.problems,
        });
    }

    let summary = finish(
        &conn,
        opts,
        &planned,
        &outcomes,
        progress.warnings,
        reporter,
    )?;
    conn.execute_batch("CHECKPOINT")
        .doing(|| "writing the new database to disk".into())?;
    conn.close()
        .map_err(|(_, source)| source)
        .doing(|| "closing the new database".into())?;
    temp.commit()?;

    let summary = IngestSummary {
        elapsed_secs: started.elapsed().as_secs_f64(),
        ..summary
    };
    report_summary(reporter, &summary);
    Ok(summary)
}

/// Which file each table comes from; a required file that is missing becomes a problem.
fn plan(opts: &IngestOptions, progress: &mut Progress, reporter: &Reporter) -> Vec<Planned> {
    let mut planned = Vec::new();
    for schema in &TABLES {
        let stem = schema.file_stem;
        let path = locate(&opts.data_dir, stem);
        let both = [format!("{stem}.csv"), format!("{stem}.csv.gz")]
            .iter()
            .all(|name| opts.data_dir.join(name).is_file());
        if both {
            let warning = format!("both {stem}.csv and {stem}.csv.gz are present; read {stem}.csv");
            warn(reporter, progress, warning);
        }
        let (read, required) = match (opts.mode, schema.table) {
            (IngestMode::NewApplicants, "application_train") => (false, false),
            (IngestMode::NewApplicants, _) => (true, schema.table == "application_test"),
            (IngestMode::Training, "application_test") => (true, false),
            (IngestMode::Training, _) => (true, true),
        };
        if path.is_none() && required {
            progress.problems.push(Problem::file(
                ProblemKind::MissingFile,
                &format!("{stem}.csv"),
                format!(
                    "required file not found in {}: looked for `{stem}.csv` and \
                     `{stem}.csv.gz`; copy it there or point --data-dir at the folder that has it",
                    opts.data_dir.display(),
                ),
            ));
        }
        planned.push(Planned {
            schema,
            path: path.filter(|_| read),
        });
    }
    planned
}

/// Creates every raw table, empty, with its schema's columns in order.
fn create_tables(conn: &Connection) -> Result<(), IngestError> {
    for schema in TABLES.iter().chain([&COLUMNS_DESCRIPTION]) {
        let columns: Vec<String> = schema
            .columns
            .iter()
            .map(|column| format!("\"{}\" {}", column.name, column.ty.sql()))
            .collect();
        let sql = format!("CREATE TABLE \"{}\" ({})", schema.table, columns.join(", "));
        conn.execute_batch(&sql)
            .doing(|| format!("creating table {}", schema.table))?;
    }
    conn.execute_batch(
        "CREATE TABLE ingest_files (file_name VARCHAR, table_name VARCHAR, size_bytes BIGINT, \
         sha256 VARCHAR, rows BIGINT);
         CREATE TABLE ingest_runs (ingested_at VARCHAR, program_version VARCHAR, \
         data_dir VARCHAR);",
    )
    .doing(|| "creating the provenance tables".into())
}

/// Reads every planned file, then the optional column description.
fn read_all(
    conn: &Connection,
    planned: &[Planned],
    opts: &IngestOptions,
    progress: &mut Progress,
    reporter: &Reporter,
) -> Result<Vec<FileOutcome>, IngestError> {
    let mut outcomes = Vec::new();
    for item in planned {
        let Some(path) = &item.path else {
            note_absent(item, opts, reporter);
            continue;
        };
        let rules = ReadRules {
            lenient: false,
            training: item.schema.table == "application_train",
        };
        if let Some(outcome) = load::load_file(conn, path, item.schema, rules, progress, reporter)?
        {
            outcomes.push(outcome);
        }
    }

    if let Some(path) = locate(&opts.data_dir, COLUMNS_DESCRIPTION.file_stem) {
        let rules = ReadRules {
            lenient: true,
            training: false,
        };
        let loaded = load::load_file(conn, &path, &COLUMNS_DESCRIPTION, rules, progress, reporter)?;
        outcomes.extend(loaded);
    }
    Ok(outcomes)
}

/// A training file with a header and no row would replace a usable database with one no
/// model can be trained on: it is refused like any other data problem.
fn empty_training_file(outcomes: &[FileOutcome]) -> Option<Problem> {
    let outcome = outcomes
        .iter()
        .find(|o| o.table == "application_train" && o.rows == 0)?;
    Some(Problem::file(
        ProblemKind::NoRows,
        &outcome.file_name,
        "holds a header but no applicant; the model needs labelled applicants. Check that \
         this is the complete file",
    ))
}

/// Says why a table stays empty (only reached for files that are not required).
fn note_absent(item: &Planned, opts: &IngestOptions, reporter: &Reporter) {
    let stem = item.schema.file_stem;
    let present = locate(&opts.data_dir, stem).is_some();
    match (opts.mode, item.schema.table, present) {
        (IngestMode::NewApplicants, "application_train", true) => reporter.info(format!(
            "  {stem}: present but not read when ingesting new applicants; table left empty"
        )),
        (IngestMode::NewApplicants, "application_train", false) => {}
        (_, _, false)
            if opts.mode == IngestMode::NewApplicants
                || item.schema.table == "application_test" =>
        {
            reporter.info(format!(
                "  {stem}: no such file; table `{}` left empty",
                item.schema.table
            ));
        }
        // Required files that are missing were already reported as problems.
        _ => tracing::debug!(file = stem, "absent file already reported"),
    }
}

fn warn(reporter: &Reporter, progress: &mut Progress, warning: String) {
    reporter.warn(&warning);
    progress.warnings.push(warning);
}

/// Records provenance, counts histories and orphans, and builds the features.
fn finish(
    conn: &Connection,
    opts: &IngestOptions,
    planned: &[Planned],
    outcomes: &[FileOutcome],
    mut warnings: Vec<String>,
    reporter: &Reporter,
) -> Result<IngestSummary, IngestError> {
    write_provenance(conn, opts, outcomes)?;

    let mut orphans = Vec::new();
    for outcome in outcomes {
        if let Some((parent, rows)) = outcome.orphans.filter(|(_, rows)| *rows > 0) {
            let warning = orphan_warning(outcome, parent, rows);
            reporter.warn(&warning);
            warnings.push(warning);
            orphans.push(OrphanCount {
                table: outcome.table.to_owned(),
                parent: parent.to_owned(),
                rows,
            });
        }
    }
    let tables = planned
        .iter()
        .map(|item| item.schema)
        .chain([&COLUMNS_DESCRIPTION])
        .filter_map(|schema| table_rows(schema, outcomes))
        .collect();

    reporter.info("Building features");
    features::build(conn, Encodings::LearnFromTraining, reporter)?;

    Ok(IngestSummary {
        db: opts.db.clone(),
        data_dir: opts.data_dir.clone(),
        mode: opts.mode,
        tables,
        training_applicants: count(conn, "SELECT count(*) FROM application_train")?,
        new_applicants: count(conn, "SELECT count(*) FROM application_test")?,
        histories: history_counts(conn)?,
        orphans,
        warnings,
        elapsed_secs: 0.0,
    })
}

fn orphan_warning(outcome: &FileOutcome, parent: &str, rows: u64) -> String {
    let whose = if parent == APPLICANTS {
        "an SK_ID_CURR found in neither application file".to_owned()
    } else {
        format!("a key not found in {parent}")
    };
    format!(
        "{}: {} row(s) refer to {whose}; they are kept, but no applicant's features use them",
        outcome.file_name,
        thousands(rows)
    )
}

/// The summary line of one table; the description table only when its file was read.
fn table_rows(schema: &TableSchema, outcomes: &[FileOutcome]) -> Option<TableRows> {
    let outcome = outcomes.iter().find(|o| o.table == schema.table);
    if outcome.is_none() && schema.table == COLUMNS_DESCRIPTION.table {
        return None;
    }
    Some(TableRows {
        table: schema.table.to_owned(),
        file: outcome.map(|o| o.file_name.clone()),
        rows: outcome.map_or(0, |o| o.rows),
    })
}

fn write_provenance(
    conn: &Connection,
    opts: &IngestOptions,
    outcomes: &[FileOutcome],
) -> Result<(), IngestError> {
    let mut insert = conn
        .prepare("INSERT INTO ingest_files VALUES (?, ?, ?, ?, ?)")
        .doing(|| "recording provenance".into())?;
    for outcome in outcomes {
        insert
            .execute(duckdb::params![
                outcome.file_name,
                outcome.table,
                outcome.size_bytes,
                outcome.sha256,
                outcome.rows
            ])
            .doing(|| "recording provenance".into())?;
    }

    let data_dir = std::fs::canonicalize(&opts.data_dir).unwrap_or_else(|_| opts.data_dir.clone());
    let now = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    conn.execute(
        "INSERT INTO ingest_runs VALUES (?, ?, ?)",
        duckdb::params![now, crate::PROGRAM_VERSION, data_dir.display().to_string()],
    )
    .doing(|| "recording provenance".into())?;
    Ok(())
}

fn count(conn: &Connection, sql: &str) -> Result<u64, IngestError> {
    let n = conn
        .query_row(sql, [], |row| row.get::<_, i64>(0))
        .doing(|| "counting rows".into())?;
    // A count is never negative.
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Applicants (of either application file) with at least one row in each history table.
fn history_counts(conn: &Connection) -> Result<Vec<HistoryCount>, IngestError> {
    const APPLICANT_IDS: &str = "(SELECT SK_ID_CURR FROM application_train \
                                 UNION SELECT SK_ID_CURR FROM application_test)";
    let mut counts = Vec::new();
    for table in crate::db::RAW_TABLES.iter().skip(2) {
        let ids = if *table == "bureau_balance" {
            "SELECT b.SK_ID_CURR FROM bureau b \
             WHERE b.SK_ID_BUREAU IN (SELECT SK_ID_BUREAU FROM bureau_balance)"
                .to_owned()
        } else {
            format!("SELECT SK_ID_CURR FROM {table}")
        };
        let sql = format!(
            "SELECT count(DISTINCT SK_ID_CURR) FROM ({ids}) WHERE SK_ID_CURR IN {APPLICANT_IDS}"
        );
        counts.push(HistoryCount {
            table: (*table).to_owned(),
            applicants: count(conn, &sql)?,
        });
    }
    Ok(counts)
}

/// `1234567` as `1,234,567`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn report_summary(reporter: &Reporter, summary: &IngestSummary) {
    reporter.info(format!(
        "Ingested into {} in {:.1} s:",
        summary.db.display(),
        summary.elapsed_secs
    ));
    for table in &summary.tables {
        let from = table.file.as_deref().unwrap_or("(no file: empty)");
        reporter.info(format!(
            "  {:<24} {:>12} rows  {from}",
            table.table,
            thousands(table.rows)
        ));
    }
    let applicants = summary.training_applicants + summary.new_applicants;
    reporter.info(format!(
        "Applicants: {} ({} training, {} new)",
        thousands(applicants),
        thousands(summary.training_applicants),
        thousands(summary.new_applicants)
    ));
    for history in &summary.histories {
        let share = 100.0 * history.applicants as f64 / applicants.max(1) as f64;
        reporter.info(format!(
            "  with {:<22} history: {:>10} ({share:.1}%)",
            history.table,
            thousands(history.applicants)
        ));
    }
    let orphans: u64 = summary.orphans.iter().map(|o| o.rows).sum();
    reporter.info(format!(
        "Orphan rows: {}; warnings: {}",
        thousands(orphans),
        summary.warnings.len()
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(27_299_925), "27,299,925");
    }
}
