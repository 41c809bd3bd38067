//! The Chinese front end shared by every Chinese voice: from a sentence to tone-numbered
//! pinyin syllables and prosodic breaks ([`PhoneticSentence`]).
//!
//! ```text
//! normalise (numbers, dates, units, punctuation)  → normalize.rs
//! segment (jieba) and look up readings            → reader.rs, lexicon.rs
//!   lexicon order: user files > built-in lexicon.toml > pypinyin phrase dictionary
//!   (optional, loaded at run time) > words inside > characters (pinyin crate) + rules
//! English words: lexicon, letters, transliteration → english.rs
//! prosodic words, 一/不 and third-tone sandhi      → tones.rs
//! ```
//!
//! Load a [`Lexicon`] once ([`Lexicon::standard`] with recast's data folder, or
//! [`Lexicon::builtin`]) and pass it to [`read`] for every sentence; the dictionaries are
//! parsed once per process.
//!
//! Decisions worth knowing (details in each module):
//! - years are read digit by digit, phone numbers too with 1 as 幺 (yāo); GPT-3 is GPT三;
//! - English: lexicon entries (names in their Chinese form: Hinton → 辛顿), acronyms letter
//!   by letter with Mandarin letter names (A ēi, B bì …), other words by a rough
//!   transliteration into pinyin syllables;
//! - tones: neutral tones always (lexicon and rules); sandhi only with
//!   [`ReadOptions::tone_sandhi`], on by default because the Baker corpus that the
//!   FastSpeech2 voice was trained on is labelled with surface tones (卡尔普 ka2 er2 pu3),
//!   off for Piper's pinyin voices (their g2pW front end gives lexical tones).

pub mod english;
mod lazy_lexicon;
pub mod lexicon;
pub mod normalize;
mod numbers;
mod reader;
pub mod syllable;
mod tones;

use std::fmt::Write as _;

pub use lazy_lexicon::{LazyLexicon, load_lexicon};
pub use lexicon::{
    Lexicon, LexiconError, PhonemeEntry, PhonemeReading, Source, phrase_dictionary_path,
};
pub use normalize::normalize;

use crate::text::phonetic::{Break, PhoneticSentence, Syllable};
use reader::Origin;

/// How to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Apply 一/不 and third-tone sandhi (surface tones, as the Baker corpus is labelled).
    /// Off: lexical tones (what Piper's pinyin voices were trained with).
    pub tone_sandhi: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self { tone_sandhi: true }
    }
}

impl ReadOptions {
    /// Surface tones, for the Baker-trained FastSpeech2 voice.
    pub fn surface() -> Self {
        Self { tone_sandhi: true }
    }

    /// Lexical tones, for Piper's pinyin voices.
    pub fn lexical() -> Self {
        Self { tone_sandhi: false }
    }
}

/// Longest sentence [`read`] accepts, in characters. Split text first with
/// [`crate::text::sentences`].
pub const MAX_SENTENCE_CHARS: usize = 10_000;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FrontEndError {
    #[error(
        "sentence of {chars} characters is longer than {max}; split the text into sentences first"
    )]
    TooLong { chars: usize, max: usize },
}

/// A sentence read: what the voices get, plus what could not be read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reading {
    pub sentence: PhoneticSentence,
    /// Pieces of the input that produced no sound (emoji, symbols, other scripts), in order,
    /// for the caller to report.
    pub skipped: Vec<String>,
}

impl From<Reading> for PhoneticSentence {
    fn from(r: Reading) -> Self {
        r.sentence
    }
}

/// Reads one sentence: normalised text, syllables and breaks, and the unreadable pieces.
pub fn read(
    sentence: &str,
    lexicon: &Lexicon,
    options: &ReadOptions,
) -> Result<Reading, FrontEndError> {
    Ok(analyse(sentence, lexicon, options)?.reading)
}

/// Everything `explain` shows.
struct Analysis {
    reading: Reading,
    items: Vec<tones::Item>,
    /// Syllables before sandhi, per word in order.
    before_sandhi: Vec<Vec<crate::text::phonetic::Syllable>>,
}

