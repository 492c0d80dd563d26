//! The plain-language catalog of feature columns.
//!
//! `data/glossary.csv` (embedded in the binary) holds one row per raw or derived variable:
//! its table, a plain label written for a relationship manager, what it means, and optionally
//! whether higher values are "riskier" or "safer". Each feature's entry is composed from that
//! row and the way the feature is computed ("Average ... on other lenders' credits"), stored in
//! `feature_catalog`, and read back by [`catalog`] for the explanations.

use std::collections::HashMap;

use duckdb::{Connection, params};

use super::defs::{Agg, FeatureDef, Kind, Scope};
use super::{FeatureError, MISSING_CATEGORY};

const GLOSSARY_CSV: &str = include_str!("../../data/glossary.csv");
const GLOSSARY_HEADER: [&str; 5] = [
    "source_table",
    "variable",
    "label",
    "description",
    "higher_is",
];

/// One glossary row.
#[derive(Debug, Clone)]
pub(crate) struct GlossaryEntry {
    label: String,
    description: String,
    higher_is: Option<String>,
}

/// The shipped glossary, keyed by (source table, variable).
pub(crate) struct Glossary {
    entries: HashMap<(String, String), GlossaryEntry>,
}

impl Glossary {
    /// Parses the glossary embedded from `data/glossary.csv`.
    pub(crate) fn shipped() -> Result<Self, FeatureError> {
        Self::parse(GLOSSARY_CSV)
    }

    fn parse(text: &str) -> Result<Self, FeatureError> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| format_error(1, &e.to_string()))?;
        if header.iter().ne(GLOSSARY_HEADER) {
            let wanted = GLOSSARY_HEADER.join(",");
            return Err(format_error(1, &format!("the header must be `{wanted}`")));
        }
        let mut entries = HashMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                format_error(line, &e.to_string())
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or_default().trim().to_owned();
            let (table, variable, label, description) = (field(0), field(1), field(2), field(3));
            if label.is_empty() || description.is_empty() || label == variable {
                return Err(format_error(
                    line,
                    "label and description must be filled, and the label must be words",
                ));
            }
            let higher_is = Some(field(4)).filter(|h| !h.is_empty());
            let entry = GlossaryEntry {
                label,
                description,
                higher_is,
            };
            if entries.insert((table, variable), entry).is_some() {
                return Err(format_error(
                    line,
                    "this table and variable are listed twice",
                ));
            }
        }
        Ok(Self { entries })
    }

    fn get(&self, table: &str, variable: &str) -> Result<&GlossaryEntry, FeatureError> {
        self.entries
            .get(&(table.to_owned(), variable.to_owned()))
            .ok_or_else(|| FeatureError::GlossaryEntry {
                table: table.to_owned(),
                variable: variable.to_owned(),
            })
    }
}

fn format_error(line: u64, message: &str) -> FeatureError {
    FeatureError::GlossaryFormat {
        line,
        message: message.to_owned(),
    }
}

/// One row of `feature_catalog`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CatalogEntry {
    pub column_name: String,
    pub variable: String,
    pub category: Option<String>,
    pub source_table: String,
    pub group_label: String,
    pub label: String,
    pub description: String,
    pub variable_label: String,
    pub higher_is: Option<String>,
    pub value_kind: explainers::ValueKind,
}

/// Composes the catalog entry of every feature.
pub(crate) fn compose(
    defs: &[FeatureDef],
    glossary: &Glossary,
) -> Result<Vec<CatalogEntry>, FeatureError> {
    defs.iter().map(|def| entry(def, glossary)).collect()
}

fn entry(def: &FeatureDef, glossary: &Glossary) -> Result<CatalogEntry, FeatureError> {
    let wording = match &def.kind {
        Kind::Count => count_wording(def.scope),
        _ => wording(def, glossary.get(def.table, &def.variable)?),
    };

    Ok(CatalogEntry {
        column_name: def.column.clone(),
        variable: catalog_variable(def),
        category: match &def.kind {
            Kind::OneHot { category }
            | Kind::Share { category }
            | Kind::ShareOfMonths { category } => Some(category.clone()),
            _ => None,
        },
        source_table: def.table.to_owned(),
        group_label: def.scope.group_label().to_owned(),
        label: wording.label,
        description: wording.description,
        variable_label: wording.variable_label,
        higher_is: wording.higher_is,
        value_kind: value_kind(&def.kind),
    })
}

