//! The customer list: filters, sorting and pages, done on the server from the query string.

use std::cmp::Ordering;

use serde::Deserialize;

use super::errors::AppError;
use super::state::{Customer, Decision};

/// Rows on one page of the list.
pub const PAGE_SIZE: usize = 25;

/// The list's query string as sent by the filter form (every field optional; empty = unset).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub id: Option<String>,
    pub gender: Option<String>,
    pub age_min: Option<String>,
    pub age_max: Option<String>,
    pub income_min: Option<String>,
    pub income_max: Option<String>,
    pub contract: Option<String>,
    pub decision: Option<String>,
    pub points_min: Option<String>,
    pub points_max: Option<String>,
    /// `table:yes` or `table:no`, e.g. `bureau:yes`.
    pub history: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
}

/// The filters, parsed and checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub id: Option<i64>,
    pub gender: Option<String>,
    pub age: (Option<f64>, Option<f64>),
    pub income: (Option<f64>, Option<f64>),
    pub contract: Option<String>,
    pub decision: Option<Decision>,
    pub points: (Option<f64>, Option<f64>),
    pub history: Option<(String, bool)>,
    pub sort: SortKey,
    pub descending: bool,
    pub page: usize,
}

/// Column the list is sorted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Id,
    Points,
    Age,
    Income,
    Credit,
}

impl SortKey {
    /// The key's name in the query string.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::Points => "points",
            SortKey::Age => "age",
            SortKey::Income => "income",
            SortKey::Credit => "credit",
        }
    }

    fn parse(text: &str) -> Result<Self, AppError> {
        Ok(match text {
            "id" => SortKey::Id,
            "points" => SortKey::Points,
            "age" => SortKey::Age,
            "income" => SortKey::Income,
            "credit" => SortKey::Credit,
            other => {
                return Err(AppError::BadRequest(format!(
                    "Cannot sort by `{other}`: choose id, points, age, income or credit."
                )));
            }
        })
    }
}

fn text(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn number(value: &Option<String>, name: &str) -> Result<Option<f64>, AppError> {
    text(value)
        .map(|v| {
            v.parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .ok_or_else(|| AppError::BadRequest(format!("{name}: `{v}` is not a number.")))
        })
        .transpose()
}

fn range(
    min: &Option<String>,
    max: &Option<String>,
    name: &str,
) -> Result<(Option<f64>, Option<f64>), AppError> {
    let lo = number(min, &format!("{name} from"))?;
    let hi = number(max, &format!("{name} to"))?;
    if let (Some(lo), Some(hi)) = (lo, hi)
        && lo > hi
    {
        return Err(AppError::BadRequest(format!(
            "{name}: the lower bound {lo} is above the upper bound {hi}."
        )));
    }
    Ok((lo, hi))
}

impl ListQuery {
    /// Parses and checks every filter, naming the field of any bad value.
    pub fn parse(&self) -> Result<Filters, AppError> {
        let id = text(&self.id)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    AppError::BadRequest(format!("Customer number: `{v}` is not a whole number."))
                })
            })
            .transpose()?;
        let decision = text(&self.decision)
            .map(|v| {
                Decision::parse(v).ok_or_else(|| {
                    AppError::BadRequest(format!("Decision: `{v}` is not grant or refuse."))
                })
            })
            .transpose()?;
        let history = text(&self.history)
            .map(|v| match v.split_once(':') {
                Some((table, answer @ ("yes" | "no")))
                    if super::pipeline::HISTORY_TABLES.contains(&table) =>
                {
                    Ok((table.to_owned(), answer == "yes"))
                }
                _ => Err(AppError::BadRequest(format!(
                    "History: `{v}` should be a kind of history ({}) followed by `:yes` or \
                     `:no`, e.g. `bureau:yes`.",
                    super::pipeline::HISTORY_TABLES.join(", ")
                ))),
            })
            .transpose()?;
        let page = text(&self.page)
            .map(|v| {
                v.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    AppError::BadRequest(format!("Page: `{v}` is not a page number."))
                })
            })
            .transpose()?
            .unwrap_or(1);
        Ok(Filters {
            id,
            gender: text(&self.gender).map(str::to_owned),
            age: range(&self.age_min, &self.age_max, "Age")?,
            income: range(&self.income_min, &self.income_max, "Income")?,
            contract: text(&self.contract).map(str::to_owned),
            decision,
            points: range(&self.points_min, &self.points_max, "Score")?,
            history,
            sort: text(&self.sort)
                .map(SortKey::parse)
                .transpose()?
                .unwrap_or_default(),
            descending: text(&self.dir) == Some("desc"),
            page,
        })
    }
}

fn within(value: Option<f64>, (lo, hi): (Option<f64>, Option<f64>)) -> bool {
    if lo.is_none() && hi.is_none() {
        return true;
    }
    value.is_some_and(|v| lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi))
}

impl Filters {
    /// Whether a customer passes every filter.
    pub fn keeps(&self, c: &Customer) -> bool {
        self.id.is_none_or(|id| c.id == id)
            && self
                .gender
                .as_ref()
                .is_none_or(|g| c.facets.gender.as_ref() == Some(g))
            && within(c.facets.age_years, self.age)
            && within(c.facets.income, self.income)
            && self
                .contract
                .as_ref()
                .is_none_or(|k| c.facets.contract_type.as_ref() == Some(k))
            && self.decision.is_none_or(|d| c.score.decision == d)
            && within(Some(c.score.points), self.points)
            && self.history.as_ref().is_none_or(|(table, wanted)| {
                c.facets
                    .history
                    .iter()
                    .any(|(t, has)| t == table && has == wanted)
            })
    }

    fn compare(&self, a: &Customer, b: &Customer) -> Ordering {
        let key = |c: &Customer| -> Option<f64> {
            match self.sort {
                SortKey::Id => Some(c.id as f64),
                SortKey::Points => Some(c.score.points),
                SortKey::Age => c.facets.age_years,
                SortKey::Income => c.facets.income,
                SortKey::Credit => c.facets.credit,
            }
        };
        // Missing values go last whichever the direction.
        let ordering = match (key(a), key(b)) {
            (Some(x), Some(y)) if self.descending => y.total_cmp(&x),
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        ordering.then(a.id.cmp(&b.id))
    }
}

/// One page of the filtered, sorted list.
pub struct Page<'a> {
    pub rows: Vec<&'a Customer>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
}

/// Applies the filters, sorts and cuts out the requested page.
pub fn page<'a>(customers: &'a [Customer], filters: &Filters) -> Page<'a> {
    let mut kept: Vec<&Customer> = customers.iter().filter(|c| filters.keeps(c)).collect();
    kept.sort_by(|a, b| filters.compare(a, b));
    let total = kept.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = filters.page.min(pages);
    let rows = kept
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    Page {
        rows,
        total,
        page,
        pages,
    }
}
