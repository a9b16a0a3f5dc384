//! Calendar rules for deadlines (SPEC §3, 民法典 arts. 201–203).
//!
//! - The day of the event is not counted (art. 201): a period of N years starting on D runs from
//!   the next day, so "within N years of D" ends on the corresponding day N years later, D + N
//!   years (2018-07-15 + 1 year → 2019-07-15 inclusive, overdue from 2019-07-16). 29 February
//!   plus N years becomes 28 February when that year has none (art. 202: the corresponding day;
//!   without one, the last day of that month).
//! - A last day that is a rest day (法定休假日, art. 203) moves to the next working day. Which
//!   days rest is the profile's `[calendar]`: an explicit list of holidays, an explicit list of
//!   adjusted working days (调休 Saturdays and Sundays) and a flag for weekends. With no
//!   calendar (`Calendar::default()`), no day moves.
//!
//! Dates are civil dates in Asia/Shanghai; callers pass "today" explicitly. Pure: nothing here
//! reads a clock.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// One rest date or an inclusive range of them: `2019-10-01` or `2019-10-01..2019-10-07`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DateSpan {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DateSpan {
    pub fn parse(text: &str) -> Result<DateSpan, String> {
        let day = |t: &str| {
            NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                .map_err(|e| format!("'{t}' is not a date YYYY-MM-DD: {e}"))
        };
        let (first, last) = match text.split_once("..") {
            Some((a, b)) => (day(a)?, day(b)?),
            None => {
                let d = day(text)?;
                (d, d)
            }
        };
        if last < first {
            return Err(format!("'{text}': the range ends before it starts"));
        }
        if (last - first).num_days() > 366 {
            return Err(format!(
                "'{text}': a range of rest days spans more than a year"
            ));
        }
        Ok(DateSpan { first, last })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.first..=self.last).contains(&day)
    }
}

impl TryFrom<String> for DateSpan {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        DateSpan::parse(&text)
    }
}

impl From<DateSpan> for String {
    fn from(span: DateSpan) -> String {
        span.to_string()
    }
}

impl fmt::Display for DateSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

/// Which days are rest days (法定休假日) for moving a last day (民法典 art. 203).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    /// Saturdays and Sundays rest, unless listed in `working_days`.
    pub weekends_rest: bool,
    /// Listed rest days (statutory holidays and the days the State Council adds to them).
    pub holidays: Vec<DateSpan>,
    /// Adjusted working days (调休): a listed day is a working day even on a weekend.
    pub working_days: BTreeSet<NaiveDate>,
}

