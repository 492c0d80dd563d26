//! What can go wrong while ingesting, in words a person can act on.
//!
//! Problems with the *data* (a missing file or column, a value that does not parse, a
//! duplicate key, a training file without `TARGET`) are collected as [`Problem`]s while every
//! file is read, and returned together in [`IngestError::Validation`], so that one run shows
//! everything that needs fixing. Failures of the machine (disk, database) are the other
//! variants and stop at once.

use std::fmt;
use std::path::PathBuf;

use crate::features::FeatureError;

/// The kind of a data problem; problems are capped per kind and per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ProblemKind {
    /// A required file is not in the data folder.
    MissingFile,
    /// The header lacks columns the schema requires.
    MissingColumns,
    /// The header names the same column twice.
    DuplicateColumn,
    /// The training file has no `TARGET` column.
    TargetMissing,
    /// A `TARGET` value that is not 0 or 1.
    BadTarget,
    /// A value that does not parse as its column's type.
    BadValue,
    /// A key column (an identifier) is empty.
    MissingKey,
    /// A key that must be unique appears again.
    DuplicateKey,
    /// A row has a different number of fields from the header.
    RowLength,
    /// The file cannot be read to the end (damaged archive, disk error).
    Unreadable,
    /// The training file holds a header but no applicant.
    NoRows,
}

/// One problem found in the data, with where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// File name (not the full path), e.g. `bureau.csv`.
    pub file: String,
    /// 1-based line in the file (the header is line 1), when the problem is on a line.
    pub line: Option<u64>,
    pub column: Option<String>,
    pub value: Option<String>,
    /// What is wrong and what to do, as a sentence.
    pub message: String,
}

impl Problem {
    /// A problem about a whole file (no line, column or value).
    pub fn file(kind: ProblemKind, file: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            file: file.to_owned(),
            line: None,
            column: None,
            value: None,
            message: message.into(),
        }
    }

    /// A problem with one value of one row.
    pub fn value(
        kind: ProblemKind,
        file: &str,
        line: u64,
        column: &str,
        value: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            file: file.to_owned(),
            line: Some(line),
            column: Some(column.to_owned()),
            value: Some(value.to_owned()),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column `{column}`")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value `{}`", shorten(value))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Keeps a pathological value (a whole line in one field) from flooding the message.
fn shorten(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX).collect();
        format!("{head}…")
    }
}

fn list_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|problem| format!("\n  - {problem}"))
        .collect()
}

/// An error while ingesting; the previous database is left untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(
        "Cannot read the data folder `{}`: {source}. Check the path given to --data-dir.",
        dir.display()
    )]
    DataDir {
        dir: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "The data cannot be ingested; nothing was changed and the previous database is \
         untouched. {} problem(s) to fix, then run ingest again:{}",
        problems.len(),
        list_problems(problems)
    )]
    Validation { problems: Vec<Problem> },

    #[error(
        "Cannot write `{}` while {action}: {source}. Check that the folder exists, is writable \
         and has free space; the previous database is untouched.",
        path.display()
    )]
    Output {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },

    #[error(
        "Database error while {action}: {source}. The previous database is untouched; if this \
         persists, check free disk space and memory."
    )]
    Database {
        action: String,
        source: duckdb::Error,
    },

    #[error(
        "`{}` exists and {reason}, so ingest will not replace it; nothing was changed. Give \
         --db the path of a database file (new or from an earlier ingest).",
        path.display()
    )]
    NotADatabase { path: PathBuf, reason: String },

    #[error("Building the features failed: {0}. The previous database is untouched.")]
    Features(#[from] FeatureError),
}

impl IngestError {
    /// The data problems, when this is a validation error (empty otherwise).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Validation { problems } => problems,
            _ => &[],
        }
    }
}

/// Attaches what ingest was doing to a DuckDB error.
pub(crate) trait DbContext<T> {
    fn doing(self, action: impl FnOnce() -> String) -> Result<T, IngestError>;
}

impl<T> DbContext<T> for Result<T, duckdb::Error> {
    fn doing(self, action: impl FnOnce() -> String) -> Result<T, IngestError> {
        self.map_err(|source| IngestError::Database {
            action: action(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_names_file_line_column_and_value() {
        let problem = Problem::value(
            ProblemKind::BadValue,
            "bureau.csv",
            12,
            "DAYS_CREDIT",
            "abc",
            "not a whole number",
        );
        assert_eq!(
            problem.to_string(),
            "bureau.csv line 12, column `DAYS_CREDIT`, value `abc`: not a whole number"
        );
    }

    #[test]
    fn validation_error_lists_every_problem() {
        let problems = vec![
            Problem::file(ProblemKind::MissingFile, "bureau.csv", "missing"),
            Problem::value(ProblemKind::BadValue, "a.csv", 3, "X", "y", "bad"),
        ];
        let text = IngestError::Validation { problems }.to_string();
        assert!(text.contains("2 problem(s)"), "{text}");
        assert!(text.contains("\n  - bureau.csv: missing"), "{text}");
        assert!(
            text.contains("\n  - a.csv line 3, column `X`, value `y`: bad"),
            "{text}"
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let long = "x".repeat(500);
        let problem = Problem::value(ProblemKind::BadValue, "f.csv", 2, "C", &long, "bad");
        assert!(problem.to_string().len() < 200);
    }
}
