//! Feature build tests: a core test on tiny hand-written tables (runs anywhere), and tests on
//! the real Home Credit sample in `../shared/data/home-credit` (skipped when it is absent).

use std::path::PathBuf;

use duckdb::Connection;
use pret_a_score::features::{
    self, CategoryLevels, Encodings, FeatureError, FeatureTable, Selection,
};
use pret_a_score::ingest::schema::{ColumnType, TABLES};
use pret_a_score::report::Reporter;

const GROUPS: [&str; 6] = [
    "Application",
    "Credit bureau",
    "Previous applications",
    "Cash and POS loans",
    "Payment history",
    "Credit cards",
];

/// Creates every raw table, empty, with the schema's columns and types.
fn create_raw_tables(conn: &Connection) {
    for schema in TABLES {
        let columns: Vec<String> = schema
            .columns
            .iter()
            .map(|c| format!("\"{}\" {}", c.name, c.ty.sql()))
            .collect();
        let sql = format!("CREATE TABLE {} ({})", schema.table, columns.join(", "));
        conn.execute_batch(&sql).expect("create raw table");
    }
}

/// Tiny hand-written tables; the expected values in `core_features_*` are worked out by hand
/// from these rows.
fn tiny_database() -> Connection {
    let conn = Connection::open_in_memory().expect("in-memory database");
    create_raw_tables(&conn);
    conn.execute_batch(
        "INSERT INTO application_train (SK_ID_CURR, TARGET, CODE_GENDER, FLAG_OWN_CAR,
             NAME_EDUCATION_TYPE, NAME_TYPE_SUITE, DAYS_BIRTH, DAYS_EMPLOYED,
             AMT_INCOME_TOTAL, AMT_CREDIT, AMT_ANNUITY, CNT_FAM_MEMBERS) VALUES
           (1, 0, 'F', 'N', 'Higher education', NULL, -20000, 365243, 100000, 0, 5000, 0),
           (2, 1, 'M', 'N', 'Secondary / secondary special', 'Family', -10000, -1000,
            100000, 400000, 20000, 2),
           (3, 0, 'F', 'Y', 'Higher education', 'Family', -15000, -3000, 0, 200000, 10000, 1);
         INSERT INTO application_test (SK_ID_CURR, CODE_GENDER, FLAG_OWN_CAR,
             NAME_EDUCATION_TYPE, NAME_TYPE_SUITE, DAYS_BIRTH, DAYS_EMPLOYED) VALUES
           (4, 'XNA', 'N', 'Academic degree', NULL, -12000, -100),
           (5, 'F', 'N', 'Higher education', 'Family', -13000, -200);
         INSERT INTO bureau (SK_ID_CURR, SK_ID_BUREAU, CREDIT_ACTIVE, DAYS_CREDIT,
             AMT_CREDIT_SUM) VALUES
           (1, 11, 'Active', -100, 1000), (1, 12, 'Closed', -300, 3000),
           (1, 13, 'Closed', -500, NULL), (4, 41, 'Sold', -50, 10);
         INSERT INTO bureau_balance VALUES
           (11, -3, '0'), (11, -2, '1'), (11, -1, 'C'), (11, 0, 'C'),
           (12, -5, 'X'), (12, -4, 'C'), (41, -1, '5');
         INSERT INTO previous_application (SK_ID_PREV, SK_ID_CURR, NAME_CONTRACT_STATUS,
             AMT_APPLICATION, AMT_CREDIT, DAYS_FIRST_DRAWING, DAYS_TERMINATION) VALUES
           (21, 2, 'Approved', 100, 80, 365243, -10),
           (22, 2, 'Refused', 50, 0, -20, 365243),
           (23, 2, 'Approved', 60, 60, -40, 365243);
         INSERT INTO pos_cash_balance (SK_ID_PREV, SK_ID_CURR, MONTHS_BALANCE,
             NAME_CONTRACT_STATUS, SK_DPD, SK_DPD_DEF) VALUES
           (21, 2, -1, 'Active', 0, 0), (21, 2, -2, 'Active', 5, 0),
           (23, 2, -3, 'Completed', 0, 0);
         INSERT INTO installments_payments (SK_ID_PREV, SK_ID_CURR, NUM_INSTALMENT_VERSION,
             NUM_INSTALMENT_NUMBER, DAYS_INSTALMENT, DAYS_ENTRY_PAYMENT, AMT_INSTALMENT,
             AMT_PAYMENT) VALUES
           (31, 3, 1, 1, -100, -95, 100, 100),
           (31, 3, 2, 2, -50, -60, 100, 50),
           (31, 3, 1, 3, -20, NULL, 0, 0);
         INSERT INTO credit_card_balance (SK_ID_PREV, SK_ID_CURR, MONTHS_BALANCE, AMT_BALANCE,
             NAME_CONTRACT_STATUS) VALUES
           (32, 3, -1, 10, 'Active'), (32, 3, -2, 20, 'Active'), (32, 3, -3, 60, 'Completed'),
           (42, 4, -1, 5, 'Signed');",
    )
    .expect("insert tiny rows");
    conn
}

