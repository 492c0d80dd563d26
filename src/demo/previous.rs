//! Earlier applications at Home Credit (`previous_application.csv`) and, for the approved
//! ones, their monthly snapshots (`POS_CASH_balance.csv`, `credit_card_balance.csv`) and
//! repayments (`installments_payments.csv`).

use rand::Rng;

use super::DemoError;
use super::applicant::{Profile, amortised};
use super::categories as cat;
use super::field::{Field, Row};
use super::output::{Sinks, Table};
use super::risk::History;
use super::sample::{
    SENTINEL_DAYS, chance, geometric, log_normal, month_of, normal, pick, pick_by, round_digits,
    round_to, sigmoid, uniform,
};

/// Most previous applications one applicant can have (keeps identifier blocks disjoint).
pub const MAX_APPLICATIONS: u32 = 32;

/// Columns of the positional rows written here, in file order (checked against the schema).
#[cfg(test)]
pub const POS_COLUMNS: [&str; 8] = [
    "SK_ID_PREV",
    "SK_ID_CURR",
    "MONTHS_BALANCE",
    "CNT_INSTALMENT",
    "CNT_INSTALMENT_FUTURE",
    "NAME_CONTRACT_STATUS",
    "SK_DPD",
    "SK_DPD_DEF",
];

#[cfg(test)]
pub const INSTALMENT_COLUMNS: [&str; 8] = [
    "SK_ID_PREV",
    "SK_ID_CURR",
    "NUM_INSTALMENT_VERSION",
    "NUM_INSTALMENT_NUMBER",
    "DAYS_INSTALMENT",
    "DAYS_ENTRY_PAYMENT",
    "AMT_INSTALMENT",
    "AMT_PAYMENT",
];

#[cfg(test)]
pub const CARD_COLUMNS: [&str; 23] = [
    "SK_ID_PREV",
    "SK_ID_CURR",
    "MONTHS_BALANCE",
    "AMT_BALANCE",
    "AMT_CREDIT_LIMIT_ACTUAL",
    "AMT_DRAWINGS_ATM_CURRENT",
    "AMT_DRAWINGS_CURRENT",
    "AMT_DRAWINGS_OTHER_CURRENT",
    "AMT_DRAWINGS_POS_CURRENT",
    "AMT_INST_MIN_REGULARITY",
    "AMT_PAYMENT_CURRENT",
    "AMT_PAYMENT_TOTAL_CURRENT",
    "AMT_RECEIVABLE_PRINCIPAL",
    "AMT_RECIVABLE",
    "AMT_TOTAL_RECEIVABLE",
    "CNT_DRAWINGS_ATM_CURRENT",
    "CNT_DRAWINGS_CURRENT",
    "CNT_DRAWINGS_OTHER_CURRENT",
    "CNT_DRAWINGS_POS_CURRENT",
    "CNT_INSTALMENT_MATURE_CUM",
    "NAME_CONTRACT_STATUS",
    "SK_DPD",
    "SK_DPD_DEF",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cash,
    Consumer,
    Card,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Approved,
    Refused,
    Canceled,
    Unused,
}

/// One earlier application and the offer made.
struct Offer {
    id: i64,
    kind: Kind,
    status: Status,
    decision: f64,
    application: f64,
    credit: f64,
    annuity: Option<f64>,
    goods: Option<f64>,
    down_payment: Option<f64>,
    months: Option<i32>,
    yield_group: Option<&'static str>,
}

/// When an approved instalment loan is due and how far it got.
struct Schedule {
    first_due: f64,
    planned_last_due: f64,
    /// Instalments due so far (before today and before an early repayment).
    due: i32,
    /// The instalment that repaid everything early, if any.
    repaid_at: Option<i32>,
}

/// The applicant's risk, as it shows in the repayment behaviour.
struct Behaviour {
    late: f64,
    underpaid: f64,
}