/// How the explanations word a feature's values.
fn value_kind(kind: &Kind) -> explainers::ValueKind {
    match kind {
        Kind::OneHot { .. } => explainers::ValueKind::OneHot,
        Kind::Binary => explainers::ValueKind::YesNo,
        Kind::Share { .. } | Kind::ShareOfMonths { .. } => explainers::ValueKind::Share,
        _ => explainers::ValueKind::Number,
    }
}

/// The name `value_kind` is stored under in `feature_catalog`.
fn kind_name(kind: explainers::ValueKind) -> &'static str {
    match kind {
        explainers::ValueKind::Number => "number",
        explainers::ValueKind::OneHot => "one_hot",
        explainers::ValueKind::YesNo => "yes_no",
        explainers::ValueKind::Share => "share",
    }
}

fn kind_from_name(name: Option<&str>) -> explainers::ValueKind {
    match name {
        Some("one_hot") => explainers::ValueKind::OneHot,
        Some("yes_no") => explainers::ValueKind::YesNo,
        Some("share") => explainers::ValueKind::Share,
        _ => explainers::ValueKind::Number,
    }
}

/// The variable a feature is gathered under in explanations. History variables name their
/// table, `AMT_ANNUITY (bureau)`, so that they are not mixed with the application's
/// `AMT_ANNUITY` or another table's; the column name still comes first. Each count is its own
/// variable.
fn catalog_variable(def: &FeatureDef) -> String {
    match (&def.kind, def.scope) {
        (Kind::Count, _) => def.column.clone(),
        (_, Scope::Application) => def.variable.clone(),
        _ => format!("{} ({})", def.variable, def.table),
    }
}

struct Wording {
    label: String,
    description: String,
    variable_label: String,
    higher_is: Option<String>,
}

fn count_wording(scope: Scope) -> Wording {
    let label = format!("Number of {}", scope.rows());
    Wording {
        description: format!(
            "How many {} the data holds for the customer; 0 when there are none. Computed as \
             the number of {}.",
            scope.rows(),
            scope.technical_rows().trim_start_matches("the ")
        ),
        variable_label: label.clone(),
        label,
        higher_is: None,
    }
}

fn wording(def: &FeatureDef, base: &GlossaryEntry) -> Wording {
    let variable = &def.variable;
    let scope = def.scope;
    let (label, description) = match &def.kind {
        Kind::Raw => (
            capitalised(&base.label),
            format!(
                "{} Taken as given on the application ({variable}).",
                base.description
            ),
        ),
        Kind::Binary => (
            capitalised(&base.label),
            format!(
                "{} Computed from the yes/no answer {variable}.",
                base.description
            ),
        ),
        Kind::Derived => (capitalised(&base.label), base.description.clone()),
        Kind::OneHot { category } => one_hot_wording(variable, base, category),
        Kind::Aggregate(agg) => aggregate_wording(def, base, *agg),
        Kind::Share { category } => share_wording(def, base, category),
        Kind::ShareOfMonths { category } => months_wording(base, category),
        Kind::Count => {
            let wording = count_wording(scope);
            (wording.label, wording.description)
        }
        Kind::Distinct => (
            format!("Number of different {}s {}", base.label, scope.label_tail()),
            format!(
                "How many different {}s appear among the customer's {}; 0 when there are \
                 none. {} Computed as the number of distinct {variable} values over {}.",
                base.label,
                scope.rows(),
                base.description,
                scope.technical_rows()
            ),
        ),
    };
    let higher_is = match &def.kind {
        Kind::Raw | Kind::Binary | Kind::Derived => base.higher_is.clone(),
        Kind::Aggregate(agg) if *agg != Agg::Var => base.higher_is.clone(),
        _ => None,
    };
    Wording {
        label,
        description,
        variable_label: capitalised(&base.label),
        higher_is,
    }
}

fn one_hot_wording(variable: &str, base: &GlossaryEntry, category: &str) -> (String, String) {
    let name = capitalised(&base.label);
    if category == MISSING_CATEGORY {
        return (
            format!("{name}: not recorded"),
            format!(
                "1 if nothing was recorded for \"{}\" on the application, 0 otherwise. {} \
                 Computed from {variable} on the application.",
                base.label.to_lowercase(),
                base.description
            ),
        );
    }
    (
        format!("{name}: {category}"),
        format!(
            "1 if the application's \"{}\" is \"{category}\", 0 otherwise. {} Computed from \
             {variable} on the application.",
            base.label.to_lowercase(),
            base.description
        ),
    )
}