/// Equal values, an empty value (NaN) matching only another empty value.
fn same_values(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
}

/// The value of `name` for applicant `id` (NaN when empty).
fn value(table: &FeatureTable, id: i64, name: &str) -> f64 {
    let row = table
        .ids
        .iter()
        .position(|&i| i == id)
        .expect("applicant present");
    let column = table
        .column_index(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    table.row(row)[column]
}

fn assert_close(table: &FeatureTable, id: i64, name: &str, expected: f64) {
    let actual = value(table, id, name);
    let tolerance = 1e-9 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{name} of {id}: expected {expected}, got {actual}"
    );
}

fn assert_empty(table: &FeatureTable, id: i64, name: &str) {
    let actual = value(table, id, name);
    assert!(
        actual.is_nan(),
        "{name} of {id}: expected empty, got {actual}"
    );
}

#[test]
fn core_features_of_hand_written_tables() {
    let conn = tiny_database();
    let reporter = Reporter::captured();
    let summary = features::build(&conn, Encodings::LearnFromTraining, &reporter).expect("build");
    let table = features::load(&conn, Selection::All).expect("load");

    assert_eq!(summary.applicants, 5);
    assert_eq!(table.ids, vec![1, 2, 3, 4, 5]);
    assert_eq!(summary.features, table.names.len());
    assert_eq!(
        table.target,
        vec![Some(0.0), Some(1.0), Some(0.0), None, None]
    );
    assert!(!table.names.iter().any(|n| n.contains("TARGET")));
    assert!(
        table.values.iter().all(|v| !v.is_infinite()),
        "no infinity anywhere"
    );

    // Application: sentinel, flag and ratios with zero denominators.
    assert_empty(&table, 1, "DAYS_EMPLOYED");
    assert_close(&table, 1, "DAYS_EMPLOYED_ANOM", 1.0);
    assert_empty(&table, 1, "DAYS_EMPLOYED_PERC");
    assert_empty(&table, 1, "INCOME_CREDIT_PERC"); // AMT_CREDIT = 0
    assert_empty(&table, 1, "PAYMENT_RATE"); // AMT_CREDIT = 0
    assert_empty(&table, 1, "INCOME_PER_PERSON"); // CNT_FAM_MEMBERS = 0
    assert_empty(&table, 3, "ANNUITY_INCOME_PERC"); // AMT_INCOME_TOTAL = 0
    assert_close(&table, 2, "DAYS_EMPLOYED_ANOM", 0.0);
    assert_close(&table, 2, "DAYS_EMPLOYED_PERC", 0.1); // -1000 / -10000
    assert_close(&table, 2, "INCOME_CREDIT_PERC", 0.25); // 100000 / 400000
    assert_close(&table, 2, "INCOME_PER_PERSON", 50000.0);
    assert_close(&table, 2, "ANNUITY_INCOME_PERC", 0.2);
    assert_close(&table, 2, "PAYMENT_RATE", 0.05);
    assert_close(&table, 3, "FLAG_OWN_CAR", 1.0);
    assert_close(&table, 2, "FLAG_OWN_CAR", 0.0);

    // One-hot from training categories only; unseen test categories set no column.
    assert_close(&table, 1, "CODE_GENDER_F", 1.0);
    assert_close(&table, 2, "CODE_GENDER_M", 1.0);
    assert_close(&table, 4, "CODE_GENDER_F", 0.0);
    assert_close(&table, 4, "CODE_GENDER_M", 0.0);
    assert!(table.column_index("CODE_GENDER_XNA").is_none());
    assert_close(
        &table,
        2,
        "NAME_EDUCATION_TYPE_Secondary_secondary_special",
        1.0,
    );
    assert!(
        table
            .column_index("NAME_EDUCATION_TYPE_Academic_degree")
            .is_none()
    );
    assert_close(&table, 4, "NAME_TYPE_SUITE_missing", 1.0);
    assert_close(&table, 2, "NAME_TYPE_SUITE_missing", 0.0);

    // Bureau: 3 credits of applicant 1 (-100 active, -300 and -500 closed).
    assert_close(&table, 1, "BURO_COUNT", 3.0);
    assert_close(&table, 1, "BURO_DAYS_CREDIT_MEAN", -300.0);
    assert_close(&table, 1, "BURO_DAYS_CREDIT_VAR", 40000.0); // (200² + 0 + 200²) / 2
    assert_close(&table, 1, "BURO_AMT_CREDIT_SUM_SUM", 4000.0);
    assert_close(&table, 1, "BURO_CREDIT_ACTIVE_Closed_SHARE", 2.0 / 3.0);
    assert_close(&table, 1, "ACTIVE_COUNT", 1.0);
    assert_empty(&table, 1, "ACTIVE_DAYS_CREDIT_VAR"); // a single value
    assert_close(&table, 1, "CLOSED_DAYS_CREDIT_MEAN", -400.0);
    // Balance: credit 11 has 4 months (half 'C', one '1'), 12 has 2 (half 'C'), 13 none.
    assert_close(&table, 1, "BURO_MONTHS_BALANCE_SIZE_MEAN", 3.0);
    assert_close(&table, 1, "BURO_MONTHS_BALANCE_SIZE_SUM", 6.0);
    assert_close(&table, 1, "BURO_MONTHS_BALANCE_MIN_MIN", -5.0);
    assert_close(&table, 1, "BURO_STATUS_C_SHARE_MEAN", 0.5);
    assert_close(&table, 1, "BURO_STATUS_1_SHARE_MEAN", 0.125); // (1/4 + 0) / 2
    assert!(table.column_index("BURO_STATUS_5_SHARE_MEAN").is_none());
    assert!(
        table
            .column_index("BURO_CREDIT_ACTIVE_Sold_SHARE")
            .is_none()
    );
    assert_close(&table, 4, "BURO_COUNT", 1.0);
    assert_close(&table, 4, "BURO_CREDIT_ACTIVE_Closed_SHARE", 0.0);

    // Previous applications of applicant 2: ratios 1.25, none (granted 0), 1.0.
    assert_close(&table, 2, "PREV_COUNT", 3.0);
    assert_close(&table, 2, "PREV_APP_CREDIT_PERC_MEAN", 1.125);
    assert_close(&table, 2, "PREV_APP_CREDIT_PERC_MAX", 1.25);
    assert_close(&table, 2, "PREV_APP_CREDIT_PERC_VAR", 0.03125); // 2 x 0.125² / 1
    assert_close(&table, 2, "PREV_DAYS_FIRST_DRAWING_MEAN", -30.0); // 365243 left out
    assert_close(&table, 2, "PREV_DAYS_TERMINATION_MAX", -10.0);
    assert_close(&table, 2, "APPROVED_COUNT", 2.0);
    assert_close(&table, 2, "APPROVED_AMT_CREDIT_MEAN", 70.0);
    assert_close(&table, 2, "REFUSED_COUNT", 1.0);
    assert_empty(&table, 2, "REFUSED_APP_CREDIT_PERC_MEAN");
    assert_close(
        &table,
        2,
        "PREV_NAME_CONTRACT_STATUS_Refused_SHARE",
        1.0 / 3.0,
    );

    // POS of applicant 2.
    assert_close(&table, 2, "POS_COUNT", 3.0);
    assert_close(&table, 2, "POS_SK_DPD_MAX", 5.0);
    assert_close(&table, 2, "POS_SK_DPD_MEAN", 5.0 / 3.0);
    assert_close(
        &table,
        2,
        "POS_NAME_CONTRACT_STATUS_Active_SHARE",
        2.0 / 3.0,
    );

    // Instalments of applicant 3: late 5 days, early 10 days, unknown payment date.
    assert_close(&table, 3, "INSTAL_COUNT", 3.0);
    assert_close(&table, 3, "INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE", 2.0);
    assert_close(&table, 3, "INSTAL_DPD_MEAN", 2.5); // (5 + 0) / 2, unknown left out
    assert_close(&table, 3, "INSTAL_DPD_SUM", 5.0);
    assert_close(&table, 3, "INSTAL_DBD_MAX", 10.0);
    assert_close(&table, 3, "INSTAL_PAYMENT_PERC_MEAN", 0.75); // 0/0 left out
    assert_close(&table, 3, "INSTAL_PAYMENT_PERC_VAR", 0.125);
    assert_close(&table, 3, "INSTAL_PAYMENT_DIFF_SUM", 50.0);

    // Credit card of applicant 3: balances 10, 20, 60.
    assert_close(&table, 3, "CC_COUNT", 3.0);
    assert_close(&table, 3, "CC_AMT_BALANCE_MEAN", 30.0);
    assert_close(&table, 3, "CC_AMT_BALANCE_VAR", 700.0); // (400 + 100 + 900) / 2
    assert_close(&table, 3, "CC_AMT_BALANCE_SUM", 90.0);
    assert_close(&table, 3, "CC_NAME_CONTRACT_STATUS_Active_SHARE", 2.0 / 3.0);

    // Applicant 5 has no history: counts 0, everything else empty.
    for count in [
        "BURO_COUNT",
        "ACTIVE_COUNT",
        "PREV_COUNT",
        "REFUSED_COUNT",
        "POS_COUNT",
    ] {
        assert_close(&table, 5, count, 0.0);
    }
    assert_close(&table, 5, "INSTAL_COUNT", 0.0);
    assert_close(&table, 5, "INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE", 0.0);
    assert_close(&table, 5, "CC_COUNT", 0.0);
    assert_empty(&table, 5, "BURO_DAYS_CREDIT_MEAN");
    assert_empty(&table, 5, "BURO_CREDIT_ACTIVE_Closed_SHARE");
    assert_empty(&table, 5, "INSTAL_DPD_MEAN");
    assert_empty(&table, 5, "CC_AMT_BALANCE_VAR");

    // Progress names every group.
    let lines = reporter.lines().join("\n");
    for group in [
        "application",
        "bureau",
        "previous",
        "pos_cash",
        "instalments",
        "credit_card",
    ] {
        assert!(
            lines.contains(group),
            "no progress line for {group}:\n{lines}"
        );
    }
}

