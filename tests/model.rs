//! Model tests. Core tests run the whole pipeline (generated Kaggle-format files → ingest →
//! features → train) on small generated data with a quick configuration; the quality-bar and
//! real-data tests use the real Home Credit sample in `../shared/data/home-credit` and are
//! skipped, with a message, when it is absent.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use forust_ml::{GradientBooster, Matrix};
use pret_a_score::config::Config;
use pret_a_score::demo::{self, DemoOptions};
use pret_a_score::features::{self, Selection};
use pret_a_score::ingest::{self, IngestMode, IngestOptions};
use pret_a_score::model::{self, Decision, Model, ModelError, ScoreOptions};
use pret_a_score::report::Reporter;
use serde_json::Value;
use tempfile::TempDir;

/// Generated data ingested once: (folder holding the data files and the database).
fn generated() -> &'static (TempDir, PathBuf, PathBuf) {
    static FIXTURE: OnceLock<(TempDir, PathBuf, PathBuf)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let tmp = TempDir::new().expect("temp dir");
        let data = tmp.path().join("data");
        let options = DemoOptions {
            applicants: 1_500,
            test_applicants: 200,
            seed: 11,
        };
        demo::generate(&data, &options, &Reporter::quiet()).expect("generate demo data");
        let db = tmp.path().join("fixture.duckdb");
        ingest(&data, &db, IngestMode::Training);
        (tmp, data, db)
    })
}

fn ingest(data_dir: &Path, db: &Path, mode: IngestMode) {
    let options = IngestOptions {
        data_dir: data_dir.to_owned(),
        db: db.to_owned(),
        mode,
    };
    ingest::run(&options, &Reporter::quiet()).expect("ingest");
}

/// A private copy of the generated database (each test may write to its own).
fn copy_of_generated_db(dir: &Path) -> PathBuf {
    let target = dir.join("copy.duckdb");
    fs::copy(&generated().2, &target).expect("copy the database");
    target
}

/// Few folds and rounds: these tests check behaviour, not quality.
fn quick_config() -> Config {
    let mut config = Config::default();
    config.model.folds = 3;
    config.model.max_rounds = 120;
    // Patient enough that a fold peaking early by chance does not cap the common rounds.
    config.model.early_stopping_rounds = 60;
    config.model.learning_rate = 0.1;
    config.model.max_depth = 3;
    config
}

fn train(
    db: &Path,
    config: &Config,
    models_dir: &Path,
    reporter: &Reporter,
) -> model::TrainOutcome {
    let conn = pret_a_score::db::open(db).expect("open db");
    model::train(&conn, config, models_dir, reporter).expect("train")
}

fn real_data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/home-credit");
    if dir.join("application_train.csv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped: the real sample is not at {}", dir.display());
        None
    }
}

