//! The typed contexts of the askama templates (compile-time, HTML-escaped by default; no
//! `|safe` on data anywhere).

use askama::Template;

use super::charts::Chart;
use super::state::{InfoGroup, Reason};

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    /// `rm`, `me` or empty: which navigation to show.
    pub role: &'static str,
}

impl Layout {
    pub fn new(title: &str, role: &'static str) -> Self {
        Self {
            title: title.to_owned(),
            role,
        }
    }
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub message: String,
}

/// One row of the customer list.
pub struct ListRow {
    pub id: i64,
    pub gender: String,
    pub age: String,
    pub income: String,
    pub contract: String,
    pub points: String,
    pub probability: String,
    pub decision_word: &'static str,
    pub decision_icon: &'static str,
    pub decision_css: &'static str,
}

/// A link to another page of the list, keeping the filters.
pub struct PageLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A sortable column header.
pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    /// `ascending`, `descending` or `none`, for `aria-sort`.
    pub aria: &'static str,
}

/// The list's results: table and pages.
pub struct ListResults {
    pub rows: Vec<ListRow>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub links: Vec<PageLink>,
    pub headers: Vec<SortLink>,
}

/// The list's results alone: the htmx fragment swapped in when a filter changes.
#[derive(Template)]
#[template(path = "customer_rows.html")]
pub struct ListFragment {
    pub results: ListResults,
}

/// An option of a select box.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The customer list with its filter form.
#[derive(Template)]
#[template(path = "customers.html")]
pub struct ListPage {
    pub layout: Layout,
    pub results: ListResults,
    pub id: String,
    pub genders: Vec<Choice>,
    pub age_min: String,
    pub age_max: String,
    pub income_min: String,
    pub income_max: String,
    pub contracts: Vec<Choice>,
    pub decisions: Vec<Choice>,
    pub points_min: String,
    pub points_max: String,
    pub histories: Vec<Choice>,
    pub sort: String,
    pub dir: String,
}

/// The score as shown on both customer pages.
pub struct ScoreView {
    pub points: String,
    pub probability: String,
    pub threshold_points: String,
    pub threshold_probability: String,
    pub decision_word: &'static str,
    pub decision_icon: &'static str,
    pub decision_css: &'static str,
}

/// The RM's customer page.
#[derive(Template)]
#[template(path = "customer.html")]
pub struct CustomerPage {
    pub layout: Layout,
    pub id: i64,
    pub dataset: String,
    pub score: ScoreView,
    pub gauge: Chart,
    pub waterfall: Chart,
    pub reasons_up: Vec<Reason>,
    pub reasons_down: Vec<Reason>,
    pub info: Vec<InfoGroup>,
    pub features: Vec<Choice>,
    pub populations: Vec<Choice>,
    pub scatter_y: Vec<Choice>,
    /// The distribution chart's fragment address, loaded once the page is shown.
    pub distribution_url: String,
    /// The scatter chart's fragment address, loaded once the page is shown.
    pub scatter_url: String,
    pub access_link: String,
}

/// Every credit-history figure of a customer (htmx fragment).
#[derive(Template)]
#[template(path = "info_fragment.html")]
pub struct InfoFragment {
    pub info: Vec<InfoGroup>,
}

/// A chart alone (htmx fragment of the compare tab).
#[derive(Template)]
#[template(path = "chart.html")]
pub struct ChartFragment {
    pub chart: Chart,
}

/// A customer access link (htmx fragment).
#[derive(Template)]
#[template(path = "access_link.html")]
pub struct AccessLinkFragment {
    pub link: String,
    pub days: u64,
}

/// One line of the model page's key figures.
pub struct Figure {
    pub label: String,
    pub value: String,
}

/// The model page.
#[derive(Template)]
#[template(path = "model.html")]
pub struct ModelPage {
    pub layout: Layout,
    pub figures: Vec<Figure>,
    pub importance: Chart,
    /// Held-out importance, formatted: (kind, label, AUC drop ± spread, mean |SHAP|).
    pub held_out: Vec<[String; 4]>,
    pub roc: Chart,
    pub cost: Chart,
    pub calibration: Chart,
    pub confusion: Chart,
    pub provenance: Vec<super::state::SourceFile>,
    pub notes: Vec<String>,
}

/// The customer's own simplified page.
#[derive(Template)]
#[template(path = "me.html")]
pub struct MePage {
    pub layout: Layout,
    pub id: i64,
    pub score: ScoreView,
    /// Position on a 0-10 scale, for the simple scale.
    pub scale_value: String,
    pub scale_percent: String,
    pub threshold_percent: String,
    pub better_than: String,
    pub reasons_up: Vec<Reason>,
    pub reasons_down: Vec<Reason>,
    pub info: Vec<InfoGroup>,
    pub points_chart: Chart,
}
