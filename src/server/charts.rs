//! Vega-Lite specifications built in Rust with serde_json: the data is inlined in each spec,
//! so the browser draws every chart without fetching anything. Each builder also returns a
//! sentence that says what the chart shows, for people who cannot see it.

use serde::Serialize;
use std::f64::consts::FRAC_PI_2;

use serde_json::{Value, json};

use super::state::{CalibrationBin, Confusion, CurvePoint, Decision};

/// Colour for "raises the risk" / refused (contrast 5.9:1 on white).
pub const RISK_UP: &str = "#b3261e";
/// Colour for "lowers the risk" / granted (contrast 6.4:1 on white).
pub const RISK_DOWN: &str = "#1f5fa8";
const NEUTRAL: &str = "#4d4d4d";
const TRACK: &str = "#d9d9d9";

/// A chart ready for a template: its spec (JSON text, put in a `data-spec` attribute and thus
/// HTML-escaped by askama), the sentence that describes it, and a small table of its data.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub spec: String,
    pub summary: String,
    pub table_head: Vec<String>,
    pub table_rows: Vec<Vec<String>>,
}

impl Chart {
    fn new(id: &str, spec: Value, summary: String) -> Self {
        Self {
            id: id.to_owned(),
            spec: spec.to_string(),
            summary,
            table_head: Vec::new(),
            table_rows: Vec::new(),
        }
    }

    fn with_table(mut self, head: &[&str], rows: Vec<Vec<String>>) -> Self {
        self.table_head = head.iter().map(|h| (*h).to_owned()).collect();
        self.table_rows = rows;
        self
    }
}

fn base(description: &str, width: u32, height: u32) -> serde_json::Map<String, Value> {
    let spec = json!({
        "description": description,
        "width": width,
        "height": height,
        "config": {
            "font": "system-ui, sans-serif",
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#222", "titleColor": "#222"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12},
            "view": {"stroke": null}
        }
    });
    match spec {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object literal is an object"),
    }
}

/// The score gauge: a half ring on the points scale, filled up to the customer's points, with
/// the threshold marked.
pub fn gauge(points: f64, threshold_points: f64, min: f64, max: f64, decision: Decision) -> Chart {
    let summary = format!(
        "Score gauge: {points:.0} points on a scale from {min:.0} to {max:.0}; applications \
         need at least {threshold_points:.0} points to be granted; decision: {}.",
        decision.word().to_lowercase()
    );
    let theta = json!({
        "field": "from", "type": "quantitative",
        "scale": {"domain": [min, max], "range": [-FRAC_PI_2, FRAC_PI_2]}, "legend": null
    });
    let colour = match decision {
        Decision::Grant => RISK_DOWN,
        Decision::Refuse => RISK_UP,
    };
    let arc = |from: f64, to: f64, inner: u32, outer: u32, colour: &str| {
        json!({
            "data": {"values": [{"from": from, "to": to}]},
            "mark": {"type": "arc", "innerRadius": inner, "outerRadius": outer,
                      "color": colour, "x": 150, "y": 125},
            "encoding": {"theta": theta.clone(), "theta2": {"field": "to"}}
        })
    };
    let text = |x: u32, y: u32, size: u32, label: String| {
        json!({
            "data": {"values": [{"t": label}]},
            "mark": {"type": "text", "x": x, "y": y, "fontSize": size, "color": "#222",
                      "fontWeight": if size > 14 { "bold" } else { "normal" }},
            "encoding": {"text": {"field": "t"}}
        })
    };
    let marker = (max - min) / 150.0;
    let mut spec = base(&summary, 300, 150);
    spec.insert(
        "layer".into(),
        json!([
            arc(min, max, 70, 105, TRACK),
            arc(min, points.clamp(min, max), 70, 105, colour),
            arc(
                threshold_points - marker,
                threshold_points + marker,
                62,
                113,
                "#000"
            ),
            text(150, 112, 26, format!("{points:.0}")),
            text(150, 138, 12, "points".into()),
            text(45, 140, 12, format!("{min:.0}")),
            text(255, 140, 12, format!("{max:.0}")),
        ]),
    );
    Chart::new("gauge", Value::Object(spec), summary)
}

