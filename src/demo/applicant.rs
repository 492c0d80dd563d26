//! One applicant: the latent creditworthiness behind every generated value, and the row of
//! `application_train.csv` / `application_test.csv` (all columns but TARGET, which depends on
//! the applicant's history as well).

use rand::Rng;

use super::categories as cat;
use super::field::{Field, Row};
use super::sample::{
    SENTINEL_DAYS, chance, exponential, geometric, log_normal, normal, pick, round_digits,
    round_to, sigmoid, uniform,
};

/// What the rest of the generator needs to know about an applicant.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    /// Latent creditworthiness, standard normal; higher is safer. Never written.
    pub quality: f64,
    pub age_years: f64,
    pub male: bool,
    pub income: f64,
    pub credit: f64,
    pub annuity: f64,
    pub ext_sources: [Option<f64>; 3],
    /// -1 below secondary, 0 secondary, 1 (incomplete) higher, 2 academic.
    pub education: i32,
    /// `None` for pensioners (DAYS_EMPLOYED is the sentinel).
    pub employed_years: Option<f64>,
    pub region_rating: i64,
    pub social_defaults: f64,
}

/// Draws an applicant and fills every column of `row` except TARGET.
pub fn sample(rng: &mut impl Rng, id: i64, row: &mut Row<'_>) -> Profile {
    row.clear();
    row.set("SK_ID_CURR", Field::Int(id));
    let quality = normal(rng);
    let person = person(rng, row);
    let employed_years = employment(rng, row, person.age_years);
    let income = income(rng, row, &person, employed_years.is_some());
    let (credit, annuity) = loan(rng, row, income);
    let region_rating = region(rng, row);
    contact_and_addresses(rng, row, employed_years.is_some());
    let ext_sources = ext_sources(rng, row, quality, person.age_years);
    building(rng, row);
    let social_defaults = social_circle(rng, row, quality);
    documents_and_enquiries(rng, row);
    Profile {
        id,
        quality,
        age_years: person.age_years,
        male: person.male,
        income,
        credit,
        annuity,
        ext_sources,
        education: person.education,
        employed_years,
        region_rating,
        social_defaults,
    }
}

struct Person {
    age_years: f64,
    male: bool,
    education: i32,
}

