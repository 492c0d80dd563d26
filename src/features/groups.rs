//! The SQL steps of the feature groups. Each group is a SQL file (in `sql/`) whose select
//! lists are filled in from the feature definitions; it creates one temporary table keyed by
//! SK_ID_CURR. A final join of all groups onto `applicants` gives the `features` table.

use std::collections::HashSet;
use std::time::Instant;

use duckdb::Connection;

use super::defs::{ALL_AGGS, Agg, FeatureDef, Kind, Scope};
use super::encoding::{self, BINARY_COLUMNS, Categorical};
use super::{CategoryLevels, FeatureError, MISSING_CATEGORY};
use crate::db::RAW_TABLES;
use crate::ingest::schema::{ColumnType, TABLES};
use crate::report::Reporter;

const APPLICANTS_SQL: &str = include_str!("sql/applicants.sql");
const APPLICATION_SQL: &str = include_str!("sql/application.sql");
const BUREAU_SQL: &str = include_str!("sql/bureau.sql");
const PREVIOUS_SQL: &str = include_str!("sql/previous.sql");
const POS_SQL: &str = include_str!("sql/pos_cash.sql");
const INSTALMENTS_SQL: &str = include_str!("sql/installments.sql");
const CREDIT_CARD_SQL: &str = include_str!("sql/credit_card.sql");

/// Temporary tables the steps create, dropped at the end of a build.
const TEMP_TABLES: [&str; 10] = [
    "_levels",
    "_feat_application",
    "_bureau_credit",
    "_feat_bureau",
    "_previous_rows",
    "_feat_previous",
    "_feat_pos",
    "_instalment_rows",
    "_feat_instalments",
    "_feat_credit_card",
];

/// Application features computed in `application.sql` itself.
const APPLICATION_DERIVED: [&str; 6] = [
    "DAYS_EMPLOYED_ANOM",
    "DAYS_EMPLOYED_PERC",
    "INCOME_CREDIT_PERC",
    "INCOME_PER_PERSON",
    "ANNUITY_INCOME_PERC",
    "PAYMENT_RATE",
];

/// Statistics of the bureau credits, for all, active and closed credits.
const BUREAU_NUMERIC: &[(&str, &[Agg])] = &[
    ("DAYS_CREDIT", &[Agg::Min, Agg::Max, Agg::Mean, Agg::Var]),
    ("DAYS_CREDIT_ENDDATE", &[Agg::Min, Agg::Max, Agg::Mean]),
    ("DAYS_CREDIT_UPDATE", &[Agg::Mean]),
    ("CREDIT_DAY_OVERDUE", &[Agg::Max, Agg::Mean]),
    ("AMT_CREDIT_MAX_OVERDUE", &[Agg::Mean]),
    ("AMT_CREDIT_SUM", &[Agg::Max, Agg::Mean, Agg::Sum]),
    ("AMT_CREDIT_SUM_DEBT", &[Agg::Max, Agg::Mean, Agg::Sum]),
    ("AMT_CREDIT_SUM_OVERDUE", &[Agg::Mean]),
    ("AMT_CREDIT_SUM_LIMIT", &[Agg::Mean, Agg::Sum]),
    ("AMT_ANNUITY", &[Agg::Max, Agg::Mean]),
    ("CNT_CREDIT_PROLONG", &[Agg::Sum]),
    ("MONTHS_BALANCE_MIN", &[Agg::Min]),
    ("MONTHS_BALANCE_MAX", &[Agg::Max]),
    ("MONTHS_BALANCE_SIZE", &[Agg::Mean, Agg::Sum]),
];

const MIN_MAX_MEAN: &[Agg] = &[Agg::Min, Agg::Max, Agg::Mean];

