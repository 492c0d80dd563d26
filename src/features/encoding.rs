//! Category encodings: which categories each text column has in the training data, the column
//! each category becomes, and their storage in `category_levels`.
//!
//! Levels are learned from training applicants only: the application rows of
//! `application_train`, and the history rows (bureau, previous applications, ...) that belong
//! to those applicants. A missing value counts as the category [`MISSING_CATEGORY`] when the
//! training rows have any. Categories are sorted, so the same data always gives the same columns.

use std::collections::HashSet;

use duckdb::{Connection, params};

use super::{CategoryLevel, CategoryLevels, FeatureError, MISSING_CATEGORY};
use crate::ingest::schema::{ColumnType, TABLES};

/// Application yes/no columns that become 1/0 instead of one column per category:
/// (column, text meaning 1, text meaning 0).
pub(crate) const BINARY_COLUMNS: [(&str, &str, &str); 3] = [
    ("FLAG_OWN_CAR", "Y", "N"),
    ("FLAG_OWN_REALTY", "Y", "N"),
    ("EMERGENCYSTATE_MODE", "Yes", "No"),
];

/// A text column encoded with learned categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Categorical {
    /// Source key: `application` or the raw table name.
    pub table: &'static str,
    pub column: &'static str,
}

impl Categorical {
    /// The qualified name stored in `category_levels.variable`.
    pub(crate) fn variable(&self) -> String {
        format!("{}.{}", self.table, self.column)
    }

    /// The feature column a category of this variable becomes (before making it unique).
    fn column_name(&self, category: &str) -> String {
        let clean = sanitise(category);
        match self.table {
            "application" => format!("{}_{clean}", self.column),
            "bureau_balance" => format!("BURO_{}_{clean}_SHARE_MEAN", self.column),
            table => format!("{}_{}_{clean}_SHARE", history_prefix(table), self.column),
        }
    }

    /// SQL giving the column's values on training rows, as `v`.
    fn training_values_sql(&self) -> String {
        let train = "SELECT SK_ID_CURR FROM application_train";
        match self.table {
            "application" => format!("SELECT \"{}\" AS v FROM application_train", self.column),
            "bureau_balance" => format!(
                "SELECT \"{}\" AS v FROM bureau_balance WHERE SK_ID_BUREAU IN \
                 (SELECT SK_ID_BUREAU FROM bureau WHERE SK_ID_CURR IN ({train}))",
                self.column
            ),
            table => format!(
                "SELECT \"{}\" AS v FROM {table} WHERE SK_ID_CURR IN ({train})",
                self.column
            ),
        }
    }
}

/// Prefix of the share columns of a history table.
fn history_prefix(table: &str) -> &'static str {
    match table {
        "bureau" => "BURO",
        "previous_application" => "PREV",
        "pos_cash_balance" => "POS",
        _ => "CC",
    }
}

/// Every categorical, in column order: the application's text columns (yes/no ones excepted),
/// then the text columns of each history table.
pub(crate) fn categoricals() -> Vec<Categorical> {
    let mut all = Vec::new();
    for schema in TABLES.iter().filter(|s| s.table != "application_test") {
        let table = match schema.table {
            "application_train" => "application",
            other => other,
        };
        for column in schema.columns.iter().filter(|c| c.ty == ColumnType::Text) {
            if !BINARY_COLUMNS
                .iter()
                .any(|(name, _, _)| *name == column.name)
            {
                all.push(Categorical {
                    table,
                    column: column.name,
                });
            }
        }
    }
    all
}

/// Category text made into a column-name part: `[A-Za-z0-9_]` only, runs of anything else
/// become one `_`.
pub(crate) fn sanitise(category: &str) -> String {
    let mut out = String::with_capacity(category.len());
    for ch in category.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        "blank".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Learns the levels of every categorical from the training applicants.
pub(crate) fn learn(conn: &Connection) -> Result<CategoryLevels, FeatureError> {
    let mut levels = Vec::new();
    let mut used = HashSet::new();
    for categorical in categoricals() {
        let sql = format!(
            "SELECT DISTINCT COALESCE(CAST(v AS VARCHAR), ?) AS category \
             FROM ({}) ORDER BY category",
            categorical.training_values_sql()
        );
        let mut stmt = conn.prepare(&sql)?;
        let categories = stmt
            .query_map(params![MISSING_CATEGORY], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for category in categories {
            let column_name = unique_name(categorical.column_name(&category), &mut used);
            levels.push(CategoryLevel {
                variable: categorical.variable(),
                category,
                column_name,
            });
        }
    }
    // Stored and read back in this order, so learned and reloaded levels compare equal.
    levels.sort_by(|a, b| (&a.variable, &a.category).cmp(&(&b.variable, &b.category)));
    tracing::debug!(levels = levels.len(), "learned category levels");
    Ok(CategoryLevels { levels })
}

/// `name`, or `name_2`, `name_3`... if already used (DuckDB names ignore case).
fn unique_name(name: String, used: &mut HashSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.to_ascii_uppercase()) {
        candidate = format!("{name}_{n}");
        n += 1;
    }
    candidate
}

/// Checks levels given by a model before their column names are used in SQL.
pub(crate) fn validated(levels: &CategoryLevels) -> Result<CategoryLevels, FeatureError> {
    let known: HashSet<String> = categoricals().iter().map(Categorical::variable).collect();
    let mut names = HashSet::new();
    let mut pairs = HashSet::new();
    for level in &levels.levels {
        let reason = if !known.contains(&level.variable) {
            Some("the variable is not a categorical column of the Home Credit tables")
        } else if level.column_name.is_empty()
            || !level
                .column_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            Some("column names may only hold letters, digits and underscores")
        } else if !names.insert(level.column_name.to_ascii_uppercase()) {
            Some("the column name is used twice")
        } else if !pairs.insert((&level.variable, &level.category)) {
            Some("the category is listed twice")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(FeatureError::BadLevel {
                variable: level.variable.clone(),
                column_name: level.column_name.clone(),
                reason: reason.to_owned(),
            });
        }
    }
    Ok(levels.clone())
}

