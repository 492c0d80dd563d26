//! The one streaming pass over each file: check, parse, track keys, hash, and append.
//!
//! Every value is parsed by its declared type (see [`super::value`]) and appended through
//! DuckDB's Appender as it is read, so the data is read once and the database holds exactly
//! what was validated. Only keys are kept in memory (`HashSet<i64>`: applicants, bureau
//! credits, previous applications), which the full data set fits easily (~4 M keys). Once
//! any problem has been found anywhere, appending stops (the temporary database will be
//! thrown away) but reading goes on, so that one run reports every problem.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use csv::ByteRecord;
use duckdb::types::{ToSql, ToSqlOutput, ValueRef};
use duckdb::{Appender, Connection, appender_params_from_iter};

use super::error::{DbContext, IngestError, Problem, ProblemKind};
use super::header::{Layout, match_header, named_like_target};
use super::schema::{ColumnType, TableSchema};
use super::source;
use super::value::{Cell, decode_lenient, parse};
use super::zerofill::ZeroFillCheck;
use crate::report::Reporter;

/// At most this many problems of one kind are listed per file; the rest are counted.
pub const PROBLEMS_SHOWN_PER_KIND: usize = 20;

/// Rows between two progress lines for a large file.
const PROGRESS_EVERY: u64 = 2_000_000;

/// Name of the key set shared by both application files.
pub const APPLICANTS: &str = "applicants";

impl ToSql for Cell<'_> {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Int(value) => ValueRef::BigInt(*value),
            Cell::Float(value) => ValueRef::Double(*value),
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}

/// What the pass over all files has gathered so far.
#[derive(Default)]
pub struct Progress {
    /// Unique keys seen, by key set (`applicants` for both application files, else the table).
    pub keys: HashMap<&'static str, HashSet<i64>>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<String>,
}

