//! English inside Chinese text, for voices that only know pinyin: letter names for acronyms
//! and a rough syllable transliteration for unknown words. Known words and names come from
//! the lexicon first (see `lexicon.toml`).
//!
//! Letter names are the Mandarin-style ones most speakers use (A ēi, B bì, C xī, … W
//! dá bu liù, Z zèi): a voice trained on Mandarin says them the way a Chinese speaker
//! spells an acronym.
//!
//! The transliteration turns spelling into rough sounds (sh, ch, th → s, ph → f, magic e,
//! vowel digraphs…), then into Mandarin syllables: a consonant with the following vowel (and
//! an n/ng coda) makes one syllable; a consonant without a vowel gets a short neutral-tone
//! syllable of its own (t → te, s → si, k → ke), as in Chinese transliterations of names.
//! Syllables with a vowel get tone 1, the bare-consonant ones tone 5.

use super::syllable::{is_standard, parse_numbered};
use crate::text::phonetic::Syllable;

/// The Mandarin-style name of an ASCII letter.
pub fn letter(c: char) -> Vec<Syllable> {
    let spelling = match c.to_ascii_uppercase() {
        'A' => "ei1",
        'B' => "bi4",
        'C' => "xi1",
        'D' => "di4",
        'E' => "yi4",
        'F' => "ai2 fu5",
        'G' => "ji4",
        'H' => "ai1 qi1",
        'I' => "ai4",
        'J' => "zhei4",
        'K' => "kei4",
        'L' => "ai2 le5",
        'M' => "ai2 mu5",
        'N' => "en1",
        'O' => "ou1",
        'P' => "pi1",
        'Q' => "qiu1",
        'R' => "a4 er5",
        'S' => "ai2 si1",
        'T' => "ti4",
        'U' => "you1",
        'V' => "wei1",
        'W' => "da2 bu5 liu5",
        'X' => "ai2 ke4 si1",
        'Y' => "wai1",
        'Z' => "zei4",
        _ => return Vec::new(),
    };
    spelling.split(' ').filter_map(parse_numbered).collect()
}

/// Spells a word letter by letter (other characters are ignored).
pub fn spell(word: &str) -> Vec<Syllable> {
    word.chars().flat_map(letter).collect()
}

/// Whether a word is best spelled out: all capitals (AI, GPT, RNN), or without a vowel
/// (NLP, mp), or a single letter.
pub fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if letters.is_empty() {
        return false;
    }
    letters.len() == 1
        || letters.iter().all(|c| c.is_ascii_uppercase())
        || !letters.iter().any(|c| "aeiouyAEIOUY".contains(*c))
}

