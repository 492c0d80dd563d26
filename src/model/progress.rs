//! Live training progress. The tree library reports its rounds through the `log` crate
//! ("Iteration 100 evaluation data values: 0.7512"); this bridge turns those records into
//! Reporter lines carrying the fold being trained ("fold 2/5  round 100  validation AUC
//! 0.7512"). Records from other crates are passed on to `tracing`.
//!
//! The bridge is installed once per process, the first time a model is trained. If another
//! `log` logger is already installed (for example `tracing-log`), live lines are not
//! available and training reports each fold's evaluation history when the fold ends instead.

use std::sync::{Mutex, OnceLock};

use crate::report::Reporter;

/// Who receives the library's records now, and which fold they belong to.
struct Target {
    reporter: Reporter,
    label: String,
}

static CURRENT: Mutex<Option<Target>> = Mutex::new(None);
static INSTALLED: OnceLock<bool> = OnceLock::new();

struct Bridge;

static BRIDGE: Bridge = Bridge;

impl log::Log for Bridge {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if !record.target().starts_with("forust_ml") {
            forward_to_tracing(record);
            return;
        }
        let message = record.args().to_string();
        let Some(line) = progress_line(&message) else {
            return;
        };
        let current = CURRENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(target) = current.as_ref() {
            target.reporter.info(format!("  {}  {line}", target.label));
        }
    }

    fn flush(&self) {}
}

thread_local! {
    /// Set while a record is being passed to `tracing`: without a tracing subscriber,
    /// `tracing` itself falls back to `log`, which would bring the record straight back here.
    static FORWARDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn forward_to_tracing(record: &log::Record<'_>) {
    if FORWARDING.with(|flag| flag.replace(true)) {
        return;
    }
    emit_tracing(record);
    FORWARDING.with(|flag| flag.set(false));
}

fn emit_tracing(record: &log::Record<'_>) {
    let target = record.target();
    match record.level() {
        log::Level::Error => tracing::error!(log_target = target, "{}", record.args()),
        log::Level::Warn => tracing::warn!(log_target = target, "{}", record.args()),
        log::Level::Info => tracing::info!(log_target = target, "{}", record.args()),
        log::Level::Debug => tracing::debug!(log_target = target, "{}", record.args()),
        log::Level::Trace => tracing::trace!(log_target = target, "{}", record.args()),
    }
}

/// Rewrites the library's round and early-stopping messages; others are dropped.
fn progress_line(message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("Iteration ") {
        let (round, values) = rest.split_once(" evaluation data values: ")?;
        let round: usize = round.trim().parse().ok()?;
        return Some(format!(
            "round {:>5}  validation AUC {}",
            round + 1,
            values.trim()
        ));
    }
    if let Some(rest) = message.strip_prefix("Stopping early at iteration ") {
        let (round, value) = rest.split_once(" with metric value ")?;
        let round: usize = round.trim().parse().ok()?;
        let value = value.trim();
        let value = value
            .parse::<f64>()
            .map_or(value.to_owned(), |v| format!("{v:.4}"));
        return Some(format!(
            "stopped early at round {}  (AUC {value})",
            round + 1
        ));
    }
    None
}

/// Installs the bridge if no other logger is installed; true when live lines will appear.
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        let ok = log::set_logger(&BRIDGE).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Info);
        }
        ok
    })
}

/// While alive, the library's records go to `reporter` labelled with `label`.
pub struct Scope {
    previous: Option<Target>,
}

impl Scope {
    pub fn enter(reporter: &Reporter, label: String) -> Self {
        let mut current = CURRENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let previous = current.replace(Target {
            reporter: reporter.clone(),
            label,
        });
        Self { previous }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let mut current = CURRENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *current = self.previous.take();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_messages_become_progress_lines() {
        assert_eq!(
            progress_line("Iteration 99 evaluation data values: 0.7512").as_deref(),
            Some("round   100  validation AUC 0.7512")
        );
        assert_eq!(
            progress_line("Stopping early at iteration 250 with metric value 0.751234").as_deref(),
            Some("stopped early at round 251  (AUC 0.7512)")
        );
        assert_eq!(progress_line("Completed iteration 3 of 10"), None);
    }
}