#[test]
fn training_writes_a_complete_artefact_with_consistent_predictions() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let models = tmp.path().join("models");
    let reporter = Reporter::captured();
    let outcome = train(&db, &quick_config(), &models, &reporter);

    // Files, pointer and version.
    assert_eq!(outcome.dir, models.join(&outcome.version));
    for file in [
        "manifest.json",
        "ensemble.json",
        "booster.json",
        "encodings.json",
        "calibration.json",
        "decision.json",
        "metrics.json",
    ] {
        assert!(outcome.dir.join(file).is_file(), "{file} missing");
    }
    let latest = fs::read_to_string(models.join("latest")).unwrap();
    assert_eq!(latest.trim(), outcome.version);
    assert_eq!(outcome.version.len(), 12);

    // The applicant's sex (excluded by default) is in the features but not in the model.
    let manifest: Value =
        serde_json::from_slice(&fs::read(outcome.dir.join("manifest.json")).unwrap()).unwrap();
    let excluded: Vec<&str> = manifest["dropped_columns"]["excluded"]
        .as_array()
        .expect("excluded columns recorded")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !excluded.is_empty() && excluded.iter().all(|c| c.starts_with("CODE_GENDER_")),
        "{excluded:?}"
    );
    let used = model::Model::load(&outcome.dir).unwrap();
    assert!(
        used.feature_names()
            .iter()
            .all(|name| !name.starts_with("CODE_GENDER")),
        "a gender column reached the model"
    );

    // Metrics: one entry per fold, a real signal, deciles covering everyone.
    let m = &outcome.metrics;
    assert_eq!(m.folds.len(), 3);
    assert_eq!(m.applicants, 1_500);
    // 1,500 generated applicants (~120 defaulters, 3 folds) measure 0.64; a model that learnt
    // nothing stays near 0.5 (standard error about 0.03 at this size).
    assert!(m.out_of_fold.auc > 0.6, "OOF AUC {}", m.out_of_fold.auc);
    assert!(m.folds.iter().all(|f| f.best_rounds >= 1 && f.auc > 0.5));
    assert_eq!(
        m.calibration_deciles
            .iter()
            .map(|d| d.applicants)
            .sum::<usize>(),
        1_500
    );
    assert_eq!(m.at_threshold.refused + m.at_threshold.granted, 1_500);

    // Held-out importance: every source assessed; the pooled figures describe real signal.
    let importance = m.importance.as_ref().expect("held-out importance");
    assert_eq!(importance.folds, 3);
    let sources: Vec<&str> = importance
        .permutation_by_source
        .iter()
        .map(|i| i.label.as_str())
        .collect();
    assert!(sources.contains(&"Application"), "{sources:?}");
    assert!(
        importance.permutation_by_source[0].mean > 0.0,
        "shuffling the most useful source lowers the validation AUC"
    );
    assert!(!importance.permutation_by_variable.is_empty());
    assert!(importance.permutation_by_variable.len() <= model::importance::TOP_VARIABLES);
    assert!(
        importance
            .shap_by_variable
            .windows(2)
            .all(|w| w[0].mean >= w[1].mean)
    );

    // Calibrated on the real outcomes: the mean probability is close to the default rate.
    let mean_p: f64 = m
        .calibration_deciles
        .iter()
        .map(|d| d.mean_probability * d.applicants as f64)
        .sum::<f64>()
        / 1_500.0;
    let rate = m.defaults as f64 / 1_500.0;
    assert!(
        (mean_p - rate).abs() < 0.01,
        "mean p {mean_p} vs rate {rate}"
    );

    // The threshold is the cheapest point of the stored curve.
    let model = Model::load(&outcome.dir).unwrap();
    let rule = model.decision_rule();
    let cheapest = rule
        .curve
        .iter()
        .map(|p| p.cost)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(m.at_threshold.cost, cheapest);
    assert_eq!(rule.threshold, model.threshold());
    assert!(rule.curve.len() > 100, "the whole curve is stored");

    // Predictions: calibrated probability of the raw score, points on the scale, decision by
    // the threshold, higher probability never more points.
    let conn = pret_a_score::db::open(&db).unwrap();
    let table = features::load(&conn, Selection::All).unwrap();
    let predictions = model.predict(&table);
    assert_eq!(predictions.len(), 1_700);
    let mut by_p: Vec<_> = predictions.clone();
    by_p.sort_by(|a, b| a.probability.total_cmp(&b.probability));
    for pair in by_p.windows(2) {
        assert!(pair[0].points >= pair[1].points);
    }
    for p in &predictions {
        assert!((p.probability - model.calibration().probability(p.raw)).abs() < 1e-15);
        assert!((300.0..=850.0).contains(&p.points));
        let refused = p.probability >= model.threshold();
        assert_eq!(p.decision == Decision::Refused, refused);
    }
    assert!(predictions.iter().any(|p| p.decision == Decision::Refused));
    assert!(predictions.iter().any(|p| p.decision == Decision::Granted));

    // Progress and the metrics table reached the reporter.
    let lines = reporter.lines().join("\n");
    assert!(lines.contains("fold 1/3"), "{lines}");
    assert!(lines.contains("validation AUC"), "{lines}");
    assert!(lines.contains("out-of-fold AUC"), "{lines}");
    assert!(lines.contains("training took"), "{lines}");
}

#[test]
fn same_data_config_and_seed_give_a_byte_identical_model() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let config = quick_config();
    let first = train(&db, &config, &tmp.path().join("a"), &Reporter::quiet());
    let second = train(&db, &config, &tmp.path().join("b"), &Reporter::quiet());
    assert_eq!(first.version, second.version);
    let mut files: Vec<_> = fs::read_dir(&first.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    assert_eq!(files.len(), 7);
    for name in &files {
        let a = fs::read(first.dir.join(name)).unwrap();
        let b = fs::read(second.dir.join(name)).unwrap();
        assert!(a == b, "{name:?} differs between two identical trainings");
    }
    let text = fs::read_to_string(first.dir.join("manifest.json")).unwrap();
    assert!(!text.contains("elapsed") && !text.contains("trained_at"));

    let mut other_seed = config.clone();
    other_seed.model.seed = 43;
    let third = train(&db, &other_seed, &tmp.path().join("c"), &Reporter::quiet());
    assert_ne!(third.version, first.version);
}

