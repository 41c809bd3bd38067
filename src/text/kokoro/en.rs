//! English in Kokoro v1.0's symbols: whole English sentences, and English runs inside Chinese.
//!
//! Each word, first that applies:
//! 1. a lexicon entry (the user's phoneme entries, then recast's built-in `english.txt`):
//!    phonemes, `spell` or `word`;
//! 2. a number: its English words (see `numbers.rs`), each from the lexicon;
//! 3. a possessive or a plural of a word a lexicon knows or of a spelled acronym (Hinton's,
//!    Transformers, GPUs): the stem, then s, z or ᵻz as its last sound asks;
//! 4. a word in parts: at hyphens (GPT-3, self-attention), between letters and digits (H100),
//!    at dots (U.S, example.com: "dot"), at case changes (DeepSeek → Deep Seek): each part
//!    read on its own; parts of letters are joined into one word whose first primary stress
//!    is kept (ImageNet ˈɪmɪʤnˌɛt), parts with a number are separate words (GPT-3 ʤˌipˌitˈi
//!    θɹˈi);
//! 5. the acronym rule (`acronyms.rs`): spelled, or read as a word;
//! 6. espeak-ng (US English), mapped to Kokoro's symbols (`espeak_map.rs`). Neighbouring
//!    words that reach this step are read together, so that espeak-ng sees their context
//!    (unstressed "in", "the" before a vowel).
//!
//! As in Kokoro's English front end, a capitalised word read without any stress gets a
//! secondary stress (You jˌu), a word in capitals a primary one.
//! Punctuation becomes Kokoro's marks (, . ! ? ; : … — ( ) “ ”); & % + @ are read as words.

use super::acronyms::{self, Decision};
use super::builder::{Mark, Piece};
use super::lexicon::lookup;
use super::{KokoroError, KokoroWord, WordSource, espeak_map, numbers};
use crate::text::espeak;
use crate::text::is_han;
use crate::text::zh::english::split_camel;
use crate::text::zh::{Lexicon, PhonemeReading};

/// The espeak-ng voice English is read with (Kokoro's English packs speak American English).
const VOICE: &str = "en-us";

/// Vowels of Kokoro's English symbols (where a stress mark goes before).
const VOWELS: &str = "AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ";

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Mark(Mark, String),
    Space,
}

const fn mark(symbol: &'static str, space_before: bool, space_after: bool) -> Mark {
    Mark {
        symbol,
        space_before,
        space_after,
    }
}

/// A character that may start or continue a word.
fn word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_han(c)
}

/// Splits English text into words, marks and spaces; characters that are none of these go
/// to `skipped`.
fn tokens(text: &str, skipped: &mut Vec<String>) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut open_quote = true;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_word = i > 0 && word_char(chars[i - 1]);
        if word_char(c) || (c == '-' && next.is_some_and(|n| n.is_ascii_digit()) && !prev_word) {
            let start = i;
            i += 1;
            while let Some(&d) = chars.get(i) {
                let after = chars.get(i + 1).copied();
                let inner = match d {
                    '\'' | '’' | '.' | '-' => after.is_some_and(word_char),
                    ',' => {
                        chars[i - 1].is_ascii_digit() && after.is_some_and(|a| a.is_ascii_digit())
                    }
                    _ => false,
                };
                if word_char(d) || inner {
                    i += 1;
                } else {
                    break;
                }
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Token::Word(word.replace('’', "'")));
            continue;
        }
        let text = c.to_string();
        let token = match c {
            _ if c.is_whitespace() => Some(Token::Space),
            ',' | '，' | '、' => Some(Token::Mark(mark(",", false, true), text)),
            '.' if next == Some('.') => {
                let start = i;
                while chars.get(i + 1) == Some(&'.') {
                    i += 1;
                }
                let run: String = chars[start..=i].iter().collect();
                Some(Token::Mark(mark("…", false, true), run))
            }
            '.' | '。' => Some(Token::Mark(mark(".", false, true), text)),
            '!' | '！' => Some(Token::Mark(mark("!", false, true), text)),
            '?' | '？' => Some(Token::Mark(mark("?", false, true), text)),
            ';' | '；' => Some(Token::Mark(mark(";", false, true), text)),
            ':' | '：' => Some(Token::Mark(mark(":", false, true), text)),
            '…' => Some(Token::Mark(mark("…", false, true), text)),
            '-' | '–' | '—' => {
                while matches!(chars.get(i + 1), Some('-' | '–' | '—')) {
                    i += 1;
                }
                Some(Token::Mark(mark("—", true, true), text))
            }
            '(' | '[' | '{' | '（' => Some(Token::Mark(mark("(", true, false), text)),
            ')' | ']' | '}' | '）' => Some(Token::Mark(mark(")", false, true), text)),
            '“' | '«' => Some(Token::Mark(mark("“", true, false), text)),
            '”' | '»' => Some(Token::Mark(mark("”", false, true), text)),
            '"' => {
                let m = if open_quote {
                    mark("“", true, false)
                } else {
                    mark("”", false, true)
                };
                open_quote = !open_quote;
                Some(Token::Mark(m, text))
            }
            // Single quotes have no symbol in Kokoro; apostrophes inside words are kept above.
            '\'' | '‘' | '’' => None,
            '&' => Some(Token::Word("and".into())),
            '%' => Some(Token::Word("percent".into())),
            '+' => Some(Token::Word("plus".into())),
            '@' => Some(Token::Word("at".into())),
            '=' => Some(Token::Word("equals".into())),
            '/' => Some(Token::Space),
            _ => {
                skipped.push(text);
                None
            }
        };
        out.extend(token);
        i += 1;
    }
    out
}