fn person(rng: &mut impl Rng, row: &mut Row<'_>) -> Person {
    let spread = if chance(rng, 0.5) {
        rng.r#gen::<f64>()
    } else {
        (rng.r#gen::<f64>() + rng.r#gen::<f64>()) / 2.0
    };
    let age_years = 20.6 + 48.4 * spread;
    let male = chance(rng, 0.342);
    row.set("DAYS_BIRTH", Field::Int(-(age_years * 365.25) as i64));
    row.set("CODE_GENDER", Field::Text(if male { "M" } else { "F" }));

    let education_name = pick(rng, cat::EDUCATION);
    let education = match education_name {
        "Lower secondary" => -1,
        "Secondary / secondary special" => 0,
        "Academic degree" => 2,
        _ => 1,
    };
    row.set("NAME_EDUCATION_TYPE", Field::Text(education_name));
    family(rng, row, age_years);
    belongings(rng, row, male, age_years);
    Person {
        age_years,
        male,
        education,
    }
}

fn family(rng: &mut impl Rng, row: &mut Row<'_>, age_years: f64) {
    let mut status = pick(rng, cat::FAMILY_STATUS);
    if age_years > 58.0 && chance(rng, 0.12) {
        status = "Widow";
    }
    let partner = matches!(status, "Married" | "Civil marriage");
    let child_weight = if (27.0..50.0).contains(&age_years) {
        1.6
    } else {
        0.5
    };
    let children = pick(
        rng,
        &[
            (0, 0.70),
            (1, 0.20 * child_weight),
            (2, 0.087 * child_weight),
            (3, 0.012 * child_weight),
            (4, 0.0015),
            (5, 0.0003),
        ],
    );
    row.set("NAME_FAMILY_STATUS", Field::Text(status));
    row.set("CNT_CHILDREN", Field::Int(children));
    let members = children + 1 + i64::from(partner);
    row.set("CNT_FAM_MEMBERS", Field::Float(members as f64));
}

fn belongings(rng: &mut impl Rng, row: &mut Row<'_>, male: bool, age_years: f64) {
    let own_car = chance(rng, if male { 0.55 } else { 0.23 });
    row.set("FLAG_OWN_CAR", Field::yes_no(own_car));
    if own_car {
        let car_age = f64::from(geometric(rng, 11.0).min(65));
        row.set("OWN_CAR_AGE", Field::Float(car_age));
    }
    row.set("FLAG_OWN_REALTY", Field::yes_no(chance(rng, 0.693)));
    if !chance(rng, 0.004) {
        row.set("NAME_TYPE_SUITE", Field::Text(pick(rng, cat::TYPE_SUITE)));
    }
    let housing = if age_years < 28.0 && chance(rng, 0.15) {
        "With parents"
    } else {
        pick(rng, cat::HOUSING)
    };
    row.set("NAME_HOUSING_TYPE", Field::Text(housing));
}

/// Fills the employment columns; returns the years employed, `None` for pensioners.
fn employment(rng: &mut impl Rng, row: &mut Row<'_>, age_years: f64) -> Option<f64> {
    let pensioner = if age_years >= 58.0 {
        chance(rng, 0.72)
    } else {
        chance(rng, 0.03)
    };
    if pensioner {
        row.set("NAME_INCOME_TYPE", Field::Text("Pensioner"));
        row.set("DAYS_EMPLOYED", Field::Int(SENTINEL_DAYS));
        row.set("ORGANIZATION_TYPE", Field::Text("XNA"));
        row.set("FLAG_EMP_PHONE", Field::Int(0));
        return None;
    }
    row.set(
        "NAME_INCOME_TYPE",
        Field::Text(pick(rng, cat::WORKING_INCOME_TYPES)),
    );
    let max_days = ((age_years - 18.0) * 365.25).max(30.0);
    let days = exponential(rng, 2_300.0).min(max_days).max(1.0);
    row.set("DAYS_EMPLOYED", Field::Int(-(days as i64)));
    row.set(
        "ORGANIZATION_TYPE",
        Field::Text(pick(rng, cat::ORGANIZATIONS)),
    );
    if !chance(rng, 0.15) {
        row.set("OCCUPATION_TYPE", Field::Text(pick(rng, cat::OCCUPATIONS)));
    }
    row.set("FLAG_EMP_PHONE", Field::Int(1));
    Some(days / 365.25)
}

fn income(rng: &mut impl Rng, row: &mut Row<'_>, person: &Person, employed: bool) -> f64 {
    let mut median = 140_000.0;
    median *= match person.education {
        -1 => 0.8,
        0 => 0.95,
        1 => 1.25,
        _ => 1.6,
    };
    if person.male {
        median *= 1.2;
    }
    if !employed {
        median *= 0.7;
    }
    let income = round_to(log_normal(rng, median, 0.48), 2_250.0).max(25_650.0);
    row.set("AMT_INCOME_TOTAL", Field::Float(income));
    income
}

/// Fills the requested loan; returns the credit amount and its annuity.
fn loan(rng: &mut impl Rng, row: &mut Row<'_>, income: f64) -> (f64, f64) {
    if chance(rng, 0.095) {
        let limit = pick(
            rng,
            &[
                (135_000.0, 0.25),
                (180_000.0, 0.15),
                (225_000.0, 0.15),
                (270_000.0, 0.2),
                (450_000.0, 0.12),
                (675_000.0, 0.05),
                (90_000.0, 0.08),
            ],
        );
        let annuity = limit * 0.05;
        row.set("NAME_CONTRACT_TYPE", Field::Text("Revolving loans"));
        row.set("AMT_CREDIT", Field::Float(limit));
        row.set("AMT_ANNUITY", Field::Float(annuity));
        if !chance(rng, 0.03) {
            row.set("AMT_GOODS_PRICE", Field::Float(limit));
        }
        return (limit, annuity);
    }
    let ratio = log_normal(rng, 3.2, 0.6);
    let goods = round_to(income * ratio, 4_500.0).clamp(45_000.0, 4_050_000.0);
    let insurance = if chance(rng, 0.7) {
        uniform(rng, 0.04, 0.2)
    } else {
        0.0
    };
    let credit = round_to(goods * (1.0 + insurance), 0.5);
    let months = pick(
        rng,
        &[
            (12, 0.15),
            (18, 0.08),
            (24, 0.2),
            (30, 0.07),
            (36, 0.2),
            (48, 0.15),
            (60, 0.15),
        ],
    );
    let annuity = round_to(amortised(credit, uniform(rng, 0.004, 0.014), months), 0.5);
    row.set("NAME_CONTRACT_TYPE", Field::Text("Cash loans"));
    row.set("AMT_CREDIT", Field::Float(credit));
    row.set("AMT_ANNUITY", Field::Float(annuity));
    row.set("AMT_GOODS_PRICE", Field::Float(goods));
    (credit, annuity)
}

/// The fixed monthly payment repaying `credit` over `months` at `monthly_rate`.
pub fn amortised(credit: f64, monthly_rate: f64, months: i32) -> f64 {
    if months <= 0 {
        return credit;
    }
    if monthly_rate <= 0.0 {
        return credit / f64::from(months);
    }
    credit * monthly_rate / (1.0 - (1.0 + monthly_rate).powi(-months))
}

/// Fills the region columns; returns the region rating (1 best, 3 worst).
fn region(rng: &mut impl Rng, row: &mut Row<'_>) -> i64 {
    // About 80 regions with fixed populations; the populous ones host most applicants.
    let region = (80.0 * rng.r#gen::<f64>().powf(1.6)).floor();
    let population = round_digits(0.0005 + 0.072 * (1.0 - region / 80.0).powi(3), 6);
    let rating = if population > 0.03 {
        pick(rng, &[(1, 0.55), (2, 0.45)])
    } else if population < 0.008 {
        pick(rng, &[(2, 0.45), (3, 0.55)])
    } else {
        pick(rng, &[(2, 0.85), (3, 0.1), (1, 0.05)])
    };
    let city_rating = if chance(rng, 0.92) {
        rating
    } else {
        (rating + pick(rng, &[(-1, 0.5), (1, 0.5)])).clamp(1, 3)
    };
    row.set("REGION_POPULATION_RELATIVE", Field::Float(population));
    row.set("REGION_RATING_CLIENT", Field::Int(rating));
    row.set("REGION_RATING_CLIENT_W_CITY", Field::Int(city_rating));
    rating
}

fn contact_and_addresses(rng: &mut impl Rng, row: &mut Row<'_>, employed: bool) {
    let age_days = match row.get("DAYS_BIRTH") {
        Field::Int(days) => -days as f64,
        _ => 20.0 * 365.25,
    };
    let registration = rng.r#gen::<f64>().powf(0.8) * (age_days - 18.0 * 365.25).min(20_000.0);
    row.set("DAYS_REGISTRATION", Field::Float(-registration.round()));
    let id_publish = uniform(rng, 0.0, (age_days - 14.0 * 365.25).min(6_300.0));
    row.set("DAYS_ID_PUBLISH", Field::Int(-(id_publish as i64)));
    row.set("FLAG_MOBIL", Field::Int(1));
    row.set(
        "FLAG_WORK_PHONE",
        Field::flag(chance(rng, if employed { 0.24 } else { 0.01 })),
    );
    row.set("FLAG_CONT_MOBILE", Field::flag(chance(rng, 0.998)));
    row.set("FLAG_PHONE", Field::flag(chance(rng, 0.28)));
    row.set("FLAG_EMAIL", Field::flag(chance(rng, 0.057)));
    row.set(
        "WEEKDAY_APPR_PROCESS_START",
        Field::Text(pick(rng, cat::WEEKDAYS)),
    );
    let hour = (12.0 + 3.3 * normal(rng)).round().clamp(0.0, 23.0);
    row.set("HOUR_APPR_PROCESS_START", Field::Int(hour as i64));
    let work = if employed { 1.0 } else { 0.05 };
    let flags = [
        ("REG_REGION_NOT_LIVE_REGION", 0.015),
        ("REG_REGION_NOT_WORK_REGION", 0.06 * work),
        ("LIVE_REGION_NOT_WORK_REGION", 0.05 * work),
        ("REG_CITY_NOT_LIVE_CITY", 0.078),
        ("REG_CITY_NOT_WORK_CITY", 0.28 * work),
        ("LIVE_CITY_NOT_WORK_CITY", 0.22 * work),
    ];
    for (name, share) in flags {
        row.set(name, Field::flag(chance(rng, share)));
    }
}

/// Three external scores: noisy readings of the latent quality (the first two also drift with
/// age), each missing as often as in the real data.
fn ext_sources(
    rng: &mut impl Rng,
    row: &mut Row<'_>,
    quality: f64,
    age_years: f64,
) -> [Option<f64>; 3] {
    let age = (age_years - 43.0) / 14.0;
    let settings = [
        ("EXT_SOURCE_1", 0.56, 0.0, 0.35),
        ("EXT_SOURCE_2", 0.002, 0.3, 0.0),
        ("EXT_SOURCE_3", 0.2, 0.1, 0.25),
    ];
    let mut values = [None; 3];
    for (slot, (name, missing, shift, age_weight)) in settings.into_iter().enumerate() {
        let reading = 0.55 * quality + age_weight * age + 0.8 * normal(rng);
        let value = sigmoid(shift + 1.05 * reading);
        if !chance(rng, missing) {
            values[slot] = Some(value);
            row.set(name, Field::Float(value));
        }
    }
    values
}

/// The fourteen building measures (each written as _AVG, _MODE and _MEDI) with the share of
/// buildings that leave each one blank.
const BUILDING_MEASURES: [(&str, f64); 14] = [
    ("APARTMENTS", 0.05),
    ("BASEMENTAREA", 0.2),
    ("YEARS_BEGINEXPLUATATION", 0.0),
    ("YEARS_BUILD", 0.35),
    ("COMMONAREA", 0.42),
    ("ELEVATORS", 0.09),
    ("ENTRANCES", 0.04),
    ("FLOORSMAX", 0.03),
    ("FLOORSMIN", 0.38),
    ("LANDAREA", 0.21),
    ("LIVINGAPARTMENTS", 0.39),
    ("LIVINGAREA", 0.03),
    ("NONLIVINGAPARTMENTS", 0.41),
    ("NONLIVINGAREA", 0.12),
];

/// Normalised building measures: known for about half of the applicants.
fn building(rng: &mut impl Rng, row: &mut Row<'_>) {
    if !chance(rng, 0.51) {
        return;
    }
    let size = log_normal(rng, 1.0, 0.8);
    let floors = 1.0 + f64::from(geometric(rng, 4.0).min(24));
    for (measure, missing) in BUILDING_MEASURES {
        let value = building_measure(rng, measure, size, floors).clamp(0.0, 1.0);
        if chance(rng, missing) {
            continue;
        }
        let mode = value * (1.0 + 0.05 * normal(rng));
        let medi = value * (1.0 + 0.02 * normal(rng));
        for (suffix, v) in [("AVG", value), ("MODE", mode), ("MEDI", medi)] {
            let name = format!("{measure}_{suffix}");
            row.set(&name, Field::Float(round_digits(v.clamp(0.0, 1.0), 4)));
        }
    }
    building_labels(rng, row, size);
}

fn building_measure(rng: &mut impl Rng, measure: &str, size: f64, floors: f64) -> f64 {
    match measure {
        "APARTMENTS" => 0.09 * size,
        "LIVINGAPARTMENTS" => 0.075 * size * uniform(rng, 0.85, 1.1),
        "LIVINGAREA" => 0.075 * size * uniform(rng, 0.8, 1.15),
        "BASEMENTAREA" => log_normal(rng, 0.075, 0.7),
        "YEARS_BEGINEXPLUATATION" => 1.0 - exponential(rng, 0.02),
        "YEARS_BUILD" => uniform(rng, 0.45, 0.95),
        "COMMONAREA" => log_normal(rng, 0.02, 1.0),
        "ELEVATORS" => {
            if floors < 6.0 {
                0.0
            } else {
                0.04 * f64::from(1 + geometric(rng, 2.0))
            }
        }
        "ENTRANCES" => f64::from(1 + geometric(rng, 3.0)) / 29.0,
        "FLOORSMAX" => floors / 24.0,
        "FLOORSMIN" => (floors - f64::from(geometric(rng, 1.0))).max(1.0) / 24.0,
        "LANDAREA" => log_normal(rng, 0.05, 0.9),
        "NONLIVINGAPARTMENTS" => {
            if chance(rng, 0.6) {
                0.0
            } else {
                0.0039 * f64::from(1 + geometric(rng, 2.0))
            }
        }
        _ => {
            if chance(rng, 0.45) {
                0.0
            } else {
                log_normal(rng, 0.02, 1.0)
            }
        }
    }
}

fn building_labels(rng: &mut impl Rng, row: &mut Row<'_>, size: f64) {
    if !chance(rng, 0.39) {
        row.set(
            "FONDKAPREMONT_MODE",
            Field::Text(pick(rng, cat::FONDKAPREMONT)),
        );
    }
    if !chance(rng, 0.03) {
        row.set("HOUSETYPE_MODE", Field::Text(pick(rng, cat::HOUSE_TYPE)));
    }
    let total_area = (0.07 * size * (1.0 + 0.1 * normal(rng))).clamp(0.0, 1.0);
    row.set("TOTALAREA_MODE", Field::Float(round_digits(total_area, 4)));
    if !chance(rng, 0.05) {
        row.set("WALLSMATERIAL_MODE", Field::Text(pick(rng, cat::WALLS)));
    }
    let emergency = if chance(rng, 0.013) { "Yes" } else { "No" };
    row.set("EMERGENCYSTATE_MODE", Field::Text(emergency));
}

/// Observations and defaults in the applicant's social circle; returns DEF_30_CNT.
fn social_circle(rng: &mut impl Rng, row: &mut Row<'_>, quality: f64) -> f64 {
    if chance(rng, 0.003) {
        return 0.0;
    }
    let observed = geometric(rng, 1.4).min(40);
    let default_share = sigmoid(-2.4 - 0.5 * quality);
    let defaults = (0..observed).filter(|_| chance(rng, default_share)).count() as f64;
    let observed = f64::from(observed);
    let observed_60 = if chance(rng, 0.97) {
        observed
    } else {
        (observed - 1.0).max(0.0)
    };
    let defaults_60 = if defaults > 0.0 && chance(rng, 0.3) {
        defaults - 1.0
    } else {
        defaults
    };
    row.set("OBS_30_CNT_SOCIAL_CIRCLE", Field::Float(observed));
    row.set("DEF_30_CNT_SOCIAL_CIRCLE", Field::Float(defaults));
    row.set("OBS_60_CNT_SOCIAL_CIRCLE", Field::Float(observed_60));
    row.set("DEF_60_CNT_SOCIAL_CIRCLE", Field::Float(defaults_60));
    defaults
}

fn documents_and_enquiries(rng: &mut impl Rng, row: &mut Row<'_>) {
    let phone_change = if chance(rng, 0.12) {
        0.0
    } else {
        -exponential(rng, 1_000.0).min(4_300.0).round()
    };
    row.set("DAYS_LAST_PHONE_CHANGE", Field::Float(phone_change));
    for (offset, share) in cat::DOCUMENT_SHARES.into_iter().enumerate() {
        let name = format!("FLAG_DOCUMENT_{}", offset + 2);
        row.set(&name, Field::flag(chance(rng, share)));
    }
    if chance(rng, 0.135) {
        return;
    }
    let enquiries = [
        ("AMT_REQ_CREDIT_BUREAU_HOUR", 0.006),
        ("AMT_REQ_CREDIT_BUREAU_DAY", 0.006),
        ("AMT_REQ_CREDIT_BUREAU_WEEK", 0.035),
        ("AMT_REQ_CREDIT_BUREAU_MON", 0.27),
        ("AMT_REQ_CREDIT_BUREAU_QRT", 0.27),
        ("AMT_REQ_CREDIT_BUREAU_YEAR", 1.9),
    ];
    for (name, mean) in enquiries {
        let count = f64::from(geometric(rng, mean).min(25));
        row.set(name, Field::Float(count));
    }
}