#[test]
fn core_levels_are_learned_from_training_rows_only() {
    let conn = tiny_database();
    features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    let levels = features::category_levels(&conn).expect("levels");
    let has = |variable: &str, category: &str| {
        levels
            .levels
            .iter()
            .any(|l| l.variable == variable && l.category == category)
    };
    assert!(has("application.CODE_GENDER", "F"));
    assert!(has(
        "application.NAME_TYPE_SUITE",
        features::MISSING_CATEGORY
    ));
    assert!(has("bureau_balance.STATUS", "X"));
    assert!(has("credit_card_balance.NAME_CONTRACT_STATUS", "Completed"));
    // Seen only among test applicants' rows:
    assert!(!has("application.CODE_GENDER", "XNA"));
    assert!(!has("application.NAME_EDUCATION_TYPE", "Academic degree"));
    assert!(!has("bureau.CREDIT_ACTIVE", "Sold"));
    assert!(!has("bureau_balance.STATUS", "5"));
    assert!(!has("credit_card_balance.NAME_CONTRACT_STATUS", "Signed"));
    // No missing category where training rows have no missing value.
    assert!(!has("application.CODE_GENDER", features::MISSING_CATEGORY));
}

#[test]
fn core_given_levels_give_a_scoring_database_the_same_columns() {
    let training = tiny_database();
    features::build(&training, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    let levels = features::category_levels(&training).expect("levels");
    let trained = features::load(&training, Selection::All).expect("load");

    // A scoring database: no training applicants, other categories.
    let scoring = Connection::open_in_memory().expect("in-memory database");
    create_raw_tables(&scoring);
    scoring
        .execute_batch(
            "INSERT INTO application_test (SK_ID_CURR, CODE_GENDER, NAME_EDUCATION_TYPE)
                 VALUES (9, 'M', 'Lower secondary');
             INSERT INTO bureau (SK_ID_CURR, SK_ID_BUREAU, CREDIT_ACTIVE) VALUES (9, 91, 'Sold');",
        )
        .expect("insert");
    let summary = features::build(&scoring, Encodings::Given(&levels), &Reporter::quiet())
        .expect("build with given levels");
    let scored = features::load(&scoring, Selection::All).expect("load");
    assert_eq!(summary.applicants, 1);
    assert_eq!(scored.names, trained.names);
    assert_eq!(features::category_levels(&scoring).expect("levels"), levels);
    assert_close(&scored, 9, "CODE_GENDER_M", 1.0);
    assert_close(&scored, 9, "BURO_CREDIT_ACTIVE_Closed_SHARE", 0.0);
}

#[test]
fn core_features_do_not_depend_on_target() {
    let conn = tiny_database();
    features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    let before = features::load(&conn, Selection::All).expect("load");
    conn.execute_batch("UPDATE application_train SET TARGET = 1 - TARGET")
        .expect("flip");
    features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("rebuild");
    let after = features::load(&conn, Selection::All).expect("load");
    assert_eq!(before.names, after.names);
    assert!(
        same_values(&before.values, &after.values),
        "a feature changed when only TARGET changed"
    );
    assert_ne!(before.target, after.target);
}

#[test]
fn core_catalog_describes_every_feature_in_plain_words() {
    let conn = tiny_database();
    features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    let table = features::load(&conn, Selection::All).expect("load");
    check_catalog(&conn, &table.names);

    // Same column name in two tables: two variables, so explanations do not add them up.
    let names = [
        "AMT_ANNUITY",
        "BURO_AMT_ANNUITY_MEAN",
        "ACTIVE_AMT_ANNUITY_MAX",
    ]
    .map(String::from);
    let catalog = features::catalog(&conn, &names).expect("catalog");
    let variables: Vec<&str> = catalog
        .features
        .iter()
        .map(|f| f.variable.as_str())
        .collect();
    assert_eq!(
        variables,
        [
            "AMT_ANNUITY",
            "AMT_ANNUITY (bureau)",
            "AMT_ANNUITY (bureau)"
        ]
    );
    let education = features::catalog(&conn, &["NAME_EDUCATION_TYPE_Higher_education".into()])
        .expect("catalog");
    let info = &education.features[0];
    assert_eq!(info.label, "Education: Higher education");
    assert_eq!(info.variable, "NAME_EDUCATION_TYPE");
    assert_eq!(info.variable_label, "Education");
    assert_eq!(info.category.as_deref(), Some("Higher education"));
    assert_eq!(info.group, "Application");
}

/// Every feature has a catalog row with words (not its code) and a known group.
fn check_catalog(conn: &Connection, names: &[String]) {
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM feature_catalog", [], |r| r.get(0))
        .expect("count");
    assert_eq!(usize::try_from(rows).expect("count fits"), names.len());
    let catalog = features::catalog(conn, names).expect("catalog");
    assert_eq!(catalog.features.len(), names.len());
    let mut labels = std::collections::HashSet::new();
    for (info, name) in catalog.features.iter().zip(names) {
        assert_eq!(&info.name, name);
        assert!(!info.label.trim().is_empty(), "{name}: empty label");
        assert!(
            !info.description.trim().is_empty(),
            "{name}: empty description"
        );
        assert_ne!(info.label, *name, "{name}: label is the code");
        assert_ne!(
            info.label, info.variable,
            "{name}: label is the variable code"
        );
        assert!(
            GROUPS.contains(&info.group.as_str()),
            "{name}: group {}",
            info.group
        );
        assert!(
            labels.insert(info.label.clone()),
            "{name}: label `{}` is used twice",
            info.label
        );
    }
    let unknown = features::catalog(conn, &["NOT_A_FEATURE".to_owned()]);
    assert!(matches!(unknown, Err(FeatureError::UnknownFeature { .. })));
}

#[test]
fn core_load_selects_train_or_given_ids_in_id_order() {
    let conn = tiny_database();
    features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    let train = features::load(&conn, Selection::Train).expect("train");
    assert_eq!(train.ids, vec![1, 2, 3]);
    assert!(train.target.iter().all(Option::is_some));
    let some = features::load(&conn, Selection::Ids(&[4, 2, 4])).expect("ids");
    assert_eq!(some.ids, vec![2, 4]);
    assert_eq!(some.values.len(), 2 * some.names.len());
    let all = features::load(&conn, Selection::All).expect("all");
    assert!(
        same_values(some.row(1), all.row(3)),
        "applicant 4's row differs"
    );
    // A features table stored out of order still loads in SK_ID_CURR order.
    conn.execute_batch(
        "CREATE OR REPLACE TABLE features AS SELECT * FROM features ORDER BY SK_ID_CURR DESC",
    )
    .expect("reorder");
    let reordered = features::load(&conn, Selection::All).expect("all");
    assert_eq!(reordered.ids, all.ids);
    assert!(same_values(&reordered.values, &all.values));
    assert_eq!(reordered.target, all.target);
    match features::load(&conn, Selection::Ids(&[2, 77])) {
        Err(FeatureError::UnknownApplicants { ids }) => assert_eq!(ids, vec![77]),
        other => panic!(
            "expected unknown applicants, got {:?}",
            other.map(|t| t.ids)
        ),
    }
}

#[test]
fn core_errors_name_the_problem() {
    let conn = Connection::open_in_memory().expect("in-memory database");
    match features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()) {
        Err(FeatureError::MissingTable { table }) => assert_eq!(table, "application_train"),
        other => panic!(
            "expected a missing table, got {:?}",
            other.map(|s| s.features)
        ),
    }

    let conn = tiny_database();
    conn.execute_batch("INSERT INTO application_test (SK_ID_CURR) VALUES (2)")
        .expect("insert");
    match features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()) {
        Err(FeatureError::DuplicateApplicant { id }) => assert_eq!(id, 2),
        other => panic!(
            "expected a duplicate applicant, got {:?}",
            other.map(|s| s.features)
        ),
    }

    let bad = CategoryLevels {
        levels: vec![features::CategoryLevel {
            variable: "application.NOT_A_COLUMN".into(),
            category: "x".into(),
            column_name: "NOT_A_COLUMN_x".into(),
        }],
    };
    let conn = tiny_database();
    let result = features::build(&conn, Encodings::Given(&bad), &Reporter::quiet());
    assert!(matches!(result, Err(FeatureError::BadLevel { .. })));
}

