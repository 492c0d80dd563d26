//! Settings from `config.toml`, with defaults for everything, validated into typed values
//! before any work starts. Every path and setting can be overridden by a command-line flag
//! (see `main.rs`); the CLI applies its flags on top of the [`Config`] loaded here.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// An error in the configuration file or in a setting's value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("Cannot read the configuration file `{path}`: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("The configuration file `{path}` is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("Setting `{key}` = `{value}` is not valid: {expected}")]
    Invalid {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
}

/// The whole configuration; each section matches a table of `config.toml`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub paths: Paths,
    pub model: ModelSettings,
    pub costs: Costs,
    pub points: PointsScale,
    pub explain: ExplainSettings,
    pub server: ServerSettings,
}

/// Where things are read and written.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Paths {
    /// The DuckDB database file.
    pub db: PathBuf,
    /// Folder holding one sub-folder per trained model version.
    pub models_dir: PathBuf,
    /// Folder where `run` writes generated demo data when no Kaggle folder is given.
    pub demo_dir: PathBuf,
}

impl Default for Paths {
    fn default() -> Self {
        Self {
            db: PathBuf::from("pret-a-score.duckdb"),
            models_dir: PathBuf::from("models"),
            demo_dir: PathBuf::from("demo-data"),
        }
    }
}

/// Hyper-parameters of the gradient-boosted model and its validation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ModelSettings {
    pub seed: u64,
    pub folds: usize,
    pub learning_rate: f32,
    pub max_depth: usize,
    pub max_rounds: usize,
    pub early_stopping_rounds: usize,
    pub l2: f32,
    pub min_leaf_weight: f32,
    pub subsample: f32,
    pub colsample_bytree: f64,
    pub nbins: u16,
    pub threads: usize,
    /// Training weight of a defaulter relative to a repaid loan (1 = unweighted).
    pub defaulter_weight: f64,
    /// Variables the model may not use (every column built from them is left out), such as
    /// protected characteristics; still shown as descriptive information.
    pub excluded_variables: Vec<String>,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            seed: 42,
            folds: 5,
            learning_rate: 0.02,
            max_depth: 3,
            max_rounds: 3000,
            early_stopping_rounds: 300,
            l2: 5.0,
            min_leaf_weight: 5.0,
            subsample: 0.8,
            colsample_bytree: 0.5,
            nbins: 256,
            threads: 2,
            defaulter_weight: 1.0,
            excluded_variables: vec!["CODE_GENDER".into()],
        }
    }
}

/// Business costs that set the decision threshold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Costs {
    /// Cost of granting a loan to a customer who then defaults.
    pub missed_default: f64,
    /// Cost of refusing a customer who would have repaid.
    pub refused_good: f64,
}

impl Default for Costs {
    fn default() -> Self {
        Self {
            missed_default: 10.0,
            refused_good: 1.0,
        }
    }
}

/// Scaling of the points score: `points = offset + factor * ln(odds of repaying)`, with
/// `factor = pdo / ln 2`, clamped to `[min, max]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PointsScale {
    /// Points given at the reference odds.
    pub reference_points: f64,
    /// Odds of repaying (good:bad) that earn `reference_points`.
    pub reference_odds: f64,
    /// Points to double the odds.
    pub points_to_double_odds: f64,
    pub min: f64,
    pub max: f64,
}

impl Default for PointsScale {
    fn default() -> Self {
        Self {
            reference_points: 600.0,
            reference_odds: 50.0,
            points_to_double_odds: 40.0,
            min: 300.0,
            max: 850.0,
        }
    }
}

/// Which explainers run, and their sizes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ExplainSettings {
    pub explainers: Vec<String>,
    pub top_reasons: usize,
    pub cohort_size: usize,
    pub cohort_features: usize,
    pub permutation_repeats: usize,
}

impl Default for ExplainSettings {
    fn default() -> Self {
        Self {
            explainers: vec!["treeshap".into(), "reasons".into(), "cohort".into()],
            top_reasons: 4,
            cohort_size: 50,
            cohort_features: 12,
            permutation_repeats: 5,
        }
    }
}

/// The web server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    pub addr: String,
    /// Append-only JSON-lines log of every decision the server hands out.
    pub audit_log: PathBuf,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:8080".into(),
            audit_log: PathBuf::from("audit-log.jsonl"),
        }
    }
}