/// Writes the earlier applications of one applicant, numbering them from `next_id`.
pub fn write(
    rng: &mut impl Rng,
    profile: &Profile,
    next_id: i64,
    row: &mut Row<'_>,
    sinks: &mut Sinks,
    history: &mut History,
) -> Result<(), DemoError> {
    let count = if chance(rng, 0.05) {
        0
    } else {
        (1 + geometric(rng, 3.9)).min(MAX_APPLICATIONS)
    };
    let behaviour = Behaviour {
        late: sigmoid(-3.3 - 1.1 * profile.quality),
        underpaid: sigmoid(-4.3 - profile.quality),
    };
    for offset in 0..count {
        let offer = offer(rng, profile, next_id + i64::from(offset));
        let schedule = schedule(rng, &offer);
        fill_row(rng, profile, &offer, schedule.as_ref(), row);
        sinks.write(Table::PreviousApplication, row.fields())?;
        history.previous += 1;
        history.refused += u32::from(offer.status == Status::Refused);
        if let Some(schedule) = &schedule {
            instalment_loan(rng, profile, &offer, schedule, &behaviour, sinks, history)?;
        } else if offer.kind == Kind::Card && offer.status == Status::Approved {
            card(rng, profile, &offer, &behaviour, sinks, history)?;
        }
    }
    Ok(())
}

