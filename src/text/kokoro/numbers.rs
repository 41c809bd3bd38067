//! Numbers inside English, as English words (the words are then read from the lexicon):
//! four-digit numbers as years (2017 twenty seventeen, 2005 two thousand five, 1905
//! nineteen oh five), decimals digit by digit after the point (3.14 three point one four),
//! other integers as American cardinals without "and" (365 three hundred sixty five), a
//! leading minus as "minus". Commas between digit groups are ignored. This is how Kokoro's
//! English front end (misaki, with num2words) reads them.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];

const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];

const SCALES: [(u64, &str); 4] = [
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

/// Below 1000.
fn hundreds(n: u64, out: &mut Vec<&'static str>) {
    let (h, rest) = (n / 100, n % 100);
    if h > 0 {
        out.push(ONES[h as usize]);
        out.push("hundred");
    }
    if rest >= 20 {
        out.push(TENS[(rest / 10) as usize]);
        if rest % 10 > 0 {
            out.push(ONES[(rest % 10) as usize]);
        }
    } else if rest > 0 || h == 0 {
        out.push(ONES[rest as usize]);
    }
}

/// A cardinal: 365 → three hundred sixty five.
fn cardinal(mut n: u64, out: &mut Vec<&'static str>) {
    if n == 0 {
        out.push("zero");
        return;
    }
    for (scale, name) in SCALES {
        if n >= scale {
            cardinal(n / scale, out);
            out.push(name);
            n %= scale;
        }
    }
    if n > 0 {
        hundreds(n, out);
    }
}

/// A four-digit year: 2017 → twenty seventeen.
fn year(n: u64, out: &mut Vec<&'static str>) {
    let (high, low) = (n / 100, n % 100);
    if high % 10 == 0 && low < 10 {
        // 2000, 2005, 1000: as a cardinal.
        cardinal(n, out);
        return;
    }
    hundreds(high, out);
    match low {
        0 => out.push("hundred"),
        1..=9 => {
            out.push("oh");
            out.push(ONES[low as usize]);
        }
        _ => hundreds(low, out),
    }
}

/// The English words of a number written with ASCII digits ("2017", "3.5", "1,000", "-7"),
/// or None when it is not one (or too long to be read as a cardinal: read it digit by digit
/// with [`digits`]).
pub(crate) fn words(number: &str) -> Option<Vec<&'static str>> {
    let (minus, number) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number),
    };
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (number, None),
    };
    let grouped = int.contains(',');
    let int: String = int.chars().filter(|&c| c != ',').collect();
    if int.is_empty() && frac.is_none() {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit())
        || frac.is_some_and(|f| f.is_empty() || !f.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let mut out = Vec::new();
    if minus {
        out.push("minus");
    }
    if int.len() > 15 || (int.len() > 1 && int.starts_with('0')) {
        out.extend(digits(&int));
    } else if !int.is_empty() {
        let n: u64 = int.parse().ok()?;
        if int.len() == 4 && !grouped && !minus && frac.is_none() {
            year(n, &mut out);
        } else {
            cardinal(n, &mut out);
        }
    }
    if let Some(f) = frac {
        out.push("point");
        out.extend(digits(f));
    }
    Some(out)
}

/// Digit by digit: "007" → zero zero seven.
pub(crate) fn digits(text: &str) -> Vec<&'static str> {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| ONES[d as usize])
        .collect()
}

/// Every word [`words`] may give, for the lexicon's tests.
#[cfg(test)]
pub(crate) fn vocabulary() -> Vec<&'static str> {
    let mut all: Vec<&str> = ONES.to_vec();
    all.extend(TENS.iter().filter(|t| !t.is_empty()));
    all.extend(SCALES.iter().map(|(_, name)| *name));
    all.extend(["hundred", "point", "oh", "minus"]);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(n: &str) -> String {
        words(n).map(|w| w.join(" ")).unwrap_or_default()
    }

    #[test]
    fn years_cardinals_and_decimals() {
        assert_eq!(say("2017"), "twenty seventeen");
        assert_eq!(say("2012"), "twenty twelve");
        assert_eq!(say("2000"), "two thousand");
        assert_eq!(say("2005"), "two thousand five");
        assert_eq!(say("1905"), "nineteen oh five");
        assert_eq!(say("1900"), "nineteen hundred");
        assert_eq!(say("1,000"), "one thousand");
        assert_eq!(say("365"), "three hundred sixty five");
        assert_eq!(say("17"), "seventeen");
        assert_eq!(say("0"), "zero");
        assert_eq!(say("3"), "three");
        assert_eq!(say("3.5"), "three point five");
        assert_eq!(say("98.25"), "ninety eight point two five");
        assert_eq!(say("-7"), "minus seven");
        assert_eq!(say("1000000"), "one million");
        assert_eq!(say("12345"), "twelve thousand three hundred forty five");
        assert_eq!(say("007"), "zero zero seven");
        assert_eq!(say(".5"), "point five");
    }

    #[test]
    fn what_is_not_a_number_is_refused() {
        for n in ["", "-", "3.", "1.2.3", "12a", "."] {
            assert_eq!(words(n), None, "{n}");
        }
        assert!(say(&"9".repeat(30)).starts_with("nine nine"));
    }
}
