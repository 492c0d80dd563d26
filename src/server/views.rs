//! What a customer's pages say, computed from the state: the explanation (reasons in plain
//! sentences and the waterfall of contributions) and the grouped descriptive information.

use serde::Serialize;
use serde_json::Value;

use super::charts::{Step, fmt_num};
use super::errors::AppError;
use super::state::{AppState, Contributions, Customer, InfoGroup, InfoItem, Reason};

/// Number of features shown one by one in the waterfall before "all others".
pub const WATERFALL_FEATURES: usize = 10;

/// A customer's explanation: per-feature contributions, reasons and the waterfall steps.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Raw score of the average applicant (log-odds of default).
    pub base: f64,
    /// This customer's raw score: `base` plus every contribution.
    pub total: f64,
    /// Every feature's contribution, largest effect first.
    pub contributions: Vec<FeatureEffect>,
    /// Reasons that raise the risk, then reasons that lower it.
    pub reasons: Vec<Reason>,
}

/// One feature's value and its contribution.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureEffect {
    pub feature: String,
    pub label: String,
    pub value: Option<f64>,
    pub contribution: f64,
}

impl Explanation {
    /// The waterfall's bars: the top [`WATERFALL_FEATURES`] features, then all the others.
    pub fn waterfall_steps(&self, state: &AppState) -> Vec<Step> {
        let mut steps: Vec<Step> = self
            .contributions
            .iter()
            .take(WATERFALL_FEATURES)
            .map(|e| Step {
                label: e.label.clone(),
                value_text: state.show_value(&e.feature, e.value.unwrap_or(f64::NAN)),
                contribution: e.contribution,
            })
            .collect();
        let rest = &self.contributions[steps.len()..];
        if !rest.is_empty() {
            steps.push(Step {
                label: format!("All {} other features", rest.len()),
                value_text: String::new(),
                contribution: rest.iter().map(|e| e.contribution).sum(),
            });
        }
        steps
    }
}

/// Explains row `index` of the population.
pub fn explain(state: &AppState, index: usize) -> Result<Explanation, AppError> {
    let inner = &state.inner;
    let row = inner.population.row(index);
    let contributions = inner
        .engine
        .contributions(row)
        .map_err(|err| AppError::Internal(format!("explaining row {index}: {err}")))?;
    Ok(build_explanation(state, row, &contributions))
}

/// Builds an explanation from a feature row and its contributions.
pub fn build_explanation(state: &AppState, row: &[f64], c: &Contributions) -> Explanation {
    let names = &state.inner.population.feature_names;
    let mut effects: Vec<FeatureEffect> = names
        .iter()
        .zip(row)
        .zip(&c.values)
        .map(|((name, value), contribution)| FeatureEffect {
            feature: name.clone(),
            label: state.label(name),
            value: value.is_finite().then_some(*value),
            contribution: *contribution,
        })
        .collect();
    effects.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
    let count = state.inner.top_reasons;
    let reasons = match state.inner.engine.reasons(row, &c.values, count) {
        Some(mut given) => {
            for r in &mut given {
                if r.raises_risk && r.advice.is_none() {
                    r.advice = advice(&r.feature, source_of(state, &r.feature));
                }
            }
            given
        }
        None => reasons(state, &effects),
    };
    Explanation {
        base: c.base,
        total: c.base + c.values.iter().sum::<f64>(),
        contributions: effects,
        reasons,
    }
}

fn reasons(state: &AppState, effects: &[FeatureEffect]) -> Vec<Reason> {
    let n = state.inner.top_reasons;
    let up = effects.iter().filter(|e| e.contribution > 0.0).take(n);
    let down = effects.iter().filter(|e| e.contribution < 0.0).take(n);
    up.chain(down).map(|e| reason(state, e)).collect()
}

fn reason(state: &AppState, effect: &FeatureEffect) -> Reason {
    let raises = effect.contribution > 0.0;
    let value = match effect.value {
        Some(v) => format!("is {}", fmt_num(v)),
        None => "is not known".to_owned(),
    };
    let sentence = format!(
        "{} {value}, which {} the risk of not repaying.",
        effect.label,
        if raises { "raises" } else { "lowers" }
    );
    let source = source_of(state, &effect.feature);
    Reason {
        feature: effect.feature.clone(),
        label: effect.label.clone(),
        sentence,
        raises_risk: raises,
        contribution: effect.contribution,
        advice: raises.then(|| advice(&effect.feature, source)).flatten(),
    }
}