/// Writes `category_levels` and the temporary `_levels` table the group SQL joins with
/// (`code` = position in `levels`).
pub(crate) fn store(conn: &Connection, levels: &CategoryLevels) -> Result<(), FeatureError> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS category_levels;
         CREATE TABLE category_levels (variable VARCHAR, category VARCHAR, column_name VARCHAR);
         CREATE OR REPLACE TEMP TABLE _levels
             (variable VARCHAR, category VARCHAR, column_name VARCHAR, code INTEGER);",
    )?;
    let mut stored = conn.appender("category_levels")?;
    for level in &levels.levels {
        stored.append_row(params![level.variable, level.category, level.column_name])?;
    }
    stored.flush()?;
    let mut insert = conn.prepare("INSERT INTO temp._levels VALUES (?, ?, ?, ?)")?;
    for (code, level) in levels.levels.iter().enumerate() {
        let code = i64::try_from(code).unwrap_or(i64::MAX);
        insert.execute(params![
            level.variable,
            level.category,
            level.column_name,
            code
        ])?;
    }
    Ok(())
}

/// Reads `category_levels` back, in the order the columns are built.
pub(crate) fn read(conn: &Connection) -> Result<CategoryLevels, FeatureError> {
    let mut stmt = conn.prepare(
        "SELECT variable, category, column_name FROM category_levels \
         ORDER BY variable, category",
    )?;
    let levels = stmt
        .query_map([], |row| {
            Ok(CategoryLevel {
                variable: row.get(0)?,
                category: row.get(1)?,
                column_name: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CategoryLevels { levels })
}

/// The levels of one variable with their codes, in level order.
pub(crate) fn levels_of<'a>(
    levels: &'a CategoryLevels,
    categorical: &Categorical,
) -> Vec<(usize, &'a CategoryLevel)> {
    let variable = categorical.variable();
    levels
        .levels
        .iter()
        .enumerate()
        .filter(|(_, level)| level.variable == variable)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitise_keeps_letters_digits_and_single_underscores() {
        assert_eq!(sanitise("Higher education"), "Higher_education");
        assert_eq!(
            sanitise("Secondary / secondary special"),
            "Secondary_secondary_special"
        );
        assert_eq!(sanitise("Spouse, partner"), "Spouse_partner");
        assert_eq!(sanitise("(missing)"), "missing");
        assert_eq!(sanitise("Business Entity Type 3"), "Business_Entity_Type_3");
        assert_eq!(sanitise("Évora-é"), "vora");
        assert_eq!(sanitise(" / "), "blank");
    }

    #[test]
    fn unique_name_ignores_case_and_numbers_repeats() {
        let mut used = HashSet::new();
        assert_eq!(unique_name("A_x".into(), &mut used), "A_x");
        assert_eq!(unique_name("A_X".into(), &mut used), "A_X_2");
        assert_eq!(unique_name("a_x".into(), &mut used), "a_x_3");
    }

    #[test]
    fn categoricals_cover_text_columns_except_yes_no_ones() {
        let all = categoricals();
        let names: Vec<String> = all.iter().map(Categorical::variable).collect();
        assert!(names.contains(&"application.NAME_EDUCATION_TYPE".to_owned()));
        assert!(names.contains(&"bureau_balance.STATUS".to_owned()));
        assert!(names.contains(&"previous_application.NAME_CONTRACT_STATUS".to_owned()));
        assert!(!names.contains(&"application.FLAG_OWN_CAR".to_owned()));
        assert!(!names.iter().any(|n| n.starts_with("application_test")));
        assert!(!names.iter().any(|n| n.starts_with("installments_payments")));
    }

    #[test]
    fn given_levels_with_unsafe_names_are_refused() {
        let levels = CategoryLevels {
            levels: vec![CategoryLevel {
                variable: "application.CODE_GENDER".into(),
                category: "F".into(),
                column_name: "CODE_GENDER_F\"; DROP TABLE x; --".into(),
            }],
        };
        assert!(matches!(
            validated(&levels),
            Err(FeatureError::BadLevel { .. })
        ));
    }
}