/// One bar of the waterfall.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub value_text: String,
    pub contribution: f64,
}

/// The waterfall of contributions: from the average applicant's risk to this customer's,
/// one bar per feature (already chosen and ordered by the caller, "all others" last).
pub fn waterfall(base_value: f64, steps: &[Step], final_value: f64) -> Chart {
    let mut rows = vec![json!({
        "label": "Average applicant", "start": 0.0, "end": base_value,
        "effect": "starting point", "text": format!("{base_value:+.2}")
    })];
    let mut running = base_value;
    for step in steps {
        let end = running + step.contribution;
        let effect = if step.contribution > 0.0 {
            "raises risk"
        } else {
            "lowers risk"
        };
        rows.push(json!({
            "label": step.label, "start": running, "end": end, "effect": effect,
            "text": format!("{:+.2}", step.contribution)
        }));
        running = end;
    }
    rows.push(json!({
        "label": "This customer", "start": 0.0, "end": final_value,
        "effect": "starting point", "text": format!("{final_value:+.2}")
    }));
    let ups = steps.iter().filter(|s| s.contribution > 0.0).count();
    let summary = format!(
        "Waterfall of the risk score (log-odds of default): the average applicant starts at \
         {base_value:.2}; {ups} of the {} items shown raise this customer's risk and {} lower \
         it, ending at {final_value:.2}.",
        steps.len(),
        steps.len() - ups
    );
    let mut spec = base(&summary, 360, 0);
    spec.insert("height".into(), json!({"step": 24}));
    spec.insert("data".into(), json!({"values": rows}));
    spec.insert(
        "encoding".into(),
        json!({"y": {"field": "label", "type": "nominal", "sort": null, "title": null,
                      "axis": {"labelLimit": 280}}}),
    );
    spec.insert(
        "layer".into(),
        json!([
            {"mark": {"type": "bar", "height": 16},
             "encoding": {
                "x": {"field": "start", "type": "quantitative",
                      "title": "Risk score (log-odds of default)"},
                "x2": {"field": "end"},
                "color": {"field": "effect", "type": "nominal", "title": null,
                          "scale": {"domain": ["raises risk", "lowers risk", "starting point"],
                                    "range": [RISK_UP, RISK_DOWN, NEUTRAL]},
                          "legend": {"orient": "bottom"}}}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11, "color": "#222"},
             "encoding": {"x": {"field": "end", "type": "quantitative"},
                          "text": {"field": "text"}}}
        ]),
    );
    let table = steps
        .iter()
        .map(|s| {
            vec![
                s.label.clone(),
                s.value_text.clone(),
                format!("{:+.3}", s.contribution),
            ]
        })
        .collect();
    Chart::new("waterfall", Value::Object(spec), summary)
        .with_table(&["Feature", "Value", "Effect on risk (log-odds)"], table)
}

/// One bar of a histogram: `[start, end)` and the share of the population in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub start: f64,
    pub end: f64,
    pub count: usize,
}

/// A chart that is not drawn, only its sentence saying why (the text takes the chart's place).
pub fn withheld(id: &str, summary: String) -> Chart {
    Chart {
        id: id.to_owned(),
        spec: String::new(),
        summary,
        table_head: Vec::new(),
        table_rows: Vec::new(),
    }
}

/// Where a customer's value stands among a group's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    /// The value, in the chart's units.
    pub value: f64,
    /// The value as people read it (with its unit).
    pub value_text: String,
    /// Whose value it is, as the sentence starts ("this customer's value", "your score").
    pub subject: &'static str,
    /// Share of the group's values strictly below the customer's, in percent.
    pub below_pct: f64,
    /// Share of the group's values equal to the customer's, in percent.
    pub equal_pct: f64,
}

