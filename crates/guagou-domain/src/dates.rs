//! Calendar rules for deadlines (SPEC §3): "within N years of D" means the last valid day is
//! D + N years − 1 day, where 29 February plus N years becomes 28 February when that year has no
//! 29 February. Dates are civil dates in Asia/Shanghai; callers pass "today" explicitly.

use chrono::{Datelike, Months, NaiveDate};

/// The last valid day of a period of `years` years starting on `start`.
pub fn last_day_within_years(start: NaiveDate, years: u32) -> Option<NaiveDate> {
    // chrono's checked_add_months clamps 29 Feb to 28 Feb in common years, as the rule wants.
    let anniversary = start.checked_add_months(Months::new(years.checked_mul(12)?))?;
    anniversary.pred_opt()
}

/// Whether `today` is after the last valid day (the deadline has passed).
pub fn is_overdue(start: NaiveDate, years: u32, today: NaiveDate) -> bool {
    match last_day_within_years(start, years) {
        Some(last) => today > last,
        None => false,
    }
}

/// The calendar year of a date, for per-year rules (adjustments, guide prices).
pub fn year_of(date: NaiveDate) -> i32 {
    date.year()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn one_year_from_ordinary_date() {
        assert_eq!(
            last_day_within_years(d(2018, 3, 15), 1),
            Some(d(2019, 3, 14))
        );
        assert!(!is_overdue(d(2018, 3, 15), 1, d(2019, 3, 14)));
        assert!(is_overdue(d(2018, 3, 15), 1, d(2019, 3, 15)));
    }

    #[test]
    fn leap_day_start() {
        // 29 Feb 2020 + 1 year → 28 Feb 2021 (clamped), minus a day → 27 Feb 2021.
        assert_eq!(
            last_day_within_years(d(2020, 2, 29), 1),
            Some(d(2021, 2, 27))
        );
        assert_eq!(
            last_day_within_years(d(2020, 2, 29), 4),
            Some(d(2024, 2, 28))
        );
    }

    #[test]
    fn three_years() {
        assert_eq!(
            last_day_within_years(d(2018, 1, 1), 3),
            Some(d(2020, 12, 31))
        );
    }
}
