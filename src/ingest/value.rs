//! Turning one raw CSV field into a typed value, by the column's declared type.
//!
//! Rules (the same for every file, so that the database never depends on what the first
//! rows happen to hold):
//!
//! - An empty field is NULL in every type.
//! - In numeric columns, `nan`/`NaN` (any case) is also NULL: it is how numpy and some
//!   exports write a missing number, and it can mean nothing else. Other spellings (`NA`,
//!   `null`, `None`) are reported rather than guessed at.
//! - Surrounding spaces are ignored in numeric columns.
//! - `Integer` accepts `3`, and also an integral value written as a float (`3.0`, `-2225.0`,
//!   `1e3`), because pandas writes an integer column that has gaps as floats. `3.5` is an
//!   error: it would be silently truncated otherwise.
//! - `Float` accepts anything Rust's `f64` parser does except infinities, which no Home Credit
//!   column can hold and which would poison every sum and average.
//! - `Text` is kept as written. Data files must be UTF-8; the column description file is read
//!   leniently (see [`decode_lenient`]).

use std::borrow::Cow;

use super::schema::ColumnType;

/// One parsed value, ready for the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(Cow<'a, str>),
}

/// Why a field did not parse; the message is meant for the person fixing the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure(pub &'static str);

/// Parses one field as `ty`.
pub fn parse(raw: &[u8], ty: ColumnType) -> Result<Cell<'_>, ParseFailure> {
    match ty {
        ColumnType::Text => parse_text(raw),
        ColumnType::Integer => parse_integer(raw),
        ColumnType::Float => parse_float(raw),
    }
}

fn parse_text(raw: &[u8]) -> Result<Cell<'_>, ParseFailure> {
    if raw.is_empty() {
        return Ok(Cell::Null);
    }
    std::str::from_utf8(raw)
        .map(|text| Cell::Text(Cow::Borrowed(text)))
        .map_err(|_| ParseFailure("not UTF-8 text: save the file as UTF-8 and try again"))
}

/// The trimmed text of a numeric field, or `None` when it means "missing".
fn numeric_text(raw: &[u8]) -> Result<Option<&str>, ParseFailure> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| ParseFailure("not a number (not even UTF-8 text)"))?
        .trim();
    if text.is_empty() || text.eq_ignore_ascii_case("nan") {
        Ok(None)
    } else {
        Ok(Some(text))
    }
}

fn parse_integer(raw: &[u8]) -> Result<Cell<'_>, ParseFailure> {
    let Some(text) = numeric_text(raw)? else {
        return Ok(Cell::Null);
    };
    if let Ok(value) = text.parse::<i64>() {
        return Ok(Cell::Int(value));
    }
    let float: f64 = text
        .parse()
        .map_err(|_| ParseFailure("not a whole number (expected e.g. `12` or `12.0`)"))?;

    // 2^63 is exactly representable; anything at or beyond it does not fit an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if !float.is_finite() || float.fract() != 0.0 || float.abs() >= LIMIT {
        return Err(ParseFailure(
            "not a whole number: this column holds counts, days or identifiers",
        ));
    }
    // Checked above: finite, integral and within the i64 range, so the cast is exact.
    Ok(Cell::Int(float as i64))
}

fn parse_float(raw: &[u8]) -> Result<Cell<'_>, ParseFailure> {
    let Some(text) = numeric_text(raw)? else {
        return Ok(Cell::Null);
    };
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(Cell::Float(value)),
        Ok(_) => Err(ParseFailure(
            "is infinite: use an empty field for a missing number",
        )),
        Err(_) => Err(ParseFailure("not a number (expected e.g. `1250.5`)")),
    }
}

/// Decodes text that should be UTF-8 but may be Windows-1252 (as Kaggle's
/// `HomeCredit_columns_description.csv` is): valid UTF-8 is kept, anything else is read as
/// Windows-1252, whose bytes 0xA0-0xFF are Latin-1 and 0x80-0x9F typographic signs.
pub fn decode_lenient(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(raw.iter().map(|&byte| cp1252(byte)).collect()),
    }
}

/// The character of one Windows-1252 byte.
fn cp1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(raw: &str) -> Result<Cell<'_>, ParseFailure> {
        parse(raw.as_bytes(), ColumnType::Integer)
    }

    fn float(raw: &str) -> Result<Cell<'_>, ParseFailure> {
        parse(raw.as_bytes(), ColumnType::Float)
    }

    #[test]
    fn integers_accept_integral_floats_and_reject_fractions() {
        assert_eq!(int("12"), Ok(Cell::Int(12)));
        assert_eq!(int("-2225.0"), Ok(Cell::Int(-2225)));
        assert_eq!(int("1e3"), Ok(Cell::Int(1000)));
        assert_eq!(int(" 7 "), Ok(Cell::Int(7)));
        assert!(int("3.5").is_err());
        assert!(int("abc").is_err());
        assert!(int("1e30").is_err());
        assert!(int("inf").is_err());
    }

    #[test]
    fn empty_and_nan_are_null_in_numbers_but_na_is_not() {
        assert_eq!(int(""), Ok(Cell::Null));
        assert_eq!(float("NaN"), Ok(Cell::Null));
        assert_eq!(int("nan"), Ok(Cell::Null));
        assert!(float("NA").is_err());
        assert!(float("null").is_err());
    }

    #[test]
    fn floats_parse_and_refuse_infinity() {
        assert_eq!(float("95422.5"), Ok(Cell::Float(95422.5)));
        assert_eq!(float("-1.5e-3"), Ok(Cell::Float(-0.0015)));
        assert!(float("inf").is_err());
        assert!(float("1,5").is_err());
    }

    #[test]
    fn text_is_kept_and_empty_text_is_null() {
        assert_eq!(
            parse(b"Cash loans", ColumnType::Text),
            Ok(Cell::Text(Cow::Borrowed("Cash loans")))
        );
        assert_eq!(parse(b"", ColumnType::Text), Ok(Cell::Null));
        assert!(parse(b"caf\xe9", ColumnType::Text).is_err());
    }

    #[test]
    fn lenient_decoding_reads_windows_1252() {
        assert_eq!(decode_lenient("café …".as_bytes()), "café …");
        assert_eq!(decode_lenient(b"caf\xe9 \x85 \x92"), "café … ’");
    }
}