/// Splits a mixed-case word at case changes: "ChatGPT" → ["Chat", "GPT"], "iPhone" →
/// ["i", "Phone"], "OpenAI" → ["Open", "AI"]. A word without inner capitals is returned whole.
pub fn split_camel(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            None => false,
            // lower → Upper: "Chat|GPT", "i|Phone".
            Some(p) if p.is_ascii_lowercase() && c.is_ascii_uppercase() => true,
            // UPPER → Upper lower: "GPT|Chat" ("AIModel" → "AI", "Model").
            Some(p)
                if p.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase()) =>
            {
                true
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

/// Rough sounds of an English word: onsets, vowels and codas in a pinyin-like spelling.
#[derive(Debug, Clone, PartialEq)]
enum Sound {
    C(&'static str),
    V(&'static str),
}

fn sounds(word: &str) -> Vec<Sound> {
    use Sound::{C, V};
    let w: Vec<char> = word
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    let n = w.len();
    let at = |i: usize| w.get(i).copied().unwrap_or(' ');
    let is_vowel = |c: char| "aeiou".contains(c);
    let rest = |i: usize, s: &str| -> bool { s.chars().enumerate().all(|(k, c)| at(i + k) == c) };
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = at(i);
        // Endings and clusters, longest first.
        if rest(i, "tion") || rest(i, "sion") {
            out.extend([C("sh"), V("en")]);
            i += 4;
            continue;
        }
        if rest(i, "ture") {
            out.extend([C("ch"), V("e")]);
            i += 4;
            continue;
        }
        if rest(i, "ous") && i + 3 == n {
            out.extend([V("e"), C("s")]);
            i += 3;
            continue;
        }
        if rest(i, "igh") {
            out.push(V("ai"));
            i += 3;
            continue;
        }
        if rest(i, "sch") {
            out.push(C("sh"));
            i += 3;
            continue;
        }
        if rest(i, "tch") {
            out.push(C("ch"));
            i += 3;
            continue;
        }
        let two: String = [c, at(i + 1)].iter().collect();
        let pair = match two.as_str() {
            "sh" => Some(C("sh")),
            "ch" => Some(C("ch")),
            "th" => Some(C("s")),
            "ph" => Some(C("f")),
            "ck" => Some(C("k")),
            "wh" => Some(C("w")),
            "qu" => Some(C("kw")),
            "ng" if i > 0 && !is_vowel(at(i + 2)) => Some(C("ng")),
            "gh" => Some(if i == 0 { C("g") } else { V("") }),
            "kn" if i == 0 => Some(C("n")),
            "wr" if i == 0 => Some(C("r")),
            "ee" | "ea" | "ie" => Some(V("i")),
            "oo" | "ue" | "ew" => Some(V("u")),
            "ou" | "ow" => Some(V("ao")),
            "oi" | "oy" => Some(V("ao")),
            "ai" | "ay" | "ei" | "ey" => Some(V("ei")),
            "au" | "aw" => Some(V("ao")),
            "oa" => Some(V("ou")),
            "er" | "ir" | "ur" if !is_vowel(at(i + 2)) => Some(V("e")),
            "ar" if !is_vowel(at(i + 2)) => Some(V("a")),
            "or" if !is_vowel(at(i + 2)) => Some(V("o")),
            _ => None,
        };
        if let Some(s) = pair {
            if s != V("") {
                out.push(s);
            }
            i += 2;
            continue;
        }
        // Doubled consonants sound once.
        if !is_vowel(c) && at(i + 1) == c {
            i += 1;
            continue;
        }
        let sound = match c {
            'a' | 'e' | 'i' | 'o' | 'u' => {
                // Magic e: a_e, i_e, o_e, u_e at the end of the word.
                let magic = i + 3 == n && !is_vowel(at(i + 1)) && at(i + 2) == 'e';
                // A final e after a consonant is silent.
                if c == 'e' && i + 1 == n && i >= 2 {
                    i += 1;
                    continue;
                }
                V(match (c, magic) {
                    ('a', true) => "ei",
                    ('i', true) => "ai",
                    ('o', true) => "ou",
                    ('u', true) => "u",
                    ('a', _) => "a",
                    ('e', _) => "e",
                    ('i', _) => "i",
                    ('o', _) => "o",
                    _ => "u",
                })
            }
            'y' => {
                if i == 0 && is_vowel(at(i + 1)) {
                    C("y")
                } else if i + 1 == n {
                    V("i")
                } else {
                    V("ai")
                }
            }
            'c' => {
                if "eiy".contains(at(i + 1)) {
                    C("s")
                } else {
                    C("k")
                }
            }
            'g' => {
                if "eiy".contains(at(i + 1)) && i > 0 {
                    C("j")
                } else {
                    C("g")
                }
            }
            'x' => {
                if i == 0 {
                    C("z")
                } else {
                    C("ks")
                }
            }
            'b' => C("b"),
            'd' => C("d"),
            'f' => C("f"),
            'h' => C("h"),
            'j' => C("j"),
            'k' => C("k"),
            'l' => C("l"),
            'm' => C("m"),
            'n' => C("n"),
            'p' => C("p"),
            'q' => C("k"),
            'r' => C("r"),
            's' => C("s"),
            't' => C("t"),
            'v' => C("v"),
            'w' => C("w"),
            'z' => C("z"),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(sound);
        i += 1;
    }
    out
}

/// A consonant with no vowel of its own, as a short syllable.
fn bare(c: &str) -> &'static str {
    match c {
        "b" => "bu",
        "p" => "pu",
        "m" => "mu",
        "f" | "v" => "fu",
        "d" => "de",
        "t" => "te",
        "n" => "en",
        "l" => "er",
        "g" => "ge",
        "k" => "ke",
        "h" => "he",
        "j" => "ji",
        "ch" => "qi",
        "sh" => "shi",
        "r" => "er",
        "s" => "si",
        "z" => "zi",
        "ks" => "ke",
        "kw" => "ku",
        "w" => "wu",
        "y" => "yi",
        "ng" => "en",
        _ => "e",
    }
}

/// The pinyin onset for an English consonant before a vowel.
fn onset(c: &str, vowel: &str) -> &'static str {
    let front = vowel.starts_with('i');
    match c {
        "b" => "b",
        "p" => "p",
        "m" => "m",
        "f" | "v" => "f",
        "d" => "d",
        "t" => "t",
        "n" => "n",
        "l" => "l",
        "r" => "l",
        "g" => "g",
        "k" | "kw" => "k",
        "h" if front => "x",
        "h" => "h",
        "j" if front => "j",
        "j" => "zh",
        "ch" if front => "q",
        "ch" => "ch",
        "sh" if front => "x",
        "sh" => "sh",
        "s" if front => "x",
        "s" => "s",
        "z" => "z",
        "ks" => "k",
        "w" => "w",
        "y" => "y",
        _ => "",
    }
}

/// Candidate pinyin spellings of an onset + vowel + coda, best first.
fn candidates(on: &str, vowel: &str, coda: &str) -> Vec<String> {
    let vowels: &[&str] = match (vowel, coda) {
        ("a", "n") => &["an"],
        ("a", "ng") => &["ang"],
        ("e", "n") => &["en", "an"],
        ("e", "ng") => &["eng", "ong"],
        ("i", "n") => &["in", "en", "ian"],
        ("i", "ng") => &["ing", "eng"],
        ("o", "n") => &["ong", "un", "uan", "an"],
        ("o", "ng") => &["ong", "ang"],
        ("u", "n") => &["un", "en", "an"],
        ("u", "ng") => &["ong", "eng"],
        ("ai", "n") => &["ai"],
        ("ei", "n") => &["ei"],
        ("ao", "n") => &["ao"],
        ("ou", "n") => &["ou"],
        (v, _) => match v {
            "a" => &["a", "ai", "e"],
            "e" => &["e", "ei", "ai", "a"],
            "i" => &["i", "ei", "ai", "ie"],
            "o" => &["o", "uo", "ou", "ao"],
            "u" => &["u", "ou", "iu"],
            "ai" => &["ai", "a", "ei"],
            "ei" => &["ei", "ai", "e"],
            "ao" => &["ao", "ou", "o"],
            "ou" => &["ou", "o", "uo"],
            "en" => &["en", "an"],
            _ => &["e"],
        },
    };
    let mut out = Vec::new();
    for v in vowels {
        let spelled = match (on, *v) {
            ("", v) if v.starts_with('i') => format!("y{}", if v == "i" { "i" } else { v }),
            ("", v) if v.starts_with('u') => format!("w{}", if v == "u" { "u" } else { &v[1..] }),
            ("y", v) if v.starts_with('i') => format!("y{v}"),
            ("w", v) if v.starts_with('u') => format!("w{}", &v[1..]),
            (on, v) => format!("{on}{v}"),
        };
        out.push(spelled);
    }
    out
}

/// Transliterates an English word into Mandarin syllables (see the module comment).
pub fn transliterate(word: &str) -> Vec<Syllable> {
    let s = sounds(word);
    let mut out: Vec<Syllable> = Vec::new();
    let mut i = 0;
    let push = |out: &mut Vec<Syllable>, base: &str, tone: u8| {
        if is_standard(base) {
            out.push(Syllable::new(base, tone));
        }
    };
    while i < s.len() {
        match &s[i] {
            Sound::C(c) => {
                if let Some(Sound::V(v)) = s.get(i + 1) {
                    // Consonant + vowel (+ n/ng/m coda when no vowel follows the coda).
                    let (coda, used) = coda_at(&s, i + 2);
                    let on = onset(c, v);
                    if *c == "ks" {
                        push(&mut out, "ke", 5);
                    }
                    let pick = candidates(on, v, coda)
                        .into_iter()
                        .find(|p| is_standard(p))
                        .or_else(|| candidates("", v, coda).into_iter().find(|p| is_standard(p)));
                    match pick {
                        Some(p) => {
                            if *c == "ks" {
                                // "x" + vowel: ke + s-vowel.
                                let sv = candidates("s", v, coda)
                                    .into_iter()
                                    .find(|p| is_standard(p))
                                    .unwrap_or(p);
                                push(&mut out, &sv, 1);
                            } else {
                                push(&mut out, &p, 1);
                            }
                        }
                        None => push(&mut out, bare(c), 5),
                    }
                    i += 2 + used;
                } else {
                    push(&mut out, bare(c), 5);
                    if *c == "ks" {
                        push(&mut out, "si", 5);
                    }
                    i += 1;
                }
            }
            Sound::V(v) => {
                let (coda, used) = coda_at(&s, i + 1);
                if let Some(p) = candidates("", v, coda).into_iter().find(|p| is_standard(p)) {
                    push(&mut out, &p, 1);
                }
                i += 1 + used;
            }
        }
    }
    out
}

/// An n or ng coda at `i` (not followed by a vowel, which would make it an onset).
fn coda_at(s: &[Sound], i: usize) -> (&'static str, usize) {
    let next_is_vowel = matches!(s.get(i + 1), Some(Sound::V(_)));
    match s.get(i) {
        Some(Sound::C("n")) if !next_is_vowel => ("n", 1),
        Some(Sound::C("ng")) if !next_is_vowel => ("ng", 1),
        _ => ("", 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(s: &[Syllable]) -> String {
        s.iter()
            .map(Syllable::numbered)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn every_letter_has_a_valid_name() {
        for c in 'A'..='Z' {
            let syl = letter(c);
            assert!(!syl.is_empty(), "{c}");
            assert_eq!(letter(c.to_ascii_lowercase()), syl);
        }
        assert_eq!(numbered(&spell("AI")), "ei1 ai4");
        assert_eq!(numbered(&spell("GPT")), "ji4 pi1 ti4");
        assert_eq!(numbered(&spell("RNN")), "a4 er5 en1 en1");
        assert!(letter('1').is_empty());
    }

    #[test]
    fn acronyms_and_camel_case() {
        assert!(is_acronym("CNN"));
        assert!(is_acronym("NLP"));
        assert!(is_acronym("x"));
        assert!(!is_acronym("Hinton"));
        assert_eq!(split_camel("ChatGPT"), ["Chat", "GPT"]);
        assert_eq!(split_camel("OpenAI"), ["Open", "AI"]);
        assert_eq!(split_camel("iPhone"), ["i", "Phone"]);
        assert_eq!(split_camel("AIModel"), ["AI", "Model"]);
        assert_eq!(split_camel("hello"), ["hello"]);
    }

    #[test]
    fn transliteration_gives_valid_syllables() {
        for w in [
            "Hinton",
            "network",
            "Sutton",
            "Chomsky",
            "consciousness",
            "vision",
            "strength",
            "rhythm",
            "queue",
            "xylophone",
            "yes",
            "a",
            "zzz",
            "Schmidhuber",
            "",
            "'",
        ] {
            let syl = transliterate(w);
            assert!(syl.iter().all(|s| is_standard(&s.pinyin)), "{w}: {syl:?}");
            if w.chars().any(|c| c.is_ascii_alphabetic()) {
                assert!(!syl.is_empty(), "{w}");
            }
        }
        assert_eq!(numbered(&transliterate("Sam")), "sa1 mu5");
        assert_eq!(numbered(&transliterate("Bob")), "bo1 bu5");
        assert_eq!(numbered(&transliterate("Hinton")), "xin1 tong1");
        assert_eq!(numbered(&transliterate("Alex")), "a1 le1 ke5 si5");
    }
}