/// Words whose reading a capital does not stress (The, To, In at the start of a sentence).
const NO_CAPITAL_STRESS: &[&str] = &["the", "a", "an", "am", "to", "in", "by", "i"];

/// Puts a stress before the first vowel of a reading that has none, as Kokoro's English
/// lexicon does for a word written with a capital (`secondary`) or in capitals.
fn capital_stress(word: &str, phonemes: String) -> String {
    let has_upper = word.chars().any(|c| c.is_uppercase());
    if !has_upper
        || phonemes.contains(['ˈ', 'ˌ'])
        || NO_CAPITAL_STRESS.contains(&word.to_lowercase().as_str())
    {
        return phonemes;
    }
    let all_upper = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| c.is_uppercase());
    let mark = if all_upper { 'ˈ' } else { 'ˌ' };
    match phonemes.char_indices().find(|(_, c)| VOWELS.contains(*c)) {
        Some((at, _)) => format!("{}{mark}{}", &phonemes[..at], &phonemes[at..]),
        None => phonemes,
    }
}

/// A plural or possessive ending after a stem's last sound.
fn s_ending(stem: &str) -> String {
    let last = stem.chars().rev().find(|c| !matches!(c, 'ˈ' | 'ˌ'));
    let ending = match last {
        Some('p' | 't' | 'k' | 'f' | 'θ') => "s",
        Some('s' | 'z' | 'ʃ' | 'ʒ' | 'ʧ' | 'ʤ') => "ᵻz",
        _ => "z",
    };
    format!("{stem}{ending}")
}

/// Parts joined into one word: later primary stresses become secondary.
fn compound(parts: &[String]) -> String {
    let mut out = String::new();
    let mut primary = false;
    for p in parts {
        if primary {
            out.push_str(&p.replace('ˈ', "ˌ"));
        } else {
            primary = p.contains('ˈ');
            out.push_str(p);
        }
    }
    out
}

/// espeak-ng's reading of some words in Kokoro's symbols, one string per word it spoke.
pub(crate) fn espeak_words(text: &str) -> Result<Vec<String>, KokoroError> {
    let sentences = espeak::phonemize_separated(text, VOICE, espeak_map::SEPARATOR)?;
    Ok(sentences
        .iter()
        .flat_map(|s| s.split_whitespace())
        .map(espeak_map::word)
        .filter(|w| !w.is_empty())
        .collect())
}

struct Reader<'a> {
    lexicon: &'a Lexicon,
    english_sentence: bool,
}