fn analyse(
    sentence: &str,
    lexicon: &Lexicon,
    options: &ReadOptions,
) -> Result<Analysis, FrontEndError> {
    let chars = sentence.chars().count();
    if chars > MAX_SENTENCE_CHARS {
        return Err(FrontEndError::TooLong {
            chars,
            max: MAX_SENTENCE_CHARS,
        });
    }
    let pieces = normalize::pieces(sentence);
    let normalized = normalize::render(&pieces);
    let mut skipped = Vec::new();
    let mut tokens = reader::read_pieces(&pieces, lexicon, &mut skipped);
    tones::lexical_yi_bu(&mut tokens);
    let mut items = tones::group(tokens);
    let before_sandhi = words(&items)
        .map(|w| w.syllables.clone())
        .collect::<Vec<_>>();
    if options.tone_sandhi {
        tones::sandhi(&mut items);
    }
    let units = tones::units(&items);
    Ok(Analysis {
        reading: Reading {
            sentence: PhoneticSentence { normalized, units },
            skipped,
        },
        items,
        before_sandhi,
    })
}

fn word_tones(items: &[tones::Item]) -> Vec<Vec<u8>> {
    words(items)
        .map(|w| w.syllables.iter().map(|s| s.tone).collect())
        .collect()
}

/// A sentence read word by word, for front ends that mark word boundaries and punctuation
/// themselves (Kokoro's): the segmenter's words (not prosodic words) with their syllables,
/// and each punctuation mark in the normaliser's unified form ("，" "。" "“" "《" …).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct WordReading {
    pub normalized: String,
    pub tokens: Vec<WordToken>,
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WordToken {
    Word {
        text: String,
        syllables: Vec<Syllable>,
        /// The tone each syllable is spoken with: after 一/不 and third-tone sandhi, whatever
        /// tones `syllables` are written with.
        spoken_tones: Vec<u8>,
        /// Where a reading that is not the characters' usual one came from (as `explain`
        /// says it).
        note: Option<String>,
        /// An English word (read into pinyin, which a voice that speaks English ignores).
        latin: bool,
    },
    Mark(String),
}

/// Reads one sentence word by word (see [`WordReading`]).
pub(crate) fn read_words(
    sentence: &str,
    lexicon: &Lexicon,
    options: &ReadOptions,
) -> Result<WordReading, FrontEndError> {
    let analysis = analyse(sentence, lexicon, options)?;
    // Every mark of the normalised text is one break, in order (the reader turns each mark
    // into a break, and grouping keeps them).
    let mut marks = normalize::pieces(sentence)
        .into_iter()
        .filter_map(|p| match p {
            normalize::Piece::Mark { text, .. } => Some(text),
            _ => None,
        });
    // The tones spoken, whether or not `items` carry them: a voice trained on lexical tones
    // still speaks the sandhi tones.
    let mut spoken_items = analysis.items.clone();
    if !options.tone_sandhi {
        tones::sandhi(&mut spoken_items);
    }
    tones::sandhi_across_words(&mut spoken_items);
    let mut tokens = Vec::new();
    let mut spoken = word_tones(&spoken_items).into_iter();
    for item in &analysis.items {
        match item {
            tones::Item::Break(_) => tokens.push(WordToken::Mark(marks.next().unwrap_or_default())),
            tones::Item::Group(g) => tokens.extend(g.words.iter().map(|w| WordToken::Word {
                text: w.text.clone(),
                syllables: w.syllables.clone(),
                spoken_tones: spoken.next().unwrap_or_default(),
                note: origin_note(&w.origin),
                latin: w.kind == reader::Kind::Latin,
            })),
        }
    }
    Ok(WordReading {
        normalized: analysis.reading.sentence.normalized,
        tokens,
        skipped: analysis.reading.skipped,
    })
}

