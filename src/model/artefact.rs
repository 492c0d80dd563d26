//! The model artefact on disk, `models/<version>/`, and the [`Model`] read back from it.
//!
//! | file | holds |
//! |---|---|
//! | `manifest.json` | format, version, program and library versions, seed and settings, ordered feature list, dropped columns, data provenance, SHA-256 of every other file |
//! | `ensemble.json` | the trees used for prediction as [`explainers::TreeEnsemble`] |
//! | `booster.json` | the same trees in the tree library's own format (forust-ml 0.8.0) |
//! | `encodings.json` | the category levels the feature columns were built with |
//! | `calibration.json` | the Platt scaling from raw score to probability |
//! | `decision.json` | threshold, costs and the whole out-of-fold cost curve |
//! | `metrics.json` | cross-validation metrics |
//!
//! The version is the first 12 hex digits of the SHA-256 of the manifest written with an
//! empty version; as the manifest lists every other file's hash, the version is a hash of
//! the whole artefact. Nothing time-dependent is stored, so the same data, configuration and
//! seed give the same bytes and the same version. `models/latest` holds the newest version.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use explainers::TreeEnsemble;
use forust_ml::GradientBooster;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, Costs, ModelSettings, PointsScale};
use crate::features::CategoryLevels;

use super::ModelError;
use super::calibration::Calibration;
use super::data::DroppedColumns;
use super::metrics::Metrics;
use super::threshold::DecisionRule;

/// Identifies the artefact layout; bumped when it changes incompatibly.
pub const FORMAT: &str = "pret-a-score-model/1";
/// The tree library, pinned in Cargo.toml.
pub const FOREST_LIBRARY: &str = "forust-ml 0.8.0";
/// Name of the pointer file to the newest model inside the models folder.
pub const LATEST: &str = "latest";

const MANIFEST: &str = "manifest.json";
const ENSEMBLE: &str = "ensemble.json";
const BOOSTER: &str = "booster.json";
const ENCODINGS: &str = "encodings.json";
const CALIBRATION: &str = "calibration.json";
const DECISION: &str = "decision.json";
const METRICS: &str = "metrics.json";

/// A data file the model was trained from (a row of `ingest_files`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    pub file_name: String,
    pub sha256: String,
}

/// The settings that shape the model (paths, server and explainer settings do not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    pub model: ModelSettings,
    pub costs: Costs,
    pub points: PointsScale,
}

/// Versions of the software that produced the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Libraries {
    pub program: String,
    pub trees: String,
    pub duckdb: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: String,
    pub libraries: Libraries,
    pub seed: u64,
    pub config: ModelConfig,
    /// The model's features, in the order rows must follow.
    pub features: Vec<String>,
    pub dropped_columns: DroppedColumns,
    pub final_rounds: usize,
    pub provenance: Vec<SourceFile>,
    /// SHA-256 of every other file of the artefact.
    pub files: BTreeMap<String, String>,
}

/// Everything a trained model consists of, before it is written.
pub struct Artefact {
    pub config: Config,
    pub features: Vec<String>,
    pub dropped: DroppedColumns,
    pub encodings: CategoryLevels,
    pub provenance: Vec<SourceFile>,
    pub duckdb_version: String,
    pub booster: GradientBooster,
    pub ensemble: TreeEnsemble,
    pub calibration: Calibration,
    pub decision: DecisionRule,
    pub metrics: Metrics,
}

/// Writes the artefact as `models_dir/<version>/` (atomically, through a temporary folder)
/// and points `models_dir/latest` at it. Returns the version and the folder.
pub fn write(artefact: &Artefact, models_dir: &Path) -> Result<(String, PathBuf), ModelError> {
    let files = file_contents(artefact)?;
    let mut manifest = Manifest {
        format: FORMAT.into(),
        version: String::new(),
        libraries: Libraries {
            program: crate::PROGRAM_VERSION.into(),
            trees: FOREST_LIBRARY.into(),
            duckdb: artefact.duckdb_version.clone(),
        },
        seed: artefact.config.model.seed,
        config: ModelConfig {
            model: artefact.config.model.clone(),
            costs: artefact.config.costs.clone(),
            points: artefact.config.points.clone(),
        },
        features: artefact.features.clone(),
        dropped_columns: artefact.dropped.clone(),
        final_rounds: artefact.metrics.final_rounds,
        provenance: artefact.provenance.clone(),
        files: files
            .iter()
            .map(|(name, bytes)| (name.to_string(), sha256_hex(bytes)))
            .collect(),
    };
    manifest.version = version_of(&manifest)?;
    let manifest_bytes = json_pretty(&manifest, MANIFEST)?;

    let dir = models_dir.join(&manifest.version);
    create_dir(models_dir)?;
    let partial = models_dir.join(format!(
        ".partial-{}-{}",
        manifest.version,
        std::process::id()
    ));
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(io_error(&partial))?;
    }
    create_dir(&partial)?;
    for (name, bytes) in files.iter().chain([(MANIFEST, manifest_bytes)].iter()) {
        let path = partial.join(name);
        fs::write(&path, bytes).map_err(io_error(&path))?;
    }
    place(&partial, &dir)?;
    point_latest(models_dir, &manifest.version)?;
    Ok((manifest.version, dir))
}

/// Moves the finished folder into place. A folder already there with the same version holds
/// the same bytes when it is intact; a damaged one is replaced.
fn place(partial: &Path, dir: &Path) -> Result<(), ModelError> {
    if dir.exists() {
        if Model::load(dir).is_ok() {
            fs::remove_dir_all(partial).map_err(io_error(partial))?;
            return Ok(());
        }
        fs::remove_dir_all(dir).map_err(io_error(dir))?;
    }
    fs::rename(partial, dir).map_err(io_error(dir))
}

