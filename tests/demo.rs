//! The generated demo data: exact Kaggle format, relations, realistic shares, determinism.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pret_a_score::demo::{self, DemoError, DemoOptions, DemoSummary};
use pret_a_score::ingest::schema::{ColumnType, TABLES, TableSchema};
use pret_a_score::ingest::{self, IngestMode, IngestOptions};
use pret_a_score::report::Reporter;

/// One small data set shared by the read-only tests (generated once per test run).
fn small() -> &'static (PathBuf, DemoSummary) {
    static DATA: OnceLock<(PathBuf, DemoSummary)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-small");
        let _ = std::fs::remove_dir_all(&dir);
        let summary = demo::generate(&dir, &DemoOptions::small(), &Reporter::quiet())
            .expect("small demo data is generated");
        (dir, summary)
    })
}

struct Table {
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(dir: &Path, schema: &TableSchema) -> Self {
        let path = dir.join(format!("{}.csv", schema.file_stem));
        let mut reader = csv::Reader::from_path(&path).expect("generated file opens");
        let headers = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.expect("valid CSV row"))
            .collect();
        Self { headers, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    fn values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let index = self.col(name);
        self.rows.iter().map(move |row| &row[index])
    }

    fn ints(&self, name: &str) -> Vec<i64> {
        self.values(name).map(|v| v.parse().unwrap()).collect()
    }

    fn missing_share(&self, name: &str) -> f64 {
        self.values(name).filter(|v| v.is_empty()).count() as f64 / self.rows.len() as f64
    }

    fn share(&self, name: &str, value: &str) -> f64 {
        self.values(name).filter(|v| *v == value).count() as f64 / self.rows.len() as f64
    }
}

fn table(stem: &str) -> Table {
    let schema = TABLES.iter().find(|t| t.file_stem == stem).unwrap();
    Table::read(&small().0, schema)
}

#[test]
fn headers_equal_the_schema_exactly() {
    let (dir, _) = small();
    for schema in &TABLES {
        let table = Table::read(dir, schema);
        let expected: Vec<&str> = schema.columns.iter().map(|c| c.name).collect();
        assert_eq!(table.headers, expected, "header of {}", schema.file_stem);
    }
    assert_eq!(
        TABLES[1].columns.len(),
        121,
        "application_test has no TARGET"
    );
}

#[test]
fn every_value_has_its_column_type_and_every_column_is_used() {
    let (dir, _) = small();
    for schema in &TABLES {
        let table = Table::read(dir, schema);
        for (index, column) in schema.columns.iter().enumerate() {
            let mut filled = 0;
            for (line, row) in table.rows.iter().enumerate() {
                let value = &row[index];
                if value.is_empty() {
                    continue;
                }
                filled += 1;
                let ok = match column.ty {
                    ColumnType::Integer => value.parse::<i64>().is_ok(),
                    ColumnType::Float => value.parse::<f64>().is_ok_and(f64::is_finite),
                    ColumnType::Text => true,
                };
                assert!(
                    ok,
                    "{} line {} {}: `{value}`",
                    schema.file_stem,
                    line + 2,
                    column.name
                );
            }
            assert!(
                filled > 0,
                "{}.{} is never filled",
                schema.file_stem,
                column.name
            );
        }
    }
}

#[test]
fn keys_are_unique_and_every_child_has_its_parent() {
    let train = table("application_train");
    let test = table("application_test");
    let mut applicants = HashSet::new();
    for id in train
        .ints("SK_ID_CURR")
        .into_iter()
        .chain(test.ints("SK_ID_CURR"))
    {
        assert!(applicants.insert(id), "applicant {id} appears twice");
    }
    assert_eq!(applicants.len(), 2_300);

    let bureau = table("bureau");
    let mut credits = HashSet::new();
    for (credit, owner) in bureau
        .ints("SK_ID_BUREAU")
        .into_iter()
        .zip(bureau.ints("SK_ID_CURR"))
    {
        assert!(
            credits.insert(credit),
            "bureau credit {credit} appears twice"
        );
        assert!(
            applicants.contains(&owner),
            "bureau credit of unknown applicant {owner}"
        );
    }
    for credit in table("bureau_balance").ints("SK_ID_BUREAU") {
        assert!(
            credits.contains(&credit),
            "balance of unknown bureau credit {credit}"
        );
    }

    let previous = table("previous_application");
    let mut owners = HashMap::new();
    for (prev, owner) in previous
        .ints("SK_ID_PREV")
        .into_iter()
        .zip(previous.ints("SK_ID_CURR"))
    {
        assert!(
            owners.insert(prev, owner).is_none(),
            "previous {prev} appears twice"
        );
        assert!(
            applicants.contains(&owner),
            "previous of unknown applicant {owner}"
        );
    }
    for stem in [
        "POS_CASH_balance",
        "installments_payments",
        "credit_card_balance",
    ] {
        let child = table(stem);
        for (prev, owner) in child
            .ints("SK_ID_PREV")
            .into_iter()
            .zip(child.ints("SK_ID_CURR"))
        {
            assert_eq!(
                owners.get(&prev),
                Some(&owner),
                "{stem}: previous {prev} of {owner}"
            );
        }
    }
}

