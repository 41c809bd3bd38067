//! The front end of Kokoro-82M v1.0 voices: a sentence (Mandarin with English in it, or
//! English) as a string of Kokoro's phoneme symbols, each one symbol of its `vocab.json`.
//!
//! ```text
//! Mandarin sentence (has a Chinese character)
//!   split into Chinese text and English runs        → runs.rs
//!   Chinese text: recast's Chinese front end (normalisation, jieba words, lexicon,
//!     polyphones; lexical tones unless KokoroOptions::tone_sandhi)
//!     pinyin → IPA with tone arrows, marks → Kokoro's → zh.rs
//!   English runs: as English sentences are read      → en.rs
//! English sentence (no Chinese character)
//!   lexicon (user, built-in english.txt)             → lexicon.rs
//!   numbers in English words                          → numbers.rs
//!   acronyms spelled or read as words                 → acronyms.rs
//!   espeak-ng (en-us), mapped to Kokoro's symbols     → espeak_map.rs
//! words and marks joined with misaki's spacing         → builder.rs
//! ```
//!
//! The reference is misaki 0.9.4, the front end Kokoro v1.0 was trained with (Chinese:
//! `ZHG2P` v1.0; English: `en.G2P` with its espeak fallback); `scripts/kokoro-reference.py`
//! makes reference strings and `tests/kokoro_front_end.rs` lists every difference recast
//! chose. In short: recast's Chinese front end chooses the pinyin (its normalisation,
//! segmentation, polyphone rules and lexicon, and 一/不 always with their lexical tones),
//! English is read by recast's small lexicon and espeak-ng where misaki has a large English
//! lexicon, ONNX and a few names are read as recast's lexicon says, and runs of spaces or
//! repeated marks are written once.

mod acronyms;
mod builder;
mod en;
mod espeak_map;
mod lexicon;
mod numbers;
mod runs;
mod vocab;
mod zh;

use std::fmt::Write as _;

pub use vocab::{SYMBOLS, is_kokoro_symbol, symbol_hint, unknown_symbols};

use crate::text::espeak::EspeakError;
use crate::text::is_han;
use crate::text::zh::{FrontEndError, Lexicon, ReadOptions, WordToken, read_words};
use builder::Builder;
use runs::Run;

/// Longest input Kokoro v1.0 takes in one call, in phonemes (its context is 512 tokens, with
/// a 0 at both ends).
pub const MAX_PHONEMES: usize = 510;

/// How to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KokoroOptions {
    /// Apply 一/不 and third-tone sandhi to Mandarin. Off (the default): lexical tones, as
    /// the front end Kokoro v1.0 was trained with writes them.
    pub tone_sandhi: bool,
}

/// The language a sentence is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// A sentence with at least one Chinese character: Mandarin, with any English words in
    /// it read as English.
    Mandarin,
    /// A sentence without Chinese characters: English.
    English,
}

/// Where a word's phonemes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordSource {
    /// Mandarin, from its pinyin ("yin2 hang2"); `note` says where a reading that is not the
    /// characters' usual one came from ("built-in lexicon", "user lexicon …").
    Pinyin {
        pinyin: String,
        note: Option<String>,
    },
    /// An English word from a lexicon ("built-in lexicon", "user lexicon …").
    Lexicon(String),
    /// Spelled letter by letter.
    Letters,
    /// A number read in English words.
    Number,
    /// espeak-ng.
    Espeak,
    /// A word read in parts from different sources (ChatGPT-4: lexicon, number).
    Parts,
    /// A punctuation mark.
    Punctuation,
}

/// One word (or mark) of a sentence and its phonemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KokoroWord {
    pub text: String,
    pub phonemes: String,
    pub source: WordSource,
}