// ---- Real data -------------------------------------------------------------------------

fn real_data_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/home-credit");
    if dir.join("application_train.csv").exists() {
        Some(dir)
    } else {
        eprintln!("skipped: real data not found in {}", dir.display());
        None
    }
}

/// Loads the real CSV files with DuckDB, typed by the schema (integers read as numbers
/// first, since some files write them as `3.0`).
fn load_real(conn: &Connection, dir: &std::path::Path) {
    for schema in TABLES {
        let file = dir.join(format!("{}.csv", schema.file_stem));
        let types: Vec<String> = schema
            .columns
            .iter()
            .map(|c| {
                let ty = if c.ty == ColumnType::Text {
                    "VARCHAR"
                } else {
                    "DOUBLE"
                };
                format!("'{}': '{ty}'", c.name)
            })
            .collect();
        let select: Vec<String> = schema
            .columns
            .iter()
            .map(|c| format!("CAST(\"{0}\" AS {1}) AS \"{0}\"", c.name, c.ty.sql()))
            .collect();
        let sql = format!(
            "CREATE TABLE {} AS SELECT {} FROM read_csv('{}', header = true, columns = {{{}}})",
            schema.table,
            select.join(", "),
            file.display(),
            types.join(", ")
        );
        conn.execute_batch(&sql).expect("load real csv");
    }
}

