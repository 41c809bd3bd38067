//! Acronyms: whether a word written in capitals is spelled letter by letter (GPT, CNN, AI)
//! or read as a word (NASA, ONNX), and the letter names in Kokoro's symbols.
//!
//! The decision, first that applies: the user lexicon (`GPT = spell`, `NASA = word`, or a
//! reading `/…/`), recast's built-in Kokoro lexicon (`english.txt`: its `spell`, `word` and
//! phoneme entries), then the rule: a word of two to five letters all in capitals (GPT,
//! LSTM), or of consonants only (NLP, mp3's mp), or a single letter other than the English
//! words "I" and "A", is spelled; a longer word in capitals (TRANSFORMER) is read as a word.
//!
//! Spelled, the letters' readings are joined and only the last keeps a primary stress (as
//! Kokoro's English lexicon spells: GPT ʤˌipˌitˈi).

/// A letter's name in Kokoro's symbols (A ˈA, B bˈi, … W dˈʌbᵊlju, Z zˈi), None for anything
/// but an ASCII letter.
pub(crate) fn letter(c: char) -> Option<&'static str> {
    Some(match c.to_ascii_uppercase() {
        'A' => "ˈA",
        'B' => "bˈi",
        'C' => "sˈi",
        'D' => "dˈi",
        'E' => "ˈi",
        'F' => "ˈɛf",
        'G' => "ʤˈi",
        'H' => "ˈAʧ",
        'I' => "ˈI",
        'J' => "ʤˈA",
        'K' => "kˈA",
        'L' => "ˈɛl",
        'M' => "ˈɛm",
        'N' => "ˈɛn",
        'O' => "ˈO",
        'P' => "pˈi",
        'Q' => "kjˈu",
        'R' => "ˈɑɹ",
        'S' => "ˈɛs",
        'T' => "tˈi",
        'U' => "jˈu",
        'V' => "vˈi",
        'W' => "dˈʌbᵊlju",
        'X' => "ˈɛks",
        'Y' => "wˈI",
        'Z' => "zˈi",
        _ => return None,
    })
}

/// A word letter by letter ("GPT" → "ʤˌipˌitˈi"); characters other than letters are left out.
pub(crate) fn spell(word: &str) -> String {
    let joined: String = word.chars().filter_map(letter).collect();
    last_stress_primary(&joined)
}

/// Every stress secondary, then the last one primary.
pub(crate) fn last_stress_primary(phonemes: &str) -> String {
    let demoted = phonemes.replace('ˈ', "ˌ");
    match demoted.rfind('ˌ') {
        Some(at) => format!("{}ˈ{}", &demoted[..at], &demoted[at + 'ˌ'.len_utf8()..]),
        None => demoted,
    }
}

/// What the rule decides for a word no lexicon knows (see the module comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Spell,
    Word,
}

/// The rule for a word of ASCII letters. `english_sentence`: whether the word is in an English
/// sentence, where "I" and "A" are words.
pub(crate) fn rule(word: &str, english_sentence: bool) -> Decision {
    let letters: Vec<char> = word.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    if letters.is_empty() {
        return Decision::Word;
    }
    if letters.len() == 1 {
        let pronoun_or_article = matches!(word, "I" | "A" | "a");
        return if english_sentence && pronoun_or_article {
            Decision::Word
        } else {
            Decision::Spell
        };
    }
    let capitals = letters.iter().all(|c| c.is_ascii_uppercase());
    let vowel = letters.iter().any(|c| "aeiouyAEIOUY".contains(*c));
    if (capitals && letters.len() <= 5) || !vowel {
        Decision::Spell
    } else {
        Decision::Word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_words_stress_their_last_letter() {
        assert_eq!(spell("GPT"), "ʤˌipˌitˈi");
        assert_eq!(spell("CNN"), "sˌiˌɛnˈɛn");
        assert_eq!(spell("GPU"), "ʤˌipˌijˈu");
        assert_eq!(spell("API"), "ˌApˌiˈI");
        assert_eq!(spell("PhD"), "pˌiˌAʧdˈi");
        assert_eq!(spell("x"), "ˈɛks");
        assert_eq!(spell("U.S"), "jˌuˈɛs");
        assert_eq!(spell("12"), "");
        for c in 'a'..='z' {
            assert!(letter(c).is_some(), "{c}");
        }
    }

    #[test]
    fn capitals_up_to_five_letters_are_spelled() {
        for w in [
            "GPT", "CNN", "RNN", "AI", "LSTM", "CUDA", "NLP", "mp", "x", "B",
        ] {
            assert_eq!(rule(w, false), Decision::Spell, "{w}");
        }
        for w in ["Hinton", "network", "TRANSFORMER", "ImageNet", "sky"] {
            assert_eq!(rule(w, false), Decision::Word, "{w}");
        }
        assert_eq!(rule("I", true), Decision::Word);
        assert_eq!(rule("A", true), Decision::Word);
        assert_eq!(rule("I", false), Decision::Spell);
    }
}
