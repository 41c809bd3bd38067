//! The phonetic form of a Mandarin sentence: what the Chinese front end produces and every
//! Chinese voice reads (each engine maps it to its own symbol ids).

/// A sentence as the voices see it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PhoneticSentence {
    /// The sentence after normalisation (numbers, dates, English read out), for display.
    pub normalized: String,
    pub units: Vec<Unit>,
}

impl PhoneticSentence {
    /// The syllables as "wo3 zai4 yin2 hang2", breaks left out.
    pub fn pinyin_line(&self) -> String {
        self.units
            .iter()
            .filter_map(|u| match u {
                Unit::Syllable(s) => Some(s.numbered()),
                Unit::Break(_) => None,
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    Syllable(Syllable),
    /// A prosodic boundary after the preceding syllable.
    Break(Break),
}

/// Strength of a prosodic boundary, as in the Baker corpus marks `#1`..`#4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Break {
    /// Between prosodic words (#1).
    Word,
    /// Between phrases (#2).
    Phrase,
    /// At a comma-like pause (#3).
    Clause,
    /// At the end of a sentence (#4).
    Sentence,
}

/// One Mandarin syllable in tone-numbered pinyin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Syllable {
    /// Lowercase pinyin without tone, `ü` written `v` (e.g. "zhong", "lv", "er").
    pub pinyin: String,
    /// 1–4, or 5 for the neutral tone. Sandhi already applied when the voice wants it.
    pub tone: u8,
    /// The character it was read from, if any (for display and lexicon debugging).
    pub hanzi: Option<char>,
}

impl Syllable {
    pub fn new(pinyin: &str, tone: u8) -> Self {
        Self {
            pinyin: pinyin.to_string(),
            tone,
            hanzi: None,
        }
    }

    /// "zhong1", "ma5", "lv4".
    pub fn numbered(&self) -> String {
        format!("{}{}", self.pinyin, self.tone)
    }
}