/// A sentence in Kokoro's symbols.
#[derive(Debug, Clone, PartialEq)]
pub struct KokoroReading {
    pub language: Language,
    /// The sentence as it was read (numbers in Chinese written out, punctuation unified).
    pub normalized: String,
    /// Kokoro's symbols only (see [`is_kokoro_symbol`]), words separated by spaces.
    pub phonemes: String,
    /// The words and marks, in order, with their phonemes and sources.
    pub words: Vec<KokoroWord>,
    /// Where clauses end in `phonemes`, in symbols from its start (right after a , ; : . ! ?
    /// … or —): where a long input may be split.
    pub clause_ends: Vec<usize>,
    /// Pieces of the sentence that produced no sound (emoji, symbols), and phonemes left out
    /// for want of a Kokoro symbol, for the caller to report.
    pub skipped: Vec<String>,
    /// Every Mandarin syllable, in order, with the symbols that spell it.
    pub syllables: Vec<KokoroSyllable>,
}

/// One Mandarin syllable of a reading: what it is written with, the tone it is spoken with
/// and where its symbols are.
#[derive(Debug, Clone, PartialEq)]
pub struct KokoroSyllable {
    /// The character it was read from ("" for a syllable without one).
    pub text: String,
    /// Its pinyin with the tone Kokoro's symbols carry (lexical): "hao3".
    pub reading: String,
    /// The tone spoken, after 一/不 and third-tone sandhi (1-4, 5 for the neutral tone).
    pub tone: u8,
    /// Its symbols in [`KokoroReading::phonemes`], in chars from the start.
    pub symbols: std::ops::Range<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum KokoroError {
    #[error(transparent)]
    Sentence(#[from] FrontEndError),
    #[error(transparent)]
    Espeak(#[from] EspeakError),
}

/// A version of this front end's output, to key cached audio on: it changes when the code's
/// output or the built-in English lexicon changes.
pub fn front_end_version() -> String {
    use sha2::Digest;
    /// Bump when the code reads any sentence differently.
    const CODE: &str = "kokoro-text-1";
    let digest = sha2::Sha256::digest(lexicon::builtin_text().as_bytes());
    format!("{CODE}-{}", &hex::encode(digest)[..12])
}

/// English words as espeak-ng alone reads them, in Kokoro's symbols (no lexicon, no acronym
/// rule, words separated by spaces): the fallback for words no lexicon knows.
pub fn english_by_espeak(text: &str) -> Result<String, KokoroError> {
    Ok(en::espeak_words(text)?.join(" "))
}

/// Reads a sentence (split text into sentences first, see [`crate::text::sentences`]) into
/// Kokoro v1.0's symbols. `lexicon` gives the Chinese readings and, through its phoneme
/// entries (`Hinton = /hˈɪntən/`, `NASA = spell`), English ones.
pub fn kokoro_phonemes(
    text: &str,
    lexicon: &Lexicon,
    options: &KokoroOptions,
) -> Result<KokoroReading, KokoroError> {
    let max = crate::text::zh::MAX_SENTENCE_CHARS;
    let chars = text.chars().count();
    if chars > max {
        return Err(FrontEndError::TooLong { chars, max }.into());
    }
    let mut skipped = Vec::new();
    let mut syllables = Vec::new();
    let mut builder = Builder::default();
    let (language, normalized) = if text.chars().any(is_han) {
        let read = ReadOptions {
            tone_sandhi: options.tone_sandhi,
        };
        let mut normalized = String::new();
        // Curly quotes are unified by the Chinese front end: they open and close in turn.
        let mut open_quote = true;
        for run in runs::split(text) {
            match run {
                Run::English(english) => {
                    if !normalized.is_empty() && !normalized.ends_with(' ') {
                        normalized.push(' ');
                    }
                    normalized.push_str(&english);
                    normalized.push(' ');
                    for piece in en::read(&english, lexicon, false, &mut skipped)? {
                        builder.piece(piece);
                    }
                }
                Run::Chinese(chinese) => {
                    let words = read_words(&chinese, lexicon, &read)?;
                    normalized.push_str(&words.normalized);
                    skipped.extend(words.skipped);
                    mandarin(
                        words.tokens,
                        lexicon,
                        &mut open_quote,
                        &mut builder,
                        &mut syllables,
                        &mut skipped,
                    )?;
                }
            }
        }
        (Language::Mandarin, normalized.trim().to_string())
    } else {
        for piece in en::read(text, lexicon, true, &mut skipped)? {
            builder.piece(piece);
        }
        (Language::English, text.trim().to_string())
    };
    let built = builder.finish();
    // A symbol Kokoro lacks is left out (the model would drop it too); it can only come from
    // espeak-ng phonemes that the mapping does not know.
    skipped.extend(
        built
            .dropped
            .iter()
            .map(|c| format!("{c} (U+{:04X}, no Kokoro symbol)", *c as u32)),
    );
    Ok(KokoroReading {
        language,
        normalized,
        phonemes: built.phonemes,
        words: built.words,
        clause_ends: built.clause_ends,
        skipped,
        syllables,
    })
}

/// Chinese words and marks into the builder: each syllable in Kokoro's symbols, a word's
/// syllables written together, marks as misaki maps them.
fn mandarin(
    tokens: Vec<WordToken>,
    lexicon: &Lexicon,
    open_quote: &mut bool,
    builder: &mut Builder,
    spoken: &mut Vec<KokoroSyllable>,
    skipped: &mut Vec<String>,
) -> Result<(), KokoroError> {
    for token in tokens {
        match token {
            WordToken::Mark(text) => {
                if text == "·" {
                    // Between the parts of a name: a word boundary, no symbol.
                    continue;
                }
                let is_quote = text == "“";
                match zh::mark(&text, *open_quote) {
                    Some(m) => builder.mark(m, Some(&text)),
                    None => skipped.push(text),
                }
                if is_quote {
                    *open_quote = !*open_quote;
                }
            }
            WordToken::Word {
                text, latin: true, ..
            } => {
                for piece in en::read(&text, lexicon, false, skipped)? {
                    builder.piece(piece);
                }
            }
            WordToken::Word {
                text,
                syllables,
                spoken_tones,
                note,
                latin: false,
            } => {
                let mut phonemes = String::new();
                // Each syllable's symbols, from the word's start.
                let mut spans = Vec::new();
                let mut len = 0;
                for (k, s) in syllables.iter().enumerate() {
                    match zh::syllable(&s.pinyin, s.tone) {
                        Some(p) => {
                            let symbols = p.chars().filter(|&c| is_kokoro_symbol(c)).count();
                            spans.push(KokoroSyllable {
                                text: s.hanzi.map(String::from).unwrap_or_default(),
                                reading: s.numbered(),
                                tone: spoken_tones.get(k).copied().unwrap_or(s.tone),
                                symbols: len..len + symbols,
                            });
                            len += symbols;
                            phonemes.push_str(&p);
                        }
                        None => skipped.push(s.numbered()),
                    }
                }
                let pinyin = syllables
                    .iter()
                    .map(|s| s.numbered())
                    .collect::<Vec<_>>()
                    .join(" ");
                let start = builder.word(KokoroWord {
                    text,
                    phonemes,
                    source: WordSource::Pinyin { pinyin, note },
                });
                spoken.extend(spans.into_iter().map(|mut s| {
                    s.symbols = start + s.symbols.start..start + s.symbols.end;
                    s
                }));
            }
        }
    }
    Ok(())
}

impl KokoroReading {
    /// The phonemes in pieces of at most `max` symbols (see [`MAX_PHONEMES`]), cut after
    /// clause ends, else at spaces between words, and only inside a word longer than `max`.
    pub fn chunks(&self, max: usize) -> Vec<String> {
        let chars: Vec<char> = self.phonemes.chars().collect();
        self.chunk_ranges(max)
            .into_iter()
            .map(|r| chars[r].iter().collect())
            .collect()
    }

    /// Where [`KokoroReading::chunks`] cuts, as ranges of symbols (spaces at their ends
    /// left out).
    pub fn chunk_ranges(&self, max: usize) -> Vec<std::ops::Range<usize>> {
        let max = max.max(1);
        let chars: Vec<char> = self.phonemes.chars().collect();
        let mut out = Vec::new();
        let mut start = 0;
        while chars.len() - start > max {
            let limit = start + max;
            let cut = self
                .clause_ends
                .iter()
                .copied()
                .filter(|&e| e > start && e <= limit)
                .max()
                .or_else(|| (start + 1..=limit).rev().find(|&i| chars[i] == ' '))
                .unwrap_or(limit);
            push_chunk(&mut out, &chars, start..cut);
            start = cut;
        }
        push_chunk(&mut out, &chars, start..chars.len());
        out
    }
}

fn push_chunk(
    out: &mut Vec<std::ops::Range<usize>>,
    chars: &[char],
    range: std::ops::Range<usize>,
) {
    let (mut start, mut end) = (range.start, range.end);
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    if start < end {
        out.push(start..end);
    }
}

/// Shows how a sentence is read, for `recast script --phonemes`:
///
/// ```text
/// language:   Mandarin
/// normalized: 我认识Jeff Hinton。
/// phonemes:   wo↓ ɻə↘nʂɨ ʤˈɛf hˈɪntən.
/// words:      我 wo3 → wo↓
///             认识 ren4 shi5 → ɻə↘nʂɨ
///             Jeff (built-in lexicon) → ʤˈɛf
/// tones:      … (syllables spoken with another tone than their symbols carry: 你 ni3→2)
/// ```
pub fn explain(text: &str, lexicon: &Lexicon, options: &KokoroOptions) -> String {
    let reading = match kokoro_phonemes(text, lexicon, options) {
        Ok(r) => r,
        Err(e) => return format!("error: {e}\n"),
    };
    let mut out = String::new();
    let language = match reading.language {
        Language::Mandarin => "Mandarin (English words in it read as English)",
        Language::English => "English",
    };
    let _ = writeln!(out, "language:   {language}");
    let _ = writeln!(out, "normalized: {}", reading.normalized);
    let _ = writeln!(out, "phonemes:   {}", reading.phonemes);
    let mut first = true;
    for w in reading
        .words
        .iter()
        .filter(|w| w.source != WordSource::Punctuation)
    {
        let how = match &w.source {
            WordSource::Pinyin { pinyin, note: None } => pinyin.clone(),
            WordSource::Pinyin {
                pinyin,
                note: Some(n),
            } => format!("{pinyin} ({n})"),
            WordSource::Lexicon(source) => format!("({source})"),
            WordSource::Letters => "(letter by letter)".into(),
            WordSource::Number => "(number)".into(),
            WordSource::Espeak => "(espeak-ng)".into(),
            WordSource::Parts => "(in parts)".into(),
            WordSource::Punctuation => String::new(),
        };
        let label = if first { "words:     " } else { "           " };
        first = false;
        let _ = writeln!(out, "{label} {} {how} → {}", w.text, w.phonemes);
    }
    // The pitch recast gives each syllable follows the tone spoken, which sandhi may make
    // other than the one its symbols carry.
    let sandhi: Vec<String> = reading
        .syllables
        .iter()
        .filter(|s| !s.reading.ends_with(char::from(b'0' + s.tone)))
        .map(|s| format!("{} {}→{}", s.text, s.reading, s.tone))
        .collect();
    if !sandhi.is_empty() {
        let _ = writeln!(
            out,
            "tones:      {} (spoken, given as pitch)",
            sandhi.join("; ")
        );
    }
    if !reading.skipped.is_empty() {
        let _ = writeln!(out, "skipped:    {}", reading.skipped.join(" "));
    }
    out
}

#[cfg(test)]
mod tests;
