//! What a person running a command must read: progress, warnings about their data and
//! summaries. Kept apart from the tracing logs (which go to stderr under `RUST_LOG`), so that
//! it can be silenced or captured in tests.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Writes human-readable progress lines; cheap to clone and safe to share between threads.
#[derive(Clone)]
pub struct Reporter {
    sink: Arc<Mutex<Sink>>,
    started: Instant,
}

enum Sink {
    Stderr,
    Quiet,
    Captured(Vec<String>),
}

impl Reporter {
    /// A reporter that prints to standard error.
    pub fn stderr() -> Self {
        Self::with_sink(Sink::Stderr)
    }

    /// A reporter that discards everything.
    pub fn quiet() -> Self {
        Self::with_sink(Sink::Quiet)
    }

    /// A reporter that keeps every line, for tests to inspect with [`Reporter::lines`].
    pub fn captured() -> Self {
        Self::with_sink(Sink::Captured(Vec::new()))
    }

    fn with_sink(sink: Sink) -> Self {
        Self {
            sink: Arc::new(Mutex::new(sink)),
            started: Instant::now(),
        }
    }

    /// A progress or summary line.
    pub fn info(&self, line: impl AsRef<str>) {
        self.emit(line.as_ref().to_owned());
    }

    /// A warning about the user's data or settings, prefixed so it stands out.
    pub fn warn(&self, line: impl AsRef<str>) {
        self.emit(format!("warning: {}", line.as_ref()));
    }

    /// Seconds since this reporter was created, for "elapsed" figures.
    pub fn elapsed_secs(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Every line written so far (only a captured reporter keeps them).
    pub fn lines(&self) -> Vec<String> {
        match &*self.lock() {
            Sink::Captured(lines) => lines.clone(),
            _ => Vec::new(),
        }
    }

    fn emit(&self, line: String) {
        match &mut *self.lock() {
            Sink::Stderr => {
                let mut err = std::io::stderr().lock();
                // A closed stderr is no reason to stop the work being reported on.
                let _ = writeln!(err, "{line}");
            }
            Sink::Quiet => {}
            Sink::Captured(lines) => lines.push(line),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Sink> {
        // A panic while holding the lock leaves only a list of strings behind: still usable.
        self.sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
