//! Command-line interface: the commands, their flags, and how flags override `config.toml`.
//!
//! Clap types stay here; each command turns its flags into the typed settings of the domain
//! module it calls, so the domain modules never see raw arguments.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use pret_a_score::config::Config;
use pret_a_score::report::Reporter;

/// Transparent credit scoring on the Home Credit data: ingest, train, explain, serve.
#[derive(Debug, Parser)]
#[command(name = "pret-a-score", version, about)]
pub struct Cli {
    /// Configuration file; when it is absent the defaults apply.
    #[arg(long, global = true, default_value = "config.toml")]
    config: PathBuf,

    /// DuckDB database file (overrides paths.db).
    #[arg(long, global = true)]
    db: Option<PathBuf>,

    /// Folder of trained models (overrides paths.models_dir).
    #[arg(long, global = true)]
    models_dir: Option<PathBuf>,

    /// Override any setting of config.toml, e.g. `--set model.learning_rate=0.1`
    /// (repeatable; the value is read as TOML, else as text).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    overrides: Vec<String>,

    /// Print no progress lines.
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: ingest a Kaggle folder (or generated demo data), train, and serve.
    Run {
        /// Folder holding the Kaggle CSV files; without it, demo data is generated.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Number of generated training applicants when no --data-dir is given.
        #[arg(long, default_value_t = 5000)]
        demo_applicants: usize,
        /// Address to serve on (overrides server.addr).
        #[arg(long)]
        addr: Option<String>,
        /// Stop after training instead of serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Read the Kaggle CSV files into the database, then build the features.
    Ingest {
        /// Folder holding the Kaggle CSV (or .csv.gz) files.
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Rebuild the applicant features from the ingested tables.
    Features,
    /// Train, validate and save a model under the models folder.
    Train {
        /// Models folder to write into (overrides paths.models_dir).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Score applicants with a trained model.
    Score {
        /// Model folder (default: the latest model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Score a Kaggle-format folder of new applicants instead of the database's.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// CSV file to write.
        #[arg(long, default_value = "scores.csv")]
        out: PathBuf,
    },
    /// Write a model's trees in the documented JSON format.
    ExportTrees {
        /// Model folder (default: the latest model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// JSON file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Explain one applicant's score: contributions, reasons and similar customers.
    Explain {
        /// The applicant's SK_ID_CURR.
        #[arg(long)]
        customer: i64,
        /// Model folder (default: the latest model).
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Serve the dashboard, the self-service view and the JSON API.
    Serve {
        /// Model folder (default: the latest model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Address to listen on (overrides server.addr).
        #[arg(long)]
        addr: Option<String>,
    },
    /// Measure the server: latency of the customer page and the API score call under
    /// concurrent loopback clients, as ratios to a trivial route measured in the same run.
    BenchServe {
        /// Model folder (default: the latest model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Concurrent clients.
        #[arg(long, default_value_t = 50)]
        clients: usize,
        /// Requests per route.
        #[arg(long, default_value_t = 2000)]
        requests: usize,
    },
    /// Generate realistic demo data in the Kaggle format.
    Demo {
        /// Folder to write the CSV files into (overrides paths.demo_dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Training applicants (the Kaggle set has 307,511).
        #[arg(long, default_value_t = 5000)]
        applicants: usize,
        /// Test applicants (default: a sixth of the training applicants).
        #[arg(long)]
        test_applicants: Option<usize>,
        /// Generate the full Kaggle size (about 2.5 GB).
        #[arg(long)]
        full_size: bool,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Debug, Clone, Copy)]
enum Access {
    ReadOnly,
    ReadWrite,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<()> {
    let config = load_config(&cli)?;
    let reporter = if cli.quiet {
        Reporter::quiet()
    } else {
        Reporter::stderr()
    };
    match cli.command {
        Command::Run {
            data_dir,
            demo_applicants,
            addr,
            no_serve,
        } => main_job(
            &config,
            data_dir,
            demo_applicants,
            addr,
            no_serve,
            &reporter,
        ),
        Command::Ingest { data_dir } => ingest(&config, &data_dir, &reporter),
        Command::Features => features(&config, &reporter),
        Command::Train { out } => train(&config, out, &reporter).map(|_| ()),
        Command::Score {
            model,
            data_dir,
            out,
        } => score(&config, model, data_dir, &out, &reporter),
        Command::ExportTrees { model, out } => export_trees(&config, model, &out, &reporter),
        Command::Explain {
            customer,
            model,
            format,
        } => explain(&config, customer, model, format),
        Command::Serve { model, addr } => serve(&config, model, addr, &reporter),
        Command::BenchServe {
            model,
            clients,
            requests,
        } => bench_serve(&config, model, clients, requests, &reporter),
        Command::Demo {
            out,
            applicants,
            test_applicants,
            full_size,
            seed,
        } => {
            let options = demo_options(applicants, test_applicants, full_size, seed);
            let dir = out.unwrap_or_else(|| config.paths.demo_dir.clone());
            demo(&dir, &options, &reporter)
        }
    }
}

/// Loads `config.toml`, then applies `--set` overrides and the path flags, then validates.
fn load_config(cli: &Cli) -> Result<Config> {
    let explicit = cli.config != Path::new("config.toml");
    let mut config = Config::load(&cli.config, explicit)?;
    if !cli.overrides.is_empty() {
        config = apply_overrides(&config, &cli.overrides)?;
    }
    if let Some(db) = &cli.db {
        config.paths.db = db.clone();
    }
    if let Some(dir) = &cli.models_dir {
        config.paths.models_dir = dir.clone();
    }
    config.validate()?;
    Ok(config)
}

/// Applies `section.key=value` overrides through the TOML form of the configuration, so that
/// every setting is reachable and checked by the same deserialisation as the file.
fn apply_overrides(config: &Config, overrides: &[String]) -> Result<Config> {
    let mut table = toml::Table::try_from(config).context("configuration is not a table")?;
    for item in overrides {
        let Some((key, raw)) = item.split_once('=') else {
            bail!("--set `{item}` must look like section.key=value, e.g. model.seed=7");
        };
        let Some((section, name)) = key.trim().split_once('.') else {
            bail!("--set `{item}`: the key must name a section and a setting, e.g. model.seed");
        };
        let value = parse_toml_value(raw.trim());
        let Some(toml::Value::Table(section_table)) = table.get_mut(section) else {
            bail!("--set `{item}`: there is no section `[{section}]` in the configuration");
        };
        if !section_table.contains_key(name) {
            bail!("--set `{item}`: section `[{section}]` has no setting `{name}`");
        }
        section_table.insert(name.to_owned(), value);
    }
    let text = toml::to_string(&table).context("cannot write the overridden configuration")?;
    toml::from_str(&text).context("a --set value has the wrong type for its setting")
}

fn parse_toml_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut table) => table.remove("v").unwrap_or(toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

fn demo_options(
    applicants: usize,
    test_applicants: Option<usize>,
    full_size: bool,
    seed: u64,
) -> pret_a_score::demo::DemoOptions {
    let mut options = if full_size {
        pret_a_score::demo::DemoOptions::full_size()
    } else {
        pret_a_score::demo::DemoOptions {
            applicants,
            test_applicants: test_applicants.unwrap_or(applicants / 6),
            seed,
        }
    };
    options.seed = seed;
    options
}

fn demo(dir: &Path, options: &pret_a_score::demo::DemoOptions, reporter: &Reporter) -> Result<()> {
    pret_a_score::demo::generate(dir, options, reporter)
        .with_context(|| format!("generating demo data in `{}`", dir.display()))?;
    Ok(())
}

fn ingest(config: &Config, data_dir: &Path, reporter: &Reporter) -> Result<()> {
    use pret_a_score::ingest::{IngestMode, IngestOptions};
    let options = IngestOptions {
        data_dir: data_dir.to_owned(),
        db: config.paths.db.clone(),
        mode: IngestMode::Training,
    };
    pret_a_score::ingest::run(&options, reporter)?;
    Ok(())
}

fn features(config: &Config, reporter: &Reporter) -> Result<()> {
    let conn = open_db(&config.paths.db, Access::ReadWrite)?;
    let encodings = pret_a_score::features::Encodings::LearnFromTraining;
    pret_a_score::features::build(&conn, encodings, reporter)?;
    Ok(())
}

fn train(config: &Config, out: Option<PathBuf>, reporter: &Reporter) -> Result<PathBuf> {
    let conn = open_db(&config.paths.db, Access::ReadOnly)?;
    let models_dir = out.unwrap_or_else(|| config.paths.models_dir.clone());
    let outcome = pret_a_score::model::train(&conn, config, &models_dir, reporter)?;
    Ok(outcome.dir)
}

/// Opens the database; commands that only read it open it read-only, so that several can run
/// at once (DuckDB allows one writer or many readers).
fn open_db(path: &Path, access: Access) -> Result<duckdb::Connection> {
    if !path.exists() {
        bail!(
            "the database `{}` does not exist: run `pret-a-score ingest --data-dir DIR` first \
             (or `pret-a-score run`)",
            path.display()
        );
    }
    if !pret_a_score::db::looks_like_duckdb(path).unwrap_or(false) {
        bail!(
            "`{}` is not a DuckDB database: give --db the database file that \
             `pret-a-score ingest` wrote",
            path.display()
        );
    }
    let opened = match access {
        Access::ReadOnly => pret_a_score::db::open_read_only(path),
        Access::ReadWrite => pret_a_score::db::open(path),
    };
    opened.with_context(|| format!("opening the database `{}`", path.display()))
}

fn load_model(config: &Config, model: Option<PathBuf>) -> Result<pret_a_score::model::Model> {
    let loaded = match model {
        Some(dir) => pret_a_score::model::Model::load(&dir),
        None => pret_a_score::model::Model::latest(&config.paths.models_dir),
    };
    Ok(loaded?)
}

fn score(
    config: &Config,
    model: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    out: &Path,
    reporter: &Reporter,
) -> Result<()> {
    let model = load_model(config, model)?;
    let options = pret_a_score::model::ScoreOptions {
        db: config.paths.db.clone(),
        data_dir,
        out: out.to_owned(),
    };
    pret_a_score::model::score(&model, &options, reporter)?;
    Ok(())
}

fn export_trees(
    config: &Config,
    model: Option<PathBuf>,
    out: &Path,
    reporter: &Reporter,
) -> Result<()> {
    let model = load_model(config, model)?;
    pret_a_score::model::export_trees(&model, out)?;
    reporter.info(format!(
        "wrote the trees of model {} to {}",
        model.version(),
        out.display()
    ));
    Ok(())
}

fn explain(config: &Config, customer: i64, model: Option<PathBuf>, format: Format) -> Result<()> {
    let model = load_model(config, model)?;
    let conn = open_db(&config.paths.db, Access::ReadOnly)?;
    let explanation =
        pret_a_score::explain::ExplainService::build(&conn, std::sync::Arc::new(model), config)?
            .explain_customer(customer)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&explanation)?),
        Format::Text => println!("{}", explanation.to_text()),
    }
    Ok(())
}

fn serve(
    config: &Config,
    model: Option<PathBuf>,
    addr: Option<String>,
    reporter: &Reporter,
) -> Result<()> {
    let mut config = config.clone();
    if let Some(addr) = addr {
        config.server.addr = addr;
    }
    let addr = config.server_addr()?;
    let model = load_model(&config, model)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(pret_a_score::server::serve(
        config,
        model,
        addr,
        reporter.clone(),
    ))?;
    Ok(())
}

fn bench_serve(
    config: &Config,
    model: Option<PathBuf>,
    clients: usize,
    requests: usize,
    reporter: &Reporter,
) -> Result<()> {
    use pret_a_score::server::{AppState, BenchOptions};
    let model = load_model(config, model)?;
    // The benchmark's own requests are recorded as the server would record them (the cost is
    // measured), but in a throw-away log, not among the real decisions.
    let scratch = tempfile::tempdir().context("creating a folder for the benchmark's log")?;
    let mut config = config.clone();
    config.server.audit_log = scratch.path().join("bench-audit-log.jsonl");
    let state = AppState::load(&config.paths.db, model, &config, reporter)?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let options = BenchOptions { clients, requests };
    let report = runtime.block_on(pret_a_score::server::bench(state, options))?;
    for line in report.lines() {
        println!("{line}");
    }
    Ok(())
}

/// `run`: ingest (the given folder, or generated demo data), train, then serve.
fn main_job(
    config: &Config,
    data_dir: Option<PathBuf>,
    demo_applicants: usize,
    addr: Option<String>,
    no_serve: bool,
    reporter: &Reporter,
) -> Result<()> {
    let data_dir = match data_dir {
        Some(dir) => dir,
        None => {
            let dir = config.paths.demo_dir.clone();
            reporter.info(format!(
                "no --data-dir given: generating demo data ({demo_applicants} applicants) in {}",
                dir.display()
            ));
            let options = demo_options(demo_applicants, None, false, 7);
            demo(&dir, &options, reporter)?;
            dir
        }
    };
    ingest(config, &data_dir, reporter)?;
    let model_dir = train(config, None, reporter)?;
    if no_serve {
        return Ok(());
    }
    serve(config, Some(model_dir), addr, reporter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_overrides_a_nested_setting_with_its_type() {
        let config = apply_overrides(&Config::default(), &["model.learning_rate=0.1".into()])
            .expect("valid override");
        assert!((config.model.learning_rate - 0.1).abs() < 1e-6);
    }

    #[test]
    fn set_refuses_an_unknown_setting_by_name() {
        let err = apply_overrides(&Config::default(), &["model.depth=3".into()]).unwrap_err();
        assert!(err.to_string().contains("depth"), "{err}");
    }

    #[test]
    fn set_refuses_a_value_of_the_wrong_type() {
        let err = apply_overrides(&Config::default(), &["model.folds=five".into()]).unwrap_err();
        assert!(err.to_string().contains("wrong type"), "{err}");
    }
}