#[test]
fn ensemble_reproduces_the_tree_library_and_counts_samples() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let outcome = train(
        &db,
        &quick_config(),
        &tmp.path().join("models"),
        &Reporter::quiet(),
    );
    let model = Model::load(&outcome.dir).unwrap();
    let booster_path = outcome.dir.join("booster.json");
    let booster = GradientBooster::load_booster(booster_path.to_str().unwrap()).unwrap();

    // Every applicant, train and test, through both.
    let conn = pret_a_score::db::open(&db).unwrap();
    let table = features::load(&conn, Selection::All).unwrap();
    let rows = model.align(&table);
    let width = model.feature_names().len();
    let n = table.ids.len();
    let mut columns = vec![0.0; rows.len()];
    for i in 0..n {
        for j in 0..width {
            columns[j * n + i] = rows[i * width + j];
        }
    }
    let library = booster.predict(&Matrix::new(&columns, n, width), false);
    for (i, expected) in library.iter().enumerate() {
        let raw = model
            .ensemble()
            .predict_raw(&rows[i * width..(i + 1) * width]);
        assert!(
            (raw - expected).abs() <= 1e-9,
            "row {i}: {raw} vs {expected}"
        );
    }

    // Samples: the root sees every training applicant, children split their parent's.
    let train_rows = model.metrics().applicants as u64;
    assert_eq!(model.ensemble().trees.len(), model.metrics().final_rounds);
    for tree in &model.ensemble().trees {
        assert_eq!(tree.nodes[0].samples, train_rows);
        for node in tree.nodes.iter().filter(|n| n.feature.is_some()) {
            let children = tree.nodes[node.left].samples + tree.nodes[node.right].samples;
            assert_eq!(children, node.samples);
        }
    }
}

/// TreeSHAP on a model trained here: for every applicant (missing values included), the
/// base value plus the contributions is the model's own raw score, to 1e-9; and the `explain`
/// command's service gives each applicant the model's decision, worded reasons and a cohort of
/// at least 20 described by aggregates only.
#[test]
fn treeshap_adds_up_on_a_trained_model_and_explain_reports_every_section() {
    use explainers::Section;
    use pret_a_score::explain::{ExplainError, ExplainService};

    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let config = quick_config();
    let outcome = train(&db, &config, &tmp.path().join("models"), &Reporter::quiet());
    let model = Model::load(&outcome.dir).unwrap();
    let shap = explainers::TreeShap::new(model.ensemble()).unwrap();
    let conn = pret_a_score::db::open(&db).unwrap();
    let table = features::load(&conn, Selection::All).unwrap();
    let rows = model.align(&table);
    let width = model.feature_names().len();
    let mut missing = 0;
    for row in rows.chunks(width) {
        missing += row.iter().filter(|v| v.is_nan()).count();
        let values = shap.shap_values(row).unwrap();
        let raw = model.ensemble().predict_raw(row);
        assert!(
            (values.prediction() - raw).abs() <= 1e-9,
            "{} vs {raw}",
            values.prediction()
        );
    }
    assert!(missing > 0, "the check covers the missing-value routing");

    let service = ExplainService::build(&conn, std::sync::Arc::new(model), &config).unwrap();
    let id = table.ids[0];
    let explanation = service.explain_customer(id).unwrap();
    let predicted = service.model().predict_row(&rows[..width]);
    assert_eq!(explanation.decision, predicted.decision);
    assert!((explanation.probability - predicted.probability).abs() < 1e-12);
    let mut kinds = Vec::new();
    for section in &explanation.sections {
        match section {
            Section::Contributions(c) => {
                kinds.push("contributions");
                assert!((c.shap.base_value - explanation.base_value).abs() < 1e-12);
            }
            Section::Reasons(r) => {
                kinds.push("reasons");
                assert!(!r.raised.is_empty() || !r.lowered.is_empty());
                assert!(
                    r.raised
                        .iter()
                        .chain(&r.lowered)
                        .all(|x| !x.sentence.is_empty())
                );
            }
            Section::Cohort(c) => {
                kinds.push("cohort");
                assert!(c.size >= 20, "cohort of {}", c.size);
            }
        }
    }
    assert_eq!(kinds, ["contributions", "reasons", "cohort"]);
    let text = explanation.to_text();
    assert!(text.contains(&format!("Applicant {id}")), "{text}");
    let json = serde_json::to_value(&explanation).unwrap();
    assert_eq!(json["customer"], id);
    assert!(matches!(
        service.explain_customer(-5),
        Err(ExplainError::UnknownCustomer(-5))
    ));
}

