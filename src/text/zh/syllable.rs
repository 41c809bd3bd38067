//! Pinyin syllables: parsing tone-numbered and tone-marked spellings, the inventory of
//! standard Mandarin syllables, and the default (most common) reading of a character.

use std::collections::HashSet;
use std::sync::OnceLock;

use pinyin::{ToPinyin, ToPinyinMulti};

use crate::text::phonetic::Syllable;

/// Parses "hang2", "lv4", "de5", "de" (no digit: neutral) into a syllable. The spelling must
/// be a standard Mandarin syllable (see [`is_standard`]); `u:` and `ü` are accepted for `v`.
pub fn parse_numbered(text: &str) -> Option<Syllable> {
    let text = text
        .trim()
        .to_lowercase()
        .replace("u:", "v")
        .replace('ü', "v");
    let (base, tone) = match text.char_indices().last()? {
        (i, c @ '1'..='5') => (&text[..i], c as u8 - b'0'),
        (_, c) if c.is_ascii_lowercase() => (text.as_str(), 5),
        _ => return None,
    };
    let base = spelling_variants(base);
    if is_standard(&base) {
        Some(Syllable::new(&base, tone))
    } else {
        None
    }
}

/// "yín" → ("yin", 2), "de" → ("de", 5), "lǜ" → ("lv", 4), "ń" → ("en", 2).
pub fn parse_marked(text: &str) -> Option<Syllable> {
    let mut base = String::with_capacity(text.len());
    let mut tone = 5;
    for c in text.chars() {
        let (plain, t) = match c {
            'ā' => ('a', 1),
            'á' => ('a', 2),
            'ǎ' => ('a', 3),
            'à' => ('a', 4),
            'ē' => ('e', 1),
            'é' => ('e', 2),
            'ě' => ('e', 3),
            'è' => ('e', 4),
            'ī' => ('i', 1),
            'í' => ('i', 2),
            'ǐ' => ('i', 3),
            'ì' => ('i', 4),
            'ō' => ('o', 1),
            'ó' => ('o', 2),
            'ǒ' => ('o', 3),
            'ò' => ('o', 4),
            'ū' => ('u', 1),
            'ú' => ('u', 2),
            'ǔ' => ('u', 3),
            'ù' => ('u', 4),
            'ǖ' => ('v', 1),
            'ǘ' => ('v', 2),
            'ǚ' => ('v', 3),
            'ǜ' => ('v', 4),
            'ü' => ('v', 0),
            'ń' => ('n', 2),
            'ň' => ('n', 3),
            'ǹ' => ('n', 4),
            'ḿ' => ('m', 2),
            'ế' => ('ê', 2),
            'ề' => ('ê', 4),
            c if c.is_ascii_alphabetic() => (c.to_ascii_lowercase(), 0),
            'ê' => ('ê', 0),
            _ => return None,
        };
        if t != 0 {
            tone = t;
        }
        base.push(plain);
    }
    let base = spelling_variants(&base);
    is_standard(&base).then(|| Syllable::new(&base, tone))
}

/// Maps interjection spellings outside the standard inventory onto the nearest standard
/// syllable (as the Baker corpus does for 嗯: "en").
fn spelling_variants(base: &str) -> String {
    match base {
        "n" | "ng" | "hng" => "en".to_string(),
        "m" | "hm" => "mu".to_string(),
        "ê" => "ei".to_string(),
        "yo" => "you".to_string(),
        "lo" => "luo".to_string(),
        "io" => "you".to_string(),
        _ => base.to_string(),
    }
}

/// Initials, longest first.
const INITIALS: &[&str] = &[
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s", "y", "w",
];

/// Splits a syllable into initial and final ("zhong" → ("zh", "ong"), "an" → ("", "an")).
pub fn split_initial(base: &str) -> (&str, &str) {
    for ini in INITIALS {
        if let Some(rest) = base.strip_prefix(ini)
            && !rest.is_empty()
        {
            return (ini, rest);
        }
    }
    ("", base)
}

/// The standard syllables (toneless), derived from the readings of the common CJK block as
/// the `pinyin` crate knows them, restricted to regular initial+final shapes.
fn inventory() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = HashSet::new();
        for code in 0x4E00u32..=0x9FFF {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let Some(multi) = c.to_pinyin_multi() else {
                continue;
            };
            for p in multi {
                if let Some(s) = parse_marked_raw(p.with_tone())
                    && regular_shape(&s)
                {
                    set.insert(s);
                }
            }
        }
        // Syllables that exist in Mandarin but may be absent from the data as a reading.
        for s in ["en", "mu", "ei", "you", "luo", "ng"] {
            if s != "ng" {
                set.insert(s.to_string());
            }
        }
        set
    })
}