fn offer(rng: &mut impl Rng, profile: &Profile, id: i64) -> Offer {
    let kind = pick(
        rng,
        &[
            (Kind::Card, 0.25),
            (Kind::Cash, 0.4),
            (Kind::Consumer, 0.35),
        ],
    );
    let status = if chance(rng, sigmoid(-1.7 - 0.7 * profile.quality)) {
        Status::Refused
    } else if kind == Kind::Card {
        if chance(rng, 0.1) {
            Status::Canceled
        } else {
            Status::Approved
        }
    } else if chance(rng, 0.25) {
        Status::Canceled
    } else if kind == Kind::Consumer && chance(rng, 0.03) {
        Status::Unused
    } else {
        Status::Approved
    };
    let decision = -(1.0 + 2_900.0 * rng.r#gen::<f64>().powf(1.8)).floor();
    let mut offer = Offer {
        id,
        kind,
        status,
        decision,
        application: 0.0,
        credit: 0.0,
        annuity: None,
        goods: None,
        down_payment: None,
        months: None,
        yield_group: None,
    };
    match kind {
        Kind::Cash => cash_terms(rng, &mut offer),
        Kind::Consumer => consumer_terms(rng, &mut offer),
        Kind::Card => card_terms(rng, &mut offer),
    }
    offer
}

fn cash_terms(rng: &mut impl Rng, offer: &mut Offer) {
    if offer.status == Status::Canceled {
        return;
    }
    let asked = round_to(log_normal(rng, 225_000.0, 0.8), 4_500.0).clamp(4_500.0, 4_050_000.0);
    let insurance = if chance(rng, 0.6) {
        uniform(rng, 0.05, 0.2)
    } else {
        0.0
    };
    offer.application = asked;
    offer.goods = Some(asked);
    offer.credit = round_to(asked * (1.0 + insurance), 0.5);
    let months = pick(
        rng,
        &[
            (6, 0.1),
            (12, 0.3),
            (18, 0.1),
            (24, 0.2),
            (36, 0.15),
            (48, 0.08),
            (60, 0.07),
        ],
    );
    price(rng, offer, months);
}

fn consumer_terms(rng: &mut impl Rng, offer: &mut Offer) {
    let price_tag = round_digits(log_normal(rng, 60_000.0, 0.9).max(2_000.0), 2);
    let down = if chance(rng, 0.5) {
        round_digits(price_tag * uniform(rng, 0.05, 0.3), 2)
    } else {
        0.0
    };
    offer.application = price_tag;
    offer.goods = Some(price_tag);
    offer.down_payment = Some(down);
    offer.credit = round_digits(price_tag - down, 2);
    let months = pick(
        rng,
        &[
            (6, 0.2),
            (10, 0.15),
            (12, 0.3),
            (18, 0.1),
            (24, 0.2),
            (36, 0.05),
        ],
    );
    price(rng, offer, months);
}

fn card_terms(rng: &mut impl Rng, offer: &mut Offer) {
    let limit = pick(
        rng,
        &[
            (45_000.0, 0.2),
            (67_500.0, 0.1),
            (90_000.0, 0.15),
            (135_000.0, 0.2),
            (180_000.0, 0.12),
            (225_000.0, 0.1),
            (270_000.0, 0.08),
            (450_000.0, 0.05),
        ],
    );
    offer.credit = if offer.status == Status::Canceled {
        0.0
    } else {
        limit
    };
    offer.application = if chance(rng, 0.5) { offer.credit } else { 0.0 };
    offer.annuity = Some(limit * 0.05);
    offer.months = Some(0);
}

/// Sets the yield group, the term and the annuity of a priced loan.
fn price(rng: &mut impl Rng, offer: &mut Offer, months: i32) {
    let &(group, _, rate) = pick_by(rng, cat::YIELD_GROUPS, |g| g.1);
    offer.yield_group = Some(group);
    offer.months = Some(months);
    offer.annuity = Some(round_digits(amortised(offer.credit, rate, months), 3));
}

/// The repayment schedule of an approved instalment loan.
fn schedule(rng: &mut impl Rng, offer: &Offer) -> Option<Schedule> {
    let months = offer.months.filter(|&m| m > 0)?;
    if offer.status != Status::Approved {
        return None;
    }
    let first_due = offer.decision + uniform(rng, 20.0, 40.0).round();
    let planned_last_due = first_due + 30.0 * f64::from(months - 1);
    let elapsed = ((-1.0 - first_due) / 30.0).floor() as i32 + 1;
    let repaid_at = chance(rng, 0.3).then(|| rng.gen_range(1..=months));
    let due = elapsed.clamp(0, months).min(repaid_at.unwrap_or(months));
    let repaid_at = repaid_at.filter(|&k| k <= due);
    Some(Schedule {
        first_due,
        planned_last_due,
        due,
        repaid_at,
    })
}

fn fill_row(
    rng: &mut impl Rng,
    profile: &Profile,
    offer: &Offer,
    schedule: Option<&Schedule>,
    row: &mut Row<'_>,
) {
    row.clear();
    row.set("SK_ID_PREV", Field::Int(offer.id));
    row.set("SK_ID_CURR", Field::Int(profile.id));
    fill_amounts(rng, offer, row);
    fill_process(rng, offer, row);
    fill_product(rng, offer, row);
    fill_days(rng, offer, schedule, row);
}

fn fill_amounts(rng: &mut impl Rng, offer: &Offer, row: &mut Row<'_>) {
    let contract = match offer.kind {
        Kind::Cash => "Cash loans",
        Kind::Consumer => "Consumer loans",
        Kind::Card => "Revolving loans",
    };
    row.set("NAME_CONTRACT_TYPE", Field::Text(contract));
    row.set("AMT_ANNUITY", Field::opt(offer.annuity));
    row.set("AMT_APPLICATION", Field::Float(offer.application));
    row.set("AMT_CREDIT", Field::Float(offer.credit));
    row.set("AMT_DOWN_PAYMENT", Field::opt(offer.down_payment));
    row.set("AMT_GOODS_PRICE", Field::opt(offer.goods));
    let down_rate = offer
        .down_payment
        .map(|down| round_digits(down / offer.application.max(1.0), 6));
    row.set("RATE_DOWN_PAYMENT", Field::opt(down_rate));
    if chance(rng, 0.004) {
        row.set(
            "RATE_INTEREST_PRIMARY",
            Field::Float(round_digits(uniform(rng, 0.03, 1.0), 6)),
        );
        row.set(
            "RATE_INTEREST_PRIVILEGED",
            Field::Float(round_digits(uniform(rng, 0.37, 1.0), 6)),
        );
    }
    row.set("CNT_PAYMENT", Field::opt(offer.months.map(f64::from)));
    row.set(
        "NAME_YIELD_GROUP",
        Field::Text(offer.yield_group.unwrap_or("XNA")),
    );
}

fn fill_process(rng: &mut impl Rng, offer: &Offer, row: &mut Row<'_>) {
    row.set(
        "WEEKDAY_APPR_PROCESS_START",
        Field::Text(pick(rng, cat::WEEKDAYS)),
    );
    let hour = (12.0 + 3.3 * normal(rng)).round().clamp(0.0, 23.0) as i64;
    row.set("HOUR_APPR_PROCESS_START", Field::Int(hour));
    let last = chance(rng, 0.995);
    row.set("FLAG_LAST_APPL_PER_CONTRACT", Field::yes_no(last));
    row.set("NFLAG_LAST_APPL_IN_DAY", Field::flag(last));
    let (status, reason) = match offer.status {
        Status::Approved => ("Approved", "XAP"),
        Status::Canceled => ("Canceled", "XAP"),
        Status::Unused => ("Unused offer", "CLIENT"),
        Status::Refused => ("Refused", pick(rng, cat::REJECT_REASONS)),
    };
    row.set("NAME_CONTRACT_STATUS", Field::Text(status));
    row.set("CODE_REJECT_REASON", Field::Text(reason));
    row.set("DAYS_DECISION", Field::Int(offer.decision as i64));
    let payment = if offer.status == Status::Approved && offer.kind != Kind::Card {
        pick(rng, cat::PAYMENT_TYPES)
    } else {
        "XNA"
    };
    row.set("NAME_PAYMENT_TYPE", Field::Text(payment));
    if !chance(rng, 0.45) {
        row.set("NAME_TYPE_SUITE", Field::Text(pick(rng, cat::TYPE_SUITE)));
    }
    row.set(
        "NAME_CLIENT_TYPE",
        Field::Text(pick(rng, cat::CLIENT_TYPES)),
    );
}

/// The product description columns of one application.
struct Product {
    purpose: &'static str,
    goods: &'static str,
    portfolio: &'static str,
    product_type: &'static str,
    channel: &'static str,
    seller_place: i64,
    seller_industry: &'static str,
    combination: &'static str,
}

fn fill_product(rng: &mut impl Rng, offer: &Offer, row: &mut Row<'_>) {
    let product = match offer.kind {
        Kind::Cash => cash_product(rng, offer),
        Kind::Consumer => consumer_product(rng, offer),
        Kind::Card => card_product(rng, offer),
    };
    row.set("NAME_CASH_LOAN_PURPOSE", Field::Text(product.purpose));
    row.set("NAME_GOODS_CATEGORY", Field::Text(product.goods));
    row.set("NAME_PORTFOLIO", Field::Text(product.portfolio));
    row.set("NAME_PRODUCT_TYPE", Field::Text(product.product_type));
    row.set("CHANNEL_TYPE", Field::Text(product.channel));
    row.set("SELLERPLACE_AREA", Field::Int(product.seller_place));
    row.set("NAME_SELLER_INDUSTRY", Field::Text(product.seller_industry));
    row.set("PRODUCT_COMBINATION", Field::Text(product.combination));
}

fn cash_product(rng: &mut impl Rng, offer: &Offer) -> Product {
    let canceled = offer.status == Status::Canceled;
    let walk_in = chance(rng, 0.3);
    let combination = match (canceled, walk_in, yield_tier(offer.yield_group)) {
        (true, ..) => "Cash",
        (false, true, "low") => "Cash Street: low",
        (false, true, "middle") => "Cash Street: middle",
        (false, true, _) => "Cash Street: high",
        (false, false, "low") => "Cash X-Sell: low",
        (false, false, "middle") => "Cash X-Sell: middle",
        (false, false, _) => "Cash X-Sell: high",
    };
    let (portfolio, product_type) = match (canceled, walk_in) {
        (true, _) => ("XNA", "XNA"),
        (false, true) => ("Cash", "walk-in"),
        (false, false) => ("Cash", "x-sell"),
    };
    let channel = if canceled {
        "Credit and cash offices"
    } else {
        pick(rng, cat::CASH_CHANNELS)
    };
    Product {
        purpose: pick(rng, cat::CASH_PURPOSES),
        goods: "XNA",
        portfolio,
        product_type,
        channel,
        seller_place: -1,
        seller_industry: "XNA",
        combination,
    }
}

fn consumer_product(rng: &mut impl Rng, offer: &Offer) -> Product {
    let &(goods, _, seller_industry, family) = pick_by(rng, cat::GOODS, |g| g.1);
    let interest = offer.yield_group != Some("low_action");
    let portfolio = if offer.status == Status::Unused {
        "XNA"
    } else {
        "POS"
    };
    Product {
        purpose: "XAP",
        goods,
        portfolio,
        product_type: "XNA",
        channel: pick(rng, cat::POS_CHANNELS),
        seller_place: i64::from(geometric(rng, 300.0).min(9_999)),
        seller_industry,
        combination: pos_combination(family, interest),
    }
}

fn card_product(rng: &mut impl Rng, offer: &Offer) -> Product {
    let (product_type, combination) = if chance(rng, 0.3) {
        ("walk-in", "Card Street")
    } else {
        ("x-sell", "Card X-Sell")
    };
    let portfolio = if offer.status == Status::Canceled {
        "XNA"
    } else {
        "Cards"
    };
    Product {
        purpose: "XAP",
        goods: "XNA",
        portfolio,
        product_type,
        channel: pick(rng, cat::CASH_CHANNELS),
        seller_place: -1,
        seller_industry: "XNA",
        combination,
    }
}

/// The price tier of a yield group as `PRODUCT_COMBINATION` spells it.
fn yield_tier(group: Option<&str>) -> &'static str {
    match group {
        Some("low_normal" | "low_action") => "low",
        Some("middle") => "middle",
        _ => "high",
    }
}