#[test]
fn exported_trees_follow_their_documented_rules() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let outcome = train(
        &db,
        &quick_config(),
        &tmp.path().join("models"),
        &Reporter::quiet(),
    );
    let model = Model::load(&outcome.dir).unwrap();
    let out = tmp.path().join("export/trees.json");
    model::export_trees(&model, &out).unwrap();
    let export: Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    assert_eq!(export["format"], "pret-a-score-trees/1");
    assert_eq!(export["model_version"], model.version());

    // An auditor's evaluator, written only from the format's documentation.
    let features: Vec<String> = export["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    let evaluate = |row: &[f64]| -> f64 {
        let mut raw = export["base_score"].as_f64().unwrap();
        for tree in export["trees"].as_array().unwrap() {
            let nodes = tree["nodes"].as_array().unwrap();
            let mut id = 0usize;
            while nodes[id]["kind"] == "split" {
                let node = &nodes[id];
                let name = node["feature"].as_str().unwrap();
                let j = features.iter().position(|f| f == name).unwrap();
                assert_eq!(node["feature_index"].as_u64().unwrap() as usize, j);
                let v = row[j];
                let side = if v.is_nan() {
                    node["missing"].as_str().unwrap()
                } else if v < node["threshold"].as_f64().unwrap() {
                    "left"
                } else {
                    "right"
                };
                id = node[side].as_u64().unwrap() as usize;
            }
            raw += nodes[id]["value"].as_f64().unwrap();
        }
        raw
    };
    let slope = export["calibration"]["slope"].as_f64().unwrap();
    let intercept = export["calibration"]["intercept"].as_f64().unwrap();

    let conn = pret_a_score::db::open(&db).unwrap();
    let table = features::load(&conn, Selection::All).unwrap();
    let rows = model.align(&table);
    let width = features.len();
    let mut missing_seen = 0;
    for i in (0..table.ids.len()).step_by(7) {
        let row = &rows[i * width..(i + 1) * width];
        missing_seen += row.iter().filter(|v| v.is_nan()).count();
        let expected = model.predict_row(row);
        let raw = evaluate(row);
        assert!((raw - expected.raw).abs() < 1e-9);
        let p = 1.0 / (1.0 + (-(slope * raw + intercept)).exp());
        assert!((p - expected.probability).abs() < 1e-12);
    }
    assert!(
        missing_seen > 0,
        "the rows should exercise missing-value routing"
    );
}

#[test]
fn a_tampered_artefact_is_refused_naming_the_file() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let models = tmp.path().join("models");
    let outcome = train(&db, &quick_config(), &models, &Reporter::quiet());
    let path = outcome.dir.join("calibration.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("\"slope\": ", "\"slope\": 1")).unwrap();
    let err = Model::latest(&models).unwrap_err().to_string();
    assert!(err.contains("calibration.json"), "{err}");

    // Training again repairs it: the damaged folder of the same version is replaced.
    let again = train(&db, &quick_config(), &models, &Reporter::quiet());
    assert_eq!(again.version, outcome.version);
    Model::latest(&models).expect("repaired");
}

#[test]
fn no_model_yet_tells_the_person_to_train() {
    let tmp = TempDir::new().unwrap();
    let err = Model::latest(tmp.path()).unwrap_err();
    assert!(matches!(err, ModelError::NoModel { .. }));
    assert!(err.to_string().contains("pret-a-score train"), "{err}");
    let err = Model::load(tmp.path()).unwrap_err().to_string();
    assert!(err.contains("manifest.json"), "{err}");
}

