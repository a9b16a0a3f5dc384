//! Units of the ledger and the rules: integer square metres and integer 分.
//!
//! A geometric area (f64) becomes a ledger amount once, when it is confirmed, by rounding half
//! away from zero (SPEC §3). Display: 公顷 with 4 decimals, 亩 with 2 decimals (1 亩 = 10000/15 m²).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An area in whole square metres.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SquareMetres(pub i64);

impl SquareMetres {
    pub const ZERO: SquareMetres = SquareMetres(0);

    /// Rounds a measured area half away from zero. Non-finite or out-of-range input is `None`.
    pub fn from_measured(area_m2: f64) -> Option<SquareMetres> {
        if !area_m2.is_finite() || area_m2.abs() > 9.0e15 {
            return None;
        }
        // f64::round rounds half away from zero, as SPEC §3 asks.
        Some(SquareMetres(area_m2.round() as i64))
    }

    pub fn from_hectares_exact(hectares: i64) -> SquareMetres {
        SquareMetres(hectares * 10_000)
    }

    pub fn m2(self) -> i64 {
        self.0
    }

    /// 公顷 with 4 decimals, exactly (no float).
    pub fn hectares_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:04}", abs / 10_000, abs % 10_000)
    }

    /// 亩 with 2 decimals, rounded half away from zero from the exact value m² × 15 / 10000.
    pub fn mu_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        // hundredths of a mu = m2 * 15 / 100, rounded half up on the absolute value.
        let scaled = u128::from(self.0.unsigned_abs()) * 15;
        let hundredths = (scaled + 50) / 100;
        format!("{sign}{}.{:02}", hundredths / 100, hundredths % 100)
    }

    pub fn checked_add(self, other: SquareMetres) -> Option<SquareMetres> {
        self.0.checked_add(other.0).map(SquareMetres)
    }

    pub fn checked_sub(self, other: SquareMetres) -> Option<SquareMetres> {
        self.0.checked_sub(other.0).map(SquareMetres)
    }
}

impl fmt::Display for SquareMetres {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} m²", self.0)
    }
}

impl std::iter::Sum for SquareMetres {
    fn sum<I: Iterator<Item = SquareMetres>>(iter: I) -> SquareMetres {
        SquareMetres(iter.map(|a| a.0).sum())
    }
}

/// Money in 分 (0.01 CNY).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    pub fn from_yuan(yuan: i64) -> Option<Fen> {
        yuan.checked_mul(100).map(Fen)
    }

    /// Yuan with 2 decimals.
    pub fn yuan_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    /// Yuan with 2 decimals and thousands separators: 50 000 000 分 → "500,000.00".
    pub fn yuan_grouped_text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", grouped(abs / 100), abs % 100)
    }

    /// The amount in 万元 when that reads better than 元: from 1 万元 up and a whole number
    /// of 100 元 (at most two decimals of 万元), without trailing zeros and with separators:
    /// 30 万元 → "30", 1 800 万元 → "1,800", 305 000 元 → "30.5"; `None` otherwise.
    pub fn wan_yuan_text(self) -> Option<String> {
        let abs = self.0.unsigned_abs();
        // 1 万元 = 1 000 000 分; 0.01 万元 = 10 000 分.
        if abs < 1_000_000 || !abs.is_multiple_of(10_000) {
            return None;
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        let hundredths = abs / 10_000;
        let whole = grouped(hundredths / 100);
        Some(match hundredths % 100 {
            0 => format!("{sign}{whole}"),
            f if f % 10 == 0 => format!("{sign}{whole}.{}", f / 10),
            f => format!("{sign}{whole}.{f:02}"),
        })
    }

    /// The amount in Chinese financial capitals: "人民币伍拾万元整" (`capitals::rmb_capitals`).
    pub fn capitals(self) -> String {
        crate::capitals::rmb_capitals(self.0)
    }
}

/// Digits with a comma every three: 1234567 → "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}", self.yuan_text())
    }
}

/// Square metres in one 亩, as a ratio (10000/15), for converting prices per 亩.
pub const M2_PER_MU_NUMERATOR: i64 = 10_000;
pub const M2_PER_MU_DENOMINATOR: i64 = 15;