fn pos_combination(family: &str, interest: bool) -> &'static str {
    match (family, interest) {
        ("mobile", true) => "POS mobile with interest",
        ("mobile", false) => "POS mobile without interest",
        ("household", true) => "POS household with interest",
        ("household", false) => "POS household without interest",
        ("industry", true) => "POS industry with interest",
        ("industry", false) => "POS industry without interest",
        (_, true) => "POS other with interest",
        (_, false) => "POS others without interest",
    }
}

fn fill_days(rng: &mut impl Rng, offer: &Offer, schedule: Option<&Schedule>, row: &mut Row<'_>) {
    let sentinel = SENTINEL_DAYS as f64;
    if let Some(schedule) = schedule {
        let finished = schedule.repaid_at.is_some() || schedule.planned_last_due < -1.0;
        let last_due = if let Some(k) = schedule.repaid_at {
            schedule.first_due + 30.0 * f64::from(k - 1)
        } else {
            schedule.planned_last_due
        };
        let (last_due, termination) = if finished {
            (last_due, last_due + uniform(rng, 0.0, 12.0).round())
        } else {
            (sentinel, sentinel)
        };
        row.set("DAYS_FIRST_DRAWING", Field::Float(sentinel));
        row.set("DAYS_FIRST_DUE", Field::Float(schedule.first_due));
        row.set(
            "DAYS_LAST_DUE_1ST_VERSION",
            Field::Float(schedule.planned_last_due),
        );
        row.set("DAYS_LAST_DUE", Field::Float(last_due));
        row.set("DAYS_TERMINATION", Field::Float(termination.min(sentinel)));
        row.set(
            "NFLAG_INSURED_ON_APPROVAL",
            Field::flag_float(chance(rng, 0.33)),
        );
    } else if offer.status == Status::Approved {
        let drawing = (offer.decision + uniform(rng, 1.0, 30.0).round()).min(-1.0);
        row.set("DAYS_FIRST_DRAWING", Field::Float(drawing));
        for name in [
            "DAYS_FIRST_DUE",
            "DAYS_LAST_DUE_1ST_VERSION",
            "DAYS_LAST_DUE",
            "DAYS_TERMINATION",
        ] {
            row.set(name, Field::Float(sentinel));
        }
        row.set("NFLAG_INSURED_ON_APPROVAL", Field::Float(0.0));
    }
}

