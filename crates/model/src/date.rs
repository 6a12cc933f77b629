//! Calendar dates as bulletins use them: `2021-10-20` in YAML, "20 October 2021" to readers.
//!
//! Only the proleptic Gregorian calendar, whole days, and times of day on the UK's clock
//! (`14:30`): the calendar files turn those into Europe/London times.

use std::fmt;

use chrono::{Datelike, Days, NaiveDate};

/// A valid calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// 1 January 1970, from which Unix time counts.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a real date")
}

/// The number of days in a month (1 to 12) of a year: the calendar's rules are chrono's.
fn days_in_month(year: i32, month: u8) -> u8 {
    (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year, u32::from(month), *d).is_some())
        .unwrap_or(28) as u8
}

/// Why a text is not a date, in words an office user can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("`{0}` is not a date in the form YYYY-MM-DD (for example 2021-10-20)")]
    Shape(String),
    #[error("`{0}` has month {1}; months run from 01 to 12")]
    Month(String, u8),
    #[error("`{0}` is not a real date: {month} {1} has {days} days", month = MONTHS[*.2 as usize - 1], days = days_in_month(*.1, *.2))]
    Day(String, i32, u8),
}

/// Why a text is not a time of day.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{0}` is not a time in the form HH:MM on the 24-hour clock (for example 14:30)")]
    Shape(String),
    #[error("`{0}` is not a time of day: hours go from 00 to 23 and minutes from 00 to 59")]
    OutOfRange(String),
}

impl Date {
    /// Parses `YYYY-MM-DD`; the error says what is wrong in words an office user can act on.
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        let text = text.to_string();
        if !shape_ok {
            return Err(DateError::Shape(text));
        }
        // Ten bytes, digits but for the two dashes: the numbers always parse.
        let year: i32 = text[0..4].parse().expect("four digits");
        let month: u8 = text[5..7].parse().expect("two digits");
        let day: u8 = text[8..10].parse().expect("two digits");
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(text, month));
        }
        if NaiveDate::from_ymd_opt(year, u32::from(month), u32::from(day)).is_none() {
            return Err(DateError::Day(text, year, month));
        }
        Ok(Date { year, month, day })
    }

    /// The same day as chrono's date (every `Date` is a valid one).
    fn naive(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.month), u32::from(self.day))
            .expect("a Date is always a valid calendar day")
    }

    fn from_naive(d: NaiveDate) -> Date {
        Date {
            year: d.year(),
            month: d.month() as u8,
            day: d.day() as u8,
        }
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(self) -> i64 {
        (self.naive() - epoch()).num_days()
    }

    /// The date `days` after this one (saturating at chrono's range, far beyond any bulletin's).
    pub fn add_days(self, days: i64) -> Date {
        let d = self.naive();
        let moved = if days >= 0 {
            d.checked_add_days(Days::new(days.unsigned_abs()))
        } else {
            d.checked_sub_days(Days::new(days.unsigned_abs()))
        };
        Date::from_naive(moved.unwrap_or(if days >= 0 {
            NaiveDate::MAX
        } else {
            NaiveDate::MIN
        }))
    }

    /// "20 October 2021", as the bulletin prints dates.
    pub fn long(self) -> String {
        format!(
            "{} {} {}",
            self.day,
            MONTHS[self.month as usize - 1],
            self.year
        )
    }

    /// The UTC date of the given Unix time.
    pub fn from_unix(seconds: i64) -> Date {
        Date::from_naive(epoch()).add_days(seconds.div_euclid(86_400))
    }

    /// Noon (UTC) on this day: the fixed time stamped on an archived message, so that archiving
    /// the same issue again writes the same bytes.
    pub fn noon_utc(self) -> std::time::SystemTime {
        let secs = self.days_since_epoch() * 86_400 + 12 * 3600;
        u64::try_from(secs).map_or(std::time::UNIX_EPOCH, |s| {
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(s)
        })
    }

    /// Today (UTC).
    pub fn today() -> Date {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Date::from_unix(now)
    }
}