/// Statistics of previous applications, for all, approved and refused applications.
const PREVIOUS_NUMERIC: &[(&str, &[Agg])] = &[
    ("AMT_ANNUITY", MIN_MAX_MEAN),
    ("AMT_APPLICATION", MIN_MAX_MEAN),
    ("AMT_CREDIT", MIN_MAX_MEAN),
    (
        "APP_CREDIT_PERC",
        &[Agg::Min, Agg::Max, Agg::Mean, Agg::Var],
    ),
    ("AMT_DOWN_PAYMENT", MIN_MAX_MEAN),
    ("AMT_GOODS_PRICE", MIN_MAX_MEAN),
    ("HOUR_APPR_PROCESS_START", MIN_MAX_MEAN),
    ("RATE_DOWN_PAYMENT", MIN_MAX_MEAN),
    ("DAYS_DECISION", MIN_MAX_MEAN),
    ("CNT_PAYMENT", &[Agg::Mean, Agg::Sum]),
];

/// The cleaned dates of previous loans, over all previous applications only.
const PREVIOUS_DATES: &[(&str, &[Agg])] = &[
    ("DAYS_FIRST_DRAWING", &[Agg::Max, Agg::Mean]),
    ("DAYS_FIRST_DUE", &[Agg::Max, Agg::Mean]),
    ("DAYS_LAST_DUE_1ST_VERSION", &[Agg::Max, Agg::Mean]),
    ("DAYS_LAST_DUE", &[Agg::Max, Agg::Mean]),
    ("DAYS_TERMINATION", &[Agg::Max, Agg::Mean]),
];

const POS_NUMERIC: &[(&str, &[Agg])] = &[
    ("MONTHS_BALANCE", &[Agg::Max, Agg::Mean]),
    ("SK_DPD", &[Agg::Max, Agg::Mean]),
    ("SK_DPD_DEF", &[Agg::Max, Agg::Mean]),
];

const INSTALMENT_NUMERIC: &[(&str, &[Agg])] = &[
    ("DPD", &[Agg::Max, Agg::Mean, Agg::Sum]),
    ("DBD", &[Agg::Max, Agg::Mean, Agg::Sum]),
    ("PAYMENT_PERC", &[Agg::Max, Agg::Mean, Agg::Sum, Agg::Var]),
    ("PAYMENT_DIFF", &[Agg::Max, Agg::Mean, Agg::Sum, Agg::Var]),
    ("AMT_INSTALMENT", &[Agg::Max, Agg::Mean, Agg::Sum]),
    ("AMT_PAYMENT", &[Agg::Min, Agg::Max, Agg::Mean, Agg::Sum]),
    ("DAYS_ENTRY_PAYMENT", &[Agg::Max, Agg::Mean, Agg::Sum]),
];

/// One group's SQL, the temporary table it fills and the columns it produces.
struct Plan {
    name: &'static str,
    table: &'static str,
    sql: String,
    defs: Vec<FeatureDef>,
}

/// Fails with a clear message when ingest has not created every raw table.
pub(crate) fn check_raw_tables(conn: &Connection) -> Result<(), FeatureError> {
    let mut stmt = conn
        .prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")?;
    let present = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<HashSet<_>, _>>()?;
    match RAW_TABLES.iter().find(|table| !present.contains(**table)) {
        Some(table) => Err(FeatureError::MissingTable {
            table: (*table).to_owned(),
        }),
        None => Ok(()),
    }
}

/// Creates `applicants` and returns its row count; refuses an applicant listed twice.
pub(crate) fn create_applicants(conn: &Connection) -> Result<u64, FeatureError> {
    conn.execute_batch(APPLICANTS_SQL)?;
    let duplicate: Option<i64> = conn
        .prepare("SELECT SK_ID_CURR FROM applicants GROUP BY 1 HAVING COUNT(*) > 1 ORDER BY 1")?
        .query_map([], |row| row.get(0))?
        .next()
        .transpose()?;
    if let Some(id) = duplicate {
        return Err(FeatureError::DuplicateApplicant { id });
    }
    let rows: i64 = conn.query_row("SELECT COUNT(*) FROM applicants", [], |row| row.get(0))?;
    Ok(u64::try_from(rows).unwrap_or_default())
}