/// An amount as people type it: digits with thousands separators (`,` `，` or spaces),
/// optionally a decimal part, optionally 万 (ten thousand) and a unit. Parsed exactly (no
/// float) into `scale`-ths of the unit; `None` for anything else or on overflow.
fn parse_scaled(text: &str, units: &[&str], scale: u32) -> Option<i64> {
    let mut text = text.trim();
    for unit in units {
        if let Some(rest) = text.strip_suffix(unit) {
            text = rest.trim_end();
            break;
        }
    }
    let (text, wan) = match text.strip_suffix('万') {
        Some(rest) => (rest.trim_end(), true),
        None => (text, false),
    };
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{a0}'))
        .collect();
    let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let plain = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || !plain(whole) || !plain(frac) {
        return None;
    }
    if digits.contains('.') && frac.is_empty() {
        return None;
    }
    // 万 moves the decimal point four places: "30.5万" is 305000.
    let shift = if wan { 4 } else { 0 };
    let places = scale + shift;
    let frac = frac.trim_end_matches('0');
    if frac.len() > places as usize {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let padded = format!("{frac:0<width$}", width = places as usize);
    let frac: i64 = if padded.is_empty() {
        0
    } else {
        padded.parse().ok()?
    };
    whole
        .checked_mul(10_i64.checked_pow(places)?)?
        .checked_add(frac)
}

/// An area typed in a form, in whole m²: "50000", "50,000", "50,000.00", "5万", "50000 m²".
/// A fraction of a square metre is `None` (ledger amounts are whole m², SPEC §3).
pub fn parse_area_m2(text: &str) -> Option<i64> {
    parse_scaled(text, &["平方米", "m²", "m2", "㎡"], 0)
}

/// Money typed in a form, in 分: 元 with at most two decimals and separators ("50,000.00",
/// "1234.5"), or 万元 ("30万", "30万元", "30.5万元"). A fraction of a 分 is `None`.
pub fn parse_money_fen(text: &str) -> Option<i64> {
    parse_scaled(text, &["元"], 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            SquareMetres::from_measured(49_999.5),
            Some(SquareMetres(50_000))
        );
        assert_eq!(
            SquareMetres::from_measured(49_999.49),
            Some(SquareMetres(49_999))
        );
        assert_eq!(SquareMetres::from_measured(-0.5), Some(SquareMetres(-1)));
        assert_eq!(SquareMetres::from_measured(f64::NAN), None);
        assert_eq!(SquareMetres::from_measured(f64::INFINITY), None);
    }

    #[test]
    fn hectares_and_mu_display() {
        assert_eq!(SquareMetres(50_000).hectares_text(), "5.0000");
        assert_eq!(SquareMetres(49_999).hectares_text(), "4.9999");
        assert_eq!(SquareMetres(-12).hectares_text(), "-0.0012");
        // 1 mu = 666.67 m²; 10000 m² = 15 mu.
        assert_eq!(SquareMetres(10_000).mu_text(), "15.00");
        assert_eq!(SquareMetres(667).mu_text(), "1.00");
        assert_eq!(SquareMetres(1).mu_text(), "0.00");
        assert_eq!(SquareMetres(4).mu_text(), "0.01");
    }

    #[test]
    fn money_display() {
        assert_eq!(Fen(30_000_000).yuan_text(), "300000.00");
        assert_eq!(Fen(-5).yuan_text(), "-0.05");
        assert_eq!(Fen::from_yuan(300_000), Some(Fen(30_000_000)));
    }

    #[test]
    fn money_with_separators_and_wan() {
        assert_eq!(Fen(50_000_000).yuan_grouped_text(), "500,000.00");
        assert_eq!(Fen(123_456_789).yuan_grouped_text(), "1,234,567.89");
        assert_eq!(Fen(99_999).yuan_grouped_text(), "999.99");
        assert_eq!(Fen(100_000).yuan_grouped_text(), "1,000.00");
        assert_eq!(Fen(5).yuan_grouped_text(), "0.05");
        assert_eq!(Fen(-123_456).yuan_grouped_text(), "-1,234.56");
        assert_eq!(
            Fen(i64::MAX).yuan_grouped_text(),
            "92,233,720,368,547,758.07"
        );
        assert_eq!(Fen(30_000_000).wan_yuan_text().as_deref(), Some("30"));
        assert_eq!(Fen(1_800_000_000).wan_yuan_text().as_deref(), Some("1,800"));
        assert_eq!(Fen(30_500_000).wan_yuan_text().as_deref(), Some("30.5"));
        assert_eq!(Fen(30_510_000).wan_yuan_text().as_deref(), Some("30.51"));
        assert_eq!(Fen(1_000_000).wan_yuan_text().as_deref(), Some("1"));
        // Below 1 万元, or not a whole 100 元: the figures in 元 read better.
        assert_eq!(Fen(999_900).wan_yuan_text(), None);
        assert_eq!(Fen(30_500_100).wan_yuan_text(), None);
        assert_eq!(Fen(0).wan_yuan_text(), None);
        assert_eq!(Fen(50_000_000).capitals(), "人民币伍拾万元整");
    }

    #[test]
    fn areas_as_people_type_them() {
        for (text, m2) in [
            ("50000", 50_000),
            ("50,000", 50_000),
            ("50，000", 50_000),
            ("50 000", 50_000),
            ("50,000.00", 50_000),
            ("5万", 50_000),
            ("1.2345万", 12_345),
            ("50000 m²", 50_000),
            ("0", 0),
        ] {
            assert_eq!(parse_area_m2(text), Some(m2), "{text}");
        }
        for text in [
            "",
            "50,000.5",
            "1.23456万",
            "-5",
            "5e3",
            "50.",
            "abc",
            "9999999999999999",
        ] {
            assert_eq!(parse_area_m2(text), None, "{text}");
        }
    }

    #[test]
    fn money_as_people_type_it() {
        for (text, fen) in [
            ("50,000.00", 5_000_000),
            ("1234.5", 123_450),
            ("30万", 30_000_000),
            ("30万元", 30_000_000),
            ("30.5万元", 30_500_000),
            ("300000元", 30_000_000),
            ("0.01", 1),
        ] {
            assert_eq!(parse_money_fen(text), Some(fen), "{text}");
        }
        for text in ["1.001", "30.1234567万", "-1", "1,2,3.4.5", "元"] {
            assert_eq!(parse_money_fen(text), None, "{text}");
        }
    }
}
