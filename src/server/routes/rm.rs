//! The relationship managers' dashboard: customer list, customer page, comparisons, model.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{customer_id, into_html, is_htmx};
use crate::server::audit::Action;
use crate::server::auth::{CUSTOMER_TOKEN_TTL, Principal, Rm};
use crate::server::charts::{self, fmt_num};
use crate::server::compare::{self, DistributionQuery, Group, ScatterQuery};
use crate::server::errors::AppError;
use crate::server::list::{self, Filters, ListQuery, SortKey};
use crate::server::pages::{
    AccessLinkFragment, ChartFragment, Choice, CustomerPage, Figure, InfoFragment, Layout,
    ListFragment, ListPage, ListResults, ListRow, ModelPage, PageLink, ScoreView, SortLink,
};
use crate::server::state::{AppState, Customer, Score};
use crate::server::views;

/// `GET /rm/customers`: the list, or only its results for htmx.
pub async fn list(
    _: Rm,
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let filters = query.parse()?;
    known_value(&state, filters.gender.as_deref(), "Gender", |c| {
        c.facets.gender.clone()
    })?;
    known_value(&state, filters.contract.as_deref(), "Contract type", |c| {
        c.facets.contract_type.clone()
    })?;
    let results = results(&state, &query, &filters);
    if is_htmx(&headers) {
        return Ok(into_html(&ListFragment { results }));
    }
    let page = ListPage {
        layout: Layout::new("Customers", "rm"),
        results,
        id: query.id.clone().unwrap_or_default(),
        genders: choices(
            &state.distinct(|c| c.facets.gender.clone()),
            &query.gender,
            "Any",
        ),
        age_min: query.age_min.clone().unwrap_or_default(),
        age_max: query.age_max.clone().unwrap_or_default(),
        income_min: query.income_min.clone().unwrap_or_default(),
        income_max: query.income_max.clone().unwrap_or_default(),
        contracts: choices(
            &state.distinct(|c| c.facets.contract_type.clone()),
            &query.contract,
            "Any",
        ),
        decisions: choices(
            &[
                ("grant".into(), "Granted".into()),
                ("refuse".into(), "Refused".into()),
            ],
            &query.decision,
            "Any",
        ),
        points_min: query.points_min.clone().unwrap_or_default(),
        points_max: query.points_max.clone().unwrap_or_default(),
        histories: choices(&history_choices(&state), &query.history, "Any"),
        sort: filters.sort.name().to_owned(),
        dir: if filters.descending { "desc" } else { "asc" }.to_owned(),
    };
    Ok(into_html(&page))
}

fn history_choices(state: &AppState) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for table in &state.inner.history_tables {
        let title = views::history_title(table);
        out.push((format!("{table}:yes"), format!("Has {title}")));
        out.push((format!("{table}:no"), format!("No {title}")));
    }
    out
}

fn choices(options: &[(String, String)], current: &Option<String>, any: &str) -> Vec<Choice> {
    let current = current.as_deref().unwrap_or("");
    std::iter::once(Choice {
        value: String::new(),
        label: any.to_owned(),
        selected: current.is_empty(),
    })
    .chain(options.iter().map(|(value, label)| Choice {
        value: value.clone(),
        label: label.clone(),
        selected: value == current,
    }))
    .collect()
}