/// Writes the POS/cash monthly snapshots and the repayments of an approved instalment loan.
fn instalment_loan(
    rng: &mut impl Rng,
    profile: &Profile,
    offer: &Offer,
    schedule: &Schedule,
    behaviour: &Behaviour,
    sinks: &mut Sinks,
    history: &mut History,
) -> Result<(), DemoError> {
    let annuity = offer.annuity.unwrap_or(0.0);
    let months = offer.months.unwrap_or(1);
    let mut lateness = Vec::with_capacity(schedule.due as usize);
    for number in 1..=schedule.due {
        let due_day = schedule.first_due + 30.0 * f64::from(number - 1);
        let amount = if schedule.repaid_at == Some(number) {
            round_digits(annuity * f64::from(months - number + 1) * 0.93, 3)
        } else {
            annuity
        };
        let late = chance(rng, behaviour.late);
        let underpaid = chance(rng, behaviour.underpaid);
        let days_late = if late {
            1 + i64::from(geometric(rng, 12.0))
        } else {
            0
        };
        let paid_day = if late {
            due_day + days_late as f64
        } else {
            due_day - f64::from(geometric(rng, 7.0))
        }
        .min(-1.0);
        let paid = if underpaid {
            round_digits(amount * uniform(rng, 0.05, 0.9), 3)
        } else {
            amount
        };
        let version = if chance(rng, 0.05) { 2.0 } else { 1.0 };
        let payment = Payment {
            number,
            version,
            due_day,
            paid_day,
            amount,
            paid,
        };
        write_payment(rng, profile, offer.id, &payment, sinks)?;
        history.instalments += 1;
        history.late_instalments += u32::from(late);
        history.underpaid_instalments += u32::from(underpaid);
        history.max_days_past_due = history.max_days_past_due.max(days_late);
        lateness.push((days_late, underpaid));
    }
    pos_snapshots(rng, profile, offer, schedule, &lateness, sinks)
}