impl Config {
    /// Reads `path`; a missing file is an error only when `required` (an explicit `--config`).
    pub fn load(path: &Path, required: bool) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Self::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let config: Self = toml::from_str(&text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            message: err.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value's range, so that no command starts work on a bad setting.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let m = &self.model;
        check("model.folds", m.folds, m.folds >= 2, "at least 2")?;
        check(
            "model.learning_rate",
            m.learning_rate,
            m.learning_rate > 0.0 && m.learning_rate <= 1.0,
            "a number in (0, 1]",
        )?;
        check(
            "model.max_depth",
            m.max_depth,
            (1..=12).contains(&m.max_depth),
            "1 to 12",
        )?;
        check(
            "model.max_rounds",
            m.max_rounds,
            m.max_rounds >= 1,
            "at least 1",
        )?;
        check(
            "model.subsample",
            m.subsample,
            m.subsample > 0.0 && m.subsample <= 1.0,
            "a number in (0, 1]",
        )?;
        check(
            "model.colsample_bytree",
            m.colsample_bytree,
            m.colsample_bytree > 0.0 && m.colsample_bytree <= 1.0,
            "a number in (0, 1]",
        )?;
        check("model.nbins", m.nbins, m.nbins >= 2, "at least 2")?;
        check("model.threads", m.threads, m.threads >= 1, "at least 1")?;
        check(
            "model.defaulter_weight",
            m.defaulter_weight,
            m.defaulter_weight > 0.0 && m.defaulter_weight.is_finite(),
            "a positive number",
        )?;
        let c = &self.costs;
        check(
            "costs.missed_default",
            c.missed_default,
            c.missed_default > 0.0 && c.missed_default.is_finite(),
            "a positive number",
        )?;
        check(
            "costs.refused_good",
            c.refused_good,
            c.refused_good > 0.0 && c.refused_good.is_finite(),
            "a positive number",
        )?;
        let p = &self.points;
        check(
            "points.points_to_double_odds",
            p.points_to_double_odds,
            p.points_to_double_odds > 0.0,
            "a positive number",
        )?;
        check(
            "points.reference_odds",
            p.reference_odds,
            p.reference_odds > 0.0,
            "a positive number",
        )?;
        check(
            "points.max",
            p.max,
            p.max > p.min,
            "greater than points.min",
        )?;
        let e = &self.explain;
        check(
            "explain.cohort_size",
            e.cohort_size,
            e.cohort_size >= 20,
            "at least 20",
        )?;
        check(
            "explain.top_reasons",
            e.top_reasons,
            e.top_reasons >= 1,
            "at least 1",
        )?;
        let unknown = e
            .explainers
            .iter()
            .find(|name| !explainers::registry::KNOWN.contains(&name.as_str()));
        if let Some(name) = unknown {
            return Err(ConfigError::Invalid {
                key: "explain.explainers",
                value: name.clone(),
                expected: "a list of known explainers: treeshap, reasons, cohort",
            });
        }
        self.server_addr()?;
        Ok(())
    }

    /// The server address, parsed.
    pub fn server_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.addr.parse().map_err(|_| ConfigError::Invalid {
            key: "server.addr",
            value: self.server.addr.clone(),
            expected: "an address and port such as 127.0.0.1:8080",
        })
    }
}

fn check(
    key: &'static str,
    value: impl ToString,
    ok: bool,
    expected: &'static str,
) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            key,
            value: value.to_string(),
            expected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_toml_parses_and_matches_the_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.toml");
        let config = Config::load(&path, true).expect("config.toml must be valid");
        assert_eq!(config, Config::default());
    }

    #[test]
    fn unknown_key_is_refused_with_its_name() {
        let err = toml::from_str::<Config>("[model]\nlearning_rat = 0.1\n").unwrap_err();
        assert!(err.to_string().contains("learning_rat"), "{err}");
    }

    #[test]
    fn out_of_range_setting_names_the_key() {
        let mut config = Config::default();
        config.costs.missed_default = -1.0;
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("costs.missed_default"), "{err}");
    }

    #[test]
    fn unknown_explainer_is_refused_before_any_work() {
        let mut config = Config::default();
        config.explain.explainers = vec!["treeshap".into(), "bogus".into()];
        let err = config.validate().unwrap_err().to_string();
        assert!(
            err.contains("explain.explainers") && err.contains("bogus"),
            "{err}"
        );
    }
}
