//! Readings of words: the built-in lexicon (`lexicon.toml`, written for recast), user
//! lexicon files, and optionally pypinyin's phrase dictionary loaded at run time.
//!
//! A reading is either tone-numbered pinyin ("yin2 hang2", "de5" for the neutral tone, "lv4"
//! for lǜ) or Chinese characters that are read in turn ("辛顿" for Hinton). Keys are Chinese
//! words (the reading then has one syllable per character), single characters (their
//! default reading outside known words), or English words, names and phrases (matched
//! ignoring case).
//!
//! Precedence: user files (later files win), then the built-in lexicon, then the phrase
//! dictionary, then per-character readings.
//!
//! For voices that speak English as English (Kokoro), an English word may also be given a
//! reading in Kokoro's phoneme symbols between slashes (`Hinton = /hˈɪntən/`), or `spell`
//! (read letter by letter: `NASA = spell`) or `word` (read as a word: `ONNX = word`). These
//! are kept apart from the pinyin and character readings: the other voices do not see them,
//! and an English word may have one of each kind.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use jieba_rs::Jieba;

use super::syllable::{is_han, parse_marked, parse_numbered};
use crate::text::phonetic::Syllable;

const BUILTIN: &str = include_str!("lexicon.toml");

/// Where a reading came from, for `explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A user lexicon file.
    User(PathBuf),
    /// recast's built-in lexicon.
    Builtin,
    /// The phrase dictionary (pypinyin's `phrases_dict.json`).
    Phrases,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::User(p) if p.as_os_str().is_empty() => write!(f, "user entry"),
            Source::User(p) => write!(f, "user lexicon {}", p.display()),
            Source::Builtin => write!(f, "built-in lexicon"),
            Source::Phrases => write!(f, "phrase dictionary"),
        }
    }
}

/// A reading as written in a lexicon.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    Pinyin(Vec<Syllable>),
    /// Chinese characters, read by the front end (without this entry, to avoid loops).
    Hanzi(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub reading: Reading,
    pub source: Source,
}

/// How a voice that speaks English (Kokoro) reads an English word, as a lexicon says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhonemeReading {
    /// Kokoro's phoneme symbols (`/hˈɪntən/`, written without the slashes).
    Phonemes(String),
    /// Letter by letter (`spell`).
    Spell,
    /// As a word, even if it is written in capitals (`word`).
    Word,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonemeEntry {
    pub reading: PhonemeReading,
    pub source: Source,
}

/// The entries of one lexicon file.
#[derive(Debug, Default)]
struct ParsedFile {
    entries: Vec<(String, Entry)>,
    phonemes: Vec<(String, PhonemeEntry)>,
}

/// A lexicon file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    #[error("cannot read lexicon {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Word readings plus the segmenter that knows the lexicon's Chinese words. Load once and
/// pass it around: cloning is cheap (shared data).
#[derive(Clone)]
pub struct Lexicon {
    /// Chinese words and single characters (user entries replace built-in ones).
    words: HashMap<String, Entry>,
    /// English words and phrases, by lower-case key (matching ignores case).
    english: HashMap<String, Entry>,
    /// Phoneme readings of English words, by their key as written ("US" and "us" differ).
    phonemes: HashMap<String, PhonemeEntry>,
    /// The same, by lower-case key, for words written in another case.
    phonemes_folded: HashMap<String, PhonemeEntry>,
    /// Longest English key, in words.
    pub(crate) max_english_words: usize,
    /// Longest Chinese key, in characters (over words and phrases).
    pub(crate) max_word_chars: usize,
    phrases: Option<Arc<HashMap<String, Vec<Syllable>>>>,
    segmenter: Arc<Jieba>,
    /// Whether the segmenter is the shared one (no user words added).
    shared_segmenter: bool,
    /// A digest of each source this lexicon was built from, in order: what a cache of
    /// audio read with it must be keyed on.
    sources: Vec<[u8; 32]>,
}