fn source_of<'a>(state: &'a AppState, feature: &str) -> &'a str {
    state
        .inner
        .glossary
        .get(feature)
        .map(|g| g.source_table.as_str())
        .unwrap_or("")
}

/// What usually improves a factor, in plain words, by what the feature is about.
fn advice(feature: &str, source_table: &str) -> Option<String> {
    let f = feature.to_ascii_uppercase();
    let text = if f.contains("EXT_SOURCE") {
        "Scores from other credit agencies usually improve after months of repaying on time."
    } else if f.contains("CREDIT") && (f.contains("INCOME") || f.contains("ANNUITY")) {
        "Asking for a smaller amount, or spreading it over a longer time, usually helps."
    } else if f.contains("DPD") || f.contains("LATE") || f.contains("OVERDUE") {
        "Paying every instalment on time, and settling overdue amounts, usually helps."
    } else if f.contains("DAYS_EMPLOYED") || f.contains("EMPLOY") {
        "A longer time in your current job usually helps."
    } else {
        match source_table {
            "bureau" | "bureau_balance" => {
                "Keeping few credits open elsewhere and repaying them on time usually helps."
            }
            "installments_payments" | "pos_cash_balance" => {
                "Paying instalments in full and on time usually helps."
            }
            "credit_card_balance" => "Keeping card balances well below the limit usually helps.",
            "previous_application" => "A history of loans repaid as agreed with us usually helps.",
            _ => return None,
        }
    };
    Some(text.to_owned())
}

/// Where a raw application column goes on the customer page, and its label.
const DESCRIPTIVE: &[(&str, &str, &str)] = &[
    ("CODE_GENDER", "Identity and family", "Gender"),
    ("DAYS_BIRTH", "Identity and family", "Age (years)"),
    ("NAME_FAMILY_STATUS", "Identity and family", "Family status"),
    ("CNT_CHILDREN", "Identity and family", "Children"),
    ("CNT_FAM_MEMBERS", "Identity and family", "Family members"),
    ("NAME_EDUCATION_TYPE", "Identity and family", "Education"),
    ("NAME_HOUSING_TYPE", "Identity and family", "Housing"),
    ("FLAG_OWN_CAR", "Identity and family", "Owns a car"),
    ("FLAG_OWN_REALTY", "Identity and family", "Owns a home"),
    ("AMT_INCOME_TOTAL", "Income and employment", "Yearly income"),
    ("NAME_INCOME_TYPE", "Income and employment", "Income type"),
    ("OCCUPATION_TYPE", "Income and employment", "Occupation"),
    (
        "ORGANIZATION_TYPE",
        "Income and employment",
        "Employer's sector",
    ),
    (
        "DAYS_EMPLOYED",
        "Income and employment",
        "Years in current job",
    ),
    ("NAME_CONTRACT_TYPE", "The loan requested", "Contract type"),
    ("AMT_CREDIT", "The loan requested", "Amount of credit"),
    (
        "AMT_ANNUITY",
        "The loan requested",
        "Yearly repayment (annuity)",
    ),
    (
        "AMT_GOODS_PRICE",
        "The loan requested",
        "Price of the goods",
    ),
    ("NAME_TYPE_SUITE", "The loan requested", "Accompanied by"),
];

/// The raw application columns the customer page reads.
pub fn descriptive_columns() -> impl Iterator<Item = &'static str> {
    DESCRIPTIVE.iter().map(|(column, _, _)| *column)
}

/// The grouped descriptive information of a customer: application columns, then one group
/// per history table with its [`HistoryDetail::Summary`] figures.
pub fn info_groups(state: &AppState, index: usize, customer: &Customer) -> Vec<InfoGroup> {
    let raw = application_record(state, customer.id);
    let mut groups: Vec<InfoGroup> = Vec::new();
    for (column, group, label) in DESCRIPTIVE {
        let Some((_, value)) = raw.iter().find(|(c, _)| c == column) else {
            continue;
        };
        let item = InfoItem {
            label: (*label).to_owned(),
            value: describe(column, value),
        };
        add_item(&mut groups, group, item);
    }
    groups.extend(history_groups(state, index, HistoryDetail::Summary));
    groups
}