/// Runs every group, then joins them into `features`; returns the feature columns in order.
pub(crate) fn run_all(
    conn: &Connection,
    levels: &CategoryLevels,
    reporter: &Reporter,
) -> Result<Vec<FeatureDef>, FeatureError> {
    let plans = [
        application(levels),
        bureau(levels),
        previous(levels),
        pos(levels),
        instalments(),
        credit_card(levels),
    ];
    for plan in &plans {
        run_plan(conn, plan, reporter)?;
    }
    join(conn, &plans, reporter)
}

fn run_plan(conn: &Connection, plan: &Plan, reporter: &Reporter) -> Result<(), FeatureError> {
    let started = Instant::now();
    conn.execute_batch(&plan.sql)?;
    check_columns(conn, plan)?;
    let rows: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {}", plan.table), [], |row| {
        row.get(0)
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    tracing::debug!(
        group = plan.name,
        rows,
        columns = plan.defs.len(),
        elapsed,
        "feature group"
    );
    reporter.info(format!(
        "features: {:<13} {rows:>8} applicants with rows, {:>4} columns, {elapsed:.1} s",
        plan.name,
        plan.defs.len()
    ));
    Ok(())
}

/// The group's table must have exactly the defined columns, in order: the SQL files and the
/// definitions (hence the catalog) cannot drift apart.
fn check_columns(conn: &Connection, plan: &Plan) -> Result<(), FeatureError> {
    let mut stmt = conn.prepare(&format!("DESCRIBE {}", plan.table))?;
    let actual = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let expected: Vec<&str> = std::iter::once("SK_ID_CURR")
        .chain(plan.defs.iter().map(|def| def.column.as_str()))
        .collect();
    if actual != expected {
        return Err(FeatureError::ColumnMismatch {
            table: plan.table.to_owned(),
        });
    }
    Ok(())
}

fn join(
    conn: &Connection,
    plans: &[Plan],
    reporter: &Reporter,
) -> Result<Vec<FeatureDef>, FeatureError> {
    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut columns = Vec::new();
    let mut joins = String::new();
    for (i, plan) in plans.iter().enumerate() {
        joins.push_str(&format!(
            "\nLEFT JOIN {} AS g{i} ON g{i}.SK_ID_CURR = ap.SK_ID_CURR",
            plan.table
        ));
        for def in &plan.defs {
            if !seen.insert(def.column.to_ascii_uppercase()) {
                return Err(FeatureError::DuplicateColumn {
                    name: def.column.clone(),
                });
            }
            columns.push(if def.kind.zero_when_absent() {
                format!(
                    "CAST(COALESCE(g{i}.\"{0}\", 0) AS DOUBLE) AS \"{0}\"",
                    def.column
                )
            } else {
                format!("CAST(g{i}.\"{0}\" AS DOUBLE) AS \"{0}\"", def.column)
            });
        }
    }
    let sql = format!(
        "DROP TABLE IF EXISTS features;\n\
         CREATE TABLE features AS\nSELECT ap.SK_ID_CURR, {}\nFROM applicants AS ap{joins}\n\
         ORDER BY ap.SK_ID_CURR;",
        columns.join(",\n       ")
    );
    conn.execute_batch(&sql)?;
    reporter.info(format!(
        "features: joined {} columns in {:.1} s",
        columns.len(),
        started.elapsed().as_secs_f64()
    ));
    Ok(plans.iter().flat_map(|plan| plan.defs.clone()).collect())
}

/// Drops the temporary tables of the steps.
pub(crate) fn drop_temporary(conn: &Connection) -> Result<(), FeatureError> {
    let sql: String = TEMP_TABLES
        .iter()
        .map(|table| format!("DROP TABLE IF EXISTS temp.{table};"))
        .collect();
    conn.execute_batch(&sql)?;
    Ok(())
}