impl Reader<'_> {
    /// A word's reading and source, or None for a plain word that espeak-ng reads (with its
    /// neighbours).
    fn known(&self, word: &str, depth: usize) -> Result<Option<(String, WordSource)>, KokoroError> {
        if let Some((reading, source)) = lookup(self.lexicon, word) {
            return Ok(Some(match reading {
                PhonemeReading::Phonemes(p) => {
                    (capital_stress(word, p), WordSource::Lexicon(source))
                }
                PhonemeReading::Spell => (acronyms::spell(word), WordSource::Letters),
                PhonemeReading::Word => {
                    let read = espeak_words(&word.to_lowercase())?.join(" ");
                    (capital_stress(word, read), WordSource::Espeak)
                }
            }));
        }
        if let Some(words) = numbers::words(word) {
            let mut read = Vec::with_capacity(words.len());
            for w in words {
                read.push(self.reading(w, depth + 1)?.0);
            }
            return Ok(Some((read.join(" "), WordSource::Number)));
        }
        if depth > 3 {
            return Ok(None);
        }
        // Hinton's, Transformers, GPUs.
        for (stem, plural) in [
            (word.strip_suffix("'s"), false),
            (word.strip_suffix('s').filter(|s| s.len() > 1), true),
        ] {
            let Some(stem) = stem.filter(|s| !s.is_empty()) else {
                continue;
            };
            let acronym = stem.len() > 1 && stem.chars().all(|c| c.is_ascii_uppercase());
            if !plural || acronym || lookup(self.lexicon, stem).is_some() {
                let (read, source) = self.reading(stem, depth + 1)?;
                return Ok(Some((s_ending(&read), source)));
            }
        }
        if let Some(parts) = parts(word) {
            let mut read = Vec::new();
            let mut sources = Vec::new();
            for p in &parts.words {
                let (r, s) = self.reading(p, depth + 1)?;
                read.push(r);
                sources.push(s);
            }
            let joined = if parts.separate {
                read.join(" ")
            } else {
                compound(&read)
            };
            let source = if sources.iter().all(|s| *s == sources[0]) {
                sources.swap_remove(0)
            } else {
                WordSource::Parts
            };
            return Ok(Some((joined, source)));
        }
        match acronyms::rule(word, self.english_sentence) {
            Decision::Spell => Ok(Some((acronyms::spell(word), WordSource::Letters))),
            Decision::Word if word.chars().any(|c| c.is_lowercase()) => Ok(None),
            Decision::Word => {
                let read = espeak_words(&word.to_lowercase())?.join(" ");
                Ok(Some((capital_stress(word, read), WordSource::Espeak)))
            }
        }
    }

    /// A word's reading, from espeak-ng alone when nothing else knows it.
    fn reading(&self, word: &str, depth: usize) -> Result<(String, WordSource), KokoroError> {
        match self.known(word, depth)? {
            Some(known) => Ok(known),
            None => {
                let read = espeak_words(word)?.join(" ");
                Ok((capital_stress(word, read), WordSource::Espeak))
            }
        }
    }
}

/// A word to read in parts.
struct Parts {
    words: Vec<String>,
    /// Whether the parts are separate words (a number among them) or one compound.
    separate: bool,
}

fn parts(word: &str) -> Option<Parts> {
    let number = |p: &str| p.chars().any(|c| c.is_ascii_digit());
    if word.contains('-') {
        let words: Vec<String> = word
            .split('-')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        if words.len() > 1 {
            let separate = words.iter().any(|p| number(p));
            return Some(Parts { words, separate });
        }
    }
    if word.contains('.') {
        let pieces: Vec<&str> = word.split('.').filter(|p| !p.is_empty()).collect();
        if pieces.iter().all(|p| p.chars().count() == 1) {
            // U.S, e.g: letter by letter, as one word.
            return Some(Parts {
                words: vec![pieces.concat().to_uppercase()],
                separate: false,
            });
        }
        let mut words = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            if i > 0 {
                words.push("dot".to_string());
            }
            words.push(p.to_string());
        }
        return Some(Parts {
            words,
            separate: true,
        });
    }
    // Letters and digits: H100, GPT4, mp3.
    let chars: Vec<char> = word.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && chars[i - 1].is_ascii_digit() != c.is_ascii_digit() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    words.push(current);
    if words.len() > 1 {
        return Some(Parts {
            words,
            separate: true,
        });
    }
    let words = split_camel(word);
    (words.len() > 1).then_some(Parts {
        words,
        separate: false,
    })
}

/// Reads English text into words and marks. `english_sentence`: the text is a whole English
/// sentence (not a run inside Chinese), where "I" and "A" are words.
pub(crate) fn read(
    text: &str,
    lexicon: &Lexicon,
    english_sentence: bool,
    skipped: &mut Vec<String>,
) -> Result<Vec<Piece>, KokoroError> {
    let reader = Reader {
        lexicon,
        english_sentence,
    };
    let mut out = Vec::new();
    // Plain words waiting for espeak-ng, read together.
    let mut pending: Vec<String> = Vec::new();
    for token in tokens(text, skipped) {
        match token {
            Token::Space => {}
            Token::Word(w) => match reader.known(&w, 0)? {
                Some((phonemes, source)) => {
                    flush(&mut pending, &mut out)?;
                    out.push(Piece::Word(KokoroWord {
                        text: w,
                        phonemes,
                        source,
                    }));
                }
                None => pending.push(w),
            },
            Token::Mark(m, _) => {
                flush(&mut pending, &mut out)?;
                out.push(Piece::Mark(m));
            }
        }
    }
    flush(&mut pending, &mut out)?;
    before_vowels(&mut out);
    Ok(out)
}