fn real_features() -> Option<(Connection, FeatureTable)> {
    let dir = real_data_dir()?;
    let conn = Connection::open_in_memory().expect("in-memory database");
    load_real(&conn, &dir);
    let started = std::time::Instant::now();
    let reporter = Reporter::captured();
    let summary = features::build(&conn, Encodings::LearnFromTraining, &reporter).expect("build");
    eprintln!(
        "real sample: {} applicants x {} features in {:.2} s\n{}",
        summary.applicants,
        summary.features,
        started.elapsed().as_secs_f64(),
        reporter.lines().join("\n")
    );
    let table = features::load(&conn, Selection::All).expect("load");
    Some((conn, table))
}

/// Expected values were computed independently with pandas 3.1 from the CSV files, following
/// the kernel's recipe with the fixes (365243 -> NaN, x/0 -> NaN, unknown payment dates
/// left out of DPD/DBD), e.g. `bureau[bureau.SK_ID_CURR == 101099].DAYS_CREDIT.var()`.
#[test]
fn real_features_match_values_worked_out_with_pandas() {
    let Some((conn, table)) = real_features() else {
        return;
    };
    assert_eq!(table.ids.len(), 7407 + 1000);
    assert!(table.values.iter().all(|v| !v.is_infinite()));

    // Application: 100011 is "not employed" (365243); 100002 is an ordinary row.
    assert_empty(&table, 100011, "DAYS_EMPLOYED");
    assert_close(&table, 100011, "DAYS_EMPLOYED_ANOM", 1.0);
    assert_empty(&table, 100011, "DAYS_EMPLOYED_PERC");
    assert_close(&table, 100011, "INCOME_CREDIT_PERC", 0.11033630505781622);
    assert_close(&table, 100011, "ANNUITY_INCOME_PERC", 0.30068);
    assert_close(&table, 100002, "DAYS_EMPLOYED", -637.0);
    assert_close(&table, 100002, "DAYS_EMPLOYED_PERC", 0.0673290349857309);
    assert_close(&table, 100002, "PAYMENT_RATE", 0.06074926678103038);
    assert_close(&table, 100002, "INCOME_PER_PERSON", 202500.0);
    assert_close(
        &table,
        100002,
        "NAME_EDUCATION_TYPE_Secondary_secondary_special",
        1.0,
    );
    assert_close(&table, 100011, "NAME_TYPE_SUITE_Children", 1.0);

    // Bureau: 101099 (a test applicant, 16 credits with balance history) and 100785.
    assert_close(&table, 101099, "BURO_COUNT", 16.0);
    assert_close(&table, 101099, "BURO_DAYS_CREDIT_VAR", 386782.8958333333);
    assert_close(&table, 101099, "BURO_DAYS_CREDIT_MEAN", -1308.6875);
    assert_close(&table, 101099, "BURO_AMT_CREDIT_SUM_SUM", 5270170.5);
    assert_close(&table, 101099, "BURO_AMT_CREDIT_SUM_DEBT_MAX", 886428.0);
    assert_close(&table, 101099, "BURO_MONTHS_BALANCE_SIZE_MEAN", 39.375);
    assert_close(&table, 101099, "BURO_MONTHS_BALANCE_MIN_MIN", -70.0);
    assert_close(
        &table,
        101099,
        "BURO_STATUS_C_SHARE_MEAN",
        0.7801334878053421,
    );
    assert_close(&table, 101099, "BURO_CREDIT_ACTIVE_Closed_SHARE", 0.875);
    assert_close(&table, 101099, "ACTIVE_COUNT", 2.0);
    assert_close(&table, 101099, "ACTIVE_AMT_CREDIT_SUM_MEAN", 619897.5);
    assert_close(&table, 101099, "ACTIVE_DAYS_CREDIT_VAR", 49928.0);
    assert_close(&table, 101099, "CLOSED_DAYS_CREDIT_ENDDATE_MIN", -1795.0);
    assert_close(&table, 100785, "BURO_DAYS_CREDIT_VAR", 568792.0256410256);
    assert_close(&table, 100785, "BURO_AMT_CREDIT_SUM_SUM", 3676413.06);
    assert_close(
        &table,
        100785,
        "BURO_STATUS_C_SHARE_MEAN",
        0.07936507936507936,
    );
    assert_close(&table, 100785, "ACTIVE_DAYS_CREDIT_VAR", 937080.5);
    assert_close(&table, 100785, "CLOSED_DAYS_CREDIT_ENDDATE_MIN", -2564.0);

    // Previous applications: 124441 asked for 0 and was granted 0 (0/0 -> empty);
    // 100077 has 20 applications whose DAYS_FIRST_DRAWING are all 365243 or missing;
    // 100011 has one real DAYS_FIRST_DRAWING next to two 365243.
    assert_close(&table, 124441, "PREV_COUNT", 1.0);
    assert_empty(&table, 124441, "PREV_APP_CREDIT_PERC_MEAN");
    assert_close(&table, 124441, "APPROVED_COUNT", 0.0);
    assert_empty(&table, 124441, "APPROVED_AMT_CREDIT_MEAN");
    assert_close(&table, 100077, "PREV_COUNT", 20.0);
    assert_close(
        &table,
        100077,
        "PREV_APP_CREDIT_PERC_MEAN",
        0.956798652063352,
    );
    assert_close(
        &table,
        100077,
        "PREV_APP_CREDIT_PERC_VAR",
        0.004893343186792365,
    );
    assert_empty(&table, 100077, "PREV_DAYS_FIRST_DRAWING_MAX");
    assert_close(&table, 100077, "PREV_CNT_PAYMENT_SUM", 306.0);
    assert_close(&table, 100077, "APPROVED_COUNT", 3.0);
    assert_close(&table, 100077, "REFUSED_COUNT", 11.0);
    assert_close(&table, 100077, "APPROVED_AMT_CREDIT_MEAN", 114732.0);
    assert_close(&table, 100077, "REFUSED_DAYS_DECISION_MIN", -268.0);
    assert_close(
        &table,
        100077,
        "PREV_NAME_CONTRACT_STATUS_Refused_SHARE",
        0.55,
    );
    assert_close(&table, 100011, "PREV_DAYS_FIRST_DRAWING_MEAN", -2277.0);
    assert_close(&table, 100011, "PREV_DAYS_TERMINATION_MEAN", -911.0);

    // POS.
    assert_close(&table, 100273, "POS_COUNT", 3.0);
    assert_close(
        &table,
        100273,
        "POS_MONTHS_BALANCE_MEAN",
        -9.333333333333334,
    );
    assert_close(&table, 100077, "POS_NAME_CONTRACT_STATUS_Active_SHARE", 0.5);

    // Instalments: 345102 has one instalment with an unknown payment date.
    assert_close(&table, 345102, "INSTAL_COUNT", 3.0);
    assert_close(&table, 345102, "INSTAL_DPD_MEAN", 0.5);
    assert_close(&table, 345102, "INSTAL_DPD_SUM", 1.0);
    assert_close(&table, 345102, "INSTAL_DBD_MAX", 2.0);
    assert_close(&table, 345102, "INSTAL_PAYMENT_PERC_VAR", 0.0);
    assert_close(&table, 100273, "INSTAL_NUM_INSTALMENT_VERSION_NUNIQUE", 3.0);
    assert_close(&table, 100273, "INSTAL_DPD_MEAN", 0.7457627118644068);
    assert_close(&table, 100273, "INSTAL_DBD_MAX", 30.0);
    assert_close(
        &table,
        100273,
        "INSTAL_PAYMENT_PERC_VAR",
        0.003244990356155079,
    );
    assert_close(
        &table,
        100273,
        "INSTAL_PAYMENT_DIFF_MEAN",
        169.37999999999997,
    );
    assert_close(&table, 100273, "INSTAL_AMT_PAYMENT_MIN", 26.685);

    // Credit card: 383628 (10 statements; drawings written as 0, kept as 0).
    assert_close(&table, 383628, "CC_COUNT", 10.0);
    assert_close(&table, 383628, "CC_AMT_BALANCE_VAR", 477.13556250000005);
    assert_close(&table, 383628, "CC_AMT_BALANCE_MEAN", 6.907500000000001);
    assert_close(&table, 383628, "CC_AMT_DRAWINGS_ATM_CURRENT_SUM", 0.0);
    assert_close(&table, 383628, "CC_MONTHS_BALANCE_MIN", -84.0);

    // 100010 has no history in any table.
    for count in [
        "BURO_COUNT",
        "PREV_COUNT",
        "POS_COUNT",
        "INSTAL_COUNT",
        "CC_COUNT",
    ] {
        assert_close(&table, 100010, count, 0.0);
    }
    assert_empty(&table, 100010, "BURO_DAYS_CREDIT_VAR");
    assert_empty(&table, 100010, "PREV_APP_CREDIT_PERC_MEAN");

    check_catalog(&conn, &table.names);
}

