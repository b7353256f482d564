//! Times and dates as the app writes and reads them (UTC, to the minute), without chrono's format
//! strings: the browser bundle then carries no strftime machinery.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// `2026-03-14 09:26`.
pub fn minute(at: DateTime<Utc>) -> String {
    format!("{} {}", date(at.date_naive()), clock(at))
}

/// `09:26`.
pub fn clock(at: DateTime<Utc>) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `2026-03-14`.
pub fn date(day: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", day.year(), day.month(), day.day())
}

/// `2026-03-14T09:26`, a `datetime-local` input's value.
pub fn input_minute(at: DateTime<Utc>) -> String {
    format!("{}T{}", date(at.date_naive()), clock(at))
}

/// Reads `YYYY-MM-DD` (month and day of one or two digits).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let mut parts = input.split('-');
    let year = number(parts.next()?, 4, 4)?;
    let month = number(parts.next()?, 1, 2)?;
    let day = number(parts.next()?, 1, 2)?;
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// Reads `YYYY-MM-DD HH:MM`, with `T` instead of the space and optional `:SS`.
pub fn parse_minute(input: &str) -> Option<NaiveDateTime> {
    let (day, time) = input.split_once(['T', ' '])?;
    let mut parts = time.split(':');
    let hour = number(parts.next()?, 1, 2)?;
    let minute = number(parts.next()?, 2, 2)?;
    let second = match parts.next() {
        Some(second) => number(second, 2, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(parse_date(day)?.and_time(NaiveTime::from_hms_opt(hour, minute, second)?))
}

fn number(text: &str, min_digits: usize, max_digits: usize) -> Option<u32> {
    let digits =
        (min_digits..=max_digits).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| text.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn times_are_written_to_the_minute_with_leading_zeros() {
        let t = at("2026-03-04T09:05:59Z");
        assert_eq!(minute(t), "2026-03-04 09:05");
        assert_eq!(clock(t), "09:05");
        assert_eq!(input_minute(t), "2026-03-04T09:05");
        assert_eq!(date(t.date_naive()), "2026-03-04");
    }

    #[test]
    fn the_written_forms_read_back() {
        let t = at("2026-12-31T23:59:00Z");
        assert_eq!(parse_minute(&minute(t)).unwrap().and_utc(), t);
        assert_eq!(parse_minute(&input_minute(t)).unwrap().and_utc(), t);
        assert_eq!(parse_date("2026-12-31"), Some(t.date_naive()));
    }

    #[test]
    fn seconds_and_short_months_are_accepted() {
        assert_eq!(
            parse_minute("2026-3-4T9:05:07").unwrap().and_utc(),
            at("2026-03-04T09:05:07Z")
        );
        assert_eq!(parse_date("2026-3-4"), NaiveDate::from_ymd_opt(2026, 3, 4));
    }

    #[test]
    fn what_is_not_a_time_or_date_is_refused() {
        for bad in [
            "",
            "tomorrow",
            "2026-02-30",
            "2026-13-01",
            "26-01-01",
            "2026-01-01x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        for bad in [
            "2026-01-01",
            "2026-01-01 25:00",
            "2026-01-01 10:61",
            "2026-01-01T10",
            "2026-01-01 10:00:00:00",
        ] {
            assert_eq!(parse_minute(bad), None, "{bad:?}");
        }
    }
}
