//! The eight CSV outputs of one chunk of applicants, formatted in memory so that chunks can be
//! generated in parallel and appended to the files in order.

use serde::Serialize;

use super::DemoError;
use crate::ingest::schema::TABLES;

/// The generated files, in the order of [`TABLES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    ApplicationTrain = 0,
    ApplicationTest = 1,
    Bureau = 2,
    BureauBalance = 3,
    PreviousApplication = 4,
    PosCashBalance = 5,
    InstallmentsPayments = 6,
    CreditCardBalance = 7,
}

/// Number of generated files.
pub const TABLE_COUNT: usize = 8;

/// The formatted rows of one table for one chunk.
#[derive(Debug, Default)]
pub struct TableBytes {
    pub bytes: Vec<u8>,
    pub rows: u64,
}

/// Collects the rows of one chunk.
pub struct Sinks {
    writers: Vec<csv::Writer<Vec<u8>>>,
    rows: [u64; TABLE_COUNT],
}

impl Sinks {
    pub fn new() -> Self {
        let writers = (0..TABLE_COUNT)
            .map(|_| {
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::new())
            })
            .collect();
        Self {
            writers,
            rows: [0; TABLE_COUNT],
        }
    }

    /// Appends one row (a sequence of values in file order) to `table`.
    pub fn write<R: Serialize>(&mut self, table: Table, record: R) -> Result<(), DemoError> {
        let index = table as usize;
        self.writers[index]
            .serialize(record)
            .map_err(|source| DemoError::Format {
                file: TABLES[index].file_stem,
                source,
            })?;
        self.rows[index] += 1;
        Ok(())
    }

    /// The formatted bytes and row counts of every table.
    pub fn finish(self) -> Result<Vec<TableBytes>, DemoError> {
        self.writers
            .into_iter()
            .zip(self.rows)
            .enumerate()
            .map(|(index, (writer, rows))| {
                let bytes = writer.into_inner().map_err(|error| DemoError::Format {
                    file: TABLES[index].file_stem,
                    source: error.into_error().into(),
                })?;
                Ok(TableBytes { bytes, rows })
            })
            .collect()
    }
}
