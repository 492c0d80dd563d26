//! Ingest, end to end: small data sets written here into temporary folders (every messy case
//! has a self-made version), then the real sample and the messy real files when present.

use std::io::Write;
use std::path::{Path, PathBuf};

use duckdb::Connection;
use pret_a_score::ingest::schema::{ColumnType, TABLES, TableSchema};
use pret_a_score::ingest::{
    self, IngestError, IngestMode, IngestOptions, IngestSummary, ProblemKind,
};
use pret_a_score::report::Reporter;
use sha2::{Digest, Sha256};

// ---------------------------------------------------------------------------------------
// A small, consistent Home Credit data set built from the schema.

/// One file's content: a header and rows of raw field text.
#[derive(Clone)]
struct Table {
    schema: &'static TableSchema,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(schema: &'static TableSchema) -> Self {
        Self {
            schema,
            header: schema.columns.iter().map(|c| c.name.to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// Appends a row with plausible values, then the given ones by column name.
    fn push(&mut self, values: &[(&str, String)]) {
        let n = self.rows.len() as i64;
        let mut row: Vec<String> = self
            .schema
            .columns
            .iter()
            .map(|column| match column.ty {
                ColumnType::Integer => (n % 7 - 3).to_string(),
                ColumnType::Float => format!("{}.25", n * 10),
                ColumnType::Text => ["Cash loans", "Revolving loans", "XNA"][n as usize % 3].into(),
            })
            .collect();
        for (name, value) in values {
            row[self.col(name)] = value.clone();
        }
        self.rows.push(row);
    }

    fn set(&mut self, row: usize, column: &str, value: &str) {
        let col = self.col(column);
        self.rows[row][col] = value.to_owned();
    }

    fn rename(&mut self, from: &str, to: &str) {
        let col = self.col(from);
        self.header[col] = to.to_owned();
    }

    fn drop_column(&mut self, name: &str) {
        let col = self.col(name);
        self.header.remove(col);
        for row in &mut self.rows {
            row.remove(col);
        }
    }

    fn add_column(&mut self, at: usize, name: &str, value: impl Fn(usize) -> String) {
        self.header.insert(at, name.to_owned());
        for (i, row) in self.rows.iter_mut().enumerate() {
            row.insert(at, value(i));
        }
    }

    fn csv_bytes(&self) -> Vec<u8> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&self.header).unwrap();
        for row in &self.rows {
            writer.write_record(row).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn file_name(&self) -> String {
        format!("{}.csv", self.schema.file_stem)
    }
}

fn schema(table: &str) -> &'static TableSchema {
    TABLES.iter().find(|s| s.table == table).unwrap()
}

const TRAIN: usize = 30;
const TEST: usize = 10;

/// 30 training and 10 new applicants; the first 10 training applicants have two bureau
/// credits of three months each, the first 15 a previous application with one row in each
/// of the three previous-credit histories, applicant 200001 (test) a bureau credit too.
fn dataset() -> Vec<Table> {
    let mut train = Table::new(schema("application_train"));
    for i in 0..TRAIN {
        let target = if i % 5 == 0 { "1" } else { "0" };
        train.push(&[
            ("SK_ID_CURR", (100_001 + i).to_string()),
            ("TARGET", target.into()),
        ]);
    }
    let mut test = Table::new(schema("application_test"));
    for i in 0..TEST {
        test.push(&[("SK_ID_CURR", (200_001 + i).to_string())]);
    }

    let mut bureau = Table::new(schema("bureau"));
    let mut balance = Table::new(schema("bureau_balance"));
    let owners = (0..10).map(|i| 100_001 + i).chain([200_001]);
    for (i, owner) in owners.flat_map(|o| [o, o]).enumerate() {
        let id = 5_000_000 + i;
        bureau.push(&[
            ("SK_ID_CURR", owner.to_string()),
            ("SK_ID_BUREAU", id.to_string()),
        ]);
        for month in 0..3 {
            balance.push(&[
                ("SK_ID_BUREAU", id.to_string()),
                ("MONTHS_BALANCE", (-month).to_string()),
                ("STATUS", "C".into()),
            ]);
        }
    }

    let mut previous = Table::new(schema("previous_application"));
    let mut pos = Table::new(schema("pos_cash_balance"));
    let mut installments = Table::new(schema("installments_payments"));
    let mut cards = Table::new(schema("credit_card_balance"));
    for i in 0..15 {
        let ids = [
            ("SK_ID_PREV", (1_000_000 + i).to_string()),
            ("SK_ID_CURR", (100_001 + i).to_string()),
        ];
        previous.push(&ids);
        pos.push(&ids);
        installments.push(&ids);
        cards.push(&ids);
    }
    vec![
        train,
        test,
        bureau,
        balance,
        previous,
        pos,
        installments,
        cards,
    ]
}

fn find<'a>(tables: &'a mut [Table], table: &str) -> &'a mut Table {
    tables.iter_mut().find(|t| t.schema.table == table).unwrap()
}

