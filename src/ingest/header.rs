//! Matching a file's header against its schema.
//!
//! Columns are matched by name, so their order in the file does not matter. A leading
//! unnamed column (pandas' `to_csv` index: an empty name or `Unnamed: 0`) is recognised and
//! dropped with a warning; other columns the schema does not know are dropped with a warning;
//! missing and repeated columns are problems.

use csv::ByteRecord;

use super::error::{Problem, ProblemKind};
use super::schema::TableSchema;
use super::value::decode_lenient;

/// Where each schema column is found in the file's rows.
#[derive(Debug)]
pub struct Layout {
    /// For each schema column, in schema order, its position in a row (None when missing).
    pub sources: Vec<Option<usize>>,
    /// Number of fields in the header, which every row must have.
    pub width: usize,
    /// Columns the schema does not know, with their positions (index column excluded).
    pub unknown: Vec<(usize, String)>,
    /// Schema columns absent from the file.
    pub missing: Vec<&'static str>,
    /// Whether a leading pandas index column was recognised (and is ignored).
    pub index_column: bool,
}

/// Whether a header name is the index column pandas writes by default.
fn is_index_name(name: &str) -> bool {
    name.is_empty() || name == "Unnamed: 0" || name == "index"
}

/// Matches `header` against `schema`; problems and warnings are appended for the caller.
pub fn match_header(
    header: &ByteRecord,
    schema: &TableSchema,
    file: &str,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<String>,
) -> Layout {
    let names: Vec<String> = header
        .iter()
        .map(|raw| decode_lenient(raw).trim().to_owned())
        .collect();

    let skip_first = names.first().is_some_and(|first| {
        is_index_name(first) && schema.column(first).is_none() && names.len() > 1
    });
    let mut sources = vec![None; schema.columns.len()];
    let mut unknown = Vec::new();
    for (position, name) in names.iter().enumerate().skip(usize::from(skip_first)) {
        match schema.columns.iter().position(|column| column.name == name) {
            Some(index) if sources[index].is_some() => problems.push(Problem {
                column: Some(name.clone()),
                ..Problem::file(
                    ProblemKind::DuplicateColumn,
                    file,
                    format!(
                        "the header names this column twice (positions {} and {}); remove one",
                        sources[index].unwrap_or(0) + 1,
                        position + 1
                    ),
                )
            }),
            Some(index) => sources[index] = Some(position),
            None => unknown.push((position, name.clone())),
        }
    }

    if !unknown.is_empty() {
        let list: Vec<String> = unknown
            .iter()
            .map(|(_, name)| format!("`{name}`"))
            .collect();
        warnings.push(format!(
            "{file}: {} column(s) not in the Home Credit schema were ignored: {}",
            unknown.len(),
            list.join(", ")
        ));
    }

    let missing = schema
        .columns
        .iter()
        .zip(&sources)
        .filter(|(_, source)| source.is_none())
        .map(|(column, _)| column.name)
        .collect();
    Layout {
        sources,
        width: names.len(),
        unknown,
        missing,
        index_column: skip_first,
    }
}

/// Whether a column's name suggests it is the outcome under another name.
pub fn named_like_target(name: &str) -> bool {
    const WORDS: [&str; 9] = [
        "TARGET",
        "DEFAULT",
        "DEFAULTED",
        "LABEL",
        "Y",
        "BAD",
        "CLASS",
        "OUTCOME",
        "IS_DEFAULT",
    ];
    let upper = name.to_ascii_uppercase();
    upper.contains("TARGET")
        || upper.contains("DEFAULT")
        || upper
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| WORDS.contains(&word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::TABLES;

    fn bureau_balance() -> &'static TableSchema {
        TABLES
            .iter()
            .find(|schema| schema.table == "bureau_balance")
            .unwrap()
    }

    fn layout(header: &[&str]) -> (Layout, Vec<Problem>, Vec<String>) {
        let (mut problems, mut warnings) = (Vec::new(), Vec::new());
        let record = ByteRecord::from(header.to_vec());
        let layout = match_header(
            &record,
            bureau_balance(),
            "bb.csv",
            &mut problems,
            &mut warnings,
        );
        (layout, problems, warnings)
    }

    #[test]
    fn columns_are_matched_by_name_in_any_order() {
        let (layout, problems, warnings) = layout(&["STATUS", "SK_ID_BUREAU", "MONTHS_BALANCE"]);
        assert_eq!(layout.sources, vec![Some(1), Some(2), Some(0)]);
        assert!(problems.is_empty() && warnings.is_empty());
    }

    #[test]
    fn pandas_index_column_is_recognised() {
        for index in ["", "Unnamed: 0"] {
            let (layout, _, warnings) =
                layout(&[index, "SK_ID_BUREAU", "MONTHS_BALANCE", "STATUS"]);
            assert_eq!(layout.sources, vec![Some(1), Some(2), Some(3)]);
            assert!(layout.unknown.is_empty() && layout.index_column);
            assert!(warnings.is_empty(), "{warnings:?}");
        }
    }

    #[test]
    fn missing_unknown_and_repeated_columns_are_reported() {
        let (layout, problems, warnings) =
            layout(&["SK_ID_BUREAU", "EXTRA", "SK_ID_BUREAU", "STATUS"]);
        assert_eq!(layout.missing, vec!["MONTHS_BALANCE"]);
        assert_eq!(layout.unknown, vec![(1, "EXTRA".to_owned())]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::DuplicateColumn);
        assert!(warnings[0].contains("`EXTRA`"));
    }

    #[test]
    fn target_like_names() {
        for name in [
            "DEFAULTED",
            "label",
            "y",
            "IS_BAD",
            "target_flag",
            "Default",
        ] {
            assert!(named_like_target(name), "{name}");
        }
        for name in ["AMT_CREDIT", "YEARS_BUILD_AVG", "BADGE", "DAYS_BIRTH"] {
            assert!(!named_like_target(name), "{name}");
        }
    }
}
