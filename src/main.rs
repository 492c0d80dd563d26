//! Command-line entry point: parses flags, loads and overrides the configuration, and runs
//! one command. This is the only place where errors become `anyhow` messages for a person.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    init_tracing();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", error_text(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause that an earlier message
/// already quotes (our domain errors name their source in their own message).
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let message = cause.to_string();
        if text.contains(&message) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// Debug logs go to stderr, filtered by `RUST_LOG` (default: warnings only), apart from the
/// progress lines a person reads.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_quoted_by_its_error_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let err = anyhow::Error::new(io).context("Cannot read `x`: No such file. Check the path.");
        assert_eq!(
            error_text(&err),
            "Cannot read `x`: No such file. Check the path."
        );
        let err = anyhow::anyhow!("disk full").context("Saving the model");
        assert_eq!(error_text(&err), "Saving the model: disk full");
    }
}
