//! Timestamps as the wire contract writes them.

use time::OffsetDateTime;
use time::macros::format_description;

/// ISO-8601 UTC with milliseconds, e.g. `2026-11-21T10:00:00.000Z` (JavaScript's `toISOString`).
pub fn iso_millis(t: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000Z"))
}

/// Unix seconds in [`iso_millis`] form (empty when out of range).
pub fn iso_of_unix(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(iso_millis)
        .unwrap_or_default()
}

/// Unix milliseconds in [`iso_millis`] form (empty when out of range).
pub fn iso_of_unix_millis(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map(iso_millis)
        .unwrap_or_default()
}

/// Unix milliseconds now.
pub fn now_millis() -> i64 {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// The current time in [`iso_millis`] form.
pub fn now_iso() -> String {
    iso_millis(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_like_to_iso_string() {
        assert_eq!(
            iso_millis(datetime!(2026-11-21 10:00:00.123456 +02:00)),
            "2026-11-21T08:00:00.123Z"
        );
    }
}
