//! Mandarin in Kokoro v1.0's symbols: a tone-numbered pinyin syllable to IPA with Kokoro's
//! affricate letters and a tone arrow, and Chinese punctuation to Kokoro's marks, as the
//! front end Kokoro v1.0 was trained with (misaki's v1.0 Chinese path) writes them.
//!
//! A syllable is initial + final. Initials: aspiration is `ʰ` (p pʰ t tʰ k kʰ), the
//! affricates are single letters (z ʦ, c ʦʰ, j ʨ, q ʨʰ, zh ꭧ, ch ꭧʰ), h is x, r is ɻ. Finals
//! are spelled from the "strict" final (y/w spellings undone: you → iou, wei → uei, yu → ü;
//! iu, ui, un after an initial → iou, uei, uen; u after j q x → ü): medials as glides (j w
//! ɥ), diphthongs without a non-syllabic mark (ai, au, ei, ou), the -i of zhi chi shi ri zi
//! ci si as ɨ. The tone arrow follows the syllable's vowel, before a nasal coda:
//! tone 1 →, 2 ↗, 3 ↓, 4 ↘, the neutral tone none (zhong1 → ꭧʊ→ŋ, ma5 → ma).

use super::builder::Mark;

/// The initials, longest first, and their symbols.
const INITIALS: &[(&str, &str)] = &[
    ("zh", "ꭧ"),
    ("ch", "ꭧʰ"),
    ("sh", "ʂ"),
    ("b", "p"),
    ("p", "pʰ"),
    ("m", "m"),
    ("f", "f"),
    ("d", "t"),
    ("t", "tʰ"),
    ("n", "n"),
    ("l", "l"),
    ("g", "k"),
    ("k", "kʰ"),
    ("h", "x"),
    ("j", "ʨ"),
    ("q", "ʨʰ"),
    ("x", "ɕ"),
    ("r", "ɻ"),
    ("z", "ʦ"),
    ("c", "ʦʰ"),
    ("s", "s"),
];

/// Strict finals and their symbols; `~` is where the tone arrow goes.
const FINALS: &[(&str, &str)] = &[
    ("a", "a~"),
    ("ai", "ai~"),
    ("an", "a~n"),
    ("ang", "a~ŋ"),
    ("ao", "au~"),
    ("e", "ɤ~"),
    ("ei", "ei~"),
    ("en", "ə~n"),
    ("eng", "ə~ŋ"),
    ("i", "i~"),
    ("ia", "ja~"),
    ("ian", "jɛ~n"),
    ("iang", "ja~ŋ"),
    ("iao", "jau~"),
    ("ie", "je~"),
    ("in", "i~n"),
    ("iou", "jou~"),
    ("ing", "i~ŋ"),
    ("iong", "jʊ~ŋ"),
    ("ong", "ʊ~ŋ"),
    ("ou", "ou~"),
    ("u", "u~"),
    ("ua", "wa~"),
    ("uai", "wai~"),
    ("uan", "wa~n"),
    ("uang", "wa~ŋ"),
    ("uei", "wei~"),
    ("uen", "wə~n"),
    ("ueng", "wə~ŋ"),
    ("uo", "wo~"),
    // bo, po, mo, fo: the o is uo.
    ("o", "wo~"),
    ("v", "y~"),
    ("ve", "ɥe~"),
    ("van", "ɥɛ~n"),
    ("vn", "y~n"),
];

/// Syllables without an initial + final shape: interjections and syllabic nasals.
const WHOLE: &[(&str, &str)] = &[
    ("er", "ɚ~"),
    ("o", "ɔ~"),
    ("ê", "ɛ~"),
    ("io", "jɔ~"),
    ("m", "m~"),
    ("n", "n~"),
    ("ng", "ŋ~"),
    ("hm", "hm~"),
    ("hng", "hŋ~"),
];