fn write(dir: &Path, tables: &[Table]) {
    for table in tables {
        std::fs::write(dir.join(table.file_name()), table.csv_bytes()).unwrap();
    }
}

/// A data folder and a database folder, both temporary.
struct Setup {
    data: tempfile::TempDir,
    out: tempfile::TempDir,
}

impl Setup {
    fn new(tables: &[Table]) -> Self {
        let setup = Self {
            data: tempfile::tempdir().unwrap(),
            out: tempfile::tempdir().unwrap(),
        };
        write(setup.data.path(), tables);
        setup
    }

    fn db(&self) -> PathBuf {
        self.out.path().join("test.duckdb")
    }

    fn options(&self, mode: IngestMode) -> IngestOptions {
        IngestOptions {
            data_dir: self.data.path().to_path_buf(),
            db: self.db(),
            mode,
        }
    }

    fn ingest(&self) -> Result<IngestSummary, IngestError> {
        ingest::run(&self.options(IngestMode::Training), &Reporter::quiet())
    }

    fn ingest_captured(&self) -> (Result<IngestSummary, IngestError>, Vec<String>) {
        let reporter = Reporter::captured();
        let result = ingest::run(&self.options(IngestMode::Training), &reporter);
        (result, reporter.lines())
    }

    /// Files in the database folder, to see that nothing is left behind.
    fn out_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

fn open(db: &Path) -> Connection {
    Connection::open(db).unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

fn row_counts(conn: &Connection) -> Vec<(String, i64)> {
    TABLES
        .iter()
        .map(|s| {
            let n = count(conn, &format!("SELECT count(*) FROM {}", s.table));
            (s.table.to_owned(), n)
        })
        .collect()
}

fn column_type(conn: &Connection, table: &str, column: &str) -> String {
    conn.query_row(
        "SELECT data_type FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
        |row| row.get(0),
    )
    .unwrap()
}

fn problems(error: &IngestError) -> Vec<String> {
    error.problems().iter().map(ToString::to_string).collect()
}

fn has_problem(error: &IngestError, needle: &str) -> bool {
    problems(error).iter().any(|p| p.contains(needle))
}

// ---------------------------------------------------------------------------------------
// Self-made data.

#[test]
fn self_made_data_ingests_with_exact_rows_types_and_provenance() {
    let tables = dataset();
    let setup = Setup::new(&tables);
    let (summary, lines) = setup.ingest_captured();
    let summary = summary.unwrap();

    let conn = open(&setup.db());
    let expected: Vec<(String, i64)> = tables
        .iter()
        .map(|t| (t.schema.table.to_owned(), t.rows.len() as i64))
        .collect();
    assert_eq!(row_counts(&conn), expected);
    for table in &tables {
        assert_eq!(
            summary.rows(table.schema.table),
            Some(table.rows.len() as u64)
        );
    }

    // Every column has its declared type, in schema order.
    for schema in &TABLES {
        let columns: Vec<(String, String)> = conn
            .prepare(
                "SELECT column_name, data_type FROM information_schema.columns \
                 WHERE table_name = ? ORDER BY ordinal_position",
            )
            .unwrap()
            .query_map([schema.table], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let declared: Vec<(String, String)> = schema
            .columns
            .iter()
            .map(|c| (c.name.to_owned(), c.ty.sql().to_owned()))
            .collect();
        assert_eq!(columns, declared, "{}", schema.table);
    }

    // Provenance: each file's size and SHA-256 of its bytes, and the run.
    for table in &tables {
        let bytes = table.csv_bytes();
        let (size, sha, rows): (i64, String, i64) = conn
            .query_row(
                "SELECT size_bytes, sha256, rows FROM ingest_files WHERE file_name = ?",
                [table.file_name()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .unwrap();
        assert_eq!(size, bytes.len() as i64);
        assert_eq!(sha, hex::encode(Sha256::digest(&bytes)));
        assert_eq!(rows, table.rows.len() as i64);
    }
    let (at, version, dir): (String, String, String) = conn
        .query_row("SELECT * FROM ingest_runs", [], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .unwrap();
    humantime::parse_rfc3339(&at).expect("ingested_at is RFC 3339");
    assert_eq!(version, pret_a_score::PROGRAM_VERSION);
    assert_eq!(
        PathBuf::from(dir),
        setup.data.path().canonicalize().unwrap()
    );

    // Histories: 11 applicants with bureau credits (10 training + 1 new), 15 with the rest.
    let history = |table: &str| {
        summary
            .histories
            .iter()
            .find(|h| h.table == table)
            .unwrap()
            .applicants
    };
    assert_eq!(history("bureau"), 11);
    assert_eq!(history("bureau_balance"), 11);
    assert_eq!(history("previous_application"), 15);
    assert_eq!(history("credit_card_balance"), 15);
    assert_eq!(
        (summary.training_applicants, summary.new_applicants),
        (30, 10)
    );
    assert!(summary.orphans.is_empty() && summary.warnings.is_empty());

    // The person waiting saw each table and the summary.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("bureau_balance.csv → bureau_balance: 66 rows"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Applicants: 40 (30 training, 10 new)"))
    );
    assert!(
        setup.out_files() == vec!["test.duckdb".to_owned()],
        "{:?}",
        setup.out_files()
    );
}

#[test]
fn integral_floats_nan_and_empty_values_load_as_numbers_and_nulls() {
    let mut tables = dataset();
    let train = find(&mut tables, "application_train");
    train.set(0, "DAYS_BIRTH", "-12000.0");
    train.set(1, "AMT_CREDIT", "nan");
    train.set(2, "CNT_CHILDREN", "");
    train.set(3, "OCCUPATION_TYPE", "");
    let setup = Setup::new(&tables);
    setup.ingest().unwrap();

    let conn = open(&setup.db());
    let q = |sql: &str| -> Option<String> { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    let sql = |col: &str, id: i64| {
        format!("SELECT CAST({col} AS VARCHAR) FROM application_train WHERE SK_ID_CURR = {id}")
    };
    assert_eq!(q(&sql("DAYS_BIRTH", 100_001)).as_deref(), Some("-12000"));
    assert_eq!(q(&sql("AMT_CREDIT", 100_002)), None);
    assert_eq!(q(&sql("CNT_CHILDREN", 100_003)), None);
    assert_eq!(q(&sql("OCCUPATION_TYPE", 100_004)), None);
}

#[test]
fn column_empty_for_thousands_of_rows_or_with_one_stray_value_keeps_its_type() {
    let mut tables = dataset();
    let train = find(&mut tables, "application_train");
    train.rows.clear();
    for i in 0..5000 {
        let target = (i % 2).to_string();
        train.push(&[
            ("SK_ID_CURR", (100_001 + i).to_string()),
            ("TARGET", target),
            ("EXT_SOURCE_1", String::new()),
            ("AMT_INCOME_TOTAL", "202500".into()),
            ("OCCUPATION_TYPE", (i % 10).to_string()),
        ]);
    }
    train.set(4999, "EXT_SOURCE_1", "0.5");
    train.set(4998, "AMT_INCOME_TOTAL", "95422.5");
    train.set(4997, "OCCUPATION_TYPE", "Laborers");
    let setup = Setup::new(&tables);
    setup.ingest().unwrap();

    let conn = open(&setup.db());
    assert_eq!(
        column_type(&conn, "application_train", "EXT_SOURCE_1"),
        "DOUBLE"
    );
    assert_eq!(
        column_type(&conn, "application_train", "AMT_INCOME_TOTAL"),
        "DOUBLE"
    );
    assert_eq!(
        column_type(&conn, "application_train", "OCCUPATION_TYPE"),
        "VARCHAR"
    );
    let value = |sql: &str| -> f64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(
        value("SELECT EXT_SOURCE_1 FROM application_train WHERE SK_ID_CURR = 105000"),
        0.5
    );
    assert_eq!(
        value("SELECT AMT_INCOME_TOTAL FROM application_train WHERE SK_ID_CURR = 104999"),
        95422.5
    );
    let text: String = conn
        .query_row(
            "SELECT OCCUPATION_TYPE FROM application_train WHERE SK_ID_CURR = 104998",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "Laborers");
}

#[test]
fn pandas_index_column_is_dropped_with_a_warning() {
    let mut tables = dataset();
    find(&mut tables, "application_train").add_column(0, "", |i| i.to_string());
    find(&mut tables, "bureau").add_column(0, "Unnamed: 0", |i| (i * 3).to_string());
    let setup = Setup::new(&tables);
    let summary = setup.ingest().unwrap();

    assert_eq!(summary.rows("application_train"), Some(TRAIN as u64));
    let index_warnings = summary
        .warnings
        .iter()
        .filter(|w| w.contains("unnamed index"));
    assert_eq!(index_warnings.count(), 2, "{:?}", summary.warnings);
    let conn = open(&setup.db());
    // The SK_ID_CURR column holds the ids, not the index.
    assert_eq!(
        count(&conn, "SELECT min(SK_ID_CURR) FROM application_train"),
        100_001
    );
    assert_eq!(
        count(&conn, "SELECT min(SK_ID_BUREAU) FROM bureau"),
        5_000_000
    );
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let tables = dataset();
    let setup = Setup::new(&tables);
    for table in ["bureau_balance", "application_train"] {
        let table = tables.iter().find(|t| t.schema.table == table).unwrap();
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(table.csv_bytes());
        std::fs::write(setup.data.path().join(table.file_name()), bytes).unwrap();
    }
    let summary = setup.ingest().unwrap();
    assert_eq!(summary.rows("bureau_balance"), Some(66));
    assert_eq!(summary.rows("application_train"), Some(TRAIN as u64));
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

#[test]
fn gzip_files_are_read_and_hashed_as_stored() {
    let tables = dataset();
    let setup = Setup::new(&tables);
    let mut compressed = Vec::new();
    for table in ["application_train", "bureau_balance"] {
        let table = tables.iter().find(|t| t.schema.table == table).unwrap();
        let plain = setup.data.path().join(table.file_name());
        std::fs::remove_file(&plain).unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(&table.csv_bytes()).unwrap();
        let bytes = encoder.finish().unwrap();
        let gz = setup.data.path().join(format!("{}.gz", table.file_name()));
        std::fs::write(&gz, &bytes).unwrap();
        assert_eq!(
            ingest::locate(setup.data.path(), table.schema.file_stem),
            Some(gz)
        );
        compressed.push((format!("{}.gz", table.file_name()), bytes));
    }

    let summary = setup.ingest().unwrap();
    assert_eq!(summary.rows("application_train"), Some(TRAIN as u64));
    assert_eq!(summary.rows("bureau_balance"), Some(66));
    let conn = open(&setup.db());
    for (name, bytes) in compressed {
        let sha: String = conn
            .query_row(
                "SELECT sha256 FROM ingest_files WHERE file_name = ?",
                [&name],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(sha, hex::encode(Sha256::digest(&bytes)), "{name}");
    }
}

#[test]
fn training_file_without_target_is_refused_naming_the_lookalike_columns() {
    let mut tables = dataset();
    let train = find(&mut tables, "application_train");
    train.rename("TARGET", "DEFAULTED");
    train.add_column(3, "FLAG_VIP", |i| (i % 2).to_string());
    train.add_column(4, "NOTES", |_| "none".into());
    let setup = Setup::new(&tables);
    let error = setup.ingest().unwrap_err();

    let target = error
        .problems()
        .iter()
        .find(|p| p.kind == ProblemKind::TargetMissing)
        .expect("a TargetMissing problem");
    assert_eq!(target.file, "application_train.csv");
    assert!(
        target.message.contains("no `TARGET` column"),
        "{}",
        target.message
    );
    assert!(
        target.message.contains("`DEFAULTED` (holds only 0/1)"),
        "{}",
        target.message
    );
    assert!(
        target.message.contains("`FLAG_VIP` (holds only 0/1)"),
        "{}",
        target.message
    );
    assert!(!target.message.contains("NOTES"), "{}", target.message);
    // The missing TARGET is reported once, not as a missing column nor per row.
    assert_eq!(error.problems().len(), 1, "{error}");
    assert!(error.to_string().contains("TARGET"));
    assert!(!setup.db().exists());
    assert!(setup.out_files().is_empty(), "{:?}", setup.out_files());
}

#[test]
fn every_problem_is_reported_at_once_with_file_line_column_and_value() {
    let mut tables = dataset();
    tables.retain(|t| t.schema.table != "credit_card_balance");
    let bureau = find(&mut tables, "bureau");
    bureau.drop_column("CREDIT_ACTIVE");
    bureau.drop_column("AMT_ANNUITY");
    find(&mut tables, "previous_application").set(4, "AMT_CREDIT", "12,5O0");
    find(&mut tables, "application_test").set(2, "SK_ID_CURR", "100007");
    find(&mut tables, "installments_payments").set(0, "SK_ID_CURR", "");
    find(&mut tables, "application_train").set(6, "TARGET", "2");
    find(&mut tables, "pos_cash_balance").add_column(2, "MY_NOTE", |_| "x".into());
    let setup = Setup::new(&tables);
    let error = setup.ingest().unwrap_err();
    let text = error.to_string();

    assert!(
        has_problem(&error, "credit_card_balance.csv: required file not found"),
        "{text}"
    );
    assert!(
        has_problem(
            &error,
            "2 required column(s) missing: CREDIT_ACTIVE, AMT_ANNUITY"
        ),
        "{text}"
    );
    // Line 6 = header + fifth row.
    assert!(
        has_problem(
            &error,
            "previous_application.csv line 6, column `AMT_CREDIT`, value `12,5O0`"
        ),
        "{text}"
    );
    assert!(
        has_problem(
            &error,
            "application_test.csv line 4, column `SK_ID_CURR`, value `100007`: this applicant appears more than once"
        ),
        "{text}"
    );
    assert!(
        has_problem(
            &error,
            "installments_payments.csv line 2, column `SK_ID_CURR`, value ``: this identifier is empty"
        ),
        "{text}"
    );
    assert!(
        has_problem(
            &error,
            "application_train.csv line 8, column `TARGET`, value `2`"
        ),
        "{text}"
    );
    assert_eq!(error.problems().len(), 6, "{text}");
    // An unknown extra column is a warning, not a problem.
    assert!(!text.contains("MY_NOTE"), "{text}");
    assert!(text.contains("previous database is untouched"));
    assert!(setup.out_files().is_empty(), "{:?}", setup.out_files());
}

#[test]
fn problems_are_listed_twenty_per_kind_then_counted() {
    let mut tables = dataset();
    let balance = find(&mut tables, "bureau_balance");
    for row in 0..35 {
        balance.set(row, "MONTHS_BALANCE", "soon");
    }
    let setup = Setup::new(&tables);
    let error = setup.ingest().unwrap_err();
    let listed = problems(&error);
    assert_eq!(listed.len(), 21, "{error}");
    assert!(
        listed[19].contains("bureau_balance.csv line 21, column `MONTHS_BALANCE`, value `soon`")
    );
    assert_eq!(
        listed[20],
        "bureau_balance.csv: and 15 more problem(s) of this kind in this file"
    );
}

#[test]
fn unknown_columns_are_warned_and_not_loaded() {
    let mut tables = dataset();
    find(&mut tables, "pos_cash_balance").add_column(2, "MY_NOTE", |_| "x".into());
    let setup = Setup::new(&tables);
    let (summary, lines) = setup.ingest_captured();
    let summary = summary.unwrap();
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("POS_CASH_balance.csv") && w.contains("`MY_NOTE`"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("warning: ") && l.contains("MY_NOTE"))
    );
    let conn = open(&setup.db());
    let columns = count(
        &conn,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'pos_cash_balance'",
    );
    assert_eq!(columns, schema("pos_cash_balance").columns.len() as i64);
}

#[test]
fn orphans_are_kept_counted_and_warned() {
    let mut tables = dataset();
    find(&mut tables, "bureau").set(0, "SK_ID_CURR", "999999");
    let balance = find(&mut tables, "bureau_balance");
    balance.set(0, "SK_ID_BUREAU", "1");
    balance.set(1, "SK_ID_BUREAU", "2");
    let setup = Setup::new(&tables);
    let summary = setup.ingest().unwrap();
    assert_eq!(summary.orphans("bureau"), 1);
    assert_eq!(summary.orphans("bureau_balance"), 2);
    assert_eq!(summary.orphans("previous_application"), 0);
    assert!(summary.warnings.iter().any(|w| w.contains(
        "bureau.csv: 1 row(s) refer to an SK_ID_CURR found in neither application file"
    )));
    assert_eq!(summary.rows("bureau"), Some(22), "orphans are kept");
}

#[test]
fn failed_ingest_leaves_the_previous_database_untouched() {
    let good = dataset();
    let setup = Setup::new(&good);
    setup.ingest().unwrap();
    let before = row_counts(&open(&setup.db()));

    // Same folder, now with a damaged bureau file and fewer applicants.
    let mut bad = dataset();
    find(&mut bad, "bureau").set(3, "DAYS_CREDIT", "yesterday");
    find(&mut bad, "application_train").rows.truncate(5);
    write(setup.data.path(), &bad);
    let error = setup.ingest().unwrap_err();
    assert!(
        has_problem(
            &error,
            "bureau.csv line 5, column `DAYS_CREDIT`, value `yesterday`"
        ),
        "{error}"
    );

    assert_eq!(
        setup.out_files(),
        vec!["test.duckdb".to_owned()],
        "temp file removed"
    );
    let conn = Connection::open(setup.db()).unwrap();
    assert_eq!(row_counts(&conn), before);
    assert_eq!(count(&conn, "SELECT count(*) FROM ingest_runs"), 1);
}

#[test]
fn header_only_training_file_is_refused_and_the_previous_database_kept() {
    let good = dataset();
    let setup = Setup::new(&good);
    setup.ingest().unwrap();
    let before = row_counts(&open(&setup.db()));

    let mut empty = dataset();
    find(&mut empty, "application_train").rows.clear();
    write(setup.data.path(), &empty);
    let error = setup.ingest().unwrap_err();
    assert!(
        has_problem(
            &error,
            "application_train.csv: holds a header but no applicant"
        ),
        "{error}"
    );
    assert_eq!(row_counts(&open(&setup.db())), before);
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    let good = dataset();
    let setup = Setup::new(&good);
    std::fs::write(setup.data.path().join("bureau.csv"), b"").unwrap();
    let error = setup.ingest().unwrap_err();
    assert!(
        has_problem(
            &error,
            "bureau.csv: the file is empty (it has no header line)"
        ),
        "{error}"
    );
    assert!(!error.to_string().contains("missing"), "{error}");
}

#[test]
fn a_db_path_naming_a_data_file_is_refused_and_the_file_kept() {
    let good = dataset();
    let setup = Setup::new(&good);
    let victim = setup.data.path().join("bureau.csv");
    let original = std::fs::read(&victim).unwrap();
    let options = IngestOptions {
        db: victim.clone(),
        ..setup.options(IngestMode::Training)
    };
    let error = ingest::run(&options, &Reporter::quiet()).unwrap_err();
    assert!(
        error.to_string().contains("is not a DuckDB database"),
        "{error}"
    );
    assert_eq!(std::fs::read(&victim).unwrap(), original);
}

#[test]
fn stale_temp_file_of_an_interrupted_run_is_removed() {
    let setup = Setup::new(&dataset());
    let stale = setup.out.path().join(".test.duckdb.ingest-4242-1.tmp");
    std::fs::write(&stale, b"half a database").unwrap();
    std::fs::write(
        setup.out.path().join(".test.duckdb.ingest-4242-1.tmp.wal"),
        b"log",
    )
    .unwrap();
    let summary = setup.ingest().unwrap();
    assert_eq!(setup.out_files(), vec!["test.duckdb".to_owned()]);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("interrupted ingest"))
    );
}

#[test]
fn new_applicants_need_only_application_test() {
    let tables = dataset();
    let only_test: Vec<Table> = tables
        .into_iter()
        .filter(|t| t.schema.table == "application_test")
        .collect();
    let setup = Setup::new(&only_test);
    let summary = ingest::run(
        &setup.options(IngestMode::NewApplicants),
        &Reporter::quiet(),
    )
    .unwrap();
    assert_eq!(summary.new_applicants, TEST as u64);
    assert_eq!(summary.training_applicants, 0);
    let conn = open(&setup.db());
    for (table, rows) in row_counts(&conn) {
        let expected = if table == "application_test" {
            TEST as i64
        } else {
            0
        };
        assert_eq!(rows, expected, "{table}");
    }
    // The empty training table still has its schema, TARGET included.
    assert_eq!(column_type(&conn, "application_train", "TARGET"), "BIGINT");

    // Training mode on the same folder names every missing required file.
    let error = setup.ingest().unwrap_err();
    let missing = error
        .problems()
        .iter()
        .filter(|p| p.kind == ProblemKind::MissingFile);
    assert_eq!(missing.count(), 7, "{error}");
}

#[test]
fn columns_description_in_windows_1252_is_read_leniently() {
    let setup = Setup::new(&dataset());
    let mut bytes = b",Table,Row,Description,Special\n".to_vec();
    bytes.extend(b"1,application_{train|test}.csv,SK_ID_CURR,ID of loan in our sample,\n");
    bytes.extend(b"2,bureau.csv,STATUS,\"Status (active, closed,\x85) \x96 caf\xe9\",rounded\n");
    std::fs::write(
        setup.data.path().join("HomeCredit_columns_description.csv"),
        bytes,
    )
    .unwrap();
    let summary = setup.ingest().unwrap();
    assert_eq!(summary.rows("columns_description"), Some(2));

    let conn = open(&setup.db());
    let (row, description, special): (String, String, String) = conn
        .query_row(
            "SELECT \"Row\", Description, Special FROM columns_description WHERE \"Table\" = 'bureau.csv'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, "STATUS");
    assert_eq!(description, "Status (active, closed,…) – café");
    assert_eq!(special, "rounded");
}

// ---------------------------------------------------------------------------------------
// Real data (skipped when /work/shared/data is absent).

fn shared_data(sub: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no real data at {}", dir.display());
        None
    }
}

#[test]
fn real_sample_ingests_with_readme_row_counts() {
    let Some(data_dir) = shared_data("home-credit") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let opts = IngestOptions {
        data_dir,
        db: out.path().join("real.duckdb"),
        mode: IngestMode::Training,
    };
    let started = std::time::Instant::now();
    let summary = ingest::run(&opts, &Reporter::quiet()).unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let rows: u64 = summary.tables.iter().map(|t| t.rows).sum();
    eprintln!(
        "real sample: {rows} rows in {elapsed:.2} s ({:.0} rows/s)",
        rows as f64 / elapsed
    );

    let readme = [
        ("application_train", 7_407),
        ("application_test", 1_000),
        ("bureau", 4_675),
        ("bureau_balance", 1_404),
        ("previous_application", 2_343),
        ("pos_cash_balance", 2_825),
        ("installments_payments", 7_019),
        ("credit_card_balance", 2_377),
        ("columns_description", 219),
    ];
    let conn = open(&opts.db);
    for (table, expected) in readme {
        assert_eq!(summary.rows(table), Some(expected), "{table}");
        assert_eq!(
            count(&conn, &format!("SELECT count(*) FROM {table}")),
            expected as i64
        );
    }
    // The README: every history row belongs to an applicant, every balance to a credit.
    assert!(summary.orphans.is_empty(), "{:?}", summary.orphans);
    assert_eq!(count(&conn, "SELECT count(*) FROM ingest_files"), 9);

    // AMT_INCOME_TOTAL of application_test is integral in every row but one: a sniffer would
    // make it an integer column; it stays DOUBLE and keeps the stray value exactly.
    assert_eq!(
        column_type(&conn, "application_test", "AMT_INCOME_TOTAL"),
        "DOUBLE"
    );
    let income: f64 = conn
        .query_row(
            "SELECT AMT_INCOME_TOTAL FROM application_test WHERE SK_ID_CURR = 274348",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(income, 95_422.5);
    let defaults = count(
        &conn,
        "SELECT CAST(sum(TARGET) AS BIGINT) FROM application_train",
    );
    assert!(
        (550..=640).contains(&defaults),
        "README: default rate 8.0%, got {defaults}"
    );
}

/// The real sample in a temporary folder with one file replaced by a messy one.
fn real_with(messy: &str, replaces: &str) -> Option<tempfile::TempDir> {
    let real = shared_data("home-credit")?;
    let messy = shared_data("messy")?.join(messy);
    if !messy.is_file() {
        eprintln!("skipped: no {}", messy.display());
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(real).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    std::fs::copy(messy, dir.path().join(replaces)).unwrap();
    Some(dir)
}

fn ingest_dir(dir: &Path, db: &Path) -> Result<IngestSummary, IngestError> {
    let opts = IngestOptions {
        data_dir: dir.to_path_buf(),
        db: db.to_path_buf(),
        mode: IngestMode::Training,
    };
    ingest::run(&opts, &Reporter::quiet())
}

#[test]
fn messy_application_train_with_index_column_is_read() {
    let Some(dir) = real_with(
        "application_train_with_index_column.csv",
        "application_train.csv",
    ) else {
        return;
    };
    let db = dir.path().join("out.duckdb");
    let summary = ingest_dir(dir.path(), &db).unwrap();
    assert_eq!(summary.rows("application_train"), Some(1_000));
    assert!(summary.warnings.iter().any(|w| w.contains("unnamed index")));
    let conn = open(&db);
    let (id, target): (i64, i64) = conn
        .query_row(
            "SELECT SK_ID_CURR, TARGET FROM application_train WHERE SK_ID_CURR = 347905",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((id, target), (347_905, 0));
    // Histories of applicants absent from this 1,000-row cut are orphans now: warned, kept.
    assert!(summary.orphans("bureau") > 0);
    assert_eq!(summary.rows("bureau"), Some(4_675));
}

#[test]
fn messy_bureau_balance_with_bom_is_read() {
    let Some(dir) = real_with("bureau_balance_with_bom.csv", "bureau_balance.csv") else {
        return;
    };
    let db = dir.path().join("out.duckdb");
    let summary = ingest_dir(dir.path(), &db).unwrap();
    assert_eq!(summary.rows("bureau_balance"), Some(3_622));
    let conn = open(&db);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM bureau_balance WHERE SK_ID_BUREAU = 5228926 AND MONTHS_BALANCE = -47 AND STATUS = 'C'"
        ),
        1
    );
}

#[test]
fn messy_application_train_with_renamed_target_is_refused() {
    let Some(dir) = real_with(
        "application_train_target_renamed.csv",
        "application_train.csv",
    ) else {
        return;
    };
    let db = dir.path().join("out.duckdb");
    let error = ingest_dir(dir.path(), &db).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains(
            "application_train.csv, column `TARGET`: the training file has no `TARGET` column"
        ),
        "{text}"
    );
    assert!(text.contains("`DEFAULTED` (holds only 0/1)"), "{text}");
    assert_eq!(error.problems().len(), 1, "{text}");
    assert!(!db.exists());
}

#[test]
fn messy_file_with_missing_values_written_as_zero_is_warned_about_once_its_target_is_named() {
    let Some(dir) = real_with(
        "application_train_target_renamed.csv",
        "application_train.csv",
    ) else {
        return;
    };
    // The person fixes the column name as the error asked; the zeros remain.
    let path = dir.path().join("application_train.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("DEFAULTED", "TARGET", 1)).unwrap();
    let summary = ingest_dir(dir.path(), &dir.path().join("out.duckdb")).unwrap();
    let warning = summary
        .warnings
        .iter()
        .find(|w| w.contains("no value is missing"))
        .expect("the zero-filled columns are warned about");
    assert!(
        warning.starts_with("application_train.csv:") && warning.contains("OWN_CAR_AGE ("),
        "{warning}"
    );

    // The untouched real sample, with its real missing values, raises no such warning.
    let clean = real_with("application_train_with_index_column.csv", "unused.csv")
        .expect("checked above that the shared data is here");
    std::fs::remove_file(clean.path().join("unused.csv")).unwrap();
    let summary = ingest_dir(clean.path(), &clean.path().join("out.duckdb")).unwrap();
    assert!(
        summary
            .warnings
            .iter()
            .all(|w| !w.contains("no value is missing")),
        "{:?}",
        summary.warnings
    );
}

// ---------------------------------------------------------------------------------------
// Throughput on a large generated file (run with `--ignored --nocapture`).

/// Generates `bureau_balance` at `PAS_BENCH_ROWS` rows (default 5 M; the full data set has
/// 27 M) beside the small data set, ingests it, and compares with DuckDB's own `read_csv`
/// of the same file (types given, no validation), to document the choice of the Appender.
#[test]
#[ignore = "benchmark: generates a large file; run explicitly"]
fn large_generated_bureau_balance_throughput() {
    let rows: usize = std::env::var("PAS_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000_000);
    let setup = Setup::new(&dataset());
    let path = setup.data.path().join("bureau_balance.csv");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "SK_ID_BUREAU,MONTHS_BALANCE,STATUS").unwrap();
    for i in 0..rows {
        let status = ["C", "X", "0", "1"][i % 4];
        writeln!(
            out,
            "{},{},{status}",
            5_000_000 + i % 22,
            -((i % 96) as i64)
        )
        .unwrap();
    }
    out.flush().unwrap();
    drop(out);

    let started = std::time::Instant::now();
    let summary = setup.ingest().unwrap();
    let ours = started.elapsed().as_secs_f64();
    assert_eq!(summary.rows("bureau_balance"), Some(rows as u64));

    let conn = Connection::open_in_memory().unwrap();
    let started = std::time::Instant::now();
    let sql = format!(
        "CREATE TABLE t AS SELECT * FROM read_csv('{}', header = true, auto_detect = false, \
         columns = {{'SK_ID_BUREAU': 'BIGINT', 'MONTHS_BALANCE': 'BIGINT', 'STATUS': 'VARCHAR'}})",
        path.display()
    );
    conn.execute_batch(&sql).unwrap();
    let theirs = started.elapsed().as_secs_f64();
    eprintln!(
        "bureau_balance {rows} rows: ingest (validate + hash + Appender) {ours:.1} s = {:.0} rows/s; \
         DuckDB read_csv alone {theirs:.1} s = {:.0} rows/s",
        rows as f64 / ours,
        rows as f64 / theirs
    );
}