fn source_digest(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

impl fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lexicon")
            .field("words", &self.words.len())
            .field("english", &self.english.len())
            .field("phonemes", &self.phonemes.len())
            .field("phrases", &self.phrases.as_ref().map(|p| p.len()))
            .finish()
    }
}

/// The built-in entries, parsed once.
fn builtin_entries() -> &'static Vec<(String, Entry)> {
    static ENTRIES: OnceLock<Vec<(String, Entry)>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        // The built-in file is tested; should it ever fail, recast reads without it.
        parse_toml(BUILTIN, Path::new("lexicon.toml"), &Source::Builtin)
            .map(|parsed| parsed.entries)
            .unwrap_or_default()
    })
}

/// jieba's dictionary plus the built-in Chinese words, built once.
fn shared_segmenter() -> &'static Arc<Jieba> {
    static JIEBA: OnceLock<Arc<Jieba>> = OnceLock::new();
    JIEBA.get_or_init(|| {
        let mut jieba = Jieba::new();
        for (key, _) in builtin_entries() {
            if key.chars().count() > 1 && key.chars().all(is_han) {
                jieba.add_word(key, None, None);
            }
        }
        Arc::new(jieba)
    })
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Lexicon {
    /// recast's built-in lexicon only.
    pub fn builtin() -> Self {
        let mut lexicon = Lexicon {
            words: HashMap::new(),
            english: HashMap::new(),
            phonemes: HashMap::new(),
            phonemes_folded: HashMap::new(),
            max_english_words: 1,
            max_word_chars: 1,
            phrases: None,
            segmenter: shared_segmenter().clone(),
            shared_segmenter: true,
            sources: vec![source_digest(&[b"builtin", BUILTIN.as_bytes()])],
        };
        for (key, entry) in builtin_entries() {
            lexicon.insert_entry(key, entry.clone());
        }
        lexicon
    }

    /// The built-in lexicon without its Chinese words and characters (English only), with
    /// jieba's own dictionary for segmentation: for measuring what the characters' readings
    /// and the phrase dictionary achieve without recast's word list.
    pub fn without_builtin_words(mut self) -> Self {
        static PLAIN: OnceLock<Arc<Jieba>> = OnceLock::new();
        self.words.retain(|_, e| e.source != Source::Builtin);
        self.max_word_chars = self
            .words
            .keys()
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(1);
        self.segmenter = PLAIN.get_or_init(|| Arc::new(Jieba::new())).clone();
        self.sources
            .push(source_digest(&[b"without builtin words"]));
        self
    }

    /// A digest of everything this lexicon was built from (the built-in entries, the phrase
    /// dictionary, user files and entries, in order): two lexicons with the same digest read
    /// every text alike, so audio made with one can be reused with the other.
    pub fn digest(&self) -> String {
        let parts: Vec<&[u8]> = self.sources.iter().map(|d| &d[..]).collect();
        hex::encode(source_digest(&parts))
    }

    /// The built-in lexicon plus a user lexicon file.
    pub fn load(path: &Path) -> Result<Self, LexiconError> {
        let mut lexicon = Self::builtin();
        lexicon.add_file(path)?;
        Ok(lexicon)
    }

    /// The lexicon recast uses: built-in, plus the phrase dictionary from the data folder
    /// when it is installed (see [`phrase_dictionary_path`]).
    pub fn standard(data_dir: &Path) -> Result<Self, LexiconError> {
        let mut lexicon = Self::builtin();
        let phrases = phrase_dictionary_path(data_dir);
        if phrases.is_file() {
            lexicon.add_phrase_dictionary(&phrases)?;
        }
        Ok(lexicon)
    }

    /// Adds a user lexicon: a `.toml` file (`"银行" = "yin2 hang2"`, `Hinton = "辛顿"`, in any
    /// tables), or any other file of `word = reading` lines (`#` starts a comment). Its
    /// entries replace earlier ones.
    pub fn add_file(&mut self, path: &Path) -> Result<(), LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        self.sources
            .push(source_digest(&[b"user file", text.as_bytes()]));
        let source = Source::User(path.to_path_buf());
        let parsed = if path.extension().is_some_and(|e| e == "toml") {
            parse_toml(&text, path, &source)?
        } else {
            parse_lines(&text, path, &source)?
        };
        for (key, entry) in parsed.phonemes {
            self.insert_phonemes(&key, entry);
        }
        let mut new_words = Vec::new();
        for (key, entry) in parsed.entries {
            if key.chars().count() > 1 && key.chars().all(is_han) {
                new_words.push(key.clone());
            }
            self.insert_entry(&key, entry);
        }
        if !new_words.is_empty() {
            let mut jieba: Jieba = (*self.segmenter).clone();
            for w in &new_words {
                jieba.add_word(w, None, None);
            }
            self.segmenter = Arc::new(jieba);
            self.shared_segmenter = false;
        }
        Ok(())
    }

    /// Adds one entry (as a user entry without a file); `reading` as in a lexicon file.
    pub fn insert(&mut self, key: &str, reading: &str) -> Result<(), String> {
        if let Some(reading) = parse_phoneme_reading(key, reading)? {
            self.sources.push(source_digest(&[
                b"phoneme entry",
                key.as_bytes(),
                reading_bytes(&reading).as_bytes(),
            ]));
            let entry = PhonemeEntry {
                reading,
                source: Source::User(PathBuf::new()),
            };
            self.insert_phonemes(key.trim(), entry);
            return Ok(());
        }
        let entry = Entry {
            reading: parse_reading(key, reading)?,
            source: Source::User(PathBuf::new()),
        };
        self.sources.push(source_digest(&[
            b"entry",
            key.as_bytes(),
            reading.as_bytes(),
        ]));
        if key.chars().count() > 1 && key.chars().all(is_han) {
            let mut jieba: Jieba = (*self.segmenter).clone();
            jieba.add_word(key, None, None);
            self.segmenter = Arc::new(jieba);
            self.shared_segmenter = false;
        }
        self.insert_entry(key, entry);
        Ok(())
    }

    /// Loads pypinyin's `phrases_dict.json` (`{"银行": [["yín"], ["háng"]], …}`), keeping
    /// the first reading of each character. Entries it cannot parse are ignored.
    pub fn add_phrase_dictionary(&mut self, path: &Path) -> Result<(), LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        self.sources
            .push(source_digest(&[b"phrase dictionary", text.as_bytes()]));
        let raw: HashMap<String, Vec<Vec<String>>> =
            serde_json::from_str(&text).map_err(|e| LexiconError::Syntax {
                path: path.to_path_buf(),
                line: e.line(),
                message: e.to_string(),
            })?;
        let mut phrases = HashMap::with_capacity(raw.len());
        for (word, readings) in raw {
            if word.chars().count() != readings.len() || !word.chars().all(is_han) {
                continue;
            }
            let syllables: Option<Vec<Syllable>> = word
                .chars()
                .zip(&readings)
                .map(|(c, r)| {
                    let mut s = parse_marked(r.first()?)?;
                    s.hanzi = Some(c);
                    Some(s)
                })
                .collect();
            if let Some(s) = syllables {
                self.max_word_chars = self.max_word_chars.max(s.len());
                phrases.insert(word, s);
            }
        }
        self.phrases = Some(Arc::new(phrases));
        Ok(())
    }

    /// Number of entries: (Chinese words and characters, English, phrase dictionary).
    pub fn len(&self) -> (usize, usize, usize) {
        (
            self.words.len(),
            self.english.len(),
            self.phrases.as_ref().map_or(0, |p| p.len()),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0, 0)
    }

    fn insert_phonemes(&mut self, key: &str, entry: PhonemeEntry) {
        let key = squash_spaces(key);
        self.phonemes_folded
            .insert(key.to_lowercase(), entry.clone());
        self.phonemes.insert(key, entry);
    }

    /// The phoneme reading of an English word for voices that speak English: an entry
    /// written exactly so first ("US"), then one in another case ("Hinton" for "HINTON").
    pub(crate) fn phoneme_entry(&self, word: &str) -> Option<&PhonemeEntry> {
        self.phonemes
            .get(word)
            .or_else(|| self.phonemes_folded.get(&word.to_lowercase()))
    }

    fn insert_entry(&mut self, key: &str, entry: Entry) {
        if key.chars().any(is_han) {
            self.max_word_chars = self.max_word_chars.max(key.chars().count());
            self.words.insert(key.to_string(), entry);
        } else {
            let key = squash_spaces(key).to_lowercase();
            self.max_english_words = self.max_english_words.max(key.split(' ').count());
            self.english.insert(key, entry);
        }
    }

    /// The reading of a Chinese word or character from the lexicon (user, built-in) or the
    /// phrase dictionary.
    pub(crate) fn word(&self, key: &str) -> Option<(Reading, Source)> {
        if let Some(e) = self.words.get(key) {
            return Some((e.reading.clone(), e.source.clone()));
        }
        self.phrases
            .as_ref()?
            .get(key)
            .map(|s| (Reading::Pinyin(s.clone()), Source::Phrases))
    }

    /// The entry for an English word or phrase (words separated by single spaces), ignoring
    /// case.
    pub(crate) fn english(&self, key: &str) -> Option<&Entry> {
        self.english.get(&key.to_lowercase())
    }

    pub(crate) fn segmenter(&self) -> &Jieba {
        &self.segmenter
    }
}