#[test]
fn histories_have_the_sizes_of_the_full_data() {
    let (_, summary) = small();
    let applicants = 2_300.0;
    let rows = |stem: &str| summary.rows(stem).unwrap() as f64;
    let bureau = rows("bureau") / applicants;
    let previous = rows("previous_application") / applicants;
    let balance = rows("bureau_balance") / rows("bureau");
    let pos = rows("POS_CASH_balance") / rows("previous_application");
    let instalments = rows("installments_payments") / rows("previous_application");
    let cards = rows("credit_card_balance") / rows("previous_application");
    eprintln!(
        "per applicant: bureau {bureau:.2}, previous {previous:.2}; per credit: balance \
         {balance:.1}; per previous: POS {pos:.1}, instalments {instalments:.1}, card {cards:.1}"
    );
    assert!(
        (4.0..5.6).contains(&bureau),
        "bureau rows per applicant {bureau}"
    );
    assert!(
        (4.0..5.6).contains(&previous),
        "previous per applicant {previous}"
    );
    assert!(
        (12.0..20.0).contains(&balance),
        "months per bureau credit {balance}"
    );
    assert!((4.5..8.0).contains(&pos), "POS rows per previous {pos}");
    assert!(
        (6.0..10.5).contains(&instalments),
        "instalments per previous {instalments}"
    );
    assert!(
        (1.5..3.5).contains(&cards),
        "card months per previous {cards}"
    );

    let train = table("application_train");
    let with_bureau: HashSet<i64> = table("bureau").ints("SK_ID_CURR").into_iter().collect();
    let without = 1.0 - with_bureau.len() as f64 / applicants;
    assert!(
        (0.08..0.22).contains(&without),
        "share without bureau history {without}"
    );
    assert_eq!(train.rows.len(), 2_000);
}

#[test]
fn about_eight_percent_of_training_applicants_default() {
    let train = table("application_train");
    let rate = train.share("TARGET", "1");
    assert!((0.06..0.10).contains(&rate), "default rate {rate}");
    assert!(train.values("TARGET").all(|v| v == "0" || v == "1"));
}

#[test]
fn applicants_look_like_the_real_ones() {
    let train = table("application_train");
    let pensioners = train.share("DAYS_EMPLOYED", "365243");
    assert!(
        (0.13..0.23).contains(&pensioners),
        "DAYS_EMPLOYED sentinel share {pensioners}"
    );
    let ages = train.ints("DAYS_BIRTH");
    assert!(
        ages.iter().all(|d| (-25_500..=-7_400).contains(d)),
        "DAYS_BIRTH out of range"
    );
    for (name, missing) in [
        ("EXT_SOURCE_1", 0.56),
        ("EXT_SOURCE_2", 0.002),
        ("EXT_SOURCE_3", 0.2),
    ] {
        let share = train.missing_share(name);
        assert!((share - missing).abs() < 0.04, "{name} missing {share}");
        for value in train.values(name).filter(|v| !v.is_empty()) {
            let v: f64 = value.parse().unwrap();
            assert!((0.0..=1.0).contains(&v), "{name} = {v}");
        }
    }
    let incomes: Vec<f64> = train
        .values("AMT_INCOME_TOTAL")
        .map(|v| v.parse().unwrap())
        .collect();
    let mut sorted = incomes.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    assert!(
        (110_000.0..190_000.0).contains(&median),
        "median income {median}"
    );
    let contracts: HashSet<&str> = train.values("NAME_CONTRACT_TYPE").collect();
    assert_eq!(contracts, HashSet::from(["Cash loans", "Revolving loans"]));
    let credit: Vec<f64> = train
        .values("AMT_CREDIT")
        .map(|v| v.parse().unwrap())
        .collect();
    let annuity: Vec<f64> = train
        .values("AMT_ANNUITY")
        .map(|v| v.parse().unwrap())
        .collect();
    assert!(
        credit
            .iter()
            .zip(&annuity)
            .all(|(c, a)| a < c && *a > c / 80.0)
    );
}

