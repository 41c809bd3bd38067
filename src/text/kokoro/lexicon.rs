//! Where an English word's reading comes from for Kokoro voices: the user lexicon's phoneme
//! entries (`Hinton = /hˈɪntən/`, `NASA = spell`), then recast's built-in Kokoro lexicon
//! (`english.txt`). Both match the word as written first, then in any case.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use crate::text::zh::lexicon::parse_phoneme_lines;
use crate::text::zh::{Lexicon, PhonemeReading, Source};

const BUILTIN: &str = include_str!("english.txt");

/// The built-in entries: by key as written, and by lower-case key.
struct Builtin {
    exact: HashMap<String, PhonemeReading>,
    folded: HashMap<String, PhonemeReading>,
}

fn builtin() -> &'static Builtin {
    static BUILTIN_ENTRIES: OnceLock<Builtin> = OnceLock::new();
    BUILTIN_ENTRIES.get_or_init(|| {
        // The built-in file is tested; should it ever fail, Kokoro reads without it.
        let entries = parse_phoneme_lines(BUILTIN, Path::new("english.txt"), &Source::Builtin)
            .unwrap_or_default();
        let mut exact = HashMap::new();
        let mut folded = HashMap::new();
        for (key, entry) in entries {
            folded.insert(key.to_lowercase(), entry.reading.clone());
            exact.insert(key, entry.reading);
        }
        Builtin { exact, folded }
    })
}

/// The built-in lexicon's text, for the front end's version (audio made with another one
/// differs).
pub(crate) fn builtin_text() -> &'static str {
    BUILTIN
}

/// A reading from a lexicon and where it came from ("built-in lexicon", "user lexicon …").
pub(crate) fn lookup(lexicon: &Lexicon, word: &str) -> Option<(PhonemeReading, String)> {
    if let Some(entry) = lexicon.phoneme_entry(word) {
        return Some((entry.reading.clone(), entry.source.to_string()));
    }
    let b = builtin();
    b.exact
        .get(word)
        .or_else(|| b.folded.get(&word.to_lowercase()))
        .map(|r| (r.clone(), Source::Builtin.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::kokoro::numbers;

    #[test]
    fn the_builtin_lexicon_parses_and_knows_every_number_word() {
        let parsed = parse_phoneme_lines(BUILTIN, Path::new("english.txt"), &Source::Builtin)
            .expect("english.txt parses");
        assert!(parsed.len() > 100, "{}", parsed.len());
        let lexicon = Lexicon::builtin();
        for w in numbers::vocabulary() {
            assert!(
                matches!(lookup(&lexicon, w), Some((PhonemeReading::Phonemes(_), _))),
                "{w}"
            );
        }
        assert_eq!(
            lookup(&lexicon, "hinton").map(|r| r.0),
            Some(PhonemeReading::Phonemes("hˈɪntən".into()))
        );
        assert_eq!(
            lookup(&lexicon, "NASA").map(|r| r.0),
            Some(PhonemeReading::Word)
        );
    }

    #[test]
    fn user_entries_come_first_and_exact_case_wins() {
        let mut lexicon = Lexicon::builtin();
        lexicon.insert("Hinton", "/hˈɪntɑn/").unwrap();
        lexicon.insert("US", "spell").unwrap();
        lexicon.insert("us", "/ʌs/").unwrap();
        let (reading, source) = lookup(&lexicon, "HINTON").unwrap();
        assert_eq!(reading, PhonemeReading::Phonemes("hˈɪntɑn".into()));
        assert_eq!(source, "user entry");
        assert_eq!(lookup(&lexicon, "US").unwrap().0, PhonemeReading::Spell);
        assert_eq!(
            lookup(&lexicon, "us").unwrap().0,
            PhonemeReading::Phonemes("ʌs".into())
        );
        assert_eq!(lookup(&lexicon, "Sutskeverish"), None);
    }
}
