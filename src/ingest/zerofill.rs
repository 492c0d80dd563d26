//! Spotting missing values written as 0. In the Kaggle application files some columns are
//! empty for most applicants (a car's age when there is no car, the building's common area,
//! the first external score); a file of many applicants in which none of them is ever empty,
//! but some hold 0, was most likely saved by a tool that filled missing values with 0. Such a
//! file would load without error and silently turn "unknown" into a real zero, so ingest warns
//! about it (it cannot tell, value by value, which zeros were missing).

use super::value::Cell;

/// Application columns that are empty for most applicants of the Kaggle data (share missing
/// in the full training file: OWN_CAR_AGE 66%, EXT_SOURCE_1 56%, COMMONAREA_AVG 70%,
/// NONLIVINGAPARTMENTS_AVG 69%, LIVINGAPARTMENTS_AVG 68%).
const USUALLY_EMPTY: [&str; 5] = [
    "OWN_CAR_AGE",
    "EXT_SOURCE_1",
    "COMMONAREA_AVG",
    "NONLIVINGAPARTMENTS_AVG",
    "LIVINGAPARTMENTS_AVG",
];

/// Files with fewer rows say too little to warn about.
const MIN_ROWS: u64 = 100;

/// Counts, per usually-empty column of the schema, its empty cells and its zeros.
#[derive(Debug, Default)]
pub struct ZeroFillCheck {
    /// (column index in the schema, column name, empty cells, zeros)
    watched: Vec<(usize, &'static str, u64, u64)>,
    rows: u64,
}

impl ZeroFillCheck {
    /// Watches the usually-empty columns among `columns` (none for other tables).
    pub fn new(columns: &[&'static str]) -> Self {
        let watched = columns
            .iter()
            .enumerate()
            .filter(|(_, name)| USUALLY_EMPTY.contains(name))
            .map(|(index, name)| (index, *name, 0, 0))
            .collect();
        Self { watched, rows: 0 }
    }

    /// Counts one row's parsed cells (in schema order).
    pub fn observe(&mut self, cells: &[Cell<'_>]) {
        self.rows += 1;
        for (index, _, empty, zeros) in &mut self.watched {
            match cells.get(*index) {
                Some(Cell::Null) | None => *empty += 1,
                Some(Cell::Float(v)) if *v == 0.0 => *zeros += 1,
                Some(Cell::Int(0)) => *zeros += 1,
                _ => {}
            }
        }
    }

    /// The warning for `file`, when every watched column is never empty and some hold 0.
    pub fn warning(&self, file: &str) -> Option<String> {
        let suspicious = self.rows >= MIN_ROWS
            && !self.watched.is_empty()
            && self.watched.iter().all(|(_, _, empty, _)| *empty == 0)
            && self.watched.iter().any(|(_, _, _, zeros)| *zeros > 0);
        if !suspicious {
            return None;
        }
        let zeros: Vec<String> = self
            .watched
            .iter()
            .filter(|(_, _, _, zeros)| *zeros > 0)
            .map(|(_, name, _, zeros)| format!("{name} ({zeros} zeros)"))
            .collect();
        Some(format!(
            "{file}: no value is missing in columns that are empty for most applicants, and \
             some hold 0: {}. Missing values were probably written as 0 and are now read as \
             real zeros; save the file with missing values left empty and ingest again",
            zeros.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(car_age: Option<f64>) -> Vec<Cell<'static>> {
        vec![Cell::Int(1), car_age.map_or(Cell::Null, Cell::Float)]
    }

    #[test]
    fn zeros_in_place_of_every_missing_value_are_reported() {
        let mut check = ZeroFillCheck::new(&["SK_ID_CURR", "OWN_CAR_AGE"]);
        for i in 0..200 {
            check.observe(&row(Some(if i % 3 == 0 { 5.0 } else { 0.0 })));
        }
        let warning = check.warning("application_train.csv").expect("a warning");
        assert!(warning.contains("OWN_CAR_AGE (133 zeros)"), "{warning}");
    }

    #[test]
    fn real_missing_values_small_files_and_other_tables_are_not_reported() {
        let mut check = ZeroFillCheck::new(&["SK_ID_CURR", "OWN_CAR_AGE"]);
        for i in 0..200 {
            check.observe(&row((i % 3 == 0).then_some(0.0)));
        }
        assert_eq!(check.warning("a.csv"), None);

        let mut small = ZeroFillCheck::new(&["SK_ID_CURR", "OWN_CAR_AGE"]);
        for _ in 0..10 {
            small.observe(&row(Some(0.0)));
        }
        assert_eq!(small.warning("a.csv"), None);

        let mut other = ZeroFillCheck::new(&["SK_ID_BUREAU", "DAYS_CREDIT"]);
        for _ in 0..200 {
            other.observe(&[Cell::Int(1), Cell::Int(0)]);
        }
        assert_eq!(other.warning("bureau.csv"), None);
    }
}
