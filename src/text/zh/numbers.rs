//! Arabic numbers to Chinese number words.

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// Reads a string of ASCII digits one digit at a time: "2003" → "二零零三". With `yao`, 1 is
/// read 幺 (yāo), as is usual for telephone, room and bus numbers.
pub fn digits(text: &str, yao: bool) -> String {
    text.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| {
            if yao && d == 1 {
                '幺'
            } else {
                DIGITS[d as usize]
            }
        })
        .collect()
}

/// Reads a non-negative integer given as ASCII digits (leading zeros ignored) as a cardinal:
/// "17" → "十七", "2025" → "二千零二十五", "100000" → "十万", "10" → "十". Integers of more
/// than 16 significant digits are read digit by digit.
pub fn cardinal(text: &str) -> String {
    let trimmed = text.trim_start_matches('0');
    if trimmed.is_empty() {
        return if text.is_empty() {
            String::new()
        } else {
            "零".to_string()
        };
    }
    if !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return String::new();
    }
    if trimmed.len() > 16 {
        return digits(trimmed, false);
    }
    let value: Vec<u8> = trimmed.bytes().map(|b| b - b'0').collect();
    // Groups of four digits from the right: 个, 万, 亿, 万亿.
    let mut groups: Vec<&[u8]> = Vec::new();
    let mut end = value.len();
    while end > 0 {
        let start = end.saturating_sub(4);
        groups.push(&value[start..end]);
        end = start;
    }
    const BIG: [&str; 4] = ["", "万", "亿", "万亿"];
    let mut out = String::new();
    let mut pending_zero = false;
    for (i, group) in groups.iter().enumerate().rev() {
        let n = group.iter().fold(0u32, |acc, d| acc * 10 + *d as u32);
        if n == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        // A zero is read between groups when this group does not fill its thousands place.
        if !out.is_empty() && (pending_zero || n < 1000) {
            out.push('零');
        }
        pending_zero = false;
        out.push_str(&below_10000(n));
        out.push_str(BIG[i]);
    }
    // 一十 at the very start is read 十 (十七, 十万), as speakers do.
    if let Some(rest) = out.strip_prefix("一十") {
        out = format!("十{rest}");
    }
    out
}

/// 1..=9999 in words, with inner zeros ("一千零五", "二百三十", "一十五" inside larger numbers).
fn below_10000(n: u32) -> String {
    const UNITS: [&str; 4] = ["千", "百", "十", ""];
    let ds = [n / 1000, n / 100 % 10, n / 10 % 10, n % 10];
    let mut out = String::new();
    let mut zero = false;
    for (i, &d) in ds.iter().enumerate() {
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d as usize]);
        out.push_str(UNITS[i]);
    }
    out
}

/// Like [`cardinal`], but with 两 for a count: "2" → "两", "2000" → "两千", "200" → "两百",
/// "20000" → "两万", while "12", "20", "22" keep 二 ("十二", "二十", "二十二").
pub fn count(text: &str) -> String {
    let words = cardinal(text);
    if words == "二" {
        return "两".to_string();
    }
    match words.strip_prefix('二') {
        Some(rest) if rest.starts_with(['百', '千', '万', '亿']) => format!("两{rest}"),
        _ => words,
    }
}

/// A decimal number: "3.5" → "三点五", "0.25" → "零点二五".
pub fn decimal(int: &str, frac: &str) -> String {
    let mut out = if int.is_empty() {
        "零".to_string()
    } else {
        cardinal(int)
    };
    if !frac.is_empty() {
        out.push('点');
        out.push_str(&digits(frac, false));
    }
    out
}

/// Multiplies a decimal given as integer and fraction digits by 10^exp, returning the new
/// integer and fraction digits ("1.5", 3 → "1500", "").
pub fn shift(int: &str, frac: &str, exp: usize) -> (String, String) {
    let mut all = format!("{int}{frac}");
    let point = int.len() + exp;
    while all.len() < point {
        all.push('0');
    }
    let (i, f) = all.split_at(point);
    let i = i.trim_start_matches('0');
    let f = f.trim_end_matches('0');
    (if i.is_empty() { "0".into() } else { i.into() }, f.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinals() {
        for (n, w) in [
            ("0", "零"),
            ("7", "七"),
            ("10", "十"),
            ("17", "十七"),
            ("20", "二十"),
            ("101", "一百零一"),
            ("110", "一百一十"),
            ("1005", "一千零五"),
            ("2003", "二千零三"),
            ("2025", "二千零二十五"),
            ("10000", "一万"),
            ("100000", "十万"),
            ("105000", "十万五千"),
            ("1000500", "一百万零五百"),
            ("10010000", "一千零一万"),
            ("100000000", "一亿"),
            ("100000001", "一亿零一"),
            ("120000000", "一亿二千万"),
            ("1000000000000", "一万亿"),
            ("0017", "十七"),
        ] {
            assert_eq!(cardinal(n), w, "{n}");
        }
        assert_eq!(cardinal(""), "");
        assert_eq!(cardinal("12345678901234567890").chars().count(), 20);
    }

    #[test]
    fn counts_use_liang() {
        assert_eq!(count("2"), "两");
        assert_eq!(count("2025"), "两千零二十五");
        assert_eq!(count("200"), "两百");
        assert_eq!(count("20000"), "两万");
        assert_eq!(count("12"), "十二");
        assert_eq!(count("20"), "二十");
        assert_eq!(count("22"), "二十二");
    }

    #[test]
    fn digits_and_decimals() {
        assert_eq!(digits("2003", false), "二零零三");
        assert_eq!(digits("110", true), "幺幺零");
        assert_eq!(decimal("3", "5"), "三点五");
        assert_eq!(decimal("0", "25"), "零点二五");
        assert_eq!(decimal("", "5"), "零点五");
        assert_eq!(shift("1", "5", 3), ("1500".to_string(), String::new()));
        assert_eq!(
            shift("10", "", 9),
            ("10000000000".to_string(), String::new())
        );
        assert_eq!(shift("0", "05", 1), ("0".to_string(), "5".to_string()));
    }
}