/// A moment (milliseconds since 1970) as the office reads it on the UK's clock (Europe/London:
/// British Summer Time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
/// of October): "Wednesday 2 December 2026 at 09:00".
pub fn uk_time(ms: i64) -> String {
    let utc_secs = ms.div_euclid(1000);
    let year = Date::from_unix(utc_secs).year;
    let last_sunday = |month: u8| {
        let end = Date {
            year,
            month,
            day: 31,
        };
        // 1970-01-01 was a Thursday: (days + 4) % 7 is 0 on Sundays.
        let days = end.days_since_epoch();
        days - (days + 4).rem_euclid(7)
    };
    let start = last_sunday(3) * 86_400 + 3600;
    let end = last_sunday(10) * 86_400 + 3600;
    let local = utc_secs
        + if (start..end).contains(&utc_secs) {
            3600
        } else {
            0
        };
    let date = Date::from_unix(local);
    let weekday = WEEKDAYS[(date.days_since_epoch() + 4).rem_euclid(7) as usize];
    let s = local.rem_euclid(86_400);
    format!(
        "{weekday} {} at {:02}:{:02}",
        date.long(),
        s / 3600,
        s / 60 % 60
    )
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl fmt::Display for Date {
    /// ISO 8601: `2021-10-20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let d = Date::parse("2021-10-20").unwrap();
        assert_eq!(d.to_string(), "2021-10-20");
        assert_eq!(d.long(), "20 October 2021");
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(Date::parse("2021-02-29").is_err());
        assert!(Date::parse("2020-02-29").is_ok());
        assert!(Date::parse("2021-13-01").is_err());
        assert!(Date::parse("2021-10-00").is_err());
        assert!(Date::parse("20/10/2021").is_err());
        assert!(Date::parse("2021-1-20").is_err());
    }

    #[test]
    fn day_arithmetic_round_trips() {
        let d = Date::parse("2021-10-20").unwrap();
        assert_eq!(d.add_days(7).to_string(), "2021-10-27");
        assert_eq!(d.add_days(80).to_string(), "2022-01-08");
        assert_eq!(Date::from_unix(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::parse("2024-03-01").unwrap().add_days(-1).to_string(),
            "2024-02-29"
        );
    }
}

/// A time of day on the UK's clock, `HH:MM` (24-hour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
}

impl Time {
    /// Parses `HH:MM` (`9:30` too); the error says what is wrong in words an office user can
    /// act on.
    pub fn parse(text: &str) -> Result<Time, TimeError> {
        let bad = || TimeError::Shape(text.to_string());
        let (h, m) = text.split_once(':').ok_or_else(bad)?;
        let digits =
            |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || m.len() != 2 || !digits(m) {
            return Err(bad());
        }
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.parse().map_err(|_| bad())?;
        if hour > 23 || minute > 59 {
            return Err(TimeError::OutOfRange(text.to_string()));
        }
        Ok(Time { hour, minute })
    }

    /// "2:30pm", "10am", "12 noon", as the bulletin prints times.
    pub fn friendly(self) -> String {
        let (h, suffix) = match self.hour {
            0 => (12, "am"),
            1..=11 => (self.hour, "am"),
            12 => (12, "pm"),
            _ => (self.hour - 12, "pm"),
        };
        match (self.hour, self.minute) {
            (12, 0) => "12 noon".to_string(),
            (0, 0) => "midnight".to_string(),
            (_, 0) => format!("{h}{suffix}"),
            (_, m) => format!("{h}:{m:02}{suffix}"),
        }
    }
}

impl fmt::Display for Time {
    /// `14:30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

#[cfg(test)]
mod time_tests {
    use super::Time;

    #[test]
    fn times_read_and_print() {
        assert_eq!(Time::parse("14:30").unwrap().friendly(), "2:30pm");
        assert_eq!(Time::parse("9:05").unwrap().to_string(), "09:05");
        assert_eq!(Time::parse("10:00").unwrap().friendly(), "10am");
        assert_eq!(Time::parse("12:00").unwrap().friendly(), "12 noon");
        assert_eq!(Time::parse("00:15").unwrap().friendly(), "12:15am");
        for bad in ["24:00", "12:60", "2pm", "1430", "14:3", "", "14:30:00"] {
            assert!(Time::parse(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod uk_time_tests {
    use super::uk_time;

    #[test]
    fn uk_time_follows_british_summer_time() {
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        let at = |days: i64, secs: i64| (days * 86_400 + secs) * 1000;
        let d = |t: &str| super::Date::parse(t).unwrap().days_since_epoch();
        assert_eq!(
            uk_time(at(d("2026-12-02"), 9 * 3600)),
            "Wednesday 2 December 2026 at 09:00"
        );
        assert_eq!(
            uk_time(at(d("2026-03-29"), 3600 - 60)),
            "Sunday 29 March 2026 at 00:59"
        );
        assert_eq!(
            uk_time(at(d("2026-03-29"), 3600)),
            "Sunday 29 March 2026 at 02:00"
        );
        assert_eq!(
            uk_time(at(d("2026-07-01"), 23 * 3600 + 30 * 60)),
            "Thursday 2 July 2026 at 00:30"
        );
        assert_eq!(
            uk_time(at(d("2026-10-25"), 3600 - 60)),
            "Sunday 25 October 2026 at 01:59"
        );
        assert_eq!(
            uk_time(at(d("2026-10-25"), 3600)),
            "Sunday 25 October 2026 at 01:00"
        );
    }
}
