//! Publish times: reading the many ways an article writes its date, and writing RFC 2822
//! for `pubDate`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::time::SystemTime;

/// Reads an article's publish time as articles write it: `2024-07-20 12:18`, `2024-07-20`,
/// `2024-07-20T12:18:00+08:00`, RFC 2822, `2024年7月20日 12:18`, `2024/07/20`.
///
/// A time without a zone is taken as China's (+08:00) in a `zh` episode, where WeChat and
/// the other Chinese publishers write local time, and as UTC otherwise, where there is no
/// better guess. A date without a time is that day's midnight.
pub(crate) fn parse_published(text: &str, language: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc2822(text) {
        return Some(time);
    }
    let text = normalise(text);
    if let Ok(time) = DateTime::parse_from_rfc3339(&text) {
        return Some(time);
    }
    for format in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%z",
    ] {
        if let Ok(time) = DateTime::parse_from_str(&text, format) {
            return Some(time);
        }
    }
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(&text, format).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })?;
    let zone = if language.to_ascii_lowercase().starts_with("zh") {
        FixedOffset::east_opt(8 * 3600)
    } else {
        FixedOffset::east_opt(0)
    }?;
    zone.from_local_datetime(&naive).single()
}

/// One spelling for the date forms: `年`/`月`/`/` as `-`, `日` and `T` as a space, full-width
/// colons as colons, single spaces.
fn normalise(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' => '-',
            '日' | 'T' => ' ',
            '：' => ':',
            c => c,
        })
        .collect();
    replaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a `pubDate` back from an earlier feed.
pub(crate) fn parse_rfc2822(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc2822(text.trim()).ok()
}

/// `Sat, 20 Jul 2024 12:18:00 +0800`: the article's own zone is kept, and the day has two
/// digits as in the RSS specification's examples (chrono's `to_rfc2822` writes one).
pub(crate) fn rfc2822(time: &DateTime<FixedOffset>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S %z").to_string()
}

/// A file's modification time in UTC, to the second: `pubDate` has no finer unit, and the
/// time read back from the feed on the next run must sort the same.
pub(crate) fn from_file_time(time: SystemTime) -> DateTime<FixedOffset> {
    let utc: DateTime<Utc> = time.into();
    let seconds = utc.timestamp();
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or(utc)
        .fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn published(text: &str, language: &str) -> String {
        rfc2822(&parse_published(text, language).unwrap_or_else(|| panic!("{text}")))
    }

    #[test]
    fn common_forms_are_read() {
        let china = "Sat, 20 Jul 2024 12:18:00 +0800";
        assert_eq!(published("2024-07-20 12:18", "zh"), china);
        assert_eq!(published("2024年7月20日 12:18", "zh"), china);
        assert_eq!(published("2024年07月20日12:18", "zh"), china);
        assert_eq!(published(" 2024-07-20T12:18:00+08:00 ", "en"), china);
        assert_eq!(published("2024-07-20T12:18+08:00", "en"), china);
        assert_eq!(published("Sat, 20 Jul 2024 12:18:00 +0800", "en"), china);
        assert_eq!(
            published("2024-07-20T04:18:00Z", "zh"),
            "Sat, 20 Jul 2024 04:18:00 +0000"
        );
        assert_eq!(
            published("2024/07/20", "zh"),
            "Sat, 20 Jul 2024 00:00:00 +0800"
        );
        assert_eq!(
            published("2024-07-20", "zh-CN"),
            "Sat, 20 Jul 2024 00:00:00 +0800"
        );
        assert_eq!(
            published("2024-7-20 09:05:30", "zh"),
            "Sat, 20 Jul 2024 09:05:30 +0800"
        );
    }

    #[test]
    fn a_time_without_a_zone_is_utc_outside_chinese() {
        assert_eq!(
            published("2024-07-20 12:18", "en"),
            "Sat, 20 Jul 2024 12:18:00 +0000"
        );
    }

    #[test]
    fn what_is_no_date_is_refused() {
        for text in ["", "yesterday", "2024-13-01", "2024年7月", "12:18"] {
            assert_eq!(parse_published(text, "zh"), None, "{text}");
        }
    }

    #[test]
    fn written_dates_read_back_the_same() {
        let time = parse_published("2024年7月2日 12:18", "zh").unwrap();
        assert_eq!(rfc2822(&time), "Tue, 02 Jul 2024 12:18:00 +0800");
        assert_eq!(parse_rfc2822(&rfc2822(&time)), Some(time));
    }

    #[test]
    fn file_times_are_whole_seconds_in_utc() {
        let time = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_721_449_080_750);
        assert_eq!(
            rfc2822(&from_file_time(time)),
            "Sat, 20 Jul 2024 04:18:00 +0000"
        );
    }
}