#[test]
fn scoring_new_applicants_from_a_folder_matches_scoring_them_in_the_database() {
    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let models = tmp.path().join("models");
    let outcome = train(&db, &quick_config(), &models, &Reporter::quiet());
    let model = Model::latest(&models).unwrap();
    assert_eq!(model.version(), outcome.version);

    // Every applicant of the database.
    let all_csv = tmp.path().join("out/all.csv");
    let options = ScoreOptions {
        db: db.clone(),
        data_dir: None,
        out: all_csv.clone(),
    };
    let summary = model::score(&model, &options, &Reporter::quiet()).unwrap();
    assert_eq!(summary.applicants, 1_700);
    let all = read_scores(&all_csv);
    assert_eq!(all.len(), 1_700);

    // The test applicants again, from the Kaggle folder, without re-training.
    let new_csv = tmp.path().join("out/new.csv");
    let options = ScoreOptions {
        db: db.clone(),
        data_dir: Some(generated().1.clone()),
        out: new_csv.clone(),
    };
    let summary = model::score(&model, &options, &Reporter::quiet()).unwrap();
    assert_eq!(summary.applicants, 200);
    let new = read_scores(&new_csv);
    for (id, (p, points, decision, version)) in &new {
        let (p_db, points_db, decision_db, _) = &all[id];
        assert!((p - p_db).abs() < 1e-9, "applicant {id}: {p} vs {p_db}");
        assert_eq!((points, decision), (points_db, decision_db));
        assert_eq!(version, model.version());
    }

    // The scores table holds each applicant once for this model, with a time.
    let conn = pret_a_score::db::open(&db).unwrap();
    let (rows, distinct, untimed): (i64, i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT SK_ID_CURR), count(*) - count(scored_at) \
             FROM scores WHERE model_version = ?",
            [model.version()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((rows, distinct, untimed), (1_700, 1_700, 0));

    // A damaged folder of new applicants: the error speaks of scoring, and no CSV is written.
    let damaged = tmp.path().join("damaged");
    fs::create_dir_all(&damaged).unwrap();
    for entry in fs::read_dir(&generated().1).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, damaged.join(path.file_name().unwrap())).unwrap();
    }
    let test_file = damaged.join("application_test.csv");
    let text = fs::read_to_string(&test_file).unwrap();
    let header_columns = text.lines().next().unwrap().split(',').count();
    let short_row = vec!["1"; header_columns - 1].join(",");
    fs::write(&test_file, format!("{text}{short_row}\n")).unwrap();
    let failed_csv = tmp.path().join("out/failed.csv");
    let options = ScoreOptions {
        db: db.clone(),
        data_dir: Some(damaged.clone()),
        out: failed_csv.clone(),
    };
    let err = model::score(&model, &options, &Reporter::quiet())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot be scored") && err.contains("run score again"),
        "{err}"
    );
    assert!(err.contains("application_test.csv line"), "{err}");
    assert!(!err.contains("ingest"), "{err}");
    assert!(!failed_csv.exists());
}

type ScoreRow = (f64, String, String, String);

fn read_scores(path: &Path) -> std::collections::HashMap<i64, ScoreRow> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "SK_ID_CURR",
            "probability",
            "points",
            "decision",
            "model_version"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row = (r[1].parse().unwrap(), r[2].into(), r[3].into(), r[4].into());
            (r[0].parse().unwrap(), row)
        })
        .collect()
}