fn point_latest(models_dir: &Path, version: &str) -> Result<(), ModelError> {
    let tmp = models_dir.join(format!(".{LATEST}-{}", std::process::id()));
    fs::write(&tmp, format!("{version}\n")).map_err(io_error(&tmp))?;
    let latest = models_dir.join(LATEST);
    fs::rename(&tmp, &latest).map_err(io_error(&latest))
}

fn file_contents(a: &Artefact) -> Result<Vec<(&'static str, Vec<u8>)>, ModelError> {
    let booster = a
        .booster
        .json_dump()
        .map_err(|e| ModelError::Library(e.to_string()))?;
    Ok(vec![
        (ENSEMBLE, json_compact(&a.ensemble, ENSEMBLE)?),
        (BOOSTER, booster.into_bytes()),
        (ENCODINGS, json_pretty(&a.encodings, ENCODINGS)?),
        (CALIBRATION, json_pretty(&a.calibration, CALIBRATION)?),
        (DECISION, json_pretty(&a.decision, DECISION)?),
        (METRICS, json_pretty(&a.metrics, METRICS)?),
    ])
}

/// The version of a manifest: a hash of it written with an empty version.
fn version_of(manifest: &Manifest) -> Result<String, ModelError> {
    let blank = Manifest {
        version: String::new(),
        ..manifest.clone()
    };
    let bytes = json_pretty(&blank, MANIFEST)?;
    Ok(sha256_hex(&bytes)[..12].to_owned())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn json_pretty<T: Serialize>(value: &T, file: &str) -> Result<Vec<u8>, ModelError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| ModelError::Serialize {
        file: file.into(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn json_compact<T: Serialize>(value: &T, file: &str) -> Result<Vec<u8>, ModelError> {
    serde_json::to_vec(value).map_err(|e| ModelError::Serialize {
        file: file.into(),
        message: e.to_string(),
    })
}

fn create_dir(path: &Path) -> Result<(), ModelError> {
    fs::create_dir_all(path).map_err(io_error(path))
}

pub(crate) fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A trained model read back from its folder.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) dir: PathBuf,
    pub(crate) manifest: Manifest,
    pub(crate) ensemble: TreeEnsemble,
    pub(crate) encodings: CategoryLevels,
    pub(crate) calibration: Calibration,
    pub(crate) decision: DecisionRule,
    pub(crate) metrics: Metrics,
}

impl Model {
    /// Reads `dir`, checking the format, every file's hash and the version.
    pub fn load(dir: &Path) -> Result<Self, ModelError> {
        let manifest_path = dir.join(MANIFEST);
        if !manifest_path.is_file() {
            return Err(ModelError::NoModel {
                path: dir.to_owned(),
                hint: "this folder holds no manifest.json; give a folder written by \
                       `pret-a-score train`"
                    .into(),
            });
        }
        let manifest: Manifest = read_json(&manifest_path)?;
        if manifest.format != FORMAT {
            return Err(corrupt(
                &manifest_path,
                format!(
                    "format `{}` is not `{FORMAT}`; retrain the model with this program",
                    manifest.format
                ),
            ));
        }
        if version_of(&manifest)? != manifest.version {
            return Err(corrupt(
                &manifest_path,
                "the manifest does not match its version hash; \
                                                it was edited or damaged, retrain the model",
            ));
        }
        for (name, expected) in &manifest.files {
            let path = dir.join(name);
            let bytes = fs::read(&path).map_err(io_error(&path))?;
            if &sha256_hex(&bytes) != expected {
                return Err(corrupt(
                    &path,
                    "the file does not match the hash in manifest.json; \
                                           it was edited or damaged, retrain the model",
                ));
            }
        }
        let model = Self {
            dir: dir.to_owned(),
            ensemble: read_json(&dir.join(ENSEMBLE))?,
            encodings: read_json(&dir.join(ENCODINGS))?,
            calibration: read_json(&dir.join(CALIBRATION))?,
            decision: read_json(&dir.join(DECISION))?,
            metrics: read_json(&dir.join(METRICS))?,
            manifest,
        };
        model.check_consistent()?;
        Ok(model)
    }

    /// The model `models_dir/latest` points to.
    pub fn latest(models_dir: &Path) -> Result<Self, ModelError> {
        let pointer = models_dir.join(LATEST);
        let text = fs::read_to_string(&pointer).map_err(|_| ModelError::NoModel {
            path: models_dir.to_owned(),
            hint: "no trained model found there; run `pret-a-score train` first, or pass \
                   --model DIR"
                .into(),
        })?;
        let version = text.trim();
        let valid = !version.is_empty() && version.chars().all(|c| c.is_ascii_hexdigit());
        if !valid {
            return Err(corrupt(
                &pointer,
                format!("`{version}` is not a model version; run `pret-a-score train` again"),
            ));
        }
        Self::load(&models_dir.join(version))
    }

    fn check_consistent(&self) -> Result<(), ModelError> {
        let path = self.dir.join(ENSEMBLE);
        if self.ensemble.feature_names != self.manifest.features {
            return Err(corrupt(&path, "its features differ from manifest.json"));
        }
        self.ensemble
            .validate()
            .map_err(|e| corrupt(&path, e.to_string()))
    }
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, ModelError> {
    let bytes = fs::read(path).map_err(io_error(path))?;
    serde_json::from_slice(&bytes).map_err(|e| corrupt(path, e.to_string()))
}

fn corrupt(path: &Path, message: impl Into<String>) -> ModelError {
    ModelError::Corrupt {
        path: path.to_owned(),
        message: message.into(),
    }
}
