//! The whole server driven in-process (`app(state)` + `oneshot`), on generated applicants
//! scored by a small additive model (tests/common).

mod common;

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use pret_a_score::server::auth::{CUSTOMER_TOKEN_TTL, Principal, SESSION_COOKIE};
use pret_a_score::server::{self, AppState, FALLBACK_HEADER, openapi};
use serde_json::{Value, json};
use tower::ServiceExt;

use common::{BROKEN_ID, MARKUP_ID, RM_TOKEN};

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn rm_cookie(state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}={}",
        state.keys().session_value(Principal::Rm)
    )
}

fn customer_cookie(state: &AppState, id: i64) -> String {
    format!(
        "{SESSION_COOKIE}={}",
        state.keys().session_value(Principal::Customer(id))
    )
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut builder = Request::get(path);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    builder.body(Body::empty()).expect("valid request")
}

fn bearer(method: &str, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("valid request")
}

fn setup() -> (AppState, Router) {
    let state = common::state(300);
    (state.clone(), server::app(state))
}

/// The text of every `data-spec` attribute, unescaped.
fn specs(html: &str) -> Vec<Value> {
    html.split("data-spec=\"")
        .skip(1)
        .map(|rest| {
            let raw = &rest[..rest.find('"').expect("closing quote")];
            let text = raw
                .replace("&#34;", "\"")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        })
        .collect()
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_sign_in_and_the_api_answers_401() {
    let (_, app) = setup();
    for path in ["/rm/customers", "/rm/customers/100002", "/rm/model", "/me"] {
        let answer = send(&app, get(path, None)).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(answer.headers[header::LOCATION], "/login", "{path}");
    }
    let answer = send(&app, get("/api/v1/customers/100002/score", None)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["error"]["status"], 401);
    let forged = format!("{SESSION_COOKIE}=session-rm.0.99999999999.00ff");
    let answer = send(&app, get("/rm/customers", Some(&forged))).await;
    assert_eq!(
        answer.status,
        StatusCode::SEE_OTHER,
        "a forged cookie is no session"
    );
}

#[tokio::test]
async fn a_customer_reaches_only_their_own_page_and_data() {
    let (state, app) = setup();
    let own = 100_020;
    let other = 100_021;
    let cookie = customer_cookie(&state, own);

    let page = send(&app, get("/me", Some(&cookie))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Your loan application"));
    assert!(page.body.contains("out of 10"));

    for path in [
        format!("/rm/customers/{other}"),
        "/rm/customers".to_owned(),
        "/rm/model".to_owned(),
    ] {
        let answer = send(&app, get(&path, Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}");
        assert!(!answer.body.contains(&other.to_string()) || path.contains(&other.to_string()));
    }

    let token = state.keys().customer_token(own, CUSTOMER_TOKEN_TTL);
    for kind in ["score", "explanation", "reasons"] {
        let theirs = send(
            &app,
            bearer(
                "GET",
                &format!("/api/v1/customers/{other}/{kind}"),
                &token,
                None,
            ),
        )
        .await;
        assert_eq!(theirs.status, StatusCode::FORBIDDEN, "{kind}");
        assert!(theirs.json().get("customer_id").is_none());
        let mine = send(
            &app,
            bearer(
                "GET",
                &format!("/api/v1/customers/{own}/{kind}"),
                &token,
                None,
            ),
        )
        .await;
        assert_eq!(mine.status, StatusCode::OK, "{kind}");
        assert_eq!(mine.json()["customer_id"], own);
    }
    let scoring = send(
        &app,
        bearer(
            "POST",
            "/api/v1/score",
            &token,
            Some(json!({"application": {}})),
        ),
    )
    .await;
    assert_eq!(
        scoring.status,
        StatusCode::FORBIDDEN,
        "customers cannot score applications"
    );
}

#[tokio::test]
async fn one_time_sign_in_link_works_once_and_sets_a_session() {
    let (state, app) = setup();
    let code = state.keys().one_time_rm_code();
    let first = send(&app, get(&format!("/login?token={code}"), None)).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.headers[header::LOCATION], "/rm/customers");
    let set_cookie = first.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let list = send(&app, get("/rm/customers", Some(&cookie))).await;
    assert_eq!(list.status, StatusCode::OK);

    let again = send(&app, get(&format!("/login?token={code}"), None)).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert!(again.body.contains("not valid"));
}

#[tokio::test]
async fn customer_list_filters_on_the_server_and_reports_bad_input() {
    let (state, app) = setup();
    let cookie = rm_cookie(&state);
    let people = common::applicants(300);

    let women_40_plus = people
        .iter()
        .filter(|p| p.gender == "F" && p.age >= 40.0)
        .count();
    let answer = send(
        &app,
        get("/rm/customers?gender=F&age_min=40", Some(&cookie)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .body
            .contains(&format!("{women_40_plus} customers match")),
        "{}",
        &answer.body[..500.min(answer.body.len())]
    );
    assert!(
        answer.body.contains("<form id=\"filters\""),
        "the full page has the form"
    );

    let fragment = send(
        &app,
        Request::get("/rm/customers?history=bureau:no")
            .header(header::COOKIE, &cookie)
            .header("hx-request", "true")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let without = people.iter().filter(|p| !p.has_bureau).count();
    assert!(
        fragment
            .body
            .contains(&format!("{without} customers match"))
    );
    assert!(
        !fragment.body.contains("<html"),
        "htmx gets only the results"
    );
    for bad in ["gender=X", "contract=Nope"] {
        let answer = send(&app, get(&format!("/rm/customers?{bad}"), Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(answer.body.contains("is not one of"), "{}", answer.body);
    }
    let unknown = send(&app, get("/rm/customers?history=nosuch:no", Some(&cookie))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("nosuch:no"), "{}", unknown.body);

    let sorted = send(
        &app,
        get("/rm/customers?sort=points&dir=desc", Some(&cookie)),
    )
    .await;
    let best = people
        .iter()
        .map(|p| (common::engine(&people).score(&p.row).points, p.id))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    let first_link = sorted
        .body
        .find("/rm/customers/1")
        .expect("a customer link");
    assert!(sorted.body[first_link..].starts_with(&format!("/rm/customers/{}", best.1)));

    let bad = send(&app, get("/rm/customers?age_min=abc", Some(&cookie))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("Age from") && bad.body.contains("abc"),
        "{}",
        bad.body
    );
    let reversed = send(
        &app,
        get("/rm/customers?points_min=700&points_max=400", Some(&cookie)),
    )
    .await;
    assert_eq!(reversed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn customer_page_shows_gauge_reasons_and_a_waterfall_that_adds_up() {
    let (state, app) = setup();
    let people = common::applicants(300);
    let engine = common::engine(&people);
    let person = &people[30];
    let expected = engine.score(&person.row);
    let page = send(
        &app,
        get(
            &format!("/rm/customers/{}", person.id),
            Some(&rm_cookie(&state)),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(expected.decision_word()));
    assert!(
        page.body
            .contains(&format!("{:.0} points", expected.points))
    );

    let specs = specs(&page.body);
    assert_eq!(
        specs.len(),
        2,
        "gauge and waterfall; the comparisons load afterwards"
    );
    let waterfall = specs
        .iter()
        .find(|s| s["data"]["values"][0]["label"] == "Average applicant")
        .expect("a waterfall");
    let rows = waterfall["data"]["values"].as_array().unwrap();
    let last_step = &rows[rows.len() - 2];
    let total = &rows[rows.len() - 1];
    assert!((last_step["end"].as_f64().unwrap() - expected.raw).abs() < 1e-9);
    assert!((total["end"].as_f64().unwrap() - expected.raw).abs() < 1e-9);
    for spec in &specs {
        assert!(
            spec["description"].as_str().is_some_and(|d| d.len() > 20),
            "every chart is described"
        );
    }
    assert!(
        page.body.contains("the risk of not repaying"),
        "reasons in sentences"
    );
    assert!(page.body.contains("Identity and family") && page.body.contains("Credit history"));
    assert_eq!(page.body.matches("<figcaption").count(), 2);

    // The comparison charts are fetched by htmx once the page is shown: each address the page
    // names answers with one described chart of this customer's most influential feature.
    for chart in ["distribution", "scatter"] {
        let url = lazy_url(&page.body, chart);
        assert!(url.starts_with(&format!("/rm/customers/{}/{chart}?", person.id)));
        let fragment = send(&app, get(&url, Some(&rm_cookie(&state)))).await;
        assert_eq!(fragment.status, StatusCode::OK, "{url}");
        let specs = self::specs(&fragment.body);
        assert_eq!(specs.len(), 1, "{url}");
        assert!(
            specs[0]["description"]
                .as_str()
                .is_some_and(|d| d.len() > 20)
        );
    }
    let history = send(
        &app,
        get(
            &format!("/rm/customers/{}/history", person.id),
            Some(&rm_cookie(&state)),
        ),
    )
    .await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.body.contains("Most days overdue at other lenders"));
}

/// The `hx-get` address of the element with id `target` in a page.
fn lazy_url(body: &str, target: &str) -> String {
    let start = body
        .find(&format!("id=\"{target}\""))
        .unwrap_or_else(|| panic!("no #{target}"));
    let rest = &body[start..];
    let url = rest
        .split("hx-get=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or_else(|| panic!("#{target} has no hx-get"));
    url.replace("&#38;", "&").replace("&amp;", "&")
}

trait DecisionWord {
    fn decision_word(&self) -> &'static str;
}

impl DecisionWord for pret_a_score::server::state::Score {
    fn decision_word(&self) -> &'static str {
        self.decision.word()
    }
}

#[tokio::test]
async fn unknown_customer_gets_a_helpful_404_and_a_bad_id_a_400() {
    let (state, app) = setup();
    let cookie = rm_cookie(&state);
    let missing = send(&app, get("/rm/customers/999999", Some(&cookie))).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("No customer has the number 999999"));
    assert!(missing.body.contains("Check the number"));
    let bad = send(&app, get("/rm/customers/12ab", Some(&cookie))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not a customer number"));
    let api = send(
        &app,
        bearer("GET", "/api/v1/customers/999999/score", RM_TOKEN, None),
    )
    .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(
        api.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("999999")
    );
    let nowhere = send(&app, get("/no/such/page", Some(&cookie))).await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn internal_errors_are_not_shown_to_the_user() {
    let (state, app) = setup();
    let page = send(
        &app,
        get(
            &format!("/rm/customers/{BROKEN_ID}"),
            Some(&rm_cookie(&state)),
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!page.body.contains("xyzzy"));
    assert!(page.body.contains("Something went wrong on our side"));
    let api = send(
        &app,
        bearer(
            "GET",
            &format!("/api/v1/customers/{BROKEN_ID}/reasons"),
            RM_TOKEN,
            None,
        ),
    )
    .await;
    assert_eq!(api.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!api.body.contains("xyzzy"));
}

#[tokio::test]
async fn data_is_escaped_in_pages() {
    let (state, app) = setup();
    let cookie = rm_cookie(&state);
    let page = send(
        &app,
        get(&format!("/rm/customers/{MARKUP_ID}"), Some(&cookie)),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert(1)</script>"));
    let shown = page
        .body
        .find("alert(1)")
        .expect("the value is shown, escaped");
    assert!(
        page.body[shown.saturating_sub(12)..shown].contains("script&"),
        "escaped as an entity"
    );
    let list = send(
        &app,
        get(&format!("/rm/customers?id={MARKUP_ID}"), Some(&cookie)),
    )
    .await;
    assert!(!list.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn api_gives_score_explanation_and_reasons_consistent_with_the_model() {
    let (_, app) = setup();
    let people = common::applicants(300);
    let engine = common::engine(&people);
    let person = &people[5];
    let expected = engine.score(&person.row);
    let path = |kind: &str| format!("/api/v1/customers/{}/{kind}", person.id);

    let score = send(&app, bearer("GET", &path("score"), RM_TOKEN, None))
        .await
        .json();
    assert!((score["probability"].as_f64().unwrap() - expected.probability).abs() < 1e-12);
    assert_eq!(
        score["decision"],
        if expected.probability > common::THRESHOLD {
            "refuse"
        } else {
            "grant"
        }
    );

    let explanation = send(&app, bearer("GET", &path("explanation"), RM_TOKEN, None))
        .await
        .json();
    let sum: f64 = explanation["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["contribution"].as_f64().unwrap())
        .sum();
    assert!((explanation["base"].as_f64().unwrap() + sum - expected.raw).abs() < 1e-9);

    let reasons = send(&app, bearer("GET", &path("reasons"), RM_TOKEN, None))
        .await
        .json();
    let reasons = reasons["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty() && reasons.len() <= 6);
    assert!(
        reasons
            .iter()
            .all(|r| r["sentence"].as_str().unwrap().ends_with('.'))
    );
}

#[tokio::test]
async fn every_decision_handed_out_is_in_the_audit_log_with_its_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let log = pret_a_score::server::audit::AuditLog::open(&path).unwrap();
    let state = common::state_with_audit(300, Some(log));
    let app = server::app(state.clone());
    let application = json!({"application": {"EXT_SOURCE_2": 0.2, "AMT_INCOME_TOTAL": 90000.0}});
    let scored = send(
        &app,
        bearer("POST", "/api/v1/score", RM_TOKEN, Some(application)),
    )
    .await;
    assert_eq!(scored.status, StatusCode::OK, "{}", scored.body);
    let refused_input = send(
        &app,
        bearer(
            "POST",
            "/api/v1/score",
            RM_TOKEN,
            Some(json!({"application": {"EXT_SOURCE_2": "high"}})),
        ),
    )
    .await;
    assert_eq!(refused_input.status, StatusCode::BAD_REQUEST);
    let page = send(&app, get("/rm/customers/100003", Some(&rm_cookie(&state)))).await;
    assert_eq!(page.status, StatusCode::OK);
    let unknown = send(&app, get("/rm/customers/999999", Some(&rm_cookie(&state)))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    let lines: Vec<Value> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "one line per decision given, none for failures"
    );
    assert_eq!(lines[0]["action"], "score_application");
    assert_eq!(lines[0]["inputs"]["application"]["EXT_SOURCE_2"], 0.2);
    assert_eq!(
        lines[0]["probability"].as_f64(),
        scored.json()["probability"].as_f64()
    );
    assert_eq!(lines[0]["model_version"], scored.json()["model_version"]);
    assert_eq!(lines[1]["action"], "rm_customer_page");
    assert_eq!(lines[1]["customer"], 100_003);
    assert!(lines[1].get("inputs").is_none());
}

#[tokio::test]
async fn posted_application_is_scored_and_bad_bodies_get_clear_messages() {
    let (_, app) = setup();
    let people = common::applicants(300);
    let engine = common::engine(&people);
    let application = json!({"application": {
        "EXT_SOURCE_2": 0.2, "AMT_INCOME_TOTAL": 90000.0, "CREDIT_TO_INCOME": 6.0,
        "AGE_YEARS": 25.0, "BURO_CREDIT_DAY_OVERDUE_MAX": null
    }});
    let expected = engine.score(&[0.2, 90000.0, 6.0, 25.0, f64::NAN]);
    let answer = send(
        &app,
        bearer("POST", "/api/v1/score", RM_TOKEN, Some(application)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.json();
    assert!((body["probability"].as_f64().unwrap() - expected.probability).abs() < 1e-12);
    assert!((body["points"].as_f64().unwrap() - expected.points).abs() < 1e-9);
    assert!(body["reasons"].as_array().is_some_and(|r| !r.is_empty()));

    let wrong_type = json!({"application": {"EXT_SOURCE_2": "high"}});
    let answer = send(
        &app,
        bearer("POST", "/api/v1/score", RM_TOKEN, Some(wrong_type)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("EXT_SOURCE_2")
    );

    let no_application = send(
        &app,
        bearer("POST", "/api/v1/score", RM_TOKEN, Some(json!({"x": 1}))),
    )
    .await;
    assert_eq!(no_application.status, StatusCode::BAD_REQUEST);
    assert!(no_application.body.contains("application"));

    let not_json = Request::post("/api/v1/score")
        .header(header::AUTHORIZATION, format!("Bearer {RM_TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let answer = send(&app, not_json).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not a JSON")
    );
}

#[tokio::test]
async fn openapi_document_and_router_list_the_same_routes() {
    let served: BTreeSet<(String, String)> = server::routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path.replace("{*", "{")))
        .collect();
    let documented: BTreeSet<(String, String)> = openapi::operations().into_iter().collect();
    assert_eq!(served, documented, "routes and OpenAPI document differ");

    let doc = openapi::document();
    let doc_paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let served_paths: BTreeSet<String> = served.iter().map(|(_, p)| p.clone()).collect();
    assert_eq!(doc_paths, served_paths);

    // Every documented operation reaches a handler (not the fallback).
    let (state, app) = setup();
    for (method, path) in &documented {
        let concrete = path.replace("{id}", "100002").replace("{path}", "app.css");
        let request = Request::builder()
            .method(method.as_str())
            .uri(&concrete)
            .header(header::COOKIE, rm_cookie(&state))
            .body(Body::empty())
            .unwrap();
        let answer = send(&app, request).await;
        assert!(
            !answer.headers.contains_key(FALLBACK_HEADER),
            "{method} {concrete} is not routed"
        );
    }
    let served_doc = send(&app, get("/api/v1/openapi.json", None)).await;
    assert_eq!(served_doc.json()["openapi"], "3.1.0");

    // The posted application's columns are those ingest requires of application_test.csv.
    let application = &doc["components"]["schemas"]["Application"]["properties"]["application"];
    let required: BTreeSet<&str> = application["required"]
        .as_array()
        .expect("required columns")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let test_schema = pret_a_score::ingest::schema::TABLES
        .iter()
        .find(|t| t.table == "application_test")
        .unwrap();
    let expected: BTreeSet<&str> = test_schema
        .columns
        .iter()
        .map(|c| c.name)
        .filter(|name| *name != "SK_ID_CURR")
        .collect();
    assert_eq!(required, expected);
    assert_eq!(
        application["properties"]["AMT_CREDIT"]["type"],
        json!(["number", "null"])
    );
}

#[tokio::test]
async fn compare_fragments_and_model_page_render_their_charts() {
    let (state, app) = setup();
    let cookie = rm_cookie(&state);
    for population in ["all", "cohort", "granted", "refused"] {
        let path = format!(
            "/rm/customers/100003/distribution?feature=CREDIT_TO_INCOME&population={population}"
        );
        let answer = send(&app, get(&path, Some(&cookie))).await;
        assert_eq!(answer.status, StatusCode::OK, "{population}");
        assert_eq!(specs(&answer.body).len(), 1);
    }
    let cohort = send(
        &app,
        get(
            "/rm/customers/100003/distribution?feature=EXT_SOURCE_2&population=cohort",
            Some(&cookie),
        ),
    )
    .await;
    assert!(
        cohort.body.contains("(20 people with a value)"),
        "{}",
        cohort.body
    );
    // About a third of the fixture's customers have no bureau history: among the 20 most
    // similar, fewer than 20 have that value, and their distribution is withheld.
    let sparse = send(
        &app,
        get(
            "/rm/customers/100003/distribution?feature=BURO_CREDIT_DAY_OVERDUE_MAX&population=cohort",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(sparse.status, StatusCode::OK);
    assert!(sparse.body.contains("Fewer than 20"), "{}", sparse.body);
    assert!(specs(&sparse.body).is_empty(), "no chart is drawn");
    let bad = send(
        &app,
        get(
            "/rm/customers/100003/distribution?feature=NOPE",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("NOPE"));
    let scatter = send(
        &app,
        get(
            "/rm/customers/100003/scatter?x=EXT_SOURCE_2&y=AMT_INCOME_TOTAL",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(scatter.status, StatusCode::OK);
    // 300 customers are under the sampling limit: every one with both values is drawn, and
    // the text alternative says so rather than calling it a sample.
    let drawn = specs(&scatter.body)[0]["layer"][0]["data"]["values"]
        .as_array()
        .expect("scatter points")
        .len();
    assert!(drawn > 200, "{drawn} points");
    assert!(
        scatter
            .body
            .contains(&format!("all {drawn} customers with both values (of 300)")),
        "{}",
        scatter.body
    );
    let model = send(&app, get("/rm/model", Some(&cookie))).await;
    assert_eq!(model.status, StatusCode::OK);
    assert_eq!(specs(&model.body).len(), 5);
    assert!(model.body.contains("test-model-1") && model.body.contains("application_train.csv"));
    assert!(
        model
            .body
            .contains("<td>Credit bureau</td><td>0.0123 ± 0.0045</td>"),
        "held-out importance table"
    );
}

#[tokio::test]
async fn vendored_libraries_are_served_from_the_binary_with_security_headers() {
    let (_, app) = setup();
    let htmx = send(&app, get("/static/vendor/htmx-2.0.11/htmx.min.js", None)).await;
    assert_eq!(htmx.status, StatusCode::OK);
    assert!(
        htmx.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert!(htmx.body.len() > 10_000);
    let csp = htmx.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"));
    let missing = send(&app, get("/static/nope.js", None)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rm_can_issue_a_customer_link_that_signs_that_customer_in() {
    let (state, app) = setup();
    let request = Request::post("/rm/customers/100040/access-link")
        .header(header::COOKIE, rm_cookie(&state))
        .header(header::HOST, "127.0.0.1:8080")
        .body(Body::empty())
        .unwrap();
    let answer = send(&app, request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let start = answer.body.find("/login?token=").expect("a link") + "/login?token=".len();
    let token: String = answer.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let login = send(&app, get(&format!("/login?token={token}"), None)).await;
    assert_eq!(login.headers[header::LOCATION], "/me");
    let cookie = login.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let me = send(&app, get("/me", Some(&cookie))).await;
    assert_eq!(me.status, StatusCode::OK);
    let score = send(&app, get("/api/v1/customers/100040/score", Some(&cookie))).await;
    assert_eq!(score.json()["customer_id"], 100040);
}