impl Standing {
    /// The customer's standing among the finite `values` (none when the customer's own
    /// value is missing).
    pub fn among(value: f64, values: &[f64]) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let pct = |n: usize| 100.0 * n as f64 / finite.len().max(1) as f64;
        Some(Self {
            value,
            value_text: fmt_num(value),
            subject: "this customer's value",
            below_pct: pct(finite.iter().filter(|&&v| v < value).count()),
            equal_pct: pct(finite.iter().filter(|&&v| v == value).count()),
        })
    }

    /// The same standing with the value worded as given and said to be `subject`'s.
    pub fn worded(self, value_text: String, subject: &'static str) -> Self {
        Self {
            value_text,
            subject,
            ..self
        }
    }

    fn sentence(&self) -> String {
        let (subject, value) = (self.subject, &self.value_text);
        let below = self.below_pct.round();
        if self.equal_pct.round() >= 1.0 {
            format!(
                "{subject}, {value}, is higher than about {below:.0}% of them and the same as \
                 about {:.0}%",
                self.equal_pct.round()
            )
        } else {
            format!("{subject}, {value}, is higher than about {below:.0}% of them")
        }
    }
}

/// A histogram of one feature among a population, with the customer's value marked.
pub fn distribution(
    feature_label: &str,
    population_label: &str,
    bins: &[Bin],
    customer: Option<Standing>,
) -> Chart {
    let customer_value = customer.as_ref().map(|c| c.value);
    let total: usize = bins.iter().map(|b| b.count).sum();
    let values: Vec<Value> = bins
        .iter()
        .map(|b| {
            json!({"start": b.start, "end": b.end,
                   "share": if total == 0 { 0.0 } else { b.count as f64 / total as f64 }})
        })
        .collect();
    let position = match &customer {
        Some(standing) => standing.sentence(),
        None => "this customer's value is not known".to_owned(),
    };
    let summary = format!(
        "Distribution of {feature_label} among {population_label} ({total} people with a \
         value); {position}."
    );
    let mut spec = base(&summary, 420, 200);
    let mut layers = vec![json!({
        "data": {"values": values},
        "mark": {"type": "bar", "color": "#6b8fbf", "stroke": "#fff", "strokeWidth": 0.5},
        "encoding": {
            "x": {"field": "start", "type": "quantitative", "bin": {"binned": true},
                  "title": feature_label},
            "x2": {"field": "end"},
            "y": {"field": "share", "type": "quantitative", "title": "Share of people",
                  "axis": {"format": ".0%"}}
        }
    })];
    if let Some(v) = customer_value {
        layers.push(customer_rule(v));
    }
    spec.insert("layer".into(), Value::Array(layers));
    let rows = bins
        .iter()
        .map(|b| {
            vec![
                format!("{} to {}", fmt_num(b.start), fmt_num(b.end)),
                b.count.to_string(),
            ]
        })
        .collect();
    Chart::new("distribution", Value::Object(spec), summary).with_table(&["Range", "People"], rows)
}

fn customer_rule(value: f64) -> Value {
    json!({
        "data": {"values": [{"v": value, "t": "This customer"}]},
        "layer": [
            {"mark": {"type": "rule", "color": "#000", "strokeWidth": 2, "strokeDash": [4, 2]},
             "encoding": {"x": {"field": "v", "type": "quantitative"}}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "dy": -4, "y": 0, "color": "#000"},
             "encoding": {"x": {"field": "v", "type": "quantitative"}, "text": {"field": "t"}}}
        ]
    })
}