/// `<data>/zh/pypinyin/phrases_dict.json`, where `scripts/setup` puts pypinyin's phrase
/// dictionary.
pub fn phrase_dictionary_path(data_dir: &Path) -> PathBuf {
    data_dir
        .join("zh")
        .join("pypinyin")
        .join("phrases_dict.json")
}

fn squash_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn reading_bytes(reading: &PhonemeReading) -> String {
    match reading {
        PhonemeReading::Phonemes(p) => format!("/{p}/"),
        PhonemeReading::Spell => "spell".into(),
        PhonemeReading::Word => "word".into(),
    }
}

/// A reading for voices that speak English: `/phonemes/`, `spell` or `word`; `None` for any
/// other reading (pinyin, characters).
pub(crate) fn parse_phoneme_reading(
    key: &str,
    reading: &str,
) -> Result<Option<PhonemeReading>, String> {
    let key = key.trim();
    let reading = reading.trim();
    let parsed = match reading {
        "spell" => PhonemeReading::Spell,
        "word" => PhonemeReading::Word,
        _ => match reading.strip_prefix('/').and_then(|r| r.strip_suffix('/')) {
            Some(symbols) => {
                let symbols = squash_spaces(symbols);
                if symbols.is_empty() {
                    return Err(format!("the phoneme reading of `{key}` is empty"));
                }
                if let Some(bad) = symbols
                    .chars()
                    .find(|&c| !crate::text::kokoro::is_kokoro_symbol(c))
                {
                    return Err(format!(
                        "`{bad}` (U+{:04X}) in the reading of `{key}` is not one of Kokoro's \
                         phoneme symbols{}",
                        bad as u32,
                        crate::text::kokoro::symbol_hint(bad)
                    ));
                }
                PhonemeReading::Phonemes(symbols)
            }
            None => return Ok(None),
        },
    };
    if key.is_empty() {
        return Err("empty word".into());
    }
    if key.chars().any(is_han) {
        return Err(format!(
            "`{key}` is Chinese: give it pinyin (e.g. yin2 hang2) or characters; `/…/`, \
             `spell` and `word` are for English words"
        ));
    }
    Ok(Some(parsed))
}