/// The history figures a relationship manager reads first, per source: how many credits or
/// loans, how much is owed, and whether payments were late. The rest is one click away.
const HISTORY_SUMMARY: &[&str] = &[
    "BURO_COUNT",
    "ACTIVE_COUNT",
    "ACTIVE_AMT_CREDIT_SUM_DEBT_SUM",
    "BURO_CREDIT_DAY_OVERDUE_MAX",
    "BURO_AMT_CREDIT_MAX_OVERDUE_MEAN",
    "BURO_DAYS_CREDIT_MAX",
    "PREV_COUNT",
    "APPROVED_COUNT",
    "REFUSED_COUNT",
    "PREV_AMT_CREDIT_MEAN",
    "PREV_DAYS_DECISION_MAX",
    "POS_COUNT",
    "POS_SK_DPD_MAX",
    "POS_MONTHS_BALANCE_MAX",
    "INSTAL_COUNT",
    "INSTAL_DPD_MAX",
    "INSTAL_DPD_MEAN",
    "INSTAL_PAYMENT_PERC_MEAN",
    "CC_COUNT",
    "CC_AMT_BALANCE_MEAN",
    "CC_AMT_CREDIT_LIMIT_ACTUAL_MAX",
    "CC_SK_DPD_MAX",
];

/// How many of a customer's history figures to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryDetail {
    /// The figures of [`HISTORY_SUMMARY`] that the model has.
    Summary,
    /// Every history feature the glossary describes.
    Full,
}

/// One group per history table, with the customer's figures in the glossary's words.
pub fn history_groups(state: &AppState, index: usize, detail: HistoryDetail) -> Vec<InfoGroup> {
    let inner = &state.inner;
    let mut groups: Vec<InfoGroup> = Vec::new();
    for (j, name) in inner.population.feature_names.iter().enumerate() {
        let Some(entry) = inner.glossary.get(name) else {
            continue;
        };
        let is_history =
            !(entry.source_table.starts_with("application") || entry.source_table.is_empty());
        if !is_history
            || (detail == HistoryDetail::Summary && !HISTORY_SUMMARY.contains(&name.as_str()))
        {
            continue;
        }
        let title = format!("Credit history: {}", history_title(&entry.source_table));
        let item = InfoItem {
            label: entry.label.clone(),
            value: state.show_value(name, inner.population.value(index, j)),
        };
        add_item(&mut groups, &title, item);
    }
    groups
}

fn add_item(groups: &mut Vec<InfoGroup>, title: &str, item: InfoItem) {
    match groups.iter_mut().find(|g| g.title == title) {
        Some(g) => g.items.push(item),
        None => groups.push(InfoGroup {
            title: title.to_owned(),
            items: vec![item],
        }),
    }
}

/// Plain name of a history table.
pub fn history_title(table: &str) -> &str {
    match table {
        "bureau" => "other lenders (credit bureau)",
        "bureau_balance" => "monthly status at other lenders",
        "previous_application" => "previous applications with us",
        "pos_cash_balance" => "point-of-sale and cash loans",
        "installments_payments" => "instalment payments",
        "credit_card_balance" => "credit cards",
        other => other,
    }
}

fn describe(column: &str, value: &Value) -> String {
    match (column, value) {
        (_, Value::Null) => "not given".to_owned(),
        ("DAYS_BIRTH", Value::Number(n)) => n
            .as_f64()
            .map(|d| format!("{:.0}", -d / 365.25))
            .unwrap_or_default(),
        ("DAYS_EMPLOYED", Value::Number(n)) => match n.as_f64() {
            Some(d) if d > 0.0 => "not employed".to_owned(),
            Some(d) => format!("{:.1}", -d / 365.25),
            None => String::new(),
        },
        ("FLAG_OWN_CAR" | "FLAG_OWN_REALTY", Value::String(s)) => {
            if s == "Y" { "yes" } else { "no" }.to_owned()
        }
        ("CODE_GENDER", Value::String(s)) => match s.as_str() {
            "M" => "man".to_owned(),
            "F" => "woman".to_owned(),
            _ => "not given".to_owned(),
        },
        (_, Value::Number(n)) => n.as_f64().map(fmt_num).unwrap_or_default(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The raw application columns of one customer.
fn application_record(state: &AppState, id: i64) -> Vec<(String, Value)> {
    state.inner.records.of(id)
}