/// Fills `{name}` placeholders of a SQL template.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    parts
        .iter()
        .fold(template.to_owned(), |sql, (name, value)| {
            sql.replace(&format!("{{{name}}}"), value)
        })
}

/// Select items, one per line after the first.
fn select_list(items: &[String]) -> String {
    items.join(",\n       ")
}

/// Select items each preceded by a comma (to follow fixed items).
fn trailing_items(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!(",\n       {item}"))
        .collect()
}

fn def(
    column: String,
    scope: Scope,
    table: &'static str,
    variable: &str,
    kind: Kind,
) -> FeatureDef {
    FeatureDef {
        column,
        scope,
        table,
        variable: variable.to_owned(),
        kind,
    }
}

/// The join that gives each row of alias `h` the code of its category in `lv{index}`.
fn level_join(index: usize, categorical: &Categorical) -> String {
    format!(
        "LEFT JOIN _levels AS lv{index} ON lv{index}.variable = '{}' \
         AND lv{index}.category = COALESCE(CAST(h.\"{}\" AS VARCHAR), '{MISSING_CATEGORY}')",
        categorical.variable(),
        categorical.column
    )
}

/// Numeric application columns of the schema (identifier and TARGET excluded).
fn application_numeric() -> Vec<&'static str> {
    TABLES
        .iter()
        .find(|schema| schema.table == "application_test")
        .map(|schema| {
            schema
                .columns
                .iter()
                .filter(|c| c.ty != ColumnType::Text && c.name != "SK_ID_CURR")
                .map(|c| c.name)
                .collect()
        })
        .unwrap_or_default()
}