impl Calendar {
    /// Whether `day` is a rest day.
    pub fn is_rest_day(&self, day: NaiveDate) -> bool {
        if self.working_days.contains(&day) {
            return false;
        }
        if self.holidays.iter().any(|h| h.contains(day)) {
            return true;
        }
        self.weekends_rest && matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// `day` itself if it is a working day, else the first working day after it (`None` only
    /// past the end of chrono's calendar).
    pub fn next_working_day(&self, day: NaiveDate) -> Option<NaiveDate> {
        let mut day = day;
        // Rest spans are at most a year long (checked on load), and working days break
        // weekends, so this ends quickly; the bound only guards a pathological calendar.
        for _ in 0..800 {
            if !self.is_rest_day(day) {
                return Some(day);
            }
            day = day.succ_opt()?;
        }
        None
    }
}

/// The day N years after `start`: the corresponding day, 29 Feb → 28 Feb in a common year.
pub fn years_after(start: NaiveDate, years: u32) -> Option<NaiveDate> {
    // chrono's checked_add_months clamps 29 Feb to 28 Feb in common years, as art. 202 wants.
    start.checked_add_months(Months::new(years.checked_mul(12)?))
}

/// The last valid day of "within `years` years of `start`" (民法典 arts. 201–203): the
/// corresponding day `years` later, moved to the next working day if it is a rest day.
pub fn last_day_within_years(
    start: NaiveDate,
    years: u32,
    calendar: &Calendar,
) -> Option<NaiveDate> {
    calendar.next_working_day(years_after(start, years)?)
}

/// Whether `today` is after the last valid day (the deadline has passed).
pub fn is_overdue(start: NaiveDate, years: u32, today: NaiveDate, calendar: &Calendar) -> bool {
    match last_day_within_years(start, years, calendar) {
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

    fn plain() -> Calendar {
        Calendar::default()
    }

    /// 民法典 art. 201: the day of the event is not counted, so one year from 2018-07-15 ends
    /// on 2019-07-15 inclusive and is overdue from 2019-07-16.
    #[test]
    fn one_year_ends_on_the_corresponding_day() {
        let c = plain();
        assert_eq!(
            last_day_within_years(d(2018, 7, 15), 1, &c),
            Some(d(2019, 7, 15))
        );
        assert!(!is_overdue(d(2018, 7, 15), 1, d(2019, 7, 14), &c));
        assert!(!is_overdue(d(2018, 7, 15), 1, d(2019, 7, 15), &c));
        assert!(is_overdue(d(2018, 7, 15), 1, d(2019, 7, 16), &c));
    }

    #[test]
    fn leap_day_start() {
        let c = plain();
        // 29 Feb 2020 + 1 year: 2021 has no 29 Feb, the period ends on 28 Feb 2021.
        assert_eq!(
            last_day_within_years(d(2020, 2, 29), 1, &c),
            Some(d(2021, 2, 28))
        );
        assert!(!is_overdue(d(2020, 2, 29), 1, d(2021, 2, 28), &c));
        assert!(is_overdue(d(2020, 2, 29), 1, d(2021, 3, 1), &c));
        assert_eq!(
            last_day_within_years(d(2020, 2, 29), 4, &c),
            Some(d(2024, 2, 29))
        );
    }

    #[test]
    fn three_years() {
        assert_eq!(
            last_day_within_years(d(2018, 1, 1), 3, &plain()),
            Some(d(2021, 1, 1))
        );
    }

    /// 民法典 art. 203: a last day on a listed holiday moves to the next working day; a day
    /// before or after the holiday does not move.
    #[test]
    fn a_last_day_on_a_holiday_moves_to_the_next_working_day() {
        let c = Calendar {
            weekends_rest: false,
            holidays: vec![
                DateSpan::parse("2019-10-01..2019-10-07").unwrap_or_else(|e| panic!("{e}")),
            ],
            working_days: BTreeSet::new(),
        };
        assert_eq!(
            last_day_within_years(d(2018, 10, 2), 1, &c),
            Some(d(2019, 10, 8))
        );
        assert!(!is_overdue(d(2018, 10, 2), 1, d(2019, 10, 8), &c));
        assert!(is_overdue(d(2018, 10, 2), 1, d(2019, 10, 9), &c));
        assert_eq!(
            last_day_within_years(d(2018, 9, 30), 1, &c),
            Some(d(2019, 9, 30))
        );
        assert_eq!(
            last_day_within_years(d(2018, 10, 8), 1, &c),
            Some(d(2019, 10, 8))
        );
    }

    /// Weekends rest when the calendar says so, except an adjusted working day (调休).
    #[test]
    fn weekends_and_adjusted_working_days() {
        let mut c = Calendar {
            weekends_rest: true,
            holidays: vec![
                DateSpan::parse("2019-10-01..2019-10-07").unwrap_or_else(|e| panic!("{e}")),
            ],
            working_days: BTreeSet::new(),
        };
        // 2019-07-13 is a Saturday: the last day moves to Monday 2019-07-15.
        assert_eq!(
            last_day_within_years(d(2018, 7, 13), 1, &c),
            Some(d(2019, 7, 15))
        );
        // Sunday 2019-09-29 rests unless it is listed as a working day.
        assert_eq!(
            last_day_within_years(d(2018, 9, 29), 1, &c),
            Some(d(2019, 9, 30))
        );
        c.working_days.insert(d(2019, 9, 29));
        assert_eq!(
            last_day_within_years(d(2018, 9, 29), 1, &c),
            Some(d(2019, 9, 29))
        );
        // Without the weekend flag a Saturday is an ordinary day.
        c.weekends_rest = false;
        assert_eq!(
            last_day_within_years(d(2018, 7, 13), 1, &c),
            Some(d(2019, 7, 13))
        );
    }

    proptest::proptest! {
        /// For any start and period, with the 达州 calendar: the last day is the corresponding
        /// day or the first working day after it, never a rest day, never more than a fortnight
        /// later; the last day is not overdue and the day after it is.
        #[test]
        fn the_last_day_is_the_first_working_day_from_the_corresponding_day(
            offset in 0i64..(366 * 8),
            years in 1u32..4,
        ) {
            let profile = crate::Profile::dazhou_2017().unwrap_or_else(|e| panic!("{e}"));
            let c = profile.deadline_calendar();
            let start = d(2017, 6, 1) + chrono::Duration::days(offset);
            let corresponding = years_after(start, years).unwrap_or_else(|| panic!("{start}"));
            let last = last_day_within_years(start, years, &c).unwrap_or_else(|| panic!("{start}"));
            proptest::prop_assert!(last >= corresponding);
            proptest::prop_assert!((last - corresponding).num_days() < 14);
            proptest::prop_assert!(!c.is_rest_day(last));
            let mut day = corresponding;
            while day < last {
                proptest::prop_assert!(c.is_rest_day(day), "{day} is a working day before {last}");
                day = day.succ_opt().unwrap_or(last);
            }
            proptest::prop_assert!(!is_overdue(start, years, last, &c));
            proptest::prop_assert!(is_overdue(start, years, last + chrono::Duration::days(1), &c));
            // Without a calendar, the corresponding day itself.
            proptest::prop_assert_eq!(last_day_within_years(start, years, &plain()), Some(corresponding));
        }
    }

    #[test]
    fn date_spans_parse_and_refuse() {
        assert_eq!(
            DateSpan::parse("2019-10-01").map(|s| s.to_string()),
            Ok("2019-10-01".to_owned())
        );
        assert_eq!(
            DateSpan::parse("2019-10-01..2019-10-07").map(|s| s.to_string()),
            Ok("2019-10-01..2019-10-07".to_owned())
        );
        assert!(DateSpan::parse("2019-10-07..2019-10-01").is_err());
        assert!(DateSpan::parse("2019-13-01").is_err());
        assert!(DateSpan::parse("2019-01-01..2021-01-01").is_err());
    }
}
