//! Numbers written for people.
//!
//! Rules, kept deliberately simple:
//! - whole numbers and values of 100 or more: rounded to a whole number with thousands
//!   separators (`135,000`, `-1,234`);
//! - values from 1 to 100: two decimals (`12.50`);
//! - values below 1: two significant digits, at least two decimals (`0.21`, `0.50`, `0.053`);
//! - columns whose variable starts with `DAYS_` count days before the application (negative
//!   in the data) and are shown as positive durations: in years with one decimal when the
//!   label mentions years (`27.4 years`), else in days (`1,200 days`); except a ratio of days
//!   (`..._PERC`, such as time employed over age) and a variance of days (`..._VAR`), which
//!   are plain numbers;
//! - the `DAYS_` columns that count to a date which may lie ahead (the planned end of a credit,
//!   the last due date of a loan) keep their sign: `in 300 days` or `120 days ago`;
//! - the first, last or mean month of a monthly history (`MONTHS_BALANCE` as minimum, maximum
//!   or mean; negative in the data) is shown as months before the application (`12 months
//!   ago`).

use crate::data::{FeatureInfo, ValueKind};

/// How a column's values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Plain,
    /// `DAYS_` columns whose label mentions years.
    YearsFromDays,
    /// Other `DAYS_` columns.
    Days,
    /// `DAYS_` columns counting to a date that may be in the future or in the past.
    DaysFromNow,
    /// The first, last or mean month of a monthly history.
    MonthsAgo,
    /// A proportion from 0 to 1, shown as a percentage.
    Percent,
}

const DAYS_PER_YEAR: f64 = 365.25;

/// `DAYS_` variables counting from the application to a date that may still lie ahead.
const TOWARDS_A_DATE: &[&str] = &[
    "DAYS_CREDIT_ENDDATE",
    "DAYS_LAST_DUE_1ST_VERSION",
    "DAYS_LAST_DUE",
    "DAYS_TERMINATION",
];

impl Unit {
    /// The unit of a catalog column (see the module documentation).
    pub fn of(info: &FeatureInfo) -> Self {
        if info.kind == ValueKind::Share {
            return Self::Percent;
        }
        let is_days = (info.variable.starts_with("DAYS_") || info.name.starts_with("DAYS_"))
            && !is_ratio_or_spread(&info.name)
            && !is_ratio_or_spread(&info.variable);
        if is_month_of_history(info) {
            return Self::MonthsAgo;
        }
        if is_days && counts_to_a_date(&info.variable) {
            return Self::DaysFromNow;
        }
        match (is_days, info.label.to_lowercase().contains("year")) {
            (false, _) => Self::Plain,
            (true, true) => Self::YearsFromDays,
            (true, false) => Self::Days,
        }
    }

    /// The value in display units. Durations flip sign, so compare values after this step.
    pub fn to_display(self, value: f64) -> f64 {
        match self {
            Self::Plain | Self::DaysFromNow => value,
            Self::Percent => 100.0 * value,
            Self::YearsFromDays => value.abs() / DAYS_PER_YEAR,
            Self::Days | Self::MonthsAgo => value.abs(),
        }
    }

    /// Formats a value already in display units.
    pub fn format(self, display_value: f64) -> String {
        match self {
            Self::Plain => format_number(display_value),
            Self::YearsFromDays => format!("{display_value:.1} years"),
            Self::Percent => format!("{display_value:.0}%"),
            Self::Days => format!("{} days", format_number(display_value.round())),
            Self::DaysFromNow if display_value >= 0.0 => {
                format!("in {} days", format_number(display_value.round()))
            }
            Self::DaysFromNow => format!("{} days ago", format_number(-display_value.round())),
            Self::MonthsAgo => match format_number(display_value.round()).as_str() {
                "0" => "this month".to_owned(),
                "1" => "1 month ago".to_owned(),
                months => format!("{months} months ago"),
            },
        }
    }
}

/// Whether a `DAYS_` variable counts from the application to a date that may still lie ahead
/// (its largest value is the furthest in the future), rather than back to a past event (its
/// largest value, the least negative, is the most recent).
pub fn counts_to_a_date(variable: &str) -> bool {
    // History variables carry their table: `DAYS_CREDIT_ENDDATE (bureau)`.
    let raw = variable.split(" (").next().unwrap_or(variable);
    TOWARDS_A_DATE.contains(&raw)
}

/// Whether a `DAYS_` column is not a duration: a ratio of two durations or a variance.
fn is_ratio_or_spread(column: &str) -> bool {
    column.ends_with("_PERC") || column.ends_with("_VAR")
}

/// Whether a column is a month of a monthly history (not a count or a spread of months).
fn is_month_of_history(info: &FeatureInfo) -> bool {
    let of_months =
        info.variable.starts_with("MONTHS_BALANCE") && info.variable != "MONTHS_BALANCE_SIZE";
    let position = ["_MIN", "_MAX", "_MEAN"]
        .iter()
        .any(|suffix| info.name.ends_with(suffix));
    of_months && position
}