fn results(state: &AppState, query: &ListQuery, filters: &Filters) -> ListResults {
    let page = list::page(&state.inner.customers, filters);
    let link = |page: usize, sort: SortKey, desc: bool| {
        let mut q = query.clone();
        q.page = Some(page.to_string());
        q.sort = Some(sort.name().to_owned());
        q.dir = Some(if desc { "desc" } else { "asc" }.to_owned());
        format!("/rm/customers?{}", encode_query(&q))
    };
    let headers = [
        ("Customer", SortKey::Id),
        ("Score", SortKey::Points),
        ("Age", SortKey::Age),
        ("Income", SortKey::Income),
    ]
    .into_iter()
    .map(|(label, key)| {
        let active = filters.sort == key;
        SortLink {
            label,
            href: link(1, key, active && !filters.descending),
            aria: match (active, filters.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
        }
    })
    .collect();
    let links = page_numbers(page.page, page.pages)
        .into_iter()
        .map(|n| PageLink {
            label: n.to_string(),
            href: link(n, filters.sort, filters.descending),
            current: n == page.page,
        })
        .collect();
    ListResults {
        rows: page.rows.iter().map(|c| list_row(c)).collect(),
        total: page.total,
        page: page.page,
        pages: page.pages,
        links,
        headers,
    }
}

/// First, last and the pages around the current one.
fn page_numbers(current: usize, pages: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (1..=pages)
        .filter(|&n| n == 1 || n == pages || n.abs_diff(current) <= 2)
        .collect();
    out.dedup();
    out
}

fn encode_query(q: &ListQuery) -> String {
    let pairs = [
        ("id", &q.id),
        ("gender", &q.gender),
        ("age_min", &q.age_min),
        ("age_max", &q.age_max),
        ("income_min", &q.income_min),
        ("income_max", &q.income_max),
        ("contract", &q.contract),
        ("decision", &q.decision),
        ("points_min", &q.points_min),
        ("points_max", &q.points_max),
        ("history", &q.history),
        ("sort", &q.sort),
        ("dir", &q.dir),
        ("page", &q.page),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let v = v.as_deref().filter(|v| !v.is_empty())?;
            Some(format!("{k}={}", percent_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn list_row(c: &Customer) -> ListRow {
    let opt = |v: Option<f64>| v.map(fmt_num).unwrap_or_else(|| "—".into());
    ListRow {
        id: c.id,
        gender: c.facets.gender.clone().unwrap_or_else(|| "—".into()),
        age: c
            .facets
            .age_years
            .map(|a| format!("{a:.0}"))
            .unwrap_or_else(|| "—".into()),
        income: opt(c.facets.income),
        contract: c.facets.contract_type.clone().unwrap_or_else(|| "—".into()),
        points: format!("{:.0}", c.score.points),
        probability: format!("{:.1}%", c.score.probability * 100.0),
        decision_word: c.score.decision.word(),
        decision_icon: c.score.decision.icon(),
        decision_css: c.score.decision.css(),
    }
}

/// The score figures shown on both customer pages.
pub fn score_view(state: &AppState, score: &Score) -> ScoreView {
    let threshold = state.inner.engine.threshold();
    ScoreView {
        points: format!("{:.0}", score.points),
        probability: format!("{:.1}%", score.probability * 100.0),
        threshold_points: format!("{:.0}", state.inner.engine.points(threshold)),
        threshold_probability: format!("{:.1}%", threshold * 100.0),
        decision_word: score.decision.word(),
        decision_icon: score.decision.icon(),
        decision_css: score.decision.css(),
    }
}

/// `GET /rm/customers/{id}`.
pub async fn customer(
    _: Rm,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = customer_id(&id)?;
    let (index, customer) = state.customer(id).ok_or(AppError::CustomerNotFound(id))?;
    let explanation = views::explain(&state, index)?;
    state.audit_customer(Action::RmCustomerPage, Principal::Rm, index);
    let info = views::info_groups(&state, index, customer);
    let (min, max) = state.inner.points_range;
    let threshold_points = state.inner.engine.points(state.inner.engine.threshold());
    let first = explanation.contributions.first().map(|e| e.feature.clone());
    let second = explanation.contributions.get(1).map(|e| e.feature.clone());
    let first_name = first.as_deref().unwrap_or_default();
    let second_name = second.as_deref().unwrap_or(first_name);
    let (up, down): (Vec<_>, Vec<_>) = explanation
        .reasons
        .iter()
        .cloned()
        .partition(|r| r.raises_risk);
    let page = CustomerPage {
        layout: Layout::new(&format!("Customer {id}"), "rm"),
        id,
        dataset: customer.dataset.clone(),
        score: score_view(&state, &customer.score),
        gauge: charts::gauge(
            customer.score.points,
            threshold_points,
            min,
            max,
            customer.score.decision,
        ),
        waterfall: charts::waterfall(
            explanation.base,
            &explanation.waterfall_steps(&state),
            explanation.total,
        ),
        reasons_up: up,
        reasons_down: down,
        info,
        features: feature_choices(&state, &explanation, first.as_deref()),
        populations: [Group::All, Group::Cohort, Group::Granted, Group::Refused]
            .into_iter()
            .map(|g| Choice {
                value: g.name().to_owned(),
                label: g.describe().to_owned(),
                selected: g == Group::All,
            })
            .collect(),
        scatter_y: feature_choices(&state, &explanation, second.as_deref()),
        distribution_url: format!(
            "/rm/customers/{id}/distribution?feature={}&population={}",
            percent_encode(first_name),
            Group::All.name()
        ),
        scatter_url: format!(
            "/rm/customers/{id}/scatter?x={}&y={}",
            percent_encode(first_name),
            percent_encode(second_name)
        ),
        access_link: format!("/rm/customers/{id}/access-link"),
    };
    Ok(into_html(&page))
}

/// Features offered in the compare pickers: the customer's most influential ones. Offering all
/// of them (hundreds) would make the pickers unusable and the page several times heavier; the
/// chart addresses still accept any feature.
pub const FEATURE_CHOICES: usize = 40;

/// Features to pick from: the customer's [`FEATURE_CHOICES`] most influential, largest first.
fn feature_choices(
    state: &AppState,
    explanation: &views::Explanation,
    selected: Option<&str>,
) -> Vec<Choice> {
    explanation
        .contributions
        .iter()
        .take(FEATURE_CHOICES)
        .map(|e| Choice {
            value: e.feature.clone(),
            label: state.label(&e.feature),
            selected: Some(e.feature.as_str()) == selected,
        })
        .collect()
}

/// `GET /rm/customers/{id}/distribution?feature=&population=`: the chart fragment.
pub async fn distribution(
    _: Rm,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<DistributionQuery>,
) -> Result<Response, AppError> {
    let id = customer_id(&id)?;
    let (index, _) = state.customer(id).ok_or(AppError::CustomerNotFound(id))?;
    let feature = compare::feature(&state, query.feature.as_deref())?;
    let group = Group::parse(query.population.as_deref())?;
    let chart = compare::distribution(&state, index, feature, group);
    Ok(into_html(&ChartFragment { chart }))
}

/// `GET /rm/customers/{id}/scatter?x=&y=`: the chart fragment.
pub async fn scatter(
    _: Rm,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ScatterQuery>,
) -> Result<Response, AppError> {
    let id = customer_id(&id)?;
    let (index, _) = state.customer(id).ok_or(AppError::CustomerNotFound(id))?;
    let x = compare::feature(&state, query.x.as_deref())?;
    let y = compare::feature(&state, query.y.as_deref())?;
    Ok(into_html(&ChartFragment {
        chart: compare::scatter(&state, index, x, y),
    }))
}

/// `GET /rm/customers/{id}/history`: every credit-history figure, grouped by source.
pub async fn history(
    _: Rm,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = customer_id(&id)?;
    let (index, _) = state.customer(id).ok_or(AppError::CustomerNotFound(id))?;
    Ok(into_html(&InfoFragment {
        info: views::history_groups(&state, index, views::HistoryDetail::Full),
    }))
}

/// `POST /rm/customers/{id}/access-link`: a signed sign-in link for this customer.
pub async fn access_link(
    _: Rm,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = customer_id(&id)?;
    state.customer(id).ok_or(AppError::CustomerNotFound(id))?;
    let token = state.keys().customer_token(id, CUSTOMER_TOKEN_TTL);
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    tracing::info!(customer = id, "customer sign-in link issued");
    Ok(into_html(&AccessLinkFragment {
        link: format!("http://{host}/login?token={token}"),
        days: CUSTOMER_TOKEN_TTL.as_secs() / 86_400,
    }))
}

/// `GET /rm/model`.
pub async fn model(_: Rm, State(state): State<AppState>) -> Result<Response, AppError> {
    let report = &state.inner.model;
    let threshold = report.threshold;
    let mut figures = vec![
        Figure {
            label: "Model version".into(),
            value: report.version.clone(),
        },
        Figure {
            label: "Decision threshold".into(),
            value: format!(
                "probability of default {:.1}% ({:.0} points)",
                threshold * 100.0,
                state.inner.engine.points(threshold)
            ),
        },
        Figure {
            label: "Evaluated on".into(),
            value: report.evaluated_on.clone(),
        },
        Figure {
            label: "Customers scored".into(),
            value: state.customer_count().to_string(),
        },
    ];
    if let Some(auc) = report.auc {
        figures.push(Figure {
            label: "AUC".into(),
            value: format!("{auc:.3}"),
        });
    }
    let importance: Vec<(String, f64)> = report
        .importance
        .iter()
        .take(20)
        .map(|(f, v)| (state.label(f), *v))
        .collect();
    let roc_summary = format!(
        "ROC curve of the training applicants' in-sample predictions: true positive rate \
         against false positive rate{}.",
        report
            .auc
            .map(|a| format!(
                "; the out-of-fold AUC, measured on applicants each fold's model did not see, \
                 is {a:.3}"
            ))
            .unwrap_or_default()
    );
    let held_out = report
        .held_out
        .iter()
        .map(|row| {
            [
                row.kind.clone(),
                row.label.clone(),
                format!("{:.4} ± {:.4}", row.auc_drop, row.spread),
                format!("{:.3}", row.mean_abs_shap),
            ]
        })
        .collect();
    let best = report
        .cost
        .iter()
        .min_by(|a, b| a.y.total_cmp(&b.y))
        .map(|p| {
            format!(
                "; the lowest cost, {}, is at threshold {:.3}",
                fmt_num(p.y),
                p.x
            )
        })
        .unwrap_or_default();
    let page = ModelPage {
        layout: Layout::new("Model", "rm"),
        figures,
        importance: charts::importance(&importance),
        held_out,
        roc: charts::curve(
            "roc",
            &report.roc,
            ("False positive rate", "True positive rate"),
            true,
            None,
            roc_summary,
        ),
        cost: charts::curve(
            "cost",
            &report.cost,
            ("Threshold (probability of default)", "Business cost"),
            false,
            Some((threshold, "chosen threshold")),
            format!(
                "Business cost against the decision threshold; the chosen threshold is {threshold:.3}{best}."
            ),
        ),
        calibration: charts::calibration(&report.calibration),
        confusion: charts::confusion(&report.confusion),
        provenance: report.provenance.clone(),
        notes: report.notes.clone(),
    };
    Ok(into_html(&page))
}

/// Refuses a filter value that no customer has (a form offers only existing ones), so that a
/// mistyped address gives a clear message rather than an empty list.
fn known_value(
    state: &AppState,
    value: Option<&str>,
    field: &str,
    facet: impl Fn(&Customer) -> Option<String>,
) -> Result<(), AppError> {
    let Some(value) = value else {
        return Ok(());
    };
    let known = state.distinct(facet);
    if known.iter().any(|(v, _)| v == value) {
        return Ok(());
    }
    let names: Vec<&str> = known.iter().map(|(v, _)| v.as_str()).collect();
    Err(AppError::BadRequest(format!(
        "{field}: `{value}` is not one of {}.",
        names.join(", ")
    )))
}

impl AppState {
    /// Distinct values of a facet, sorted, as (value, label) pairs.
    fn distinct(&self, facet: impl Fn(&Customer) -> Option<String>) -> Vec<(String, String)> {
        let mut values: Vec<String> = self.inner.customers.iter().filter_map(facet).collect();
        values.sort();
        values.dedup();
        values.into_iter().map(|v| (v.clone(), v)).collect()
    }
}
