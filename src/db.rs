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

/// DuckDB's file signature: these 4 bytes at offset 8 of every database file.
const DUCKDB_MAGIC: &[u8; 4] = b"DUCK";

/// Whether the file at `path` starts like a DuckDB database (false when it cannot be read).
pub fn looks_like_duckdb(path: &Path) -> std::io::Result<bool> {
    let mut head = [0u8; 12];
    let mut file = std::fs::File::open(path)?;
    let mut filled = 0;
    while filled < head.len() {
        match std::io::Read::read(&mut file, &mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled == head.len() && &head[8..12] == DUCKDB_MAGIC)
}

/// Opens an existing database for reading and writing.
pub fn open(path: &Path) -> duckdb::Result<Connection> {
    Connection::open(path)
}

/// Opens an existing database read-only, as the dashboard does.
pub fn open_read_only(path: &Path) -> duckdb::Result<Connection> {
    let config = Config::default().access_mode(AccessMode::ReadOnly)?;
    Connection::open_with_flags(path, config)
}