fn aggregate_wording(def: &FeatureDef, base: &GlossaryEntry, agg: Agg) -> (String, String) {
    let scope = def.scope;
    let (label_word, in_sentence) =
        backward_extreme(&def.variable, agg).unwrap_or((agg.label_word(), agg.in_sentence()));
    let label = format!("{label_word} {} {}", base.label, scope.label_tail());
    let empty_when = if agg == Agg::Var {
        "fewer than two values"
    } else {
        "no values"
    };
    let description = format!(
        "Across the customer's {}, the {} {}. {} Computed as the {} of {} over {}; empty \
         when there are {empty_when}.",
        scope.rows(),
        in_sentence,
        base.label,
        base.description,
        agg.technical(),
        def.variable,
        scope.technical_rows()
    );
    (label, description)
}

/// Words for the minimum and maximum of a variable counted backwards from the application
/// (negative in the data), where "highest" would mean the most recent: the maximum of days
/// since a payment is the fewest days, the maximum of a statement month the latest month.
fn backward_extreme(variable: &str, agg: Agg) -> Option<(&'static str, &'static str)> {
    let months = variable.starts_with("MONTHS_BALANCE") && variable != "MONTHS_BALANCE_SIZE";
    let days = variable.starts_with("DAYS_")
        && !variable.ends_with("_PERC")
        && !explainers::humanize::counts_to_a_date(variable);
    match (months, days, agg) {
        (true, _, Agg::Min) => Some(("Earliest", "earliest")),
        (true, _, Agg::Max) => Some(("Latest", "latest")),
        (_, true, Agg::Min) => Some(("Most", "most")),
        (_, true, Agg::Max) => Some(("Fewest", "fewest")),
        _ => None,
    }
}

fn share_wording(def: &FeatureDef, base: &GlossaryEntry, category: &str) -> (String, String) {
    let scope = def.scope;
    let noun = scope.label_tail().trim_start_matches("on ");
    let (label, condition) = if category == MISSING_CATEGORY {
        (
            format!("Share of {noun} with no {} recorded", base.label),
            format!("{} empty", def.variable),
        )
    } else {
        (
            format!("Share of {noun} with {} \"{category}\"", base.label),
            format!("{} = '{category}'", def.variable),
        )
    };
    let description = format!(
        "Among the customer's {}, the share with this {} (0 to 1; empty when there are none). \
         {} Computed as the proportion of {} with {condition}.",
        scope.rows(),
        base.label,
        base.description,
        scope.technical_rows()
    );
    (label, description)
}

fn months_wording(base: &GlossaryEntry, category: &str) -> (String, String) {
    let label = format!(
        "Average share of months with {} \"{category}\" on other lenders' credits",
        base.label
    );
    let description = format!(
        "For each of the customer's credits with other lenders, the share of its months at the \
         credit bureau with {} \"{category}\", averaged over those credits (empty when none \
         has monthly history). {} Computed as the mean, over the customer's bureau rows, of \
         the proportion of their bureau_balance rows with STATUS = '{category}'.",
        base.label, base.description
    );
    (label, description)
}

/// The text with its first letter in upper case.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Replaces `feature_catalog` with the given entries.
pub(crate) fn store(conn: &Connection, entries: &[CatalogEntry]) -> Result<(), FeatureError> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS feature_catalog;
         CREATE TABLE feature_catalog (
             column_name VARCHAR PRIMARY KEY, variable VARCHAR, category VARCHAR,
             source_table VARCHAR, group_label VARCHAR, label VARCHAR, description VARCHAR,
             variable_label VARCHAR, higher_is VARCHAR, value_kind VARCHAR
         );",
    )?;
    let mut appender = conn.appender("feature_catalog")?;
    for e in entries {
        appender.append_row(params![
            e.column_name,
            e.variable,
            e.category,
            e.source_table,
            e.group_label,
            e.label,
            e.description,
            e.variable_label,
            e.higher_is,
            kind_name(e.value_kind)
        ])?;
    }
    appender.flush()?;
    Ok(())
}

