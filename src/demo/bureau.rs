//! Credits reported by other institutions (`bureau.csv`) and their monthly status
//! (`bureau_balance.csv`). Applicants of lower latent quality fall behind more often.

use rand::Rng;

use super::DemoError;
use super::applicant::Profile;
use super::categories as cat;
use super::field::{Field, Row};
use super::output::{Sinks, Table};
use super::risk::History;
use super::sample::{
    chance, geometric, log_normal, month_of, normal, pick, pick_by, round_digits, round_to,
    sigmoid, uniform,
};

/// Most bureau credits one applicant can have (keeps identifier blocks disjoint).
pub const MAX_CREDITS: u32 = 32;

/// What the monthly balance needs to know about one credit.
struct Credit {
    id: i64,
    opened: f64,
    closed: Option<f64>,
    days_overdue: i64,
}

/// Writes the bureau credits of one applicant, numbering them from `next_id`.
pub fn write(
    rng: &mut impl Rng,
    profile: &Profile,
    next_id: i64,
    row: &mut Row<'_>,
    sinks: &mut Sinks,
    history: &mut History,
) -> Result<(), DemoError> {
    let count = if chance(rng, 0.14) {
        0
    } else {
        (1 + geometric(rng, 4.6)).min(MAX_CREDITS)
    };
    for offset in 0..count {
        let credit = credit(rng, profile, next_id + i64::from(offset), row, history);
        sinks.write(Table::Bureau, row.fields())?;
        if chance(rng, 0.42) {
            balance(rng, profile, &credit, sinks)?;
        }
    }
    history.bureau_credits += count;
    Ok(())
}