impl Progress {
    /// Whether rows are still worth appending (no problem found yet).
    fn appending(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What reading one file produced.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub file_name: String,
    pub table: &'static str,
    pub size_bytes: u64,
    pub sha256: String,
    pub rows: u64,
    /// Rows whose parent key is absent, and the parent they point to.
    pub orphans: Option<(&'static str, u64)>,
}

/// How a file is read.
#[derive(Debug, Clone, Copy)]
pub struct ReadRules {
    /// Text read as UTF-8 or Windows-1252, and a wrong header skips the file with a warning.
    pub lenient: bool,
    /// This is the training file: `TARGET` must be there and be 0 or 1.
    pub training: bool,
}

/// Problems of one file, listed up to [`PROBLEMS_SHOWN_PER_KIND`] per kind.
struct ProblemLog {
    file: String,
    counts: Vec<(ProblemKind, usize)>,
    listed: Vec<Problem>,
}

impl ProblemLog {
    fn new(file: &str) -> Self {
        Self {
            file: file.to_owned(),
            counts: Vec::new(),
            listed: Vec::new(),
        }
    }

    fn push(&mut self, problem: Problem) {
        let slot = match self
            .counts
            .iter()
            .position(|(kind, _)| *kind == problem.kind)
        {
            Some(slot) => slot,
            None => {
                self.counts.push((problem.kind, 0));
                self.counts.len() - 1
            }
        };
        self.counts[slot].1 += 1;
        if self.counts[slot].1 <= PROBLEMS_SHOWN_PER_KIND {
            self.listed.push(problem);
        }
    }

    fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    fn finish(mut self) -> Vec<Problem> {
        for (kind, count) in &self.counts {
            if *count > PROBLEMS_SHOWN_PER_KIND {
                self.listed.push(Problem::file(
                    *kind,
                    &self.file,
                    format!(
                        "and {} more problem(s) of this kind in this file",
                        count - PROBLEMS_SHOWN_PER_KIND
                    ),
                ));
            }
        }
        self.listed
    }
}

/// Tracks, for the training file, which unknown columns could be a renamed `TARGET`.
struct TargetHunt {
    /// Unknown columns: position, name, whether every value so far is 0 or 1, values seen.
    columns: Vec<(usize, String, bool, u64)>,
}

impl TargetHunt {
    fn new(layout: &Layout) -> Self {
        Self {
            columns: layout
                .unknown
                .iter()
                .map(|(position, name)| (*position, name.clone(), true, 0))
                .collect(),
        }
    }

    fn observe(&mut self, record: &ByteRecord) {
        for (position, _, binary, seen) in &mut self.columns {
            let raw = record.get(*position).unwrap_or_default();
            match parse(raw, ColumnType::Integer) {
                Ok(Cell::Null) => {}
                Ok(Cell::Int(0 | 1)) => *seen += 1,
                _ => *binary = false,
            }
        }
    }

    fn problem(&self, file: &str) -> Problem {
        let candidates: Vec<String> = self
            .columns
            .iter()
            .filter_map(|(_, name, binary, seen)| {
                let only_binary = *binary && *seen > 0;
                match (only_binary, named_like_target(name)) {
                    (true, _) => Some(format!("`{name}` (holds only 0/1)")),
                    (false, true) => Some(format!("`{name}` (named like a target)")),
                    (false, false) => None,
                }
            })
            .collect();
        let hint = if candidates.is_empty() {
            "No other column looks like a target. To score applicants without known \
             outcomes, ingest them as new applicants (application_test) instead."
                .to_owned()
        } else {
            format!(
                "Columns that look like a target: {}. If one of them is the outcome, rename it \
                 to TARGET and run ingest again.",
                candidates.join(", ")
            )
        };
        let mut problem = Problem::file(
            ProblemKind::TargetMissing,
            file,
            format!(
                "the training file has no `TARGET` column (1 = the applicant defaulted, 0 = \
                 repaid), which training needs. {hint}"
            ),
        );
        problem.column = Some("TARGET".to_owned());
        problem
    }
}

/// The key checks of one table: unique key and parent key positions in schema order.
struct KeyRules {
    unique: Option<(usize, &'static str)>,
    parent: Option<(usize, &'static str)>,
    target: Option<usize>,
}

impl KeyRules {
    fn of(schema: &TableSchema, training: bool) -> Self {
        let index = |name: &str| schema.columns.iter().position(|c| c.name == name);
        let unique = schema.unique_key.and_then(|key| {
            let set = if schema.table.starts_with("application_") {
                APPLICANTS
            } else {
                schema.table
            };
            index(key).map(|i| (i, set))
        });
        let parent = schema
            .parent
            .and_then(|(column, parent)| index(column).map(|i| (i, parent)));
        let target = if training { index("TARGET") } else { None };
        Self {
            unique,
            parent,
            target,
        }
    }
}

/// Reads `path` as `schema`'s file, appending its rows to `schema.table` while no problem
/// has been found.
pub fn load_file(
    conn: &Connection,
    path: &Path,
    schema: &TableSchema,
    rules: ReadRules,
    progress: &mut Progress,
    reporter: &Reporter,
) -> Result<Option<FileOutcome>, IngestError> {
    let started = Instant::now();
    let warned_before = progress.warnings.len();
    let file = source::file_name(path);
    let mut log = ProblemLog::new(&file);
    let size_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);

    let mut raw = match source::open_raw(path) {
        Ok(raw) => raw,
        Err(error) => {
            log.push(unreadable(&file, None, &error.to_string()));
            progress.problems.extend(log.finish());
            return Ok(None);
        }
    };

    let mut pass = Pass {
        conn,
        schema,
        file: &file,
        rules,
        log,
        rows: 0,
        orphans: 0,
        started,
        reporter,
        zero_fill: ZeroFillCheck::new(&schema.columns.iter().map(|c| c.name).collect::<Vec<_>>()),
    };
    let outcome = pass.read(source::decoded(&mut raw, source::is_gzip(path)), progress)?;
    let Pass {
        mut log,
        rows,
        orphans,
        ..
    } = pass;

    let sha256 = match raw.finish() {
        Ok((sha256, _)) => sha256,
        Err(error) => {
            log.push(unreadable(&file, None, &error.to_string()));
            String::new()
        }
    };
    if rules.lenient {
        // Problems in the optional glossary cost its bad rows, not the whole ingest.
        let skipped = log.finish().into_iter().map(|p| format!("skipped: {p}"));
        progress.warnings.extend(skipped);
    } else {
        progress.problems.extend(log.finish());
    }
    for warning in &progress.warnings[warned_before..] {
        reporter.warn(warning);
    }
    if outcome == Outcome::Skipped {
        return Ok(None);
    }

    let elapsed = started.elapsed().as_secs_f64();
    tracing::debug!(file = %file, table = schema.table, rows, orphans, elapsed, "file read");
    reporter.info(format!(
        "  {file} → {}: {rows} rows in {elapsed:.1} s ({:.0} rows/s)",
        schema.table,
        rows as f64 / elapsed.max(1e-9)
    ));
    Ok(Some(FileOutcome {
        file_name: file.clone(),
        table: schema.table,
        size_bytes,
        sha256,
        rows,
        orphans: schema.parent.map(|(_, parent)| (parent, orphans)),
    }))
}

fn unreadable(file: &str, line: Option<u64>, error: &str) -> Problem {
    Problem {
        line,
        ..Problem::file(
            ProblemKind::Unreadable,
            file,
            format!(
                "the file cannot be read ({error}); check that it is a complete, uncompressed \
                 CSV or gzip file, and copy it again if it was cut short"
            ),
        )
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Read,
    /// A lenient file whose header does not fit: skipped with a warning.
    Skipped,
}

/// The state of one file's pass.
struct Pass<'a> {
    conn: &'a Connection,
    schema: &'a TableSchema,
    file: &'a str,
    rules: ReadRules,
    log: ProblemLog,
    rows: u64,
    orphans: u64,
    started: Instant,
    reporter: &'a Reporter,
    zero_fill: ZeroFillCheck,
}

impl Pass<'_> {
    fn read(
        &mut self,
        stream: Box<dyn std::io::Read + '_>,
        progress: &mut Progress,
    ) -> Result<Outcome, IngestError> {
        let mut reader = source::csv_reader(stream);
        let header = match reader.byte_headers() {
            Ok(header) => header.clone(),
            Err(error) => {
                self.log
                    .push(unreadable(self.file, Some(1), &error.to_string()));
                return Ok(Outcome::Read);
            }
        };
        let Some(layout) = self.layout(&header, progress) else {
            return Ok(Outcome::Skipped);
        };

        let mut keys = KeyRules::of(self.schema, self.rules.training);
        if layout.missing.contains(&"TARGET") {
            keys.target = None;
        }
        let mut hunt = layout
            .missing
            .contains(&"TARGET")
            .then(|| TargetHunt::new(&layout))
            .filter(|_| self.rules.training);
        let conn = self.conn;
        let mut appender = if progress.appending() && self.log.is_empty() {
            let table = self.schema.table;
            Some(
                conn.appender(table)
                    .doing(|| format!("opening table {table} for writing"))?,
            )
        } else {
            None
        };
        let mut record = ByteRecord::new();

        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    let line = error.position().map(|p| p.line());
                    self.log
                        .push(unreadable(self.file, line, &error.to_string()));
                    break;
                }
            }
            if let Some(hunt) = &mut hunt {
                hunt.observe(&record);
            }
            self.row(&record, &layout, &keys, progress, &mut appender)?;
        }