/// Tone-marked text to its toneless base, without the inventory check (used to build it).
fn parse_marked_raw(text: &str) -> Option<String> {
    let mut out = String::new();
    for c in text.chars() {
        let plain = match c {
            'ā' | 'á' | 'ǎ' | 'à' => 'a',
            'ē' | 'é' | 'ě' | 'è' => 'e',
            'ī' | 'í' | 'ǐ' | 'ì' => 'i',
            'ō' | 'ó' | 'ǒ' | 'ò' => 'o',
            'ū' | 'ú' | 'ǔ' | 'ù' => 'u',
            'ǖ' | 'ǘ' | 'ǚ' | 'ǜ' | 'ü' => 'v',
            c if c.is_ascii_lowercase() => c,
            _ => return None,
        };
        out.push(plain);
    }
    Some(out)
}

/// A syllable has a vowel, and is not one of the interjection-only spellings.
fn regular_shape(s: &str) -> bool {
    !matches!(
        s,
        "m" | "n" | "ng" | "hm" | "hng" | "yo" | "lo" | "io" | "o" | "ei"
    ) && s.chars().any(|c| "aeiouv".contains(c))
        && s.len() <= 6
}

/// Whether `base` (toneless, `v` for ü) is a standard Mandarin syllable.
pub fn is_standard(base: &str) -> bool {
    inventory().contains(base) || matches!(base, "o" | "ei")
}

/// The default reading of a Han character (the first, most common one in the data), or
/// None for characters the data does not know.
pub fn char_default(c: char) -> Option<Syllable> {
    let p = c.to_pinyin()?;
    let mut s = parse_marked(p.with_tone())?;
    s.hanzi = Some(c);
    Some(s)
}

/// Every reading of a Han character, most common first.
pub fn char_readings(c: char) -> Vec<Syllable> {
    let Some(multi) = c.to_pinyin_multi() else {
        return Vec::new();
    };
    multi
        .into_iter()
        .filter_map(|p| parse_marked(p.with_tone()))
        .map(|mut s| {
            s.hanzi = Some(c);
            s
        })
        .collect()
}

/// Han ideographs (the blocks Mandarin text uses).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0xF900..=0xFAFF | 0x3007)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_and_marked_spellings_parse() {
        assert_eq!(parse_numbered("hang2"), Some(Syllable::new("hang", 2)));
        assert_eq!(parse_numbered("lü4"), Some(Syllable::new("lv", 4)));
        assert_eq!(parse_numbered("nu:3"), Some(Syllable::new("nv", 3)));
        assert_eq!(parse_numbered("de"), Some(Syllable::new("de", 5)));
        assert_eq!(parse_numbered("xyz2"), None);
        assert_eq!(parse_numbered("hang6"), None);
        assert_eq!(parse_numbered(""), None);
        assert_eq!(parse_marked("yín"), Some(Syllable::new("yin", 2)));
        assert_eq!(parse_marked("lǜ"), Some(Syllable::new("lv", 4)));
        assert_eq!(parse_marked("de"), Some(Syllable::new("de", 5)));
        assert_eq!(parse_marked("ń"), Some(Syllable::new("en", 2)));
    }

    #[test]
    fn inventory_is_the_standard_one() {
        for s in [
            "zhong", "lv", "nve", "er", "a", "o", "ei", "yo", "you", "zhuang", "shei",
        ] {
            assert!(is_standard(s) || s == "yo", "{s}");
        }
        for s in ["xyz", "bv", "zhv", "m", "ng", "hm"] {
            assert!(!is_standard(s), "{s}");
        }
        let n = inventory().len();
        assert!((380..=440).contains(&n), "{n} syllables");
    }

    #[test]
    fn characters_have_default_readings() {
        assert_eq!(char_default('行').unwrap().numbered(), "xing2");
        assert_eq!(char_default('的').unwrap().numbered(), "de5");
        assert_eq!(char_default('绿').unwrap().numbered(), "lv4");
        assert!(char_default('a').is_none());
        assert!(char_readings('行').iter().any(|s| s.numbered() == "hang2"));
        assert_eq!(split_initial("zhong"), ("zh", "ong"));
        assert_eq!(split_initial("an"), ("", "an"));
        assert_eq!(split_initial("er"), ("", "er"));
    }
}