/// The tone arrow of tone 1-4; none for the neutral tone (5).
pub(crate) fn tone_arrow(tone: u8) -> Option<&'static str> {
    match tone {
        1 => Some("→"),
        2 => Some("↗"),
        3 => Some("↓"),
        4 => Some("↘"),
        5 => Some(""),
        _ => None,
    }
}

/// The final in its strict spelling: y/w spellings undone, abbreviations written out, ü for
/// u after j q x. `initial` is "" for a syllable without one.
fn strict_final(initial: &str, written: &str) -> Option<String> {
    let written = written.replace('ü', "v");
    if initial.is_empty() {
        if let Some(rest) = written.strip_prefix('y') {
            return Some(match rest {
                "i" | "in" | "ing" => rest.to_string(),
                "u" | "ue" | "uan" | "un" => format!("v{}", &rest[1..]),
                // yo: pypinyin's strict final is o, read uo.
                "o" => "o".to_string(),
                "ou" => "iou".to_string(),
                _ => format!("i{rest}"),
            });
        }
        if let Some(rest) = written.strip_prefix('w') {
            return Some(match rest {
                "u" => "u".to_string(),
                _ => format!("u{rest}"),
            });
        }
        return Some(written);
    }
    if matches!(initial, "j" | "q" | "x")
        && let Some(rest) = written.strip_prefix('u')
    {
        return Some(format!("v{rest}"));
    }
    Some(match written.as_str() {
        "iu" => "iou".to_string(),
        "ui" => "uei".to_string(),
        "un" => "uen".to_string(),
        // lüe, nüe are also written lue, nue.
        "ue" => "ve".to_string(),
        _ => written,
    })
}

/// A tone-numbered syllable ("zhong", 1) in Kokoro's symbols ("ꭧʊ→ŋ"), or `None` when it
/// is not a Mandarin syllable (or the tone is not 1-5). `ü` may be written `v` or `ü`.
pub(crate) fn syllable(pinyin: &str, tone: u8) -> Option<String> {
    let arrow = tone_arrow(tone)?;
    let pinyin = pinyin.to_ascii_lowercase().replace('ü', "v");
    if let Some((_, shape)) = WHOLE.iter().find(|(w, _)| *w == pinyin) {
        return Some(shape.replace('~', arrow));
    }
    let (initial, initial_symbols, rest) = INITIALS
        .iter()
        .find_map(|(ini, sym)| {
            pinyin
                .strip_prefix(ini)
                .filter(|rest| !rest.is_empty())
                .map(|rest| (*ini, *sym, rest))
        })
        .unwrap_or(("", "", pinyin.as_str()));
    let fin = strict_final(initial, rest)?;
    let shape = if fin == "i" && matches!(initial, "zh" | "ch" | "sh" | "r" | "z" | "c" | "s") {
        "ɨ~"
    } else {
        FINALS.iter().find(|(f, _)| *f == fin)?.1
    };
    Some(format!("{initial_symbols}{}", shape.replace('~', arrow)))
}