        if let Some(hunt) = &hunt {
            self.log.push(hunt.problem(self.file));
        }
        if let Some(warning) = self.zero_fill.warning(self.file) {
            progress.warnings.push(warning);
        }
        if let Some(mut appender) = appender {
            appender
                .flush()
                .doing(|| format!("writing table {}", self.schema.table))?;
        }
        Ok(Outcome::Read)
    }

    /// Matches the header; `None` when a lenient file does not fit and is skipped.
    fn layout(&mut self, header: &ByteRecord, progress: &mut Progress) -> Option<Layout> {
        if header.iter().all(<[u8]>::is_empty) && !self.rules.lenient {
            self.log.push(Problem::file(
                ProblemKind::MissingColumns,
                self.file,
                "the file is empty (it has no header line); copy it again from its source",
            ));
            return None;
        }
        let mut problems = Vec::new();
        let layout = match_header(
            header,
            self.schema,
            self.file,
            &mut problems,
            &mut progress.warnings,
        );
        if layout.index_column && !self.rules.lenient {
            progress.warnings.push(format!(
                "{}: its first column is an unnamed index (as pandas' to_csv writes); it was \
                 dropped. Save with index=False to avoid this warning.",
                self.file
            ));
        }
        if self.rules.lenient {
            if !layout.missing.is_empty() || !problems.is_empty() {
                progress.warnings.push(format!(
                    "{}: skipped, its header does not have the expected columns {}",
                    self.file,
                    column_list(self.schema)
                ));
                return None;
            }
            return Some(layout);
        }

        for problem in problems {
            self.log.push(problem);
        }
        let missing: Vec<&str> = layout
            .missing
            .iter()
            .copied()
            .filter(|name| !(self.rules.training && *name == "TARGET"))
            .collect();
        if !missing.is_empty() {
            let mut problem = Problem::file(
                ProblemKind::MissingColumns,
                self.file,
                format!(
                    "{} required column(s) missing: {}. Check that this is the right file and \
                     that its first line is the header.",
                    missing.len(),
                    missing.join(", ")
                ),
            );
            problem.column = Some(missing.join(", "));
            self.log.push(problem);
        }
        Some(layout)
    }

    /// Checks and appends one row.
    fn row(
        &mut self,
        record: &ByteRecord,
        layout: &Layout,
        keys: &KeyRules,
        progress: &mut Progress,
        appender: &mut Option<Appender<'_>>,
    ) -> Result<(), IngestError> {
        self.rows += 1;
        if self.rows.is_multiple_of(PROGRESS_EVERY) {
            self.reporter.info(format!(
                "  {}: {} rows read ({:.0} s)",
                self.file,
                self.rows,
                self.started.elapsed().as_secs_f64()
            ));
        }
        let line = record.position().map_or(self.rows + 1, |p| p.line());
        if record.len() != layout.width {
            self.log.push(Problem {
                line: Some(line),
                ..Problem::file(
                    ProblemKind::RowLength,
                    self.file,
                    format!(
                        "this row has {} fields but the header has {}; check for an unquoted \
                         comma or a cut line",
                        record.len(),
                        layout.width
                    ),
                )
            });
            return Ok(());
        }

        let (cells, failed) = self.cells(record, layout, line);
        self.zero_fill.observe(&cells);
        let row = Row {
            cells: &cells,
            failed: &failed,
            line,
        };
        self.check_keys(&row, keys, progress);

        let clean = (self.rules.lenient || self.log.is_empty()) && progress.appending();
        match appender {
            Some(app) if clean => app
                .append_row(appender_params_from_iter(cells.iter()))
                .doing(|| format!("writing line {line} of {}", self.file)),
            _ => {
                // Nothing more will be written: release the appender's buffer early.
                *appender = None;
                Ok(())
            }
        }
    }

    /// Parses every schema column of one row, logging what does not parse; such a value
    /// becomes NULL and its column index is returned in the second list.
    fn cells<'r>(
        &mut self,
        record: &'r ByteRecord,
        layout: &Layout,
        line: u64,
    ) -> (Vec<Cell<'r>>, Vec<usize>) {
        let mut cells = Vec::with_capacity(self.schema.columns.len());
        let mut failed = Vec::new();
        for (index, (column, source)) in self.schema.columns.iter().zip(&layout.sources).enumerate()
        {
            let raw = source.and_then(|i| record.get(i)).unwrap_or_default();
            let parsed = if self.rules.lenient && column.ty == ColumnType::Text {
                Ok(match decode_lenient(raw) {
                    text if text.is_empty() => Cell::Null,
                    text => Cell::Text(text),
                })
            } else {
                parse(raw, column.ty)
            };
            cells.push(parsed.unwrap_or_else(|failure| {
                failed.push(index);
                self.log.push(Problem::value(
                    ProblemKind::BadValue,
                    self.file,
                    line,
                    column.name,
                    &String::from_utf8_lossy(raw),
                    failure.0,
                ));
                Cell::Null
            }));
        }
        (cells, failed)
    }

    /// Checks the unique key, the parent key and (training) the target of one row.
    fn check_keys(&mut self, row: &Row<'_, '_>, keys: &KeyRules, progress: &mut Progress) {
        if let Some((index, set)) = keys.unique
            && let Some(key) = self.key(row, index)
            && !progress.keys.entry(set).or_default().insert(key)
        {
            let message = if set == APPLICANTS {
                "this applicant appears more than once (in this file or in the other \
                 application file); each SK_ID_CURR must be unique"
            } else {
                "this key appears more than once; each must be unique"
            };
            let problem =
                self.key_problem(ProblemKind::DuplicateKey, row.line, index, key, message);
            self.log.push(problem);
        }

        if let Some((index, parent)) = keys.parent
            && let Some(key) = self.key(row, index)
        {
            let known = progress
                .keys
                .get(parent)
                .is_some_and(|parents| parents.contains(&key));
            if !known {
                self.orphans += 1;
            }
        }

        if let Some(index) = keys.target
            && !matches!(row.cells[index], Cell::Int(0 | 1))
            && !row.failed.contains(&index)
        {
            let value = match &row.cells[index] {
                Cell::Int(value) => value.to_string(),
                _ => String::new(),
            };
            self.log.push(Problem::value(
                ProblemKind::BadTarget,
                self.file,
                row.line,
                "TARGET",
                &value,
                "TARGET must be 1 (defaulted) or 0 (repaid) for every training applicant",
            ));
        }
    }

    /// The key in column `index` of the row, logging a problem when it is empty.
    fn key(&mut self, row: &Row<'_, '_>, index: usize) -> Option<i64> {
        match row.cells[index] {
            Cell::Int(key) => Some(key),
            // A value that did not parse was already reported.
            _ if row.failed.contains(&index) => None,
            _ => {
                self.log.push(Problem::value(
                    ProblemKind::MissingKey,
                    self.file,
                    row.line,
                    self.schema.columns[index].name,
                    "",
                    "this identifier is empty; every row needs it to be linked to its applicant",
                ));
                None
            }
        }
    }

    fn key_problem(
        &self,
        kind: ProblemKind,
        line: u64,
        index: usize,
        key: i64,
        message: &str,
    ) -> Problem {
        Problem::value(
            kind,
            self.file,
            line,
            self.schema.columns[index].name,
            &key.to_string(),
            message,
        )
    }
}

/// One parsed row: its values, the columns that failed to parse, and its line.
struct Row<'c, 'r> {
    cells: &'c [Cell<'r>],
    failed: &'c [usize],
    line: u64,
}

fn column_list(schema: &TableSchema) -> String {
    let names: Vec<&str> = schema.columns.iter().map(|c| c.name).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_log_lists_twenty_per_kind_then_counts_the_rest() {
        let mut log = ProblemLog::new("f.csv");
        for line in 0..25 {
            log.push(Problem::value(
                ProblemKind::BadValue,
                "f.csv",
                line,
                "C",
                "x",
                "bad",
            ));
        }
        log.push(Problem::file(
            ProblemKind::MissingColumns,
            "f.csv",
            "missing",
        ));
        let problems = log.finish();
        assert_eq!(problems.len(), 22);
        assert_eq!(
            problems[21].message,
            "and 5 more problem(s) of this kind in this file"
        );
        assert_eq!(problems[21].kind, ProblemKind::BadValue);
    }
}