/// The catalog entries of `names`, in that order, for the explanations.
pub fn catalog(
    conn: &Connection,
    names: &[String],
) -> Result<explainers::FeatureCatalog, FeatureError> {
    let mut stmt = conn.prepare(
        "SELECT column_name, variable, variable_label, group_label, label, description, \
         category, higher_is, value_kind FROM feature_catalog",
    )?;
    let mut by_name: HashMap<String, explainers::FeatureInfo> = stmt
        .query_map([], |row| {
            let info = explainers::FeatureInfo {
                name: row.get(0)?,
                variable: row.get(1)?,
                variable_label: row.get(2)?,
                group: row.get(3)?,
                label: row.get(4)?,
                description: row.get(5)?,
                category: row.get(6)?,
                kind: kind_from_name(row.get::<_, Option<String>>(8)?.as_deref()),
                higher_is: row.get(7)?,
            };
            Ok((info.name.clone(), info))
        })?
        .collect::<Result<_, _>>()?;
    let features = names
        .iter()
        .map(|name| {
            by_name
                .remove(name)
                .ok_or_else(|| FeatureError::UnknownFeature { name: name.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(explainers::FeatureCatalog { features })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_of_backward_counts_read_as_recent_or_old() {
        let glossary = Glossary::shipped().expect("the shipped glossary");
        let label = |variable: &str, agg| {
            let def = bureau_def(variable, Kind::Aggregate(agg));
            wording(&def, glossary.get("bureau", variable).unwrap()).label
        };
        // Days since a credit was opened are negative: the maximum is the most recent.
        assert!(label("DAYS_CREDIT", Agg::Max).starts_with("Fewest days since"));
        assert!(label("DAYS_CREDIT", Agg::Min).starts_with("Most days since"));
        // Days to a planned end may be ahead: the maximum is the furthest ahead.
        assert!(label("DAYS_CREDIT_ENDDATE", Agg::Max).starts_with("Highest days to"));
        assert!(label("MONTHS_BALANCE_MIN", Agg::Min).starts_with("Earliest first month"));
        assert!(label("MONTHS_BALANCE_MAX", Agg::Max).starts_with("Latest last month"));
        assert!(label("AMT_CREDIT_SUM", Agg::Max).starts_with("Highest"));
    }

    fn bureau_def(variable: &str, kind: Kind) -> FeatureDef {
        FeatureDef {
            column: "X".into(),
            scope: Scope::Bureau,
            table: "bureau",
            variable: variable.into(),
            kind,
        }
    }

    #[test]
    fn shipped_glossary_parses_and_has_the_application_columns() {
        let glossary = Glossary::shipped().expect("shipped glossary parses");
        let entry = glossary
            .get("application", "NAME_EDUCATION_TYPE")
            .expect("entry");
        assert_eq!(entry.label, "Education");
        assert!(glossary.get("application", "TARGET").is_err());
    }

    #[test]
    fn a_label_equal_to_its_code_is_refused_with_its_line() {
        let text = "source_table,variable,label,description,higher_is\n\
                    application,CNT_CHILDREN,Number of children,How many children.,\n\
                    application,AMT_CREDIT,AMT_CREDIT,The loan amount.,\n";
        match Glossary::parse(text) {
            Err(FeatureError::GlossaryFormat { line, .. }) => assert_eq!(line, 3),
            other => panic!("expected a format error, got {:?}", other.err()),
        }
    }

    #[test]
    fn mean_of_days_overdue_reads_as_an_average_over_bureau_credits() {
        let glossary = Glossary::shipped().expect("shipped glossary parses");
        let def = bureau_def("CREDIT_DAY_OVERDUE", Kind::Aggregate(Agg::Mean));
        let e = entry(&def, &glossary).expect("entry");
        assert_eq!(e.label, "Average days overdue on other lenders' credits");
        assert!(
            e.description
                .starts_with("Across the customer's credits with other lenders")
        );
        assert!(
            e.description
                .contains("mean of CREDIT_DAY_OVERDUE over the customer's bureau rows")
        );
        assert_eq!(e.group_label, "Credit bureau");
        assert_eq!(e.variable, "CREDIT_DAY_OVERDUE (bureau)");
        assert_eq!(e.higher_is.as_deref(), Some("riskier"));
    }

    #[test]
    fn variance_keeps_no_direction_and_shares_name_their_category() {
        let glossary = Glossary::shipped().expect("shipped glossary parses");
        let var = entry(
            &bureau_def("CREDIT_DAY_OVERDUE", Kind::Aggregate(Agg::Var)),
            &glossary,
        )
        .expect("entry");
        assert_eq!(var.higher_is, None);
        assert!(var.description.contains("fewer than two values"));
        let share = bureau_def(
            "CREDIT_ACTIVE",
            Kind::Share {
                category: "Closed".into(),
            },
        );
        let share = entry(&share, &glossary).expect("entry");
        assert_eq!(
            share.label,
            "Share of other lenders' credits with status \"Closed\""
        );
        assert_eq!(share.category.as_deref(), Some("Closed"));
    }
}