#[test]
fn previous_applications_carry_sentinels_and_refusals() {
    let previous = table("previous_application");
    let sentinel = previous.share("DAYS_FIRST_DRAWING", "365243.0");
    assert!(
        sentinel > 0.2,
        "DAYS_FIRST_DRAWING sentinel share {sentinel}"
    );
    assert!(previous.share("DAYS_LAST_DUE", "365243.0") > 0.02);
    let refused = previous.share("NAME_CONTRACT_STATUS", "Refused");
    assert!((0.1..0.3).contains(&refused), "refused share {refused}");
}

#[test]
fn the_same_options_give_byte_identical_files() {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-determinism");
    let _ = std::fs::remove_dir_all(&base);
    let options = DemoOptions {
        applicants: 1_500,
        test_applicants: 700,
        seed: 9,
    };
    let first = demo::generate(&base.join("a"), &options, &Reporter::quiet()).unwrap();
    let second = demo::generate(&base.join("b"), &options, &Reporter::quiet()).unwrap();
    let other_seed = DemoOptions {
        seed: 10,
        ..options
    };
    demo::generate(&base.join("c"), &other_seed, &Reporter::quiet()).unwrap();
    for (a, b) in first.files.iter().zip(&second.files) {
        assert_eq!(
            std::fs::read(&a.path).unwrap(),
            std::fs::read(&b.path).unwrap()
        );
        assert_eq!(a.bytes, std::fs::metadata(&a.path).unwrap().len());
    }
    let train = |dir: &str| std::fs::read(base.join(dir).join("application_train.csv")).unwrap();
    assert_ne!(train("a"), train("c"), "another seed gives other data");
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn summary_counts_match_the_files() {
    let (dir, summary) = small();
    assert_eq!(summary.files.len(), 8);
    for file in &summary.files {
        let text = std::fs::read_to_string(dir.join(&file.file_name)).unwrap();
        let records = csv::Reader::from_reader(text.as_bytes()).records().count() as u64;
        assert_eq!(records, file.rows, "{}", file.file_name);
        assert_eq!(text.len() as u64, file.bytes, "{}", file.file_name);
    }
    let leftovers = std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "partial")
        })
        .count();
    assert_eq!(leftovers, 0, "no temporary files remain");
}

#[test]
fn an_unwritable_folder_is_named_in_the_error() {
    let base = tempfile::tempdir().unwrap();
    let blocker = base.path().join("not-a-folder");
    std::fs::write(&blocker, "a file").unwrap();
    let target = blocker.join("demo");
    let error = demo::generate(&target, &DemoOptions::small(), &Reporter::quiet()).unwrap_err();
    assert!(matches!(error, DemoError::CreateDir { .. }), "{error:?}");
    assert!(error.to_string().contains("not-a-folder"), "{error}");
}

#[test]
fn zero_training_applicants_is_refused() {
    let base = tempfile::tempdir().unwrap();
    let options = DemoOptions {
        applicants: 0,
        test_applicants: 10,
        seed: 1,
    };
    let error = demo::generate(base.path(), &options, &Reporter::quiet()).unwrap_err();
    assert!(matches!(error, DemoError::NoApplicants), "{error:?}");
}

/// The project's own ingest accepts the generated files as they are: no validation problem,
/// every row loaded, no orphan.
#[test]
fn generated_data_ingests_without_problems() {
    let (dir, summary) = small();
    let db_dir = tempfile::tempdir().unwrap();
    let options = IngestOptions {
        data_dir: dir.clone(),
        db: db_dir.path().join("demo.duckdb"),
        mode: IngestMode::Training,
    };
    let ingested = ingest::run(&options, &Reporter::quiet())
        .unwrap_or_else(|error| panic!("demo data does not ingest: {error}"));
    for (schema, file) in TABLES.iter().zip(&summary.files) {
        assert_eq!(
            ingested.rows(schema.table),
            Some(file.rows),
            "{}",
            schema.table
        );
        assert_eq!(ingested.orphans(schema.table), 0, "{}", schema.table);
    }
    eprintln!("ingest warnings: {:?}", ingested.warnings);
}