/// One repayment row (split in two payments now and then).
struct Payment {
    number: i32,
    version: f64,
    due_day: f64,
    paid_day: f64,
    amount: f64,
    paid: f64,
}

fn write_payment(
    rng: &mut impl Rng,
    profile: &Profile,
    prev_id: i64,
    payment: &Payment,
    sinks: &mut Sinks,
) -> Result<(), DemoError> {
    let split = chance(rng, 0.07);
    let first_part = if split {
        round_digits(payment.paid * uniform(rng, 0.2, 0.8), 3)
    } else {
        payment.paid
    };
    let parts = [
        (payment.paid_day, first_part),
        (
            (payment.paid_day + f64::from(geometric(rng, 5.0))).min(-1.0),
            round_digits(payment.paid - first_part, 3),
        ),
    ];
    for &(day, paid) in &parts[..if split { 2 } else { 1 }] {
        let record = [
            Field::Int(prev_id),
            Field::Int(profile.id),
            Field::Float(payment.version),
            Field::Int(i64::from(payment.number)),
            Field::Float(payment.due_day),
            Field::Float(day),
            Field::Float(payment.amount),
            Field::Float(paid),
        ];
        sinks.write(Table::InstallmentsPayments, record)?;
    }
    Ok(())
}

/// Monthly snapshots of an instalment loan, from the month of the decision (at most 96
/// months back) to the month it was completed or to last month.
fn pos_snapshots(
    rng: &mut impl Rng,
    profile: &Profile,
    offer: &Offer,
    schedule: &Schedule,
    lateness: &[(i64, bool)],
    sinks: &mut Sinks,
) -> Result<(), DemoError> {
    let months = offer.months.unwrap_or(1);
    let start = month_of(offer.decision);
    let completed = schedule.repaid_at.is_some() || schedule.due == months;
    let span = i64::from(schedule.due) + i64::from(completed);
    let end = (start + span).min(-1);
    let counts_missing = chance(rng, 0.003);
    for month in start.max(-96)..=end {
        let index = (month - start) as i32;
        let done = completed && month == end;
        let future = if done { 0 } else { (months - index).max(0) };
        let (dpd, underpaid) = lateness
            .get((index - 1).max(0) as usize)
            .copied()
            .filter(|_| index > 0 && !done)
            .unwrap_or((0, false));
        let (total, left) = if counts_missing {
            (Field::Missing, Field::Missing)
        } else {
            (
                Field::Float(f64::from(months)),
                Field::Float(f64::from(future)),
            )
        };
        let record = [
            Field::Int(offer.id),
            Field::Int(profile.id),
            Field::Int(month),
            total,
            left,
            Field::Text(if done { "Completed" } else { "Active" }),
            Field::Int(dpd),
            Field::Int(if underpaid { dpd } else { 0 }),
        ];
        sinks.write(Table::PosCashBalance, record)?;
    }
    Ok(())
}

/// Monthly card balances of an approved card over its last months (at most 96 back), and the
/// card repayments in `installments_payments.csv`.
fn card(
    rng: &mut impl Rng,
    profile: &Profile,
    offer: &Offer,
    behaviour: &Behaviour,
    sinks: &mut Sinks,
    history: &mut History,
) -> Result<(), DemoError> {
    let opened = month_of(offer.decision);
    let window = 1 + i64::from(geometric(rng, 17.0));
    let first = opened.max(-window).max(-96);
    let usual_use = sigmoid(-0.6 - 0.9 * profile.quality + 0.5 * normal(rng));
    for month in first..=-1 {
        let state = CardMonth {
            limit: offer.credit,
            use_share: (usual_use + 0.1 * normal(rng)).clamp(0.0, 1.05),
            age_months: month - opened,
            month,
        };
        let snapshot = card_month(rng, &state, behaviour);
        let record = card_record(offer.id, profile.id, &state, &snapshot);
        sinks.write(Table::CreditCardBalance, record)?;
        if snapshot.paid > 0.0 {
            card_payment(rng, profile.id, offer.id, &state, &snapshot, sinks)?;
        }
        history.card_months += 1;
        history.card_utilisation_sum += state.use_share;
        history.max_days_past_due = history.max_days_past_due.max(snapshot.days_past_due);
    }
    Ok(())
}

