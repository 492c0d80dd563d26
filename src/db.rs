//! Opening the DuckDB database file, and the names of the tables the modules share.

use std::path::Path;

use duckdb::{AccessMode, Config, Connection};

/// Raw tables created by ingest, in the order their files are read.
pub const RAW_TABLES: [&str; 8] = [
    "application_train",
    "application_test",
    "bureau",
    "bureau_balance",
    "previous_application",
    "pos_cash_balance",
    "installments_payments",
    "credit_card_balance",
];

/// Opens an existing database for reading and writing.
pub fn open(path: &Path) -> duckdb::Result<Connection> {
    Connection::open(path)
}

/// Opens an existing database read-only, as the dashboard does.
pub fn open_read_only(path: &Path) -> duckdb::Result<Connection> {
    let config = Config::default().access_mode(AccessMode::ReadOnly)?;
    Connection::open_with_flags(path, config)
}