/// Where a word's reading came from, unless from the characters' usual readings.
fn origin_note(origin: &Origin) -> Option<String> {
    match origin {
        Origin::Lexicon(s) | Origin::English(s) => Some(s.to_string()),
        Origin::Parts => Some("words inside it, then characters".into()),
        Origin::Letters => Some("letter by letter".into()),
        Origin::Transliterated => Some("transliterated (not in any lexicon)".into()),
        Origin::EnglishParts => Some("its parts read separately".into()),
        Origin::Characters | Origin::Number => None,
    }
}

fn words(items: &[tones::Item]) -> impl Iterator<Item = &reader::Word> {
    items.iter().flat_map(|i| match i {
        tones::Item::Group(g) => g.words.iter(),
        tones::Item::Break(_) => <&[reader::Word]>::default().iter(),
    })
}

/// Shows how a sentence is read, for `recast script --phonemes`:
///
/// ```text
/// normalized: 我在银行工作。
/// pinyin:     我/wo3 在/zai4 #1 银行/yin2 hang2 #1 工作/gong1 zuo4 #4
/// from:       银行: built-in lexicon
/// sandhi:     …
/// skipped:    …
/// ```
///
/// `#1`–`#4` are the breaks (word, phrase, clause, sentence). `from` names the source of
/// readings that did not come from the characters' usual readings; `sandhi` lists tones
/// changed by sandhi.
pub fn explain(sentence: &str, lexicon: &Lexicon, options: &ReadOptions) -> String {
    let analysis = match analyse(sentence, lexicon, options) {
        Ok(a) => a,
        Err(e) => return format!("error: {e}\n"),
    };
    let mut out = String::new();
    let _ = writeln!(out, "normalized: {}", analysis.reading.sentence.normalized);
    let mut line = String::new();
    let mut pending: Option<Break> = None;
    let mut first = true;
    for item in &analysis.items {
        match item {
            tones::Item::Break(b) => pending = Some(pending.map_or(*b, |p| p.max(*b))),
            tones::Item::Group(g) => {
                if !first {
                    let _ = write!(line, " {} ", mark(pending.unwrap_or(Break::Word)));
                }
                pending = None;
                first = false;
                let shown: Vec<String> = g
                    .words
                    .iter()
                    .map(|w| {
                        let syl: Vec<String> = w.syllables.iter().map(|s| s.numbered()).collect();
                        format!("{}/{}", w.text, syl.join(" "))
                    })
                    .collect();
                line.push_str(&shown.join(" "));
            }
        }
    }
    if !first {
        line.push_str(" #4");
    }
    let _ = writeln!(out, "pinyin:     {line}");
    let mut from = Vec::new();
    let mut changes = Vec::new();
    for (w, before) in words(&analysis.items).zip(&analysis.before_sandhi) {
        if let Some(s) = origin_note(&w.origin) {
            from.push(format!("{}: {s}", w.text));
        }
        let changed: Vec<String> = before
            .iter()
            .zip(&w.syllables)
            .filter(|(a, b)| a.tone != b.tone)
            .map(|(a, b)| format!("{}→{}", a.numbered(), b.numbered()))
            .collect();
        if !changed.is_empty() {
            changes.push(format!("{} {}", w.text, changed.join(" ")));
        }
    }
    if !from.is_empty() {
        let _ = writeln!(out, "from:       {}", from.join("; "));
    }
    if !changes.is_empty() {
        let _ = writeln!(out, "sandhi:     {}", changes.join("; "));
    }
    if !analysis.reading.skipped.is_empty() {
        let _ = writeln!(out, "skipped:    {}", analysis.reading.skipped.join(" "));
    }
    out
}

fn mark(b: Break) -> &'static str {
    match b {
        Break::Word => "#1",
        Break::Phrase => "#2",
        Break::Clause => "#3",
        Break::Sentence => "#4",
    }
}

/// The syllables of a reading as "wo3 zai4 yin2 hang2", breaks left out (for tests and
/// measurements).
pub fn pinyin_line(sentence: &PhoneticSentence) -> String {
    sentence.pinyin_line()
}

#[cfg(test)]
mod tests;