#[test]
fn real_sample_beats_the_public_kernel_auc() {
    let Some(data) = real_data_dir() else { return };
    let tmp = TempDir::new().unwrap();
    let db = tmp.path().join("real.duckdb");
    ingest(&data, &db, IngestMode::Training);
    let config = Config::default();
    let started = Instant::now();
    let reporter = Reporter::captured();
    let outcome = train(&db, &config, &tmp.path().join("models"), &reporter);
    let secs = started.elapsed().as_secs_f64();
    let m = &outcome.metrics;
    eprintln!(
        "real sample: OOF AUC {:.4} (folds {:?}), {} features, {} rounds, trained in {secs:.1} s",
        m.out_of_fold.auc,
        m.folds
            .iter()
            .map(|f| (f.best_rounds, (f.auc * 1e4).round() / 1e4))
            .collect::<Vec<_>>(),
        m.features,
        m.final_rounds
    );
    assert_eq!(m.applicants, 7_407);
    assert_eq!(m.folds.len(), 5);
    assert!(
        m.out_of_fold.auc > 0.753,
        "OOF AUC {:.4} does not beat 0.753",
        m.out_of_fold.auc
    );

    // Provenance of the real files is stored with the model.
    let manifest: Value =
        serde_json::from_slice(&fs::read(outcome.dir.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["provenance"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["file_name"] == "application_train.csv")
    );
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
}

/// The whole chain: generated files → ingest → train → server state read from the database →
/// the relationship manager's customer page, which shows that customer's own application
/// (read once at start-up) and credit history.
#[test]
fn the_server_built_from_a_trained_model_shows_each_customers_own_record() {
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use http_body_util::BodyExt;
    use pret_a_score::server::AppState;
    use pret_a_score::server::auth::{Principal, SESSION_COOKIE};
    use tower::ServiceExt;

    let tmp = TempDir::new().unwrap();
    let db = copy_of_generated_db(tmp.path());
    let mut config = quick_config();
    let audit_log = tmp.path().join("audit.jsonl");
    config.server.audit_log = audit_log.clone();
    let outcome = train(&db, &config, &tmp.path().join("models"), &Reporter::quiet());
    let model = Model::load(&outcome.dir).expect("load the model");
    let version = model.version().to_owned();
    let state = AppState::load(&db, model, &config, &Reporter::quiet()).expect("server state");

    let conn = pret_a_score::db::open(&db).expect("open db");
    let incomes: Vec<(i64, f64)> = conn
        .prepare("SELECT SK_ID_CURR, AMT_INCOME_TOTAL FROM application_train ORDER BY SK_ID_CURR LIMIT 3")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("read incomes");
    let cookie = format!(
        "{SESSION_COOKIE}={}",
        state.keys().session_value(Principal::Rm)
    );
    let app = pret_a_score::server::app(state);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let page = |path: String| {
        let request = Request::get(path)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .expect("request");
        runtime.block_on(async {
            let response = app.clone().oneshot(request).await.expect("an answer");
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            (status, String::from_utf8_lossy(&body).into_owned())
        })
    };
    let ids: Vec<i64> = incomes.iter().map(|(id, _)| *id).collect();
    for (id, income) in incomes {
        let (status, body) = page(format!("/rm/customers/{id}"));
        assert_eq!(status, StatusCode::OK, "customer {id}");
        let shown = thousands(income.round() as i64);
        assert!(
            body.contains(&format!("<dd>{shown}</dd>")),
            "customer {id}'s income {shown} is on their page"
        );
        assert!(
            body.contains("Credit history"),
            "customer {id}'s history summary"
        );
        let (status, history) = page(format!("/rm/customers/{id}/history"));
        assert_eq!(status, StatusCode::OK);
        assert!(
            history.matches("<dt>").count() > 20,
            "every history figure, not a summary"
        );
    }

    // Day counts are drawn and worded in the unit the page uses (years of age), not as the
    // data's negative day numbers.
    let (status, chart) = page(format!(
        "/rm/customers/{}/distribution?feature=DAYS_BIRTH&population=all",
        ids[0]
    ));
    assert_eq!(status, StatusCode::OK);
    let sentence = chart
        .split("this customer&#39;s value, ")
        .nth(1)
        .or_else(|| chart.split("this customer's value, ").nth(1))
        .expect("the customer's position is worded");
    assert!(
        sentence.split(',').next().unwrap().ends_with(" years"),
        "{sentence}"
    );
    assert!(!chart.contains("value, -"), "no raw negative day count");
    let (status, scatter) = page(format!(
        "/rm/customers/{}/scatter?x=DAYS_BIRTH&y=AMT_CREDIT",
        ids[0]
    ));
    assert_eq!(status, StatusCode::OK);
    assert!(
        !scatter.contains("this customer (-"),
        "ages drawn as positive years"
    );

    // Each page shown is in the decision log, with the model that decided.
    let logged: Vec<Value> = fs::read_to_string(&audit_log)
        .expect("the audit log")
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let logged_ids: Vec<i64> = logged
        .iter()
        .map(|e| e["customer"].as_i64().expect("a customer"))
        .collect();
    assert_eq!(logged_ids, ids);
    assert!(logged.iter().all(|e| e["action"] == "rm_customer_page"
        && e["model_version"] == version.as_str()
        && e["principal"] == "rm"));
}

fn thousands(value: i64) -> String {
    let digits = value.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}
