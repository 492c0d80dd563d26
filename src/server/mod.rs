//! The dashboard, the customers' self-service page and the JSON API (axum, askama, htmx,
//! Vega-Lite), served from one binary that needs nothing from the network.
//!
//! # Routes
//!
//! - `/rm/...`: the relationship managers' dashboard (customer list, customer page with
//!   gauge, reasons, waterfall and comparisons, model page).
//! - `/me`: a customer's own application, in plain words.
//! - `/api/v1/...`: JSON (score, explanation and reasons of a customer; scoring of a new
//!   application; the OpenAPI document at `/api/v1/openapi.json`).
//! - `/login`, `/logout`, `/static/...`, `/health`.
//!
//! # Roles and sign-in (a scheme for a branch-server demo)
//!
//! There are two roles, enforced on the server by extractors ([`auth::Rm`], [`auth::Me`]):
//!
//! - **Relationship manager (RM)**: every `/rm/...` page and every customer in the API.
//!   An RM signs in with the one-time link `serve` prints to the terminal
//!   (`/login?token=<code>`, valid 15 minutes, usable once), or with the RM token
//!   (`PRET_A_SCORE_RM_TOKEN`, or a file named by `PRET_A_SCORE_RM_TOKEN_FILE`) pasted in the
//!   sign-in form or sent as `Authorization: Bearer <token>` to the API.
//! - **Customer**: only `/me` and their own `/api/v1/customers/{id}/...`. A customer signs in
//!   with a personal link an RM creates on the customer's page (valid 7 days). Their id comes
//!   from the HMAC-signed session or token, never from a parameter they could change; asking
//!   for another customer's data answers 403.
//!
//! A sign-in turns into a signed session cookie (`HttpOnly`, `SameSite=Strict`, 8 hours). All
//! signatures use the server secret (`PRET_A_SCORE_SECRET`, or a file named by
//! `PRET_A_SCORE_SECRET_FILE`; else a random one per start). Secrets and tokens are read from
//! the environment or from files outside the repository, and never logged (request logs carry
//! the path only, not the query string). Without a session, pages redirect to `/login` and the
//! API answers 401.
//!
//! # Other safeguards
//!
//! Templates are compiled and HTML-escaped (no `|safe` on data); SQL takes values only as
//! parameters; the default address is `127.0.0.1:8080`; a Content-Security-Policy allows
//! scripts, styles and connections from this server only; errors show a safe message and log
//! the detail once.

mod api_bench;
pub mod audit;
pub mod auth;
pub mod charts;
mod compare;
pub mod errors;
mod list;
pub mod openapi;
mod pages;
pub mod pipeline;
mod routes;
pub mod state;
mod views;

use std::net::SocketAddr;

pub use api_bench::{BenchOptions, BenchReport, bench};
pub use routes::{FALLBACK_HEADER, app, routes};
pub use state::AppState;

/// An error starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "`{path}` is not a DuckDB database (or cannot be read): give --db the database file \
         that `pret-a-score ingest` wrote, or run ingest first."
    )]
    NotADatabase { path: std::path::PathBuf },
    #[error("Cannot open the database `{path}`: {source}. Run `pret-a-score ingest` first.")]
    OpenDatabase {
        path: std::path::PathBuf,
        source: duckdb::Error,
    },
    #[error("Cannot read `{what}` from the database: {source}")]
    Database {
        what: &'static str,
        source: duckdb::Error,
    },
    #[error("The model does not fit the data: {0}")]
    State(String),
    #[error("Keys: {0}")]
    Keys(String),
    #[error("Cannot listen on `{addr}`: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("The server stopped: {0}")]
    Serve(std::io::Error),
    #[error(
        "Cannot open the audit log `{}` for appending: {source}. Check that its folder exists and \
         is writable, or choose another file with --set server.audit_log=PATH.",
        path.display()
    )]
    AuditLog {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("Benchmark: {0}")]
    Bench(String),
    #[error(transparent)]
    Pipeline(#[from] pipeline::PipelineError),
}

/// `pret-a-score serve`: loads everything, prints a one-time RM sign-in link, and serves until
/// Ctrl-C.
pub async fn serve(
    config: crate::config::Config,
    model: crate::model::Model,
    addr: SocketAddr,
    reporter: crate::report::Reporter,
) -> Result<(), ServerError> {
    let db = config.paths.db.clone();
    let state = {
        let reporter = reporter.clone();
        tokio::task::spawn_blocking(move || AppState::load(&db, model, &config, &reporter))
            .await
            .map_err(|err| ServerError::State(format!("loading stopped: {err}")))??
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(ServerError::Serve)?;
    announce(&state, local, &reporter);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            // If the signal handler cannot be installed, serve until the process is killed.
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(ServerError::Serve)
}

fn announce(state: &AppState, addr: SocketAddr, reporter: &crate::report::Reporter) {
    let code = state.keys().one_time_rm_code();
    reporter.info(format!(
        "serving {} customers on http://{addr} (Ctrl-C to stop)",
        state.customer_count()
    ));
    reporter.info(format!(
        "relationship manager sign-in (one use, 15 minutes): http://{addr}/login?token={code}"
    ));
    if !state.keys().has_rm_token() {
        reporter.info(format!(
            "set {} to sign in RMs and call the API with a fixed token",
            auth::ENV_RM_TOKEN
        ));
    }
    if !addr.ip().is_loopback() {
        reporter.warn(format!(
            "listening on {addr}, which other machines can reach; the default is 127.0.0.1"
        ));
    }
}