/// Formats a number following the module's rules; `NaN` becomes "missing".
pub fn format_number(value: f64) -> String {
    if value.is_nan() {
        return "missing".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "infinity" } else { "-infinity" }.into();
    }
    let magnitude = value.abs();
    if value.fract() == 0.0 || magnitude >= 100.0 {
        return with_separators(value.round());
    }
    if magnitude >= 1.0 {
        return format!("{value:.2}");
    }
    let decimals = (1 - magnitude.log10().floor() as i32).max(2) as usize;
    format!("{value:.decimals$}")
}

/// A share in `[0, 1]` as a whole percentage, with "less than 1%" for tiny non-zero shares.
pub fn format_percent(share: f64) -> String {
    let percent = share * 100.0;
    if percent > 0.0 && percent < 0.5 {
        return "less than 1%".into();
    }
    format!("{percent:.0}%")
}

fn with_separators(whole: f64) -> String {
    let digits = format!("{:.0}", whole.abs());
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if whole < 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_documented_rules() {
        assert_eq!(format_number(135_000.0), "135,000");
        assert_eq!(format_number(-1234.4), "-1,234");
        assert_eq!(format_number(1_000_000.6), "1,000,001");
        assert_eq!(format_number(12.5), "12.50");
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.2134), "0.21");
        assert_eq!(format_number(0.5), "0.50");
        assert_eq!(format_number(0.0531), "0.053");
        assert_eq!(format_number(-0.00123), "-0.0012");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(f64::NAN), "missing");
    }

    #[test]
    fn percentages_are_whole() {
        assert_eq!(format_percent(0.714), "71%");
        assert_eq!(format_percent(0.001), "less than 1%");
        assert_eq!(format_percent(0.0), "0%");
    }

    #[test]
    fn days_become_years_only_when_the_label_says_so() {
        let mut info = FeatureInfo::plain("DAYS_BIRTH");
        info.label = "Age in years".into();
        assert_eq!(Unit::of(&info), Unit::YearsFromDays);
        assert_eq!(
            Unit::YearsFromDays.format(Unit::YearsFromDays.to_display(-10_000.0)),
            "27.4 years"
        );
        info.label = "Days since the ID was changed".into();
        assert_eq!(Unit::of(&info), Unit::Days);
        assert_eq!(
            Unit::Days.format(Unit::Days.to_display(-1200.0)),
            "1,200 days"
        );
        assert_eq!(Unit::of(&FeatureInfo::plain("AMT_CREDIT")), Unit::Plain);
    }

    #[test]
    fn ratios_and_variances_of_days_are_plain_numbers() {
        let mut share = FeatureInfo::plain("DAYS_EMPLOYED_PERC");
        share.label = "Share of life spent in the current job".into();
        assert_eq!(Unit::of(&share), Unit::Plain);
        let mut spread = FeatureInfo::plain("BURO_DAYS_CREDIT_VAR");
        spread.variable = "DAYS_CREDIT".into();
        spread.label = "Spread of days since each credit bureau credit".into();
        assert_eq!(Unit::of(&spread), Unit::Plain);
        let mut mean = FeatureInfo::plain("BURO_DAYS_CREDIT_MEAN");
        mean.variable = "DAYS_CREDIT".into();
        assert_eq!(Unit::of(&mean), Unit::Days);
    }

    #[test]
    fn dates_ahead_keep_their_direction() {
        let mut end = FeatureInfo::plain("ACTIVE_DAYS_CREDIT_ENDDATE_MAX");
        end.variable = "DAYS_CREDIT_ENDDATE".into();
        assert_eq!(Unit::of(&end), Unit::DaysFromNow);
        let shown = |v: f64| Unit::DaysFromNow.format(Unit::DaysFromNow.to_display(v));
        assert_eq!(shown(300.0), "in 300 days");
        assert_eq!(shown(-1_200.0), "1,200 days ago");
        // As the feature catalog names a history variable: with its table.
        end.variable = "DAYS_CREDIT_ENDDATE (bureau)".into();
        assert_eq!(Unit::of(&end), Unit::DaysFromNow);
        let mut opened = FeatureInfo::plain("BURO_DAYS_CREDIT_MIN");
        opened.variable = "DAYS_CREDIT (bureau)".into();
        assert_eq!(Unit::of(&opened), Unit::Days);
    }

    #[test]
    fn months_of_a_history_are_months_ago() {
        let mut last = FeatureInfo::plain("POS_MONTHS_BALANCE_MAX");
        last.variable = "MONTHS_BALANCE".into();
        assert_eq!(Unit::of(&last), Unit::MonthsAgo);
        let shown = |v: f64| Unit::MonthsAgo.format(Unit::MonthsAgo.to_display(v));
        assert_eq!(shown(-12.0), "12 months ago");
        assert_eq!(shown(-1.0), "1 month ago");
        assert_eq!(shown(0.0), "this month");
        let mut size = FeatureInfo::plain("BURO_MONTHS_BALANCE_SIZE_MEAN");
        size.variable = "MONTHS_BALANCE_SIZE".into();
        assert_eq!(Unit::of(&size), Unit::Plain);
        let mut total = FeatureInfo::plain("CC_MONTHS_BALANCE_SUM");
        total.variable = "MONTHS_BALANCE".into();
        assert_eq!(Unit::of(&total), Unit::Plain);
    }
}