#[test]
fn real_features_load_from_a_read_only_database_file() {
    let Some(dir) = real_data_dir() else {
        return;
    };
    let temp = tempfile::tempdir().expect("temp dir");
    let path = temp.path().join("features.duckdb");
    {
        let conn = Connection::open(&path).expect("database file");
        load_real(&conn, &dir);
        features::build(&conn, Encodings::LearnFromTraining, &Reporter::quiet()).expect("build");
    }
    let conn = pret_a_score::db::open_read_only(&path).expect("read-only");
    let some = features::load(&conn, Selection::Ids(&[101099, 100002])).expect("load ids");
    assert_eq!(some.ids, vec![100002, 101099]);
    assert_eq!(some.target[0], Some(1.0)); // 100002 defaulted in application_train
    assert_eq!(some.target[1], None); // 101099 is a test applicant
    assert_close(&some, 101099, "BURO_COUNT", 16.0);
    let train = features::load(&conn, Selection::Train).expect("load train");
    assert_eq!(train.ids.len(), 7407);
    let defaults = train.target.iter().filter(|t| **t == Some(1.0)).count();
    assert_eq!(defaults, 596);
}

// ---- Measurements at full size (run with `--ignored`) ------------------------------------

/// Loads a features table of the full data set's shape (356,255 applicants x 600 columns, a
/// fifth of the values empty) and prints the time taken.
#[test]
#[ignore = "measurement at full size; takes a while and ~4 GB of memory"]
fn measure_load_at_full_size() {
    let conn = Connection::open_in_memory().expect("in-memory database");
    let columns: Vec<String> = (0..600)
        .map(|j| format!("CASE WHEN random() < 0.2 THEN NULL ELSE random() END AS F{j}"))
        .collect();
    conn.execute_batch(&format!(
        "CREATE TABLE applicants AS SELECT range AS SK_ID_CURR,
             CASE WHEN range < 307511 THEN 'train' ELSE 'test' END AS dataset,
             CASE WHEN range < 307511 THEN CAST(range % 2 AS INTEGER) END AS TARGET
         FROM range(356255);
         CREATE TABLE features AS SELECT SK_ID_CURR, {} FROM applicants;",
        columns.join(", ")
    ))
    .expect("synthetic features");
    // The table streamed without copying, to tell DuckDB's share from ours.
    let started = std::time::Instant::now();
    let mut stmt = conn.prepare("SELECT * FROM features").expect("prepare");
    let rows: usize = stmt
        .stream_arrow([])
        .expect("stream")
        .map(|batch| batch.expect("batch").num_rows())
        .sum();
    eprintln!(
        "stream only: {rows} rows in {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let started = std::time::Instant::now();
    let table = features::load(&conn, Selection::All).expect("load");
    eprintln!(
        "load: {} x {} in {:.2} s",
        table.ids.len(),
        table.names.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(table.values.len(), 356_255 * 600);
}

/// Builds features on the real sample blown up to the full data set's row counts (each file's
/// rows repeated with shifted identifiers) and prints the time of each step.
#[test]
#[ignore = "measurement at full size; takes minutes"]
fn measure_build_at_full_size() {
    let Some(dir) = real_data_dir() else {
        return;
    };
    let conn = Connection::open_in_memory().expect("in-memory database");
    load_real(&conn, &dir);
    // (table, repeats, shifted identifiers): applicants are repeated 43 times (~356k), and
    // each history row lands on one of an applicant's 43 copies.
    let applicant = "SK_ID_CURR + (k % 43) * 1000000 AS SK_ID_CURR";
    let scale: [(&str, u32, Vec<&str>); 8] = [
        (
            "application_train",
            42,
            vec!["SK_ID_CURR + k * 1000000 AS SK_ID_CURR"],
        ),
        (
            "application_test",
            42,
            vec!["SK_ID_CURR + k * 1000000 AS SK_ID_CURR"],
        ),
        (
            "bureau",
            363,
            vec![applicant, "SK_ID_BUREAU + k * 10000000 AS SK_ID_BUREAU"],
        ),
        (
            "bureau_balance",
            19230,
            vec!["SK_ID_BUREAU + (k % 364) * 10000000 AS SK_ID_BUREAU"],
        ),
        (
            "previous_application",
            725,
            vec![applicant, "SK_ID_PREV + k * 10000000 AS SK_ID_PREV"],
        ),
        ("pos_cash_balance", 3539, vec![applicant]),
        ("installments_payments", 1937, vec![applicant]),
        ("credit_card_balance", 1599, vec![applicant]),
    ];
    for (table, repeats, shifted) in scale {
        conn.execute_batch(&format!(
            "INSERT INTO {table} SELECT t.* REPLACE ({}) FROM {table} AS t, \
             range(1, {repeats} + 1) AS r(k);",
            shifted.join(", ")
        ))
        .expect("scale table");
    }
    let reporter = Reporter::stderr();
    let started = std::time::Instant::now();
    let summary = features::build(&conn, Encodings::LearnFromTraining, &reporter).expect("build");
    eprintln!(
        "full-size build: {} applicants x {} features in {:.1} s",
        summary.applicants,
        summary.features,
        started.elapsed().as_secs_f64()
    );
}