/// A scatter of two features over a (sampled) population, with the customer highlighted.
pub fn scatter(
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64, Decision)],
    customer: Option<(f64, f64)>,
    population_size: usize,
    sample_stride: usize,
) -> Chart {
    let values: Vec<Value> = points
        .iter()
        .map(|(x, y, d)| json!({"x": x, "y": y, "decision": d.word()}))
        .collect();
    let sampled = if sample_stride > 1 {
        format!(
            "{} customers with both values, taken one in every {sample_stride} by customer \
             number from all {population_size}",
            points.len()
        )
    } else {
        format!(
            "all {} customers with both values (of {population_size})",
            points.len()
        )
    };
    let position = match customer {
        Some((x, y)) => format!(
            "this customer ({}, {}) is shown as a large black diamond",
            fmt_num(x),
            fmt_num(y)
        ),
        None => "this customer lacks one of the two values".to_owned(),
    };
    let summary = format!("Scatter of {y_label} against {x_label} for {sampled}; {position}.");
    let mut spec = base(&summary, 420, 300);
    let mut layers = vec![json!({
        "data": {"values": values},
        "mark": {"type": "point", "filled": true, "size": 18, "opacity": 0.5},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": x_label, "scale": {"zero": false}},
            "y": {"field": "y", "type": "quantitative", "title": y_label, "scale": {"zero": false}},
            "color": {"field": "decision", "type": "nominal", "title": "Decision",
                      "legend": {"orient": "bottom"},
                      "scale": {"domain": ["Granted", "Refused"], "range": [RISK_DOWN, RISK_UP]}},
            "shape": {"field": "decision", "type": "nominal", "title": "Decision",
                      "legend": {"orient": "bottom"},
                      "scale": {"domain": ["Granted", "Refused"], "range": ["circle", "triangle-up"]}}
        }
    })];
    if let Some((x, y)) = customer {
        // The label goes on the side with more room, so it stays inside the plot.
        let (lo, hi) = points
            .iter()
            .fold((x, x), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
        let right_half = x > (lo + hi) / 2.0;
        let (label_dx, label_align) = if right_half {
            (-10, "right")
        } else {
            (10, "left")
        };
        layers.push(json!({
            "data": {"values": [{"x": x, "y": y, "t": "This customer"}]},
            "layer": [
                {"mark": {"type": "point", "shape": "diamond", "filled": true, "size": 220,
                          "color": "#000"},
                 "encoding": {"x": {"field": "x", "type": "quantitative"},
                              "y": {"field": "y", "type": "quantitative"}}},
                {"mark": {"type": "text", "dx": label_dx, "align": label_align,
                          "fontWeight": "bold"},
                 "encoding": {"x": {"field": "x", "type": "quantitative"},
                              "y": {"field": "y", "type": "quantitative"},
                              "text": {"field": "t"}}}
            ]
        }));
    }
    spec.insert("layer".into(), Value::Array(layers));
    Chart::new("scatter", Value::Object(spec), summary)
}

/// Horizontal bars of labelled values (global importance).
pub fn importance(bars: &[(String, f64)]) -> Chart {
    let values: Vec<Value> = bars
        .iter()
        .map(|(l, v)| json!({"label": l, "value": v}))
        .collect();
    let first = bars.first().map(|(l, _)| l.as_str()).unwrap_or("none");
    let summary = format!(
        "Global importance of the {} most important features; the most important is {first}.",
        bars.len()
    );
    let mut spec = base(&summary, 380, 0);
    spec.insert("height".into(), json!({"step": 20}));
    spec.insert("data".into(), json!({"values": values}));
    spec.insert("mark".into(), json!({"type": "bar", "color": RISK_DOWN}));
    spec.insert(
        "encoding".into(),
        json!({
            "y": {"field": "label", "type": "nominal", "sort": null, "title": null,
                  "axis": {"labelLimit": 300}},
            "x": {"field": "value", "type": "quantitative", "title": "Importance"}
        }),
    );
    let rows = bars
        .iter()
        .map(|(l, v)| vec![l.clone(), format!("{v:.4}")])
        .collect();
    Chart::new("importance", Value::Object(spec), summary)
        .with_table(&["Feature", "Importance"], rows)
}

