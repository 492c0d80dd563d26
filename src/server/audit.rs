//! The decision log: one JSON line for every decision the server hands out (a new application
//! scored through the API, a customer's score, explanation or reasons served, a customer's
//! page shown), with when, to whom, the model version and the result; a posted application's
//! inputs are kept whole so that the decision can be reproduced. Credit scoring is a regulated
//! use: an auditor asking why a loan was refused starts here.
//!
//! The file is opened for appending (`[server] audit_log`), never rewritten; each event is one
//! `write` of a whole line under a lock, so lines from concurrent requests never interleave.
//! The log holds personal data: keep it where the bank keeps such records, out of the
//! repository. A line that cannot be written is reported in the debug log and does not fail
//! the request (the bank's own log shipping is expected to watch the file).

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::Serialize;
use serde_json::Value;

use super::ServerError;
use super::auth::Principal;
use super::state::{Decision, Score};

/// What was decided or shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A new application posted to `POST /api/v1/score`.
    ScoreApplication,
    /// A customer's score, explanation or reasons served by the API.
    ApiCustomer,
    /// A customer's page shown to a relationship manager.
    RmCustomerPage,
    /// A customer's own page shown to that customer.
    SelfServicePage,
}

/// One line of the log.
#[derive(Debug, Serialize)]
pub struct Event<'a> {
    /// RFC 3339 time, UTC.
    pub at: String,
    pub action: Action,
    /// `rm`, or `customer:<SK_ID_CURR>` for a customer's own session.
    pub principal: String,
    /// The applicant concerned, absent for a posted application.
    pub customer: Option<i64>,
    pub model_version: &'a str,
    pub probability: f64,
    pub points: f64,
    pub decision: Decision,
    pub threshold: f64,
    /// The posted application, whole (only for [`Action::ScoreApplication`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<&'a Value>,
}

impl<'a> Event<'a> {
    /// An event for `score` given by model `model_version` at `threshold`, now.
    pub fn new(
        action: Action,
        who: Principal,
        customer: Option<i64>,
        model_version: &'a str,
        score: &Score,
        threshold: f64,
    ) -> Self {
        Self {
            at: humantime::format_rfc3339_millis(SystemTime::now()).to_string(),
            action,
            principal: match who {
                Principal::Rm => "rm".to_owned(),
                Principal::Customer(id) => format!("customer:{id}"),
            },
            customer,
            model_version,
            probability: score.probability,
            points: score.points,
            decision: score.decision,
            threshold,
            inputs: None,
        }
    }

    /// The same event carrying the posted application.
    pub fn with_inputs(mut self, inputs: &'a Value) -> Self {
        self.inputs = Some(inputs);
        self
    }
}

/// An append-only JSON-lines file of [`Event`]s.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AuditLog {
    /// Opens (or creates) `path` for appending.
    pub fn open(path: &Path) -> Result<Self, ServerError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|source| ServerError::AuditLog {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(file),
        })
    }

    /// Where the log is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event as one line.
    pub fn record(&self, event: &Event<'_>) {
        let mut line = match serde_json::to_vec(event) {
            Ok(line) => line,
            Err(err) => {
                tracing::error!(%err, "a decision could not be serialised for the audit log");
                return;
            }
        };
        line.push(b'\n');
        // A poisoned lock only means another request panicked mid-write; the file itself is
        // still an append-only handle, so keep writing.
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(err) = file.write_all(&line) {
            tracing::error!(%err, path = %self.path.display(), "cannot append to the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score() -> Score {
        Score {
            raw: -1.0,
            probability: 0.2,
            points: 512.0,
            decision: Decision::Refuse,
        }
    }

    #[test]
    fn events_are_appended_one_json_line_each() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "{\"earlier\":true}\n").expect("an earlier line");
        let log = AuditLog::open(&path).expect("open the log");
        let inputs = serde_json::json!({"application": {"AMT_INCOME_TOTAL": 1}});
        let posted = Event::new(
            Action::ScoreApplication,
            Principal::Rm,
            None,
            "v1",
            &score(),
            0.1,
        )
        .with_inputs(&inputs);
        log.record(&posted);
        let own = Event::new(
            Action::SelfServicePage,
            Principal::Customer(7),
            Some(7),
            "v1",
            &score(),
            0.1,
        );
        log.record(&own);

        let text = std::fs::read_to_string(&path).expect("read the log");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        assert_eq!(lines.len(), 3, "appended after the earlier line");
        assert_eq!(lines[1]["action"], "score_application");
        assert_eq!(lines[1]["inputs"]["application"]["AMT_INCOME_TOTAL"], 1);
        assert_eq!(lines[1]["decision"], "refuse");
        assert_eq!(lines[2]["principal"], "customer:7");
        assert!(lines[2].get("inputs").is_none());
        assert!(lines[2]["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
}