/// A punctuation mark of the Chinese front end's normalised text (its unified forms) in
/// Kokoro's marks, as misaki's v1.0 Chinese path writes the full-width marks: the mark and
/// where spaces go around it. `None` for marks Kokoro has no symbol for.
pub(crate) fn mark(unified: &str, open_quote: bool) -> Option<Mark> {
    let (symbol, before, after) = match unified {
        "。" => (".", false, true),
        "！" => ("!", false, true),
        "？" => ("?", false, true),
        "，" | "、" => (",", false, true),
        "；" => (";", false, true),
        "：" => (":", false, true),
        "（" => ("(", true, false),
        "）" => (")", false, true),
        "《" | "【" => ("“", true, false),
        "》" | "】" => ("”", false, true),
        // Curly quotes pass through misaki's mapping untouched: no spaces added.
        "“" if open_quote => ("“", false, false),
        "“" => ("”", false, false),
        "…" => ("…", false, false),
        "—" => ("—", false, false),
        _ => return None,
    };
    Some(Mark {
        symbol,
        space_before: before,
        space_after: after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_finals_and_tones() {
        let s = |p: &str, t: u8| syllable(p, t).unwrap();
        assert_eq!(s("zhong", 1), "ꭧʊ→ŋ");
        assert_eq!(s("chi", 1), "ꭧʰɨ→");
        assert_eq!(s("si", 4), "sɨ↘");
        assert_eq!(s("ri", 4), "ɻɨ↘");
        assert_eq!(s("ma", 5), "ma");
        assert_eq!(s("xian", 1), "ɕjɛ→n");
        assert_eq!(s("jiu", 3), "ʨjou↓");
        assert_eq!(s("gui", 4), "kwei↘");
        assert_eq!(s("dun", 4), "twə↘n");
        assert_eq!(s("ju", 4), "ʨy↘");
        assert_eq!(s("quan", 2), "ʨʰɥɛ↗n");
        assert_eq!(s("xue", 2), "ɕɥe↗");
        assert_eq!(s("lv", 4), "ly↘");
        assert_eq!(s("lü", 4), "ly↘");
        assert_eq!(s("nve", 4), "nɥe↘");
        assert_eq!(s("yu", 3), "y↓");
        assert_eq!(s("yuan", 3), "ɥɛ↓n");
        assert_eq!(s("yun", 2), "y↗n");
        assert_eq!(s("you", 3), "jou↓");
        assert_eq!(s("yi", 1), "i→");
        assert_eq!(s("ying", 2), "i↗ŋ");
        assert_eq!(s("wei", 4), "wei↘");
        assert_eq!(s("wu", 1), "u→");
        assert_eq!(s("weng", 1), "wə→ŋ");
        assert_eq!(s("bo", 2), "pwo↗");
        assert_eq!(s("er", 4), "ɚ↘");
        assert_eq!(s("o", 2), "ɔ↗");
        assert_eq!(s("e", 4), "ɤ↘");
        assert_eq!(s("n", 2), "n↗");
        assert_eq!(s("hao", 3), "xau↓");
        assert_eq!(s("ren", 2), "ɻə↗n");
    }

    /// Every syllable pypinyin knows, in every tone, as misaki's v1.0 path writes it
    /// (`scripts/kokoro-reference.py`).
    #[test]
    fn every_syllable_as_the_reference_writes_it() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/kokoro-reference/syllables.json"
        );
        let text = std::fs::read_to_string(path).expect("run scripts/kokoro-reference.py");
        let table: serde_json::Value = serde_json::from_str(&text).unwrap();
        let table = table["syllables"].as_object().unwrap();
        assert!(table.len() > 2000, "{}", table.len());
        let mut wrong = Vec::new();
        for (numbered, reference) in table {
            let (base, tone) = numbered.split_at(numbered.len() - 1);
            let ours = syllable(base, tone.parse().unwrap());
            if ours.as_deref() != reference.as_str() {
                wrong.push(format!("{numbered}: {reference} ≠ {ours:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn what_is_not_a_syllable_is_refused() {
        assert_eq!(syllable("ma", 0), None);
        assert_eq!(syllable("ma", 6), None);
        assert_eq!(syllable("xyz", 1), None);
        assert_eq!(syllable("", 1), None);
        assert_eq!(syllable("zh", 1), None);
    }

    #[test]
    fn tone_arrows() {
        assert_eq!(
            (1..=5).map(|t| tone_arrow(t).unwrap()).collect::<String>(),
            "→↗↓↘"
        );
    }

    #[test]
    fn marks_and_their_spaces() {
        let m = |u: &str| mark(u, true).unwrap();
        assert_eq!(m("，").symbol, ",");
        assert!(m("，").space_after && !m("，").space_before);
        assert_eq!(m("、").symbol, ",");
        assert_eq!(m("《").symbol, "“");
        assert!(m("《").space_before);
        assert_eq!(mark("“", false).unwrap().symbol, "”");
        assert_eq!(mark("·", true), None);
        assert_eq!(mark("‘", true), None);
    }
}
