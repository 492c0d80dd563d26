//! One CSV value and one row of a wide table, filled by column name.
//!
//! Values are written through the `csv` crate's serializer, which formats integers and floats
//! quickly and writes a missing value as an empty field, as the Kaggle files do.

use std::collections::HashMap;

use serde::{Serialize, Serializer};

use crate::ingest::schema::Column;

/// One value of a CSV row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Field {
    Int(i64),
    Float(f64),
    Text(&'static str),
    Missing,
}

impl Field {
    /// A float, or missing when `None`.
    pub fn opt(value: Option<f64>) -> Self {
        value.map_or(Self::Missing, Self::Float)
    }

    /// `0` or `1`.
    pub fn flag(value: bool) -> Self {
        Self::Int(i64::from(value))
    }

    /// `0.0` or `1.0`, for flags the Kaggle files store as floats.
    pub fn flag_float(value: bool) -> Self {
        Self::Float(if value { 1.0 } else { 0.0 })
    }

    /// `Y` or `N`.
    pub fn yes_no(value: bool) -> Self {
        Self::Text(if value { "Y" } else { "N" })
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::Int(value) => serializer.serialize_i64(value),
            Self::Float(value) => serializer.serialize_f64(value),
            Self::Text(value) => serializer.serialize_str(value),
            Self::Missing => serializer.serialize_none(),
        }
    }
}

/// Where each column of a table sits in its rows.
#[derive(Debug)]
pub struct Layout {
    index: HashMap<&'static str, usize>,
    len: usize,
}

impl Layout {
    /// The layout of a table with these columns (in file order).
    pub fn new(columns: &[Column]) -> Self {
        let index = columns
            .iter()
            .enumerate()
            .map(|(position, column)| (column.name, position))
            .collect();
        Self {
            index,
            len: columns.len(),
        }
    }
}

/// One row of a wide table, every value missing until set.
#[derive(Debug)]
pub struct Row<'l> {
    layout: &'l Layout,
    fields: Vec<Field>,
}

impl<'l> Row<'l> {
    /// An empty row of the given table.
    pub fn new(layout: &'l Layout) -> Self {
        Self {
            layout,
            fields: vec![Field::Missing; layout.len],
        }
    }

    /// Sets column `name`; tables without that column (TARGET in the test file) ignore it.
    pub fn set(&mut self, name: &str, value: Field) {
        match self.layout.index.get(name) {
            Some(&position) => self.fields[position] = value,
            None => debug_assert!(name == "TARGET", "column `{name}` is not in the schema"),
        }
    }

    /// The value of column `name` (missing when the table has no such column).
    pub fn get(&self, name: &str) -> Field {
        self.layout
            .index
            .get(name)
            .map_or(Field::Missing, |&position| self.fields[position])
    }

    /// Empties every value so the row can be reused.
    pub fn clear(&mut self) {
        self.fields.fill(Field::Missing);
    }

    /// The values in file order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::schema::TABLES;

    #[test]
    fn fields_are_written_like_the_kaggle_files() {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        let row = [
            Field::Int(-9461),
            Field::Float(202_500.0),
            Field::Text("Spouse, partner"),
            Field::Missing,
            Field::Float(0.018_801),
        ];
        writer.serialize(row).unwrap();
        let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        assert_eq!(text, "-9461,202500.0,\"Spouse, partner\",,0.018801\n");
    }

    #[test]
    fn a_row_puts_values_under_their_column() {
        let layout = Layout::new(TABLES[0].columns);
        let mut row = Row::new(&layout);
        row.set("TARGET", Field::Int(1));
        row.set("SK_ID_CURR", Field::Int(100_002));
        assert_eq!(row.fields()[0], Field::Int(100_002));
        assert_eq!(row.fields()[1], Field::Int(1));
        assert_eq!(row.get("AMT_CREDIT"), Field::Missing);
    }
}
