//! The customer's own page: their decision, a simple score scale, the main reasons with what
//! usually improves them, and their own data. Other people appear only as aggregates.

use axum::extract::State;
use axum::response::Response;

use super::into_html;
use super::rm::score_view;
use crate::server::audit::Action;
use crate::server::auth::{Me, Principal};
use crate::server::charts;
use crate::server::compare::{BINS, histogram};
use crate::server::errors::AppError;
use crate::server::pages::{Layout, MePage};
use crate::server::state::AppState;
use crate::server::views;

/// `GET /me`: the signed-in customer's application (the id comes from the signed session).
pub async fn page(Me(id): Me, State(state): State<AppState>) -> Result<Response, AppError> {
    let (index, customer) = state.customer(id).ok_or(AppError::NotFound(
        "We cannot find your application. Please contact your adviser.".to_owned(),
    ))?;
    let explanation = views::explain(&state, index)?;
    state.audit_customer(Action::SelfServicePage, Principal::Customer(id), index);
    let info = views::info_groups(&state, index, customer);
    let (min, max) = state.inner.points_range;
    let to_percent = |points: f64| ((points - min) / (max - min)).clamp(0.0, 1.0) * 100.0;
    let threshold_points = state.inner.engine.points(state.inner.engine.threshold());
    let all_points: Vec<f64> = state
        .inner
        .customers
        .iter()
        .map(|c| c.score.points)
        .collect();
    let below = all_points
        .iter()
        .filter(|p| **p < customer.score.points)
        .count();
    let share = 100.0 * below as f64 / all_points.len().max(1) as f64;
    let (up, down): (Vec<_>, Vec<_>) = explanation
        .reasons
        .iter()
        .cloned()
        .map(|mut r| {
            r.sentence = plain_sentence(&r.label, r.raises_risk);
            r
        })
        .partition(|r| r.raises_risk);
    let page = MePage {
        layout: Layout::new("Your application", "me"),
        id,
        score: score_view(&state, &customer.score),
        scale_value: format!("{:.1}", to_percent(customer.score.points) / 10.0),
        scale_percent: format!("{:.1}", to_percent(customer.score.points)),
        threshold_percent: format!("{:.1}", to_percent(threshold_points)),
        better_than: format!(
            "Your score is higher than that of about {share:.0}% of the {} applications we \
             scored.",
            all_points.len()
        ),
        reasons_up: up,
        reasons_down: down,
        info,
        points_chart: charts::distribution(
            "Score (points)",
            "all applicants",
            &histogram(&all_points, BINS),
            charts::Standing::among(customer.score.points, &all_points).map(|standing| {
                let points = format!("{:.0} points", customer.score.points);
                standing.worded(points, "your score")
            }),
        ),
    };
    Ok(into_html(&page))
}

/// A reason in words for a layperson (no model jargon, no log-odds).
fn plain_sentence(label: &str, raises_risk: bool) -> String {
    if raises_risk {
        format!("{label}: this counted against your application.")
    } else {
        format!("{label}: this counted in your favour.")
    }
}