/// Every application column except TARGET, as the SQL list read from both files.
fn application_columns() -> String {
    TABLES
        .iter()
        .find(|schema| schema.table == "application_test")
        .map(|schema| {
            schema
                .columns
                .iter()
                .map(|c| format!("\"{}\"", c.name))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn application(levels: &CategoryLevels) -> Plan {
    let scope = Scope::Application;
    let table = scope.source_table();
    let mut defs = Vec::new();
    let mut raw = Vec::new();
    for column in application_numeric() {
        raw.push(format!("CAST(h.\"{column}\" AS DOUBLE) AS \"{column}\""));
        defs.push(def(column.to_owned(), scope, table, column, Kind::Raw));
    }
    for column in APPLICATION_DERIVED {
        defs.push(def(column.to_owned(), scope, table, column, Kind::Derived));
    }

    let mut encoded = Vec::new();
    for (column, yes, no) in BINARY_COLUMNS {
        encoded.push(format!(
            "CASE h.\"{column}\" WHEN '{yes}' THEN 1.0 WHEN '{no}' THEN 0.0 END AS \"{column}\""
        ));
        defs.push(def(column.to_owned(), scope, table, column, Kind::Binary));
    }
    let mut joins = Vec::new();
    let categoricals = encoding::categoricals();
    for (index, categorical) in categoricals.iter().enumerate() {
        if categorical.table != table {
            continue;
        }
        let own = encoding::levels_of(levels, categorical);
        if own.is_empty() {
            continue;
        }
        joins.push(level_join(index, categorical));
        for (code, level) in own {
            encoded.push(format!(
                "CASE WHEN lv{index}.code = {code} THEN 1.0 ELSE 0.0 END AS \"{}\"",
                level.column_name
            ));
            let kind = Kind::OneHot {
                category: level.category.clone(),
            };
            defs.push(def(
                level.column_name.clone(),
                scope,
                table,
                categorical.column,
                kind,
            ));
        }
    }

    let (columns, raw, encoded) = (
        application_columns(),
        select_list(&raw),
        trailing_items(&encoded),
    );
    let joins = joins.join("\n");
    let sql = fill(
        APPLICATION_SQL,
        &[
            ("columns", columns.as_str()),
            ("raw", raw.as_str()),
            ("encoded", encoded.as_str()),
            ("joins", joins.as_str()),
        ],
    );
    Plan {
        name: "application",
        table: "_feat_application",
        sql,
        defs,
    }
}

/// Select items and definitions of a history group, built up block by block.
#[derive(Default)]
struct Aggregates {
    items: Vec<String>,
    joins: Vec<String>,
    defs: Vec<FeatureDef>,
}

impl Aggregates {
    fn count(&mut self, scope: Scope) {
        let filter = filter_clause(scope);
        self.items.push(format!(
            "CAST(COUNT(*){filter} AS DOUBLE) AS \"{}_COUNT\"",
            scope.prefix()
        ));
        let column = format!("{}_COUNT", scope.prefix());
        self.defs.push(def(
            column,
            scope,
            scope.source_table(),
            scope.row_id(),
            Kind::Count,
        ));
    }

    fn numeric(&mut self, scope: Scope, table: &'static str, specs: &[(&str, &[Agg])]) {
        let filter = filter_clause(scope);
        for (variable, aggs) in specs {
            for agg in *aggs {
                let column = format!("{}_{variable}_{}", scope.prefix(), agg.suffix());
                self.items.push(format!(
                    "CAST({}(h.\"{variable}\"){filter} AS DOUBLE) AS \"{column}\"",
                    agg.sql_function()
                ));
                self.defs
                    .push(def(column, scope, table, variable, Kind::Aggregate(*agg)));
            }
        }
    }

    fn distinct(&mut self, scope: Scope, variable: &str) {
        let column = format!("{}_{variable}_NUNIQUE", scope.prefix());
        self.items.push(format!(
            "CAST(COUNT(DISTINCT h.\"{variable}\") AS DOUBLE) AS \"{column}\""
        ));
        self.defs.push(def(
            column,
            scope,
            scope.source_table(),
            variable,
            Kind::Distinct,
        ));
    }

    /// One share column per learned level of every categorical of the scope's table.
    fn shares(&mut self, scope: Scope, levels: &CategoryLevels) {
        for (index, categorical) in encoding::categoricals().iter().enumerate() {
            if categorical.table != scope.source_table() {
                continue;
            }
            let own = encoding::levels_of(levels, categorical);
            if own.is_empty() {
                continue;
            }
            self.joins.push(level_join(index, categorical));
            for (code, level) in own {
                self.items.push(format!(
                    "AVG(CASE WHEN lv{index}.code = {code} THEN 1.0 ELSE 0.0 END) AS \"{}\"",
                    level.column_name
                ));
                let kind = Kind::Share {
                    category: level.category.clone(),
                };
                let table = scope.source_table();
                self.defs.push(def(
                    level.column_name.clone(),
                    scope,
                    table,
                    categorical.column,
                    kind,
                ));
            }
        }
    }

    fn sql(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let mut parts = vec![
            ("aggregates", select_list(&self.items)),
            ("joins", self.joins.join("\n")),
        ];
        parts.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let borrowed: Vec<(&str, &str)> = parts.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fill(template, &borrowed)
    }
}

fn filter_clause(scope: Scope) -> String {
    scope
        .filter()
        .map(|condition| format!(" FILTER (WHERE {condition})"))
        .unwrap_or_default()
}

fn bureau(levels: &CategoryLevels) -> Plan {
    let mut agg = Aggregates::default();
    agg.count(Scope::Bureau);
    agg.numeric(Scope::Bureau, "bureau", BUREAU_NUMERIC);
    agg.shares(Scope::Bureau, levels);
    let (status_items, status_joins) = status_shares(levels, &mut agg);
    for scope in [Scope::BureauActive, Scope::BureauClosed] {
        agg.count(scope);
        agg.numeric(scope, "bureau", BUREAU_NUMERIC);
    }
    let sql = agg.sql(
        BUREAU_SQL,
        &[
            ("status_shares", status_items.as_str()),
            ("status_joins", status_joins.as_str()),
        ],
    );
    Plan {
        name: "bureau",
        table: "_feat_bureau",
        sql,
        defs: agg.defs,
    }
}

/// Per-credit shares of each learned bureau balance status (as `_share_<code>` columns of
/// `_bureau_credit`), averaged per applicant; returns the per-credit items and join.
fn status_shares(levels: &CategoryLevels, agg: &mut Aggregates) -> (String, String) {
    let mut per_credit = Vec::new();
    let mut joins = String::new();
    for (index, categorical) in encoding::categoricals().iter().enumerate() {
        if categorical.table != "bureau_balance" {
            continue;
        }
        let own = encoding::levels_of(levels, categorical);
        if own.is_empty() {
            continue;
        }
        joins = level_join(index, categorical);
        for (code, level) in own {
            per_credit.push(format!(
                "AVG(CASE WHEN lv{index}.code = {code} THEN 1.0 ELSE 0.0 END) AS _share_{code}"
            ));
            agg.items
                .push(format!("AVG(h._share_{code}) AS \"{}\"", level.column_name));
            let kind = Kind::ShareOfMonths {
                category: level.category.clone(),
            };
            let column = level.column_name.clone();
            agg.defs.push(def(
                column,
                Scope::Bureau,
                "bureau_balance",
                categorical.column,
                kind,
            ));
        }
    }
    (trailing_items(&per_credit), joins)
}

fn previous(levels: &CategoryLevels) -> Plan {
    let table = "previous_application";
    let mut agg = Aggregates::default();
    agg.count(Scope::Previous);
    agg.numeric(Scope::Previous, table, PREVIOUS_NUMERIC);
    agg.numeric(Scope::Previous, table, PREVIOUS_DATES);
    agg.shares(Scope::Previous, levels);
    for scope in [Scope::Approved, Scope::Refused] {
        agg.count(scope);
        agg.numeric(scope, table, PREVIOUS_NUMERIC);
    }
    Plan {
        name: "previous",
        table: "_feat_previous",
        sql: agg.sql(PREVIOUS_SQL, &[]),
        defs: agg.defs,
    }
}

fn pos(levels: &CategoryLevels) -> Plan {
    let mut agg = Aggregates::default();
    agg.count(Scope::Pos);
    agg.numeric(Scope::Pos, "pos_cash_balance", POS_NUMERIC);
    agg.shares(Scope::Pos, levels);
    Plan {
        name: "pos_cash",
        table: "_feat_pos",
        sql: agg.sql(POS_SQL, &[]),
        defs: agg.defs,
    }
}

fn instalments() -> Plan {
    let mut agg = Aggregates::default();
    agg.count(Scope::Instalments);
    agg.distinct(Scope::Instalments, "NUM_INSTALMENT_VERSION");
    agg.numeric(
        Scope::Instalments,
        "installments_payments",
        INSTALMENT_NUMERIC,
    );
    Plan {
        name: "instalments",
        table: "_feat_instalments",
        sql: agg.sql(INSTALMENTS_SQL, &[]),
        defs: agg.defs,
    }
}

fn credit_card(levels: &CategoryLevels) -> Plan {
    let columns: Vec<&'static str> = TABLES
        .iter()
        .find(|schema| schema.table == "credit_card_balance")
        .map(|schema| {
            schema
                .columns
                .iter()
                .filter(|c| c.ty != ColumnType::Text && !c.name.starts_with("SK_ID_"))
                .map(|c| c.name)
                .collect()
        })
        .unwrap_or_default();
    let specs: Vec<(&str, &[Agg])> = columns.into_iter().map(|c| (c, ALL_AGGS)).collect();
    let mut agg = Aggregates::default();
    agg.count(Scope::CreditCard);
    agg.numeric(Scope::CreditCard, "credit_card_balance", &specs);
    agg.shares(Scope::CreditCard, levels);
    Plan {
        name: "credit_card",
        table: "_feat_credit_card",
        sql: agg.sql(CREDIT_CARD_SQL, &[]),
        defs: agg.defs,
    }
}
