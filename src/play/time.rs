//! Times as users write and read them: the `--from` argument (`MM:SS`, `H:MM:SS`, seconds),
//! the clock of the status line, and exact conversions between frames and times.

use std::time::Duration;

use super::error::PlayError;

/// Parses a start time: `SS`, `MM:SS` or `H:MM:SS`, the last field with an optional
/// fraction (`95.5`, `1:02.25`). In `MM:SS` the minutes may exceed 59 (`90:00`); seconds
/// after a colon, and minutes in `H:MM:SS`, must be below 60.
pub fn parse_time(s: &str) -> Result<Duration, PlayError> {
    let bad = |reason: &str| PlayError::BadTime {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let fields: Vec<&str> = text.split(':').collect();
    if fields.len() > 3 {
        return Err(bad("too many ':' fields"));
    }
    let (last, leading) = fields
        .split_last()
        .expect("split yields at least one field");

    // Leading fields: whole numbers.
    let mut whole = Vec::with_capacity(leading.len());
    for field in leading {
        whole.push(parse_digits(field).map_err(|r| bad(&r))?);
    }

    // Last field: seconds with an optional fraction.
    let (secs_text, frac_text) = match last.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (*last, None),
    };
    let secs = parse_digits(secs_text).map_err(|r| bad(&r))?;
    let nanos = match frac_text {
        None => 0,
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(bad("the fraction of a second must be digits after the '.'"));
        }
        Some(f) => {
            // Keep nanosecond precision, ignore anything finer.
            let mut digits: String = f.chars().take(9).collect();
            while digits.len() < 9 {
                digits.push('0');
            }
            digits.parse::<u32>().map_err(|_| bad("bad fraction"))?
        }
    };

    if !leading.is_empty() && secs >= 60 {
        return Err(bad("seconds after a ':' must be below 60"));
    }
    let total_secs = match whole.as_slice() {
        [] => Some(secs),
        [m] => m.checked_mul(60).and_then(|v| v.checked_add(secs)),
        [h, m] => {
            if *m >= 60 {
                return Err(bad("minutes in H:MM:SS must be below 60"));
            }
            h.checked_mul(3600)
                .and_then(|v| v.checked_add(m * 60))
                .and_then(|v| v.checked_add(secs))
        }
        _ => unreachable!("at most three fields"),
    };
    let total_secs = total_secs.ok_or_else(|| bad("the time is too large"))?;
    Ok(Duration::new(total_secs, nanos))
}

fn parse_digits(field: &str) -> Result<u64, String> {
    if field.is_empty() {
        return Err("a field is empty".into());
    }
    if !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{field}\" is not a whole non-negative number"));
    }
    field
        .parse::<u64>()
        .map_err(|_| "the time is too large".to_string())
}

/// `MM:SS` (or `H:MM:SS` when `long`), seconds rounded down.
pub(crate) fn clock(d: Duration, long: bool) -> String {
    let s = d.as_secs();
    if long {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Time of a frame, rounded *up* to the nanosecond so that [`frame_at`] maps it back to
/// the same frame exactly.
pub(crate) fn frame_time(frame: u64, sample_rate: u32) -> Duration {
    let rate = u128::from(sample_rate.max(1));
    let nanos = (u128::from(frame) * 1_000_000_000).div_ceil(rate);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The frame playing at `t` (rounded down).
pub(crate) fn frame_at(t: Duration, sample_rate: u32) -> u64 {
    let frames = t.as_nanos() * u128::from(sample_rate) / 1_000_000_000;
    u64::try_from(frames).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn parse_time_accepts_the_documented_forms() {
        let ok = |s: &str| parse_time(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("95"), secs(95.0));
        assert_eq!(ok("95.5"), secs(95.5));
        assert_eq!(ok("3:12"), secs(192.0));
        assert_eq!(ok("03:12"), secs(192.0));
        assert_eq!(ok("0:05"), secs(5.0));
        assert_eq!(ok("90:00"), secs(5400.0));
        assert_eq!(ok("1:02.25"), secs(62.25));
        assert_eq!(ok("1:02:03"), secs(3723.0));
        assert_eq!(ok("01:02:03.5"), secs(3723.5));
        assert_eq!(ok(" 12:30 "), secs(750.0));
        assert_eq!(ok("0.000000001"), Duration::from_nanos(1));
        // Finer than a nanosecond is ignored.
        assert_eq!(ok("1.1234567899"), Duration::new(1, 123_456_789));
    }

    #[test]
    fn parse_time_rejects_malformed_input_with_a_hint() {
        for bad in [
            "",
            "  ",
            "abc",
            "1:60",
            "1:60:00",
            "1:00:60",
            "-5",
            "+5",
            "1::2",
            ":30",
            "30:",
            "1:2:3:4",
            "1.5:00",
            "12.",
            ".5",
            "1.2.3",
            "1:0x",
            "５",
            "99999999999999999999",
            "999999999999999999:00",
            "5124095576030432:00:00",
        ] {
            match parse_time(bad) {
                Err(e @ PlayError::BadTime { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(&format!("\"{bad}\"")), "{msg}");
                    assert!(msg.contains("MM:SS"), "{msg}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn clock_and_frame_conversions() {
        assert_eq!(clock(secs(192.9), false), "03:12");
        assert_eq!(clock(secs(2465.0), false), "41:05");
        assert_eq!(clock(secs(3723.0), true), "1:02:03");
        assert_eq!(clock(secs(5.0), true), "0:00:05");
        // Frame -> time -> frame is exact for awkward rates.
        for rate in [1, 3, 7, 22_050, 44_100, 48_000] {
            for frame in [0u64, 1, 2, 999, 22_049, 1_323_000, 123_456_789] {
                assert_eq!(
                    frame_at(frame_time(frame, rate), rate),
                    frame,
                    "{frame}@{rate}"
                );
            }
        }
        assert_eq!(frame_at(secs(12.345), 1000), 12_345);
    }
}
