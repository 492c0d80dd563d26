//! Reading the `features` table into memory for training, scoring and explanations.
//!
//! Values travel through DuckDB's Arrow interface, streamed batch by batch and copied column by
//! column (no per-cell row access), which keeps loading the full data set (356k applicants x
//! ~600 columns) to seconds and its memory to the result itself.

use std::collections::HashSet;

use duckdb::arrow::array::{Array, Float64Array, Int64Array};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::{Connection, params_from_iter};

use super::FeatureError;

/// Which applicants to load.
pub enum Selection<'a> {
    /// Every applicant (train and test).
    All,
    /// The training applicants, those with a known outcome.
    Train,
    /// These applicants (any order, repeats ignored); every one must exist.
    Ids(&'a [i64]),
}

/// Feature values of a set of applicants, ordered by SK_ID_CURR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeatureTable {
    pub ids: Vec<i64>,
    pub names: Vec<String>,
    /// Row-major values, `ids.len() * names.len()`; NaN where the feature is empty (NULL).
    pub values: Vec<f64>,
    /// The known outcome (1 = payment difficulties) of training applicants; None for others.
    pub target: Vec<Option<f64>>,
}

impl FeatureTable {
    /// The values of row `i`, in `names` order. Panics if `i` is not below `ids.len()`, like
    /// slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        let width = self.names.len();
        &self.values[i * width..(i + 1) * width]
    }

    /// The position of a feature column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Ids are looked up this many at a time, as query parameters.
const IDS_PER_QUERY: usize = 2048;

/// Loads the selected applicants' features, ordered by SK_ID_CURR.
///
/// The features are read in table order without a join or a sort in SQL (sorting 600-column
/// rows costs DuckDB several seconds at full size); the outcome comes from a small second
/// query, and rows are sorted here only if the table was not already in SK_ID_CURR order.
pub fn load(conn: &Connection, selection: Selection<'_>) -> Result<FeatureTable, FeatureError> {
    let names = feature_names(conn)?;
    let mut table = FeatureTable {
        names,
        ..FeatureTable::default()
    };
    match selection {
        Selection::All => append_query(conn, "SELECT * FROM features", &[], &mut table)?,
        Selection::Train => {
            let sql = "SELECT * FROM features WHERE SK_ID_CURR IN \
                       (SELECT SK_ID_CURR FROM applicants WHERE dataset = 'train')";
            append_query(conn, sql, &[], &mut table)?;
        }
        Selection::Ids(ids) => load_ids(conn, ids, &mut table)?,
    }
    sort_rows(&mut table);
    table.target = targets(conn, &table.ids)?;
    Ok(table)
}

fn load_ids(conn: &Connection, ids: &[i64], table: &mut FeatureTable) -> Result<(), FeatureError> {
    let mut wanted = ids.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    for chunk in wanted.chunks(IDS_PER_QUERY) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!("SELECT * FROM features WHERE SK_ID_CURR IN ({placeholders})");
        append_query(conn, &sql, chunk, table)?;
    }
    if table.ids.len() != wanted.len() {
        let found: HashSet<i64> = table.ids.iter().copied().collect();
        let missing = wanted
            .into_iter()
            .filter(|id| !found.contains(id))
            .collect();
        return Err(FeatureError::UnknownApplicants { ids: missing });
    }
    Ok(())
}

/// Puts the rows in SK_ID_CURR order (a no-op when they already are).
fn sort_rows(table: &mut FeatureTable) {
    if table.ids.is_sorted() {
        return;
    }
    let width = table.names.len();
    let mut order: Vec<usize> = (0..table.ids.len()).collect();
    order.sort_by_key(|&i| table.ids[i]);
    let values = order
        .iter()
        .flat_map(|&i| table.values[i * width..(i + 1) * width].iter().copied())
        .collect();
    table.ids = order.iter().map(|&i| table.ids[i]).collect();
    table.values = values;
}

/// The known outcome of each applicant of `ids` (sorted), from `applicants`.
fn targets(conn: &Connection, ids: &[i64]) -> Result<Vec<Option<f64>>, FeatureError> {
    let mut stmt = conn
        .prepare("SELECT SK_ID_CURR, CAST(TARGET AS DOUBLE) FROM applicants ORDER BY SK_ID_CURR")?;
    let known = stmt
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Option<f64>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids
        .iter()
        .map(|id| {
            known
                .binary_search_by_key(id, |(known_id, _)| *known_id)
                .ok()
                .and_then(|i| known[i].1)
        })
        .collect())
}

/// Feature column names in table order.
fn feature_names(conn: &Connection) -> Result<Vec<String>, FeatureError> {
    let mut stmt = conn.prepare("DESCRIBE features")?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names.into_iter().filter(|n| n != "SK_ID_CURR").collect())
}

fn append_query(
    conn: &Connection,
    sql: &str,
    params: &[i64],
    table: &mut FeatureTable,
) -> Result<(), FeatureError> {
    let mut stmt = conn.prepare(sql)?;
    // Streamed batch by batch, so the full result is never held twice in memory.
    for batch in stmt.stream_arrow(params_from_iter(params.iter()))? {
        append_batch(&batch?, table)?;
    }
    Ok(())
}

/// Appends one Arrow batch: column 0 is SK_ID_CURR, then the features.
fn append_batch(batch: &RecordBatch, table: &mut FeatureTable) -> Result<(), FeatureError> {
    let width = table.names.len();
    let rows = batch.num_rows();
    if batch.num_columns() != width + 1 {
        return Err(FeatureError::ColumnMismatch {
            table: "features".to_owned(),
        });
    }
    let ids = downcast::<Int64Array>(batch, 0)?;
    table.ids.extend(ids.values().iter().copied());

    let start = table.values.len();
    table.values.resize(start + rows * width, f64::NAN);
    let out = &mut table.values[start..];
    for j in 0..width {
        let column = downcast::<Float64Array>(batch, j + 1)?;
        let cells = out.iter_mut().skip(j).step_by(width);
        if column.null_count() == 0 {
            cells
                .zip(column.values().iter())
                .for_each(|(cell, v)| *cell = *v);
        } else {
            for (i, cell) in cells.enumerate() {
                if column.is_valid(i) {
                    *cell = column.value(i);
                }
            }
        }
    }
    Ok(())
}

/// Column `index` of the batch as the expected Arrow array type.
fn downcast<T: 'static>(batch: &RecordBatch, index: usize) -> Result<&T, FeatureError> {
    batch
        .column(index)
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| FeatureError::ColumnMismatch {
            table: "features".to_owned(),
        })
}