/// A line chart of a curve, with an optional diagonal and an optional vertical marker.
pub fn curve(
    id: &str,
    points: &[CurvePoint],
    (x_title, y_title): (&str, &str),
    diagonal: bool,
    marker: Option<(f64, &str)>,
    summary: String,
) -> Chart {
    let values: Vec<Value> = points.iter().map(|p| json!({"x": p.x, "y": p.y})).collect();
    let mut layers = vec![json!({
        "data": {"values": values},
        "mark": {"type": "line", "color": RISK_DOWN, "strokeWidth": 2},
        "encoding": {"x": {"field": "x", "type": "quantitative", "title": x_title},
                     "y": {"field": "y", "type": "quantitative", "title": y_title}}
    })];
    if diagonal {
        layers.push(json!({
            "data": {"values": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]},
            "mark": {"type": "line", "color": NEUTRAL, "strokeDash": [4, 4]},
            "encoding": {"x": {"field": "x", "type": "quantitative"},
                         "y": {"field": "y", "type": "quantitative"}}
        }));
    }
    if let Some((x, label)) = marker {
        layers.push(json!({
            "data": {"values": [{"v": x, "t": label}]},
            "layer": [
                {"mark": {"type": "rule", "color": RISK_UP, "strokeWidth": 2},
                 "encoding": {"x": {"field": "v", "type": "quantitative"}}},
                {"mark": {"type": "text", "align": "left", "dx": 4, "y": 8, "color": "#222"},
                 "encoding": {"x": {"field": "v", "type": "quantitative"},
                              "text": {"field": "t"}}}
            ]
        }));
    }
    let mut spec = base(&summary, 320, 240);
    spec.insert("layer".into(), Value::Array(layers));
    Chart::new(id, Value::Object(spec), summary)
}

/// The calibration curve: observed default rate against predicted probability, per bin.
pub fn calibration(bins: &[CalibrationBin]) -> Chart {
    let points: Vec<CurvePoint> = bins
        .iter()
        .map(|b| CurvePoint {
            x: b.predicted,
            y: b.observed,
        })
        .collect();
    let worst = bins
        .iter()
        .map(|b| (b.observed - b.predicted).abs())
        .fold(0.0, f64::max);
    let summary = format!(
        "Calibration: observed default rate against predicted probability in {} bins; the \
         largest gap between the two is {:.1} percentage points.",
        bins.len(),
        worst * 100.0
    );
    let chart = curve(
        "calibration",
        &points,
        ("Predicted probability of default", "Observed default rate"),
        true,
        None,
        summary,
    );
    let rows = bins
        .iter()
        .map(|b| {
            vec![
                format!("{:.3}", b.predicted),
                format!("{:.3}", b.observed),
                b.count.to_string(),
            ]
        })
        .collect();
    chart.with_table(&["Predicted", "Observed", "People"], rows)
}

/// The confusion matrix at the threshold, as a heat map with counts.
pub fn confusion(c: &Confusion) -> Chart {
    let cells = [
        ("Defaulted", "Refused", c.true_refused),
        ("Defaulted", "Granted", c.false_granted),
        ("Repaid", "Refused", c.false_refused),
        ("Repaid", "Granted", c.true_granted),
    ];
    let values: Vec<Value> = cells
        .iter()
        .map(|(actual, decided, n)| json!({"actual": actual, "decided": decided, "n": n}))
        .collect();
    let summary = format!(
        "Confusion matrix at the threshold: {} defaults refused, {} defaults granted, {} good \
         customers refused, {} good customers granted.",
        c.true_refused, c.false_granted, c.false_refused, c.true_granted
    );
    let mut spec = base(&summary, 240, 160);
    spec.insert("data".into(), json!({"values": values}));
    spec.insert(
        "encoding".into(),
        json!({"x": {"field": "decided", "type": "nominal", "title": "Decision"},
               "y": {"field": "actual", "type": "nominal", "title": "Actual outcome"}}),
    );
    spec.insert(
        "layer".into(),
        json!([
            {"mark": "rect",
             "encoding": {"color": {"field": "n", "type": "quantitative", "title": "People",
                                    "scale": {"scheme": "blues"}}}},
            {"mark": {"type": "text", "fontSize": 14, "fontWeight": "bold"},
             "encoding": {"text": {"field": "n", "type": "quantitative"},
                          "color": {"condition": {"test": "datum.n > 0", "value": "#000"},
                                    "value": "#000"}}}
        ]),
    );
    let rows = cells
        .iter()
        .map(|(a, d, n)| vec![(*a).to_owned(), (*d).to_owned(), n.to_string()])
        .collect();
    Chart::new("confusion", Value::Object(spec), summary)
        .with_table(&["Actual", "Decision", "People"], rows)
}