/// "the" is ði and "to" tʊ before a word that starts with a vowel (the end, to ask).
fn before_vowels(pieces: &mut [Piece]) {
    for i in 0..pieces.len() {
        let vowel_next = match pieces.get(i + 1) {
            Some(Piece::Word(next)) => next
                .phonemes
                .chars()
                .find(|c| !matches!(c, 'ˈ' | 'ˌ'))
                .is_some_and(|c| VOWELS.contains(c)),
            _ => false,
        };
        if let Some(Piece::Word(w)) = pieces.get_mut(i)
            && vowel_next
            && matches!(w.source, WordSource::Lexicon(_))
        {
            match (w.text.to_lowercase().as_str(), w.phonemes.as_str()) {
                ("the", "ðə") => w.phonemes = "ði".into(),
                ("to", "tə") => w.phonemes = "tʊ".into(),
                _ => {}
            }
        }
    }
}

/// Reads the waiting plain words with espeak-ng: one word each when espeak-ng spoke as many
/// words as it was given, else one entry for them all.
fn flush(pending: &mut Vec<String>, out: &mut Vec<Piece>) -> Result<(), KokoroError> {
    if pending.is_empty() {
        return Ok(());
    }
    let text = pending.join(" ");
    let spoken = espeak_words(&text)?;
    if spoken.len() == pending.len() {
        for (w, p) in pending.drain(..).zip(spoken) {
            let phonemes = capital_stress(&w, p);
            out.push(Piece::Word(KokoroWord {
                text: w,
                phonemes,
                source: WordSource::Espeak,
            }));
        }
    } else {
        pending.clear();
        out.push(Piece::Word(KokoroWord {
            text,
            phonemes: spoken.join(" "),
            source: WordSource::Espeak,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        let mut skipped = Vec::new();
        tokens(text, &mut skipped)
            .into_iter()
            .map(|t| match t {
                Token::Word(w) => w,
                Token::Mark(m, _) => format!("<{}>", m.symbol),
                Token::Space => "_".into(),
            })
            .collect()
    }

    #[test]
    fn words_numbers_and_marks() {
        assert_eq!(
            toks("GPT-3.5 costs $1,000 (really)!"),
            [
                "GPT-3.5", "_", "costs", "_", "1,000", "_", "<(>", "really", "<)>", "<!>"
            ]
        );
        assert_eq!(
            toks("Hinton's \"bitter\" lesson... -7 and/or"),
            [
                "Hinton's", "_", "<“>", "bitter", "<”>", "_", "lesson", "<…>", "_", "-7", "_",
                "and", "_", "or"
            ]
        );
        assert_eq!(toks("a - b"), ["a", "_", "<—>", "_", "b"]);
    }

    #[test]
    fn capitals_stress_unstressed_readings() {
        assert_eq!(capital_stress("You", "ju".into()), "jˌu");
        assert_eq!(capital_stress("YOU", "ju".into()), "jˈu");
        assert_eq!(capital_stress("you", "ju".into()), "ju");
        assert_eq!(capital_stress("Hinton", "hˈɪntən".into()), "hˈɪntən");
        assert_eq!(capital_stress("The", "ðə".into()), "ðə");
    }

    #[test]
    fn endings_and_compounds() {
        assert_eq!(s_ending("tɹænsfˈɔɹməɹ"), "tɹænsfˈɔɹməɹz");
        assert_eq!(s_ending("nˈɛtwˌɜɹk"), "nˈɛtwˌɜɹks");
        assert_eq!(s_ending("ˌɛlˌɛlˈɛm"), "ˌɛlˌɛlˈɛmz");
        assert_eq!(s_ending("bˈʌs"), "bˈʌsᵻz");
        assert_eq!(compound(&["ˈɪmɪʤ".into(), "nˈɛt".into()]), "ˈɪmɪʤnˌɛt");
    }

    #[test]
    fn words_in_parts() {
        let p = |w: &str| parts(w).map(|p| (p.words, p.separate));
        assert_eq!(
            p("GPT-3"),
            Some((vec!["GPT".to_string(), "3".to_string()], true))
        );
        assert_eq!(
            p("self-attention"),
            Some((vec!["self".into(), "attention".into()], false))
        );
        assert_eq!(p("H100"), Some((vec!["H".into(), "100".into()], true)));
        assert_eq!(p("U.S"), Some((vec!["US".into()], false)));
        assert_eq!(
            p("example.com"),
            Some((vec!["example".into(), "dot".into(), "com".into()], true))
        );
        assert_eq!(
            p("DeepSeek"),
            Some((vec!["Deep".into(), "Seek".into()], false))
        );
        assert_eq!(p("network").map(|x| x.0), None);
    }
}