struct CardMonth {
    limit: f64,
    use_share: f64,
    age_months: i64,
    month: i64,
}

struct CardSnapshot {
    balance: f64,
    atm: f64,
    pos: f64,
    atm_count: i64,
    pos_count: i64,
    minimum: f64,
    paid: f64,
    idle: bool,
    days_past_due: i64,
}

fn card_month(rng: &mut impl Rng, state: &CardMonth, behaviour: &Behaviour) -> CardSnapshot {
    let balance = round_digits(state.limit * state.use_share, 3);
    let idle = balance == 0.0 || chance(rng, 0.2);
    let (atm, atm_count) = if !idle && chance(rng, 0.3) {
        let count = 1 + i64::from(geometric(rng, 1.0));
        (
            round_to(state.limit * uniform(rng, 0.02, 0.3), 4_500.0),
            count,
        )
    } else {
        (0.0, 0)
    };
    let (pos, pos_count) = if !idle && chance(rng, 0.3) {
        let count = 1 + i64::from(geometric(rng, 3.0));
        (
            round_digits(state.limit * uniform(rng, 0.01, 0.2), 3),
            count,
        )
    } else {
        (0.0, 0)
    };
    let minimum = round_digits(balance * 0.05, 3);
    let late = balance > 0.0 && chance(rng, behaviour.late);
    let paid = if late {
        round_digits(minimum * uniform(rng, 0.0, 0.8), 3)
    } else if balance > 0.0 {
        round_digits((balance * uniform(rng, 0.05, 0.4)).max(minimum), 3)
    } else {
        0.0
    };
    let days_past_due = if late {
        1 + i64::from(geometric(rng, 10.0))
    } else {
        0
    };
    CardSnapshot {
        balance,
        atm,
        pos,
        atm_count,
        pos_count,
        minimum,
        paid,
        idle,
        days_past_due,
    }
}

fn card_record(prev_id: i64, curr_id: i64, state: &CardMonth, s: &CardSnapshot) -> [Field; 23] {
    // Months without card activity leave the drawing details blank, as in the real file.
    let detail = |value: f64| {
        if s.idle {
            Field::Missing
        } else {
            Field::Float(value)
        }
    };
    [
        Field::Int(prev_id),
        Field::Int(curr_id),
        Field::Int(state.month),
        Field::Float(s.balance),
        Field::Int(state.limit as i64),
        detail(s.atm),
        Field::Float(s.atm + s.pos),
        detail(0.0),
        detail(s.pos),
        Field::Float(s.minimum),
        detail(s.paid),
        Field::Float(s.paid),
        Field::Float(round_digits(s.balance * 0.96, 3)),
        Field::Float(s.balance),
        Field::Float(s.balance),
        detail(s.atm_count as f64),
        Field::Int(s.atm_count + s.pos_count),
        detail(0.0),
        detail(s.pos_count as f64),
        Field::Float(state.age_months as f64),
        Field::Text("Active"),
        Field::Int(s.days_past_due),
        Field::Int(i64::from(s.days_past_due > 30)),
    ]
}

fn card_payment(
    rng: &mut impl Rng,
    curr_id: i64,
    prev_id: i64,
    state: &CardMonth,
    snapshot: &CardSnapshot,
    sinks: &mut Sinks,
) -> Result<(), DemoError> {
    let due_day = (state.month as f64 * 30.44 + uniform(rng, 0.0, 25.0))
        .round()
        .min(-1.0);
    let paid_day =
        (due_day + snapshot.days_past_due as f64 - f64::from(geometric(rng, 3.0))).min(-1.0);
    let record = [
        Field::Int(prev_id),
        Field::Int(curr_id),
        Field::Float(0.0),
        Field::Int(state.age_months + 1),
        Field::Float(due_day),
        Field::Float(paid_day),
        Field::Float(snapshot.minimum),
        Field::Float(snapshot.paid),
    ];
    sinks.write(Table::InstallmentsPayments, record)
}