/// A number for people: no decimals for large or whole values, a few for small ones.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "not known".to_owned();
    }
    if v.fract() == 0.0 || v.abs() >= 1000.0 {
        group_thousands(v.round())
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

fn group_thousands(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_value_is_not_called_higher_than_everyone_who_shares_it() {
        // A count where a quarter of the group has the customer's (largest) value.
        let mut group = vec![0.0; 30];
        group.extend([1.0; 20]);
        group.extend([2.0; 25]);
        group.extend([3.0; 25]);
        let standing = Standing::among(3.0, &group).expect("a known value");
        assert_eq!((standing.below_pct, standing.equal_pct), (75.0, 25.0));
        assert!(
            standing
                .sentence()
                .contains("higher than about 75% of them and the same as about 25%")
        );
        assert_eq!(Standing::among(f64::NAN, &group), None);
        let alone = Standing::among(1.0, &[]).expect("a known value");
        assert!(alone.sentence().contains("higher than about 0%"));
    }

    #[test]
    fn scatter_text_names_a_sample_only_when_the_population_was_sampled() {
        let points = vec![(1.0, 2.0, Decision::Grant), (3.0, 4.0, Decision::Refuse)];
        let sampled = scatter("Income", "Age", &points, Some((2.0, 3.0)), 6, 3);
        assert!(
            sampled
                .summary
                .contains("2 customers with both values, taken one in every 3"),
            "{}",
            sampled.summary
        );
        let whole = scatter("Income", "Age", &points, None, 3, 1);
        assert!(
            whole
                .summary
                .contains("all 2 customers with both values (of 3)")
                && whole.summary.contains("lacks one of the two values"),
            "{}",
            whole.summary
        );
    }

    #[test]
    fn waterfall_bars_chain_from_base_to_final() {
        let steps = vec![
            Step {
                label: "A".into(),
                value_text: "1".into(),
                contribution: 0.5,
            },
            Step {
                label: "B".into(),
                value_text: "2".into(),
                contribution: -0.2,
            },
        ];
        let chart = waterfall(-2.0, &steps, -1.7);
        let spec: Value = serde_json::from_str(&chart.spec).unwrap();
        let rows = spec["data"]["values"].as_array().unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1]["start"], json!(-2.0));
        assert_eq!(rows[1]["end"], json!(-1.5));
        assert_eq!(rows[2]["start"], json!(-1.5));
        assert!((rows[2]["end"].as_f64().unwrap() + 1.7).abs() < 1e-12);
        assert_eq!(rows[1]["effect"], "raises risk");
        assert_eq!(rows[2]["effect"], "lowers risk");
        assert_eq!(chart.table_rows.len(), 2);
    }

    #[test]
    fn numbers_are_written_for_people() {
        assert_eq!(fmt_num(202500.0), "202,500");
        assert_eq!(fmt_num(-1234567.4), "-1,234,567");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(35.55), "35.5");
        assert_eq!(fmt_num(f64::NAN), "not known");
    }

    #[test]
    fn distribution_summary_places_the_customer() {
        let bins = [
            Bin {
                start: 0.0,
                end: 1.0,
                count: 30,
            },
            Bin {
                start: 1.0,
                end: 2.0,
                count: 70,
            },
        ];
        let standing = Standing::among(1.5, &[0.5, 1.0, 1.5, 1.5, 2.0]);
        let chart = distribution("Age", "all customers", &bins, standing);
        assert!(
            chart
                .summary
                .contains("1.5, is higher than about 40% of them and the same as about 40%"),
            "{}",
            chart.summary
        );
    }
}