/// Parses a reading for `key`: pinyin syllables with tone digits, or Chinese characters.
fn parse_reading(key: &str, reading: &str) -> Result<Reading, String> {
    let key = key.trim();
    let reading = reading.trim();
    if key.is_empty() {
        return Err("empty word".into());
    }
    if reading.is_empty() {
        return Err(format!("empty reading for `{key}`"));
    }
    if reading.chars().any(is_han) {
        if let Some(bad) = reading
            .chars()
            .find(|c| !is_han(*c) && !c.is_whitespace() && *c != '·')
        {
            return Err(format!(
                "the reading of `{key}` mixes Chinese characters with `{bad}`"
            ));
        }
        return Ok(Reading::Hanzi(
            reading.chars().filter(|c| is_han(*c)).collect(),
        ));
    }
    let mut syllables = Vec::new();
    for token in reading.split_whitespace() {
        let has_tone = token.ends_with(['1', '2', '3', '4', '5']);
        match parse_numbered(token).filter(|_| has_tone) {
            Some(s) => syllables.push(s),
            None => {
                return Err(format!(
                    "`{token}` in the reading of `{key}` is not a tone-numbered pinyin syllable \
                     (write e.g. hang2, lv4 for lǜ, de5 for a neutral tone)"
                ));
            }
        }
    }
    let han: Vec<char> = key.chars().filter(|c| is_han(*c)).collect();
    if !han.is_empty() {
        if han.len() != syllables.len() {
            return Err(format!(
                "`{key}` has {} characters but its reading has {} syllables",
                han.len(),
                syllables.len()
            ));
        }
        for (s, c) in syllables.iter_mut().zip(han) {
            s.hanzi = Some(c);
        }
    }
    Ok(Reading::Pinyin(syllables))
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn parse_toml(text: &str, path: &Path, source: &Source) -> Result<ParsedFile, LexiconError> {
    use toml::de::{DeTable, DeValue};
    let syntax = |line: usize, message: String| LexiconError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    };
    let table = DeTable::parse(text).map_err(|e| {
        let line = e.span().map_or(1, |s| line_of(text, s.start));
        syntax(line, e.message().to_string())
    })?;
    let mut out = ParsedFile::default();
    let mut stack = vec![table.into_inner()];
    while let Some(table) = stack.pop() {
        for (key, value) in table {
            let line = line_of(text, value.span().start);
            let key = key.into_inner().to_string();
            match value.into_inner() {
                DeValue::String(reading) => {
                    if let Some(phonemes) =
                        parse_phoneme_reading(&key, &reading).map_err(|m| syntax(line, m))?
                    {
                        out.phonemes.push((
                            key.trim().to_string(),
                            PhonemeEntry {
                                reading: phonemes,
                                source: source.clone(),
                            },
                        ));
                        continue;
                    }
                    let reading = parse_reading(&key, &reading).map_err(|m| syntax(line, m))?;
                    out.entries.push((
                        key,
                        Entry {
                            reading,
                            source: source.clone(),
                        },
                    ));
                }
                DeValue::Table(inner) => stack.push(inner),
                _ => {
                    return Err(syntax(
                        line,
                        format!("the reading of `{key}` must be a string"),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Parses a file of phoneme readings only (`word = /…/`, `spell`, `word`), in the lines
/// format: the built-in lexicon of voices that speak English.
pub(crate) fn parse_phoneme_lines(
    text: &str,
    path: &Path,
    source: &Source,
) -> Result<Vec<(String, PhonemeEntry)>, LexiconError> {
    let parsed = parse_lines(text, path, source)?;
    if let Some((key, _)) = parsed.entries.first() {
        return Err(LexiconError::Syntax {
            path: path.to_path_buf(),
            line: 1,
            message: format!("`{key}` has no phoneme reading (`/…/`, `spell` or `word`)"),
        });
    }
    Ok(parsed.phonemes)
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s)
}

fn parse_lines(text: &str, path: &Path, source: &Source) -> Result<ParsedFile, LexiconError> {
    let mut out = ParsedFile::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
            continue;
        }
        let syntax = |message: String| LexiconError::Syntax {
            path: path.to_path_buf(),
            line: n + 1,
            message,
        };
        let Some((key, reading)) = line.split_once('=') else {
            return Err(syntax(format!("expected `word = reading`, found `{line}`")));
        };
        let key = unquote(key);
        if let Some(phonemes) = parse_phoneme_reading(key, unquote(reading)).map_err(syntax)? {
            out.phonemes.push((
                key.to_string(),
                PhonemeEntry {
                    reading: phonemes,
                    source: source.clone(),
                },
            ));
            continue;
        }
        let reading = parse_reading(key, unquote(reading)).map_err(syntax)?;
        out.entries.push((
            key.to_string(),
            Entry {
                reading,
                source: source.clone(),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinyin(r: &Reading) -> String {
        match r {
            Reading::Pinyin(s) => s
                .iter()
                .map(Syllable::numbered)
                .collect::<Vec<_>>()
                .join(" "),
            Reading::Hanzi(h) => h.clone(),
        }
    }

    #[test]
    fn builtin_lexicon_parses() {
        let parsed = parse_toml(BUILTIN, Path::new("lexicon.toml"), &Source::Builtin);
        let entries = parsed.expect("built-in lexicon").entries;
        assert!(entries.len() > 300, "{}", entries.len());
        let lexicon = Lexicon::builtin();
        assert_eq!(pinyin(&lexicon.word("银行").unwrap().0), "yin2 hang2");
        assert_eq!(pinyin(&lexicon.english("Hinton").unwrap().reading), "辛顿");
        assert_eq!(pinyin(&lexicon.english("hinton").unwrap().reading), "辛顿");
        assert!(lexicon.english("Deep Blue").is_some());
    }

    #[test]
    fn user_files_in_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("mine.toml");
        std::fs::write(
            &toml_path,
            "\"重庆\" = \"chong2 qing4\"\n[english]\nHinton = \"xin1 dun4\"\n",
        )
        .unwrap();
        let lexicon = Lexicon::load(&toml_path).unwrap();
        assert_eq!(pinyin(&lexicon.word("重庆").unwrap().0), "chong2 qing4");
        let hinton = lexicon.english("Hinton").unwrap();
        assert_eq!(pinyin(&hinton.reading), "xin1 dun4");
        assert_eq!(hinton.source, Source::User(toml_path.clone()));

        let lines_path = dir.path().join("mine.txt");
        std::fs::write(&lines_path, "# mine\n行长 = hang2 zhang3\nSam = 萨姆\n").unwrap();
        let lexicon = Lexicon::load(&lines_path).unwrap();
        assert_eq!(pinyin(&lexicon.word("行长").unwrap().0), "hang2 zhang3");
        assert!(lexicon.segmenter().has_word("行长"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, "银行 = yin2 hang2\n\n行长 = hang2 zhangg3\n").unwrap();
        let err = Lexicon::load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.txt:3:"), "{err}");
        assert!(err.contains("zhangg3"), "{err}");

        std::fs::write(&path, "银行 yin2 hang2\n").unwrap();
        let err = Lexicon::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.txt:1: expected `word = reading`"),
            "{err}"
        );

        std::fs::write(&path, "银行 = yin2\n").unwrap();
        let err = Lexicon::load(&path).unwrap_err().to_string();
        assert!(err.contains("2 characters but its reading has 1"), "{err}");

        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "a = \"ei1\"\n\"银行\" = 3\n").unwrap();
        let err = Lexicon::load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.toml:2:"), "{err}");
        std::fs::write(&path, "a = \"ei1\"\nb = \n").unwrap();
        let err = Lexicon::load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.toml:2:"), "{err}");

        let err = Lexicon::load(&dir.path().join("missing.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("missing.toml"), "{err}");
    }

    #[test]
    fn phoneme_readings_for_english_words() {
        let dir = tempfile::tempdir().unwrap();
        let lines = dir.path().join("kokoro.txt");
        std::fs::write(
            &lines,
            "Hinton = /hˈɪntən/\nNASA = spell\nONNX = word\nHinton = 辛顿\n",
        )
        .unwrap();
        let lexicon = Lexicon::load(&lines).unwrap();
        let hinton = lexicon.phoneme_entry("hinton").unwrap();
        assert_eq!(hinton.reading, PhonemeReading::Phonemes("hˈɪntən".into()));
        assert_eq!(hinton.source, Source::User(lines.clone()));
        assert_eq!(
            lexicon.phoneme_entry("NASA").unwrap().reading,
            PhonemeReading::Spell
        );
        assert_eq!(
            lexicon.phoneme_entry("ONNX").unwrap().reading,
            PhonemeReading::Word
        );
        // The Chinese reading stays for the voices that read English in pinyin.
        assert_eq!(pinyin(&lexicon.english("Hinton").unwrap().reading), "辛顿");
        assert!(lexicon.english("NASA").is_none());

        let toml_path = dir.path().join("kokoro.toml");
        std::fs::write(&toml_path, "[english]\nIlya = \"/ˈɪljə/\"\n").unwrap();
        let lexicon = Lexicon::load(&toml_path).unwrap();
        assert_eq!(
            lexicon.phoneme_entry("Ilya").unwrap().reading,
            PhonemeReading::Phonemes("ˈɪljə".into())
        );
        let mut lexicon = Lexicon::builtin();
        let before = lexicon.digest();
        lexicon.insert("GPT", "/ʤˈipˌit/").unwrap();
        assert_ne!(lexicon.digest(), before);
        assert!(lexicon.phoneme_entry("GPT").is_some());
    }

    #[test]
    fn bad_phoneme_readings_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.txt");
        for (line, expect) in [
            ("Google = /ˈgugəl/", "ɡ (U+0261"),
            ("Hinton = //", "empty"),
            ("银行 = /jin/", "is Chinese"),
            ("bird = /bɝd/", "write ɜɹ"),
        ] {
            std::fs::write(&path, format!("ok = /ˈO/\n{line}\n")).unwrap();
            let err = Lexicon::load(&path).unwrap_err().to_string();
            assert!(err.contains("bad.txt:2:"), "{line}: {err}");
            assert!(err.contains(expect), "{line}: {err}");
        }
        assert!(Lexicon::builtin().insert("x", "/g/").is_err());
    }

    #[test]
    fn the_digest_covers_every_source() {
        let dir = tempfile::tempdir().unwrap();
        let base = Lexicon::builtin().digest();
        assert_eq!(base, Lexicon::builtin().digest());
        // The phrase dictionary: a changed one changes the digest.
        let phrases = dir.path().join("phrases_dict.json");
        std::fs::write(&phrases, r#"{"银行": [["yín"], ["háng"]]}"#).unwrap();
        let mut with_phrases = Lexicon::builtin();
        with_phrases.add_phrase_dictionary(&phrases).unwrap();
        assert_ne!(with_phrases.digest(), base);
        std::fs::write(&phrases, r#"{"银行": [["yín"], ["xíng"]]}"#).unwrap();
        let mut changed = Lexicon::builtin();
        changed.add_phrase_dictionary(&phrases).unwrap();
        assert_ne!(changed.digest(), with_phrases.digest());
        // A user file and a single entry.
        let user = dir.path().join("user.txt");
        std::fs::write(&user, "重庆 = chong2 qing4\n").unwrap();
        let mut with_user = Lexicon::builtin();
        with_user.add_file(&user).unwrap();
        assert_ne!(with_user.digest(), base);
        let mut with_entry = Lexicon::builtin();
        with_entry.insert("重庆", "chong2 qing4").unwrap();
        assert_ne!(with_entry.digest(), base);
        assert_ne!(with_entry.digest(), with_user.digest());
        // The built-in entries themselves are part of it.
        assert_eq!(
            Lexicon::builtin().sources[0],
            source_digest(&[b"builtin", BUILTIN.as_bytes()])
        );
    }

    #[test]
    fn phrase_dictionary_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("phrases_dict.json");
        std::fs::write(
            &path,
            r#"{"银行": [["yín"], ["háng"]], "便宜": [["pián"], ["yi"]], "bad": [["x"]]}"#,
        )
        .unwrap();
        let mut lexicon = Lexicon::builtin().without_builtin_words();
        lexicon.add_phrase_dictionary(&path).unwrap();
        assert_eq!(lexicon.len().2, 2);
        let (r, s) = lexicon.word("便宜").unwrap();
        assert_eq!(pinyin(&r), "pian2 yi5");
        assert_eq!(s, Source::Phrases);
        std::fs::write(&path, "{").unwrap();
        assert!(lexicon.add_phrase_dictionary(&path).is_err());
    }
}
