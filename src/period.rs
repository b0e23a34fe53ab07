//! Reporting periods: a calendar month (`2017-04`) or a whole year (`2018`).
//!
//! The plan form (附2) has month rows and, for watershed regions, year rows;
//! the progress form (附3) is always for one month. Periods order
//! chronologically, a year sorting after every month of that year (a year row
//! sums the year up).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    /// Four-digit year.
    pub year: i32,
    /// Month, 1 to 12.
    pub month: u32,
}

impl YearMonth {
    /// Builds a month, or `None` when `month` is not 1 to 12 or the year is
    /// outside 1900..=2100 (a typo, not a pilot month).
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1900..=2100).contains(&year)).then_some(YearMonth { year, month })
    }

    /// The month after this one.
    pub fn next(self) -> Self {
        if self.month == 12 {
            YearMonth { year: self.year + 1, month: 1 }
        } else {
            YearMonth { year: self.year, month: self.month + 1 }
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("validated month")
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().expect("not the first representable day")
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Self {
        YearMonth { year: date.year(), month: date.month() }
    }

    /// Every month from `self` to `end`, both included (empty when `end < self`).
    pub fn through(self, end: YearMonth) -> impl Iterator<Item = YearMonth> {
        std::iter::successors(Some(self), move |m| Some(m.next())).take_while(move |m| *m <= end)
    }

    /// Chinese label as written on the forms: `2017年4月`.
    pub fn label_zh(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A schedule or reporting period: one month, or one whole year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar month (`2017-04`).
    Month(YearMonth),
    /// A whole year (`2018`), used for the watershed plan's 2018 and 2019 rows.
    Year(i32),
}

impl Period {
    /// Shorthand for a month period; `None` when the month is invalid.
    pub fn month(year: i32, month: u32) -> Option<Self> {
        YearMonth::new(year, month).map(Period::Month)
    }

    /// The month, when this is a month period.
    pub fn as_month(self) -> Option<YearMonth> {
        match self {
            Period::Month(m) => Some(m),
            Period::Year(_) => None,
        }
    }

    /// The year the period lies in.
    pub fn year(self) -> i32 {
        match self {
            Period::Month(m) => m.year,
            Period::Year(y) => y,
        }
    }

    /// Whether `date` falls inside this period.
    pub fn contains(self, date: NaiveDate) -> bool {
        match self {
            Period::Month(m) => YearMonth::of(date) == m,
            Period::Year(y) => date.year() == y,
        }
    }

    /// Chinese label as written on the forms: `2017年4月` or `2018年`.
    pub fn label_zh(self) -> String {
        match self {
            Period::Month(m) => m.label_zh(),
            Period::Year(y) => format!("{y}年"),
        }
    }

    /// Sort key: a year sorts after the months of the same year.
    fn key(self) -> (i32, u32) {
        match self {
            Period::Month(m) => (m.year, m.month),
            Period::Year(y) => (y, 13),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => m.fmt(f),
            Period::Year(y) => write!(f, "{y:04}"),
        }
    }
}

/// Why a period string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的期间（应为 YYYY-MM 或 YYYY，如 2017-04、2018）")]
pub struct ParsePeriodError(pub String);

impl FromStr for Period {
    type Err = ParsePeriodError;

    /// Parses the canonical forms `YYYY-MM` and `YYYY` only; the lenient
    /// parsing of what clerks write lives in the ingester.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParsePeriodError(s.to_string());
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        match s.split_once('-') {
            Some((y, m)) if y.len() == 4 && digits(y) && m.len() == 2 && digits(m) => {
                let year: i32 = y.parse().map_err(|_| err())?;
                let month: u32 = m.parse().map_err(|_| err())?;
                Period::month(year, month).ok_or_else(err)
            }
            None if s.len() == 4 && digits(s) => {
                let year: i32 = s.parse().map_err(|_| err())?;
                (1900..=2100).contains(&year).then_some(Period::Year(year)).ok_or_else(err)
            }
            _ => Err(err()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonical_forms() {
        assert_eq!("2017-04".parse::<Period>().unwrap(), Period::month(2017, 4).unwrap());
        assert_eq!("2018".parse::<Period>().unwrap(), Period::Year(2018));
        assert_eq!(Period::month(2017, 4).unwrap().to_string(), "2017-04");
        for bad in ["2017-4", "2017-13", "17-04", "2017年4月", "", "2017-04-01"] {
            assert!(bad.parse::<Period>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_year_sorts_after_its_months() {
        let dec = Period::month(2018, 12).unwrap();
        assert!(Period::Year(2018) > dec);
        assert!(Period::Year(2018) < Period::month(2019, 1).unwrap());
    }

    #[test]
    fn month_ranges_and_last_days() {
        let a = YearMonth::new(2017, 3).unwrap();
        let b = YearMonth::new(2019, 12).unwrap();
        assert_eq!(a.through(b).count(), 34);
        assert_eq!(YearMonth::new(2017, 2).unwrap().last_day().to_string(), "2017-02-28");
        assert_eq!(b.through(a).count(), 0);
    }
}