/// Fills `row` with one credit.
fn credit(
    rng: &mut impl Rng,
    profile: &Profile,
    id: i64,
    row: &mut Row<'_>,
    history: &mut History,
) -> Credit {
    row.clear();
    row.set("SK_ID_CURR", Field::Int(profile.id));
    row.set("SK_ID_BUREAU", Field::Int(id));
    let &(kind, _, median, typical_length) = pick_by(rng, cat::CREDIT_TYPES, |c| c.1);
    row.set("CREDIT_TYPE", Field::Text(kind));
    row.set(
        "CREDIT_CURRENCY",
        Field::Text(pick(rng, cat::CREDIT_CURRENCY)),
    );

    let opened = -(1.0 + 2_921.0 * rng.r#gen::<f64>().powf(1.5)).floor();
    let ends = opened + log_normal(rng, typical_length, 0.5).round();
    let active_share = 0.12 + 0.75 * (opened / 700.0).exp();
    let state = if chance(rng, 0.004) {
        "Sold"
    } else if chance(rng, active_share) {
        "Active"
    } else {
        "Closed"
    };
    let active = state == "Active";
    let closed = (!active).then(|| closing_day(rng, opened, ends));
    row.set("CREDIT_ACTIVE", Field::Text(state));
    row.set("DAYS_CREDIT", Field::Int(opened as i64));
    if !chance(rng, 0.06) {
        row.set("DAYS_CREDIT_ENDDATE", Field::Float(ends));
    }
    row.set("DAYS_ENDDATE_FACT", Field::opt(closed));
    let update = match closed {
        Some(day) => (day + uniform(rng, 0.0, 60.0)).min(0.0).round(),
        None => -f64::from(geometric(rng, 15.0)),
    };
    row.set("DAYS_CREDIT_UPDATE", Field::Int(update as i64));
    let prolonged = pick(rng, &[(0, 0.994), (1, 0.005), (2, 0.001)]);
    row.set("CNT_CREDIT_PROLONG", Field::Int(prolonged));

    let amount = credit_amount(rng, median);
    row.set("AMT_CREDIT_SUM", Field::Float(amount));
    let days_overdue = amounts(
        rng,
        profile,
        row,
        amount,
        active,
        kind == "Credit card",
        history,
    );
    if !chance(rng, 0.71) {
        let annuity = if active {
            round_digits(amount / ((ends - opened) / 30.0).max(1.0), 3)
        } else {
            0.0
        };
        row.set("AMT_ANNUITY", Field::Float(annuity));
    }
    Credit {
        id,
        opened,
        closed,
        days_overdue,
    }
}

/// The day a finished credit was closed: on schedule, early, or a little late.
fn closing_day(rng: &mut impl Rng, opened: f64, ends: f64) -> f64 {
    let day = if ends < -1.0 && chance(rng, 0.7) {
        ends + (30.0 * normal(rng)).round()
    } else {
        uniform(rng, opened, -1.0).round()
    };
    day.clamp(opened, -1.0)
}

fn credit_amount(rng: &mut impl Rng, median: f64) -> f64 {
    let raw = log_normal(rng, median, 0.9);
    if chance(rng, 0.6) {
        round_to(raw, 4_500.0).max(4_500.0)
    } else {
        round_digits(raw, 3)
    }
}

/// Fills debt, limit and arrears; returns the days the credit is overdue now.
fn amounts(
    rng: &mut impl Rng,
    profile: &Profile,
    row: &mut Row<'_>,
    amount: f64,
    active: bool,
    card: bool,
    history: &mut History,
) -> i64 {
    let debt = if active {
        round_digits(amount * uniform(rng, 0.05, 0.95), 3)
    } else {
        0.0
    };
    if !chance(rng, 0.15) {
        row.set("AMT_CREDIT_SUM_DEBT", Field::Float(debt));
    }
    if !chance(rng, 0.35) {
        let limit = if card && active { amount - debt } else { 0.0 };
        row.set("AMT_CREDIT_SUM_LIMIT", Field::Float(round_digits(limit, 3)));
    }
    let behind = active && chance(rng, sigmoid(-3.6 - 1.2 * profile.quality));
    let (days_overdue, overdue) = if behind {
        let days = 1 + i64::from(geometric(rng, 35.0));
        (days, round_digits(amount * uniform(rng, 0.01, 0.2), 3))
    } else {
        (0, 0.0)
    };
    row.set("CREDIT_DAY_OVERDUE", Field::Int(days_overdue));
    row.set("AMT_CREDIT_SUM_OVERDUE", Field::Float(overdue));
    if !chance(rng, 0.6) {
        let worst = if behind {
            round_digits(overdue * uniform(rng, 1.0, 1.5), 3)
        } else if chance(rng, sigmoid(-2.2 - profile.quality)) {
            round_digits(amount * uniform(rng, 0.005, 0.1), 3)
        } else {
            0.0
        };
        row.set("AMT_CREDIT_MAX_OVERDUE", Field::Float(worst));
    }
    if behind {
        history.bureau_overdue_credits += 1;
        history.bureau_overdue_amount += overdue;
    }
    history.bureau_active_debt += debt;
    days_overdue
}

/// Writes the monthly status of one credit, from its opening (at most 96 months back) to now.
fn balance(
    rng: &mut impl Rng,
    profile: &Profile,
    credit: &Credit,
    sinks: &mut Sinks,
) -> Result<(), DemoError> {
    let first = month_of(credit.opened).max(-96);
    let closed_month = credit.closed.map(month_of);
    let unknown = chance(rng, 0.1);
    let late_share = sigmoid(-4.2 - profile.quality);
    let overdue_months = (credit.days_overdue + 29) / 30;
    for month in first..=0 {
        let status = match closed_month {
            Some(closed) if month > closed => "C",
            _ if unknown || chance(rng, 0.12) => "X",
            _ if credit.days_overdue > 0 && month > -overdue_months => {
                overdue_status(credit.days_overdue + 30 * month)
            }
            _ if chance(rng, late_share) => "1",
            _ => "0",
        };
        let record = [
            Field::Int(credit.id),
            Field::Int(month),
            Field::Text(status),
        ];
        sinks.write(Table::BureauBalance, record)?;
    }
    Ok(())
}

/// The Kaggle status letter for a number of days past due.
fn overdue_status(days: i64) -> &'static str {
    match days {
        ..=0 => "0",
        1..=30 => "1",
        31..=60 => "2",
        61..=90 => "3",
        91..=120 => "4",
        _ => "5",
    }
}
