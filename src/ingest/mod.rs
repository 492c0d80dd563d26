//! Reading the Home Credit files into DuckDB.

pub mod schema;
