//! The editable script: title, metadata, chapters of speaker turns and an optional cast,
//! built from a parsed transcript and read or written as JSON or TOML.
//!
//! [`looks_like_script`] tells a script file from a transcript so commands can take either.

use crate::transcript::{Transcript, is_cjk, is_web_address};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The name given to the speaker of unlabelled text such as an intro.
pub const DEFAULT_NARRATOR: &str = "Narrator";

// Unknown fields are refused: a misspelt key (`tittle`, `speakr`) would otherwise be
// ignored without a word and its value lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub title: String,
    /// BCP-47-ish primary language of the spoken text, e.g. "zh" or "en".
    pub language: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    pub chapters: Vec<Chapter>,
    /// Speaker name -> voice assignment. Optional: the default cast fills the gaps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cast: BTreeMap<String, CastEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    pub title: String,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub speaker: String,
    pub text: String,
}

/// How one speaker sounds: a voice id from the catalog plus optional settings.
/// Written flat (`voice = "…"`, `pitch = -2.0`) through [`FlatCastEntry`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(from = "FlatCastEntry", into = "FlatCastEntry")]
pub struct CastEntry {
    pub voice: String,
    pub settings: VoiceSettings,
    /// Whether the speaker is a man or a woman, for a default cast to honour when `voice` is
    /// left empty.
    pub gender: Option<Gender>,
}

/// A speaker's gender, as a cast entry may give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Male,
    Female,
}

/// The on-disk form of a cast entry. serde's `flatten` would accept any unknown key
/// silently, so a misspelt setting (`pich = 2`) would be ignored; this form rejects it.
#[derive(Serialize, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of voice settings, e.g. { voice = \"en_US-joe-medium\", speed = 1.1 }"
)]
struct FlatCastEntry {
    #[serde(default)]
    voice: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speed: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pitch: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formant: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    speaker_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    noise_scale: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    noise_w: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blend: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tones: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gender: Option<Gender>,
}

impl From<FlatCastEntry> for CastEntry {
    fn from(flat: FlatCastEntry) -> Self {
        CastEntry {
            voice: flat.voice,
            settings: VoiceSettings {
                speed: flat.speed,
                pitch: flat.pitch,
                formant: flat.formant,
                speaker_id: flat.speaker_id,
                noise_scale: flat.noise_scale,
                noise_w: flat.noise_w,
                blend: flat.blend,
                tones: flat.tones,
            },
            gender: flat.gender,
        }
    }
}

impl From<CastEntry> for FlatCastEntry {
    fn from(entry: CastEntry) -> Self {
        let s = entry.settings;
        FlatCastEntry {
            voice: entry.voice,
            speed: s.speed,
            pitch: s.pitch,
            formant: s.formant,
            speaker_id: s.speaker_id,
            noise_scale: s.noise_scale,
            noise_w: s.noise_w,
            blend: s.blend,
            tones: s.tones,
            gender: entry.gender,
        }
    }
}

/// Per-speaker voice settings; `None` means the voice's own default.
///
/// Every place a setting comes from (a script's cast, a cast file, `--cast`, `say`) checks
/// it with [`VoiceSettings::validate`], against one set of ranges:
///
/// - `speed` 0.25 to 4: every engine clamps its pace to this.
/// - `pitch` and `formant` -12 to 12 semitones: an octave either way, as far as the
///   Mandarin engine shifts (past about ±6 a voice already sounds processed).
/// - `noise_scale` and `noise_w` 0 to 2: Piper's defaults are 0.667 and 0.8; far above 1
///   the speech turns to noise.
/// - `speaker_id` 0 or more; its upper end depends on the model and is checked when the
///   voice speaks.
/// - `tones` 0 to 1: a share of the way from the model's own pitch to the tones' contours.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSettings {
    /// Speaking rate: 1.0 is the model's own pace, 1.2 is 20% faster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<f32>,
    /// Pitch shift in semitones (e.g. -3.0 lowers, 2.5 raises).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pitch: Option<f32>,
    /// Spectral-envelope (formant) shift in semitones, for engines that can move it apart
    /// from pitch: negative sounds like a larger vocal tract, positive a smaller one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formant: Option<f32>,
    /// Speaker id inside a multi-speaker model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_scale: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_w: Option<f32>,
    /// For voices made of style packs (Kokoro): other packs mixed into the voice's own, as
    /// `PACK*WEIGHT` terms joined by `+` (`"jf_gongitsune*0.25"`); the voice's own pack
    /// keeps the rest of the weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blend: Option<String>,
    /// For voices whose engine shapes Mandarin pitch (Kokoro): how far each syllable's pitch
    /// is pulled toward its tone's contour, 0 (the model's own pitch) to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tones: Option<f32>,
}

/// A voice setting outside what the engines can honour, with the range they can.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("`{setting}` is {value}, out of range: use {range}")]
pub struct SettingError {
    pub setting: &'static str,
    /// The value as given (`NaN`, `300`).
    pub value: String,
    pub range: &'static str,
}

/// The ranges of the numeric settings, as [`VoiceSettings`] explains them: `(name, lowest,
/// highest, how the message says it)`.
const SETTING_RANGES: [(&str, f32, f32, &str); 6] = [
    ("speed", 0.25, 4.0, "0.25 to 4 (1 is the voice's own pace)"),
    ("pitch", -12.0, 12.0, "-12 to 12 semitones"),
    ("formant", -12.0, 12.0, "-12 to 12 semitones"),
    ("noise_scale", 0.0, 2.0, "0 to 2"),
    ("noise_w", 0.0, 2.0, "0 to 2"),
    (
        "tones",
        0.0,
        1.0,
        "0 (the model's own pitch) to 1 (the tones' contours)",
    ),
];

impl VoiceSettings {
    /// Refuses a value no engine can honour (non-finite, or outside the ranges above): the
    /// first such setting.
    pub fn validate(&self) -> Result<(), SettingError> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// Every setting [`VoiceSettings::validate`] would refuse.
    pub(crate) fn problems(&self) -> Vec<SettingError> {
        let values = [
            self.speed,
            self.pitch,
            self.formant,
            self.noise_scale,
            self.noise_w,
            self.tones,
        ];
        let mut problems: Vec<SettingError> = SETTING_RANGES
            .iter()
            .zip(values)
            .filter_map(|(&(setting, lo, hi, range), value)| {
                // NaN is in no range, so it is refused here too.
                let value = value.filter(|v| !(lo..=hi).contains(v))?;
                Some(SettingError {
                    setting,
                    value: value.to_string(),
                    range,
                })
            })
            .collect();
        if let Some(id) = self.speaker_id.filter(|id| *id < 0) {
            problems.push(SettingError {
                setting: "speaker_id",
                value: id.to_string(),
                range: "0 or more",
            });
        }
        if let Some(blend) = &self.blend
            && parse_blend(blend).is_err()
        {
            problems.push(SettingError {
                setting: "blend",
                value: format!("{blend:?}"),
                range: BLEND_FORM,
            });
        }
        problems
    }
}

/// What a `blend` setting must look like, as its error says it.
const BLEND_FORM: &str = "PACK*WEIGHT terms joined by +, each pack once, every weight above 0 \
     and all together below 1 (e.g. \"jf_gongitsune*0.25\")";

/// The packs and weights of a `blend` setting (`"a*0.2+b*0.1"`), if it is well formed.
pub fn parse_blend(blend: &str) -> Result<Vec<(String, f32)>, String> {
    let mut terms: Vec<(String, f32)> = Vec::new();
    for term in blend.split('+') {
        let (name, weight) = term
            .trim()
            .split_once('*')
            .ok_or_else(|| format!("{term:?} is not PACK*WEIGHT"))?;
        let name = name.trim();
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_name || terms.iter().any(|(n, _)| n == name) {
            return Err(format!("{name:?} is not a pack name, or is named twice"));
        }
        let weight: f32 = weight
            .trim()
            .parse()
            .ok()
            .filter(|w: &f32| w.is_finite() && *w > 0.0 && *w < 1.0)
            .ok_or_else(|| format!("the weight of {name:?} is not between 0 and 1"))?;
        terms.push((name.to_string(), weight));
    }
    let total: f32 = terms.iter().map(|(_, w)| w).sum();
    if total >= 1.0 {
        return Err(format!("the weights add up to {total}, not below 1"));
    }
    Ok(terms)
}

// ---------------------------------------------------------------------------------------
// Building, loading and saving

/// Chapter title for the text before the first heading. A fixed, localised "Intro"/"引言"
/// rather than the episode title: the title is announced once for the whole episode, and a
/// chapter list whose first entry repeats the episode name reads like a mistake in podcast
/// players.
pub fn intro_title(language: &str) -> &'static str {
    match language {
        "zh" => "引言",
        "ja" => "イントロ",
        "ko" => "소개",
        _ => "Intro",
    }
}

/// Episode title used when the transcript names none.
pub const UNTITLED: &str = "Untitled";

#[derive(Debug, Error)]
pub enum ScriptError {
    #[error(
        "the transcript has no speaker turns to turn into a script: add paragraphs of \
         speech, e.g. `Name: what they said`"
    )]
    NoTurns,
    // The causes below are named `error`, not `source`: the message already holds them,
    // and a `source` would be printed a second time by the error chain.
    #[error("cannot read script {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot tell the format of script {path}: name it `.json` or `.toml` (recast \
         writes scripts in either)"
    )]
    UnknownFormat { path: PathBuf },
    #[error(
        "{origin}:{line}:{column}: invalid JSON script: {message}; fix the JSON at that position"
    )]
    Json {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{origin}:{line}:{column}: invalid TOML script: {message}; fix the TOML at that position"
    )]
    Toml {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot write the script as TOML: {error}")]
    TomlWrite { error: toml::ser::Error },
    #[error("{origin}: the script is not valid:\n{}", format_problems(.problems))]
    Invalid {
        origin: String,
        problems: Vec<String>,
    },
}

fn format_problems(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The two file formats a script can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptFormat {
    Json,
    Toml,
}

impl ScriptFormat {
    /// The format named by a path's extension (`.json`, `.toml`), if any.
    pub fn from_path(path: &Path) -> Option<ScriptFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(ScriptFormat::Json),
            "toml" => Some(ScriptFormat::Toml),
            _ => None,
        }
    }

    /// Guesses the format from the contents: a JSON object with a `"chapters"` key, or a
    /// TOML document with a `[[chapters]]` table. `None` for anything else (a transcript).
    pub fn sniff(contents: &str) -> Option<ScriptFormat> {
        let body = contents.trim_start_matches('\u{feff}').trim_start();
        if body.starts_with('{') && body.contains("\"chapters\"") {
            return Some(ScriptFormat::Json);
        }
        let toml_chapters = body.lines().any(|l| {
            let l = l.trim();
            l == "[[chapters]]" || l.starts_with("chapters = [") || l.starts_with("chapters=[")
        });
        let toml_title = body.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("title =") || l.starts_with("title=")
        });
        if toml_chapters && toml_title {
            return Some(ScriptFormat::Toml);
        }
        None
    }
}

/// Tells a script (JSON/TOML as written by recast) from a transcript (markdown or plain
/// text), so one command can take either. A `.json`/`.toml` extension decides it (a broken
/// script then fails with a script error rather than being read as a transcript);
/// `.md`/`.markdown`/`.txt` are transcripts; otherwise the contents are sniffed.
pub fn looks_like_script(path: &Path, contents: &str) -> bool {
    if ScriptFormat::from_path(path).is_some() {
        return true;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    if matches!(ext.as_deref(), Some("md" | "markdown" | "txt" | "text")) {
        return false;
    }
    ScriptFormat::sniff(contents).is_some()
}

/// Line and column (1-based, column in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before, |i| &before[i + 1..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Detects the language of spoken text: "zh" when Chinese characters outnumber Latin
/// words, "ja"/"ko" when kana/Hangul do, else "en".
fn detect_language<'t>(texts: impl IntoIterator<Item = &'t str>) -> String {
    let (mut han, mut kana, mut hangul, mut latin_words) = (0usize, 0usize, 0usize, 0usize);
    for text in texts {
        let mut in_word = false;
        for c in text.chars() {
            let latin = c.is_ascii_alphabetic() || ('\u{c0}'..='\u{24f}').contains(&c);
            if latin && !in_word {
                latin_words += 1;
            }
            in_word = latin;
            match c as u32 {
                0x3040..=0x30FF | 0x31F0..=0x31FF => kana += 1,
                0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
                _ if is_cjk(c) && c.is_alphabetic() => han += 1,
                _ => {}
            }
        }
    }
    let cjk = han + kana + hangul;
    if cjk > latin_words {
        if kana * 10 >= cjk {
            "ja".into()
        } else if hangul * 2 >= cjk {
            "ko".into()
        } else {
            "zh".into()
        }
    } else {
        "en".into()
    }
}

/// What an article says about itself in its metadata lines: where it was published, when,
/// by whom, and its cover image. Read from [`Script::metadata`] by [`Script::article`];
/// the feed uses it for each episode's link, date and artwork.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// The article's own address (`原文链接`, `Source`, or the fetched URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The publish time as the article writes it (`2024-07-20 12:18`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The cover image's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cover: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The account or publication that carried it (`公众号`, `Publisher`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
}

impl Article {
    pub fn is_empty(&self) -> bool {
        *self == Article::default()
    }
}

/// Metadata keys for each [`Article`] field, lower case, most specific first.
const LINK_KEYS: &[&str] = &[
    "原文链接",
    "原文地址",
    "链接",
    "原文",
    "source url",
    "original url",
    "original link",
    "link",
    "url",
    "source",
    "original",
];
const PUBLISHED_KEYS: &[&str] = &[
    "发布时间",
    "发布日期",
    "发表时间",
    "发表于",
    "日期",
    "published",
    "published at",
    "published on",
    "publish date",
    "date",
];
const COVER_KEYS: &[&str] = &[
    "封面图链接",
    "封面图",
    "封面",
    "cover",
    "cover image",
    "cover url",
];
const AUTHOR_KEYS: &[&str] = &[
    "文章作者",
    "作者",
    "原作者",
    "author",
    "authors",
    "by",
    "written by",
];
const PUBLISHER_KEYS: &[&str] = &["公众号", "来源", "出处", "publisher"];

impl Script {
    /// What the article's metadata lines say about it. Links and covers count only when
    /// they are web addresses.
    pub fn article(&self) -> Article {
        let find = |keys: &[&str], address: bool| {
            keys.iter().find_map(|key| {
                self.metadata
                    .iter()
                    .find(|(k, v)| {
                        k.trim().to_lowercase() == *key && (!address || is_web_address(v))
                    })
                    .map(|(_, v)| v.trim().to_string())
            })
        };
        Article {
            link: find(LINK_KEYS, true),
            published: find(PUBLISHED_KEYS, false),
            cover: find(COVER_KEYS, true),
            author: find(AUTHOR_KEYS, false),
            publisher: find(PUBLISHER_KEYS, false),
        }
    }

    /// Builds a script from a parsed transcript.
    ///
    /// Sections become chapters in order (an intro chapter only when there is intro text;
    /// sections without speech are left out). A labelled paragraph starts a new turn; an
    /// unlabelled one continues the current turn of that chapter, joined with `"\n"` so the
    /// sentence splitter sees a boundary, or, when the chapter has no speaker yet, is
    /// spoken by [`DEFAULT_NARRATOR`].
    pub fn from_transcript(t: &Transcript) -> Result<Script, ScriptError> {
        let language = detect_language(
            t.sections
                .iter()
                .flat_map(|s| &s.paragraphs)
                .map(|p| p.text.as_str()),
        );
        let mut chapters = Vec::new();
        for section in &t.sections {
            let mut turns: Vec<Turn> = Vec::new();
            for p in &section.paragraphs {
                match (&p.speaker, turns.last_mut()) {
                    (Some(speaker), _) => turns.push(Turn {
                        speaker: speaker.clone(),
                        text: p.text.clone(),
                    }),
                    (None, Some(turn)) => {
                        if !turn.text.is_empty() && !p.text.is_empty() {
                            turn.text.push('\n');
                        }
                        turn.text.push_str(&p.text);
                    }
                    (None, None) => turns.push(Turn {
                        speaker: DEFAULT_NARRATOR.to_string(),
                        text: p.text.clone(),
                    }),
                }
            }
            turns.retain(|t| !t.text.trim().is_empty());
            if turns.is_empty() {
                continue;
            }
            let title = match &section.heading {
                Some(h) => h.clone(),
                None => intro_title(&language).to_string(),
            };
            chapters.push(Chapter { title, turns });
        }
        if chapters.is_empty() {
            return Err(ScriptError::NoTurns);
        }
        let mut metadata: BTreeMap<String, String> = BTreeMap::new();
        for (key, value) in &t.metadata {
            metadata
                .entry(key.clone())
                .and_modify(|v| {
                    v.push_str("; ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        let title = t
            .title
            .clone()
            .or_else(|| {
                t.metadata
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("title") || k == "标题")
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_else(|| UNTITLED.to_string());
        Ok(Script {
            title,
            language,
            metadata,
            chapters,
            cast: BTreeMap::new(),
        })
    }

    /// Speaker names in order of first appearance.
    pub fn speakers(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for turn in self.chapters.iter().flat_map(|c| &c.turns) {
            if !seen.contains(&turn.speaker) {
                seen.push(turn.speaker.clone());
            }
        }
        seen
    }

    /// Speaker names, those who say the most first (by characters of text; ties in order
    /// of appearance). Casting goes in this order, so the voice as trained, the most
    /// intelligible one, goes to whoever talks the most and shifted variants to the rest.
    pub fn speakers_by_share(&self) -> Vec<String> {
        let mut shares: Vec<(String, usize)> =
            self.speakers().into_iter().map(|s| (s, 0)).collect();
        for turn in self.chapters.iter().flat_map(|c| &c.turns) {
            if let Some(share) = shares.iter_mut().find(|(s, _)| *s == turn.speaker) {
                share.1 += turn.text.chars().count();
            }
        }
        // A stable sort keeps the order of appearance among equals.
        shares.sort_by_key(|(_, chars)| std::cmp::Reverse(*chars));
        shares.into_iter().map(|(s, _)| s).collect()
    }

    /// The share of Latin letters among the letters the speakers say (Latin and Han): how
    /// much English a Chinese script has, which decides the voices it gets by default.
    pub fn latin_share(&self) -> f64 {
        let (mut latin, mut han) = (0usize, 0usize);
        for turn in self.chapters.iter().flat_map(|c| &c.turns) {
            for c in turn.text.chars() {
                if c.is_ascii_alphabetic() {
                    latin += 1;
                } else if is_cjk(c) && c.is_alphabetic() {
                    han += 1;
                }
            }
        }
        if latin + han == 0 {
            0.0
        } else {
            latin as f64 / (latin + han) as f64
        }
    }

    /// Reads a script file: JSON for `.json`, TOML for `.toml` (other names are sniffed),
    /// then validates it.
    pub fn load(path: impl AsRef<Path>) -> Result<Script, ScriptError> {
        let path = path.as_ref();
        let contents = std::fs::read_to_string(path).map_err(|error| ScriptError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let format = ScriptFormat::from_path(path)
            .or_else(|| ScriptFormat::sniff(&contents))
            .ok_or_else(|| ScriptError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        Script::parse_str(&contents, format, &path.display().to_string())
    }

    /// Parses and validates a script. `origin` names the source in error messages (a
    /// file path, or e.g. `<stdin>`).
    pub fn parse_str(
        contents: &str,
        format: ScriptFormat,
        origin: &str,
    ) -> Result<Script, ScriptError> {
        let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
        let script: Script = match format {
            ScriptFormat::Json => {
                serde_json::from_str(contents).map_err(|e| ScriptError::Json {
                    origin: origin.to_string(),
                    line: e.line(),
                    column: e.column(),
                    message: strip_json_position(&e.to_string()),
                })?
            }
            ScriptFormat::Toml => toml::from_str(contents).map_err(|e| {
                let (line, column) = e
                    .span()
                    .map_or((1, 1), |span| line_column(contents, span.start));
                ScriptError::Toml {
                    origin: origin.to_string(),
                    line,
                    column,
                    message: e.message().trim().to_string(),
                }
            })?,
        };
        script.validate_as(origin)?;
        Ok(script)
    }

    pub fn from_json_str(contents: &str) -> Result<Script, ScriptError> {
        Script::parse_str(contents, ScriptFormat::Json, "<json>")
    }

    pub fn from_toml_str(contents: &str) -> Result<Script, ScriptError> {
        Script::parse_str(contents, ScriptFormat::Toml, "<toml>")
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        // Serialising plain strings, numbers and string-keyed maps cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn to_toml(&self) -> Result<String, ScriptError> {
        toml::to_string_pretty(self).map_err(|error| ScriptError::TomlWrite { error })
    }

    /// Checks what the types cannot: a title, a language, at least one chapter, no
    /// empty chapters, speakers or turns, sensible voice settings.
    pub fn validate(&self) -> Result<(), ScriptError> {
        self.validate_as("script")
    }

    fn validate_as(&self, origin: &str) -> Result<(), ScriptError> {
        let mut problems = Vec::new();
        if self.title.trim().is_empty() {
            problems.push("`title` is empty: give the episode a title".to_string());
        }
        let lang = self.language.trim();
        if lang.is_empty()
            || lang.len() > 16
            || !lang
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problems.push(format!(
                "`language` is {:?}: use a language code such as \"zh\" or \"en\"",
                self.language
            ));
        }
        if self.chapters.is_empty() {
            problems.push("`chapters` is empty: add at least one chapter with turns".to_string());
        }
        for (ci, chapter) in self.chapters.iter().enumerate() {
            let where_ = format!("chapter {} ({:?})", ci + 1, chapter.title);
            if chapter.title.trim().is_empty() {
                problems.push(format!("chapter {} has an empty `title`: name it", ci + 1));
            }
            if chapter.turns.is_empty() {
                problems.push(format!(
                    "{where_} has no turns: add a turn or delete the chapter"
                ));
            }
            for (ti, turn) in chapter.turns.iter().enumerate() {
                if turn.speaker.trim().is_empty() {
                    problems.push(format!(
                        "{where_}, turn {}: `speaker` is empty: name who speaks",
                        ti + 1
                    ));
                }
                if turn.text.trim().is_empty() {
                    problems.push(format!(
                        "{where_}, turn {}: `text` is empty: write what is said or delete the turn",
                        ti + 1
                    ));
                }
            }
        }
        for (speaker, entry) in &self.cast {
            if speaker.trim().is_empty() {
                problems.push("`cast` has an entry with an empty speaker name".to_string());
            }
            if entry.voice.trim().is_empty() {
                problems.push(format!(
                    "cast {speaker:?}: `voice` is empty: name a voice id"
                ));
            }
            for problem in entry.settings.problems() {
                problems.push(format!("cast {speaker:?}: {problem}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ScriptError::Invalid {
                origin: origin.to_string(),
                problems,
            })
        }
    }
}

/// serde_json appends " at line L column C" to its messages; the error already says where.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{self, Paragraph, Section};

    #[test]
    fn article_is_read_from_metadata_in_either_language() {
        let mut script = Script {
            title: "t".into(),
            language: "zh".into(),
            metadata: BTreeMap::new(),
            chapters: Vec::new(),
            cast: BTreeMap::new(),
        };
        for (k, v) in [
            ("文章作者", "某某"),
            ("发布时间", "2024-07-20 12:18"),
            ("原文", "见下"),
            ("原文链接", "http://mp.weixin.qq.com/s?a=1"),
            ("封面图链接", "https://example.com/c.jpg"),
            ("公众号", "某号"),
        ] {
            script.metadata.insert(k.into(), v.into());
        }
        let article = script.article();
        assert_eq!(
            article.link.as_deref(),
            Some("http://mp.weixin.qq.com/s?a=1")
        );
        assert_eq!(article.published.as_deref(), Some("2024-07-20 12:18"));
        assert_eq!(article.cover.as_deref(), Some("https://example.com/c.jpg"));
        assert_eq!(article.author.as_deref(), Some("某某"));
        assert_eq!(article.publisher.as_deref(), Some("某号"));

        script.metadata.clear();
        script
            .metadata
            .insert("Published".into(), "2025-01-02".into());
        script.metadata.insert("Source".into(), "not a link".into());
        let article = script.article();
        assert_eq!(article.published.as_deref(), Some("2025-01-02"));
        assert_eq!(article.link, None);
        script.metadata.clear();
        assert!(script.article().is_empty());
    }

    fn para(speaker: Option<&str>, text: &str) -> Paragraph {
        Paragraph {
            speaker: speaker.map(str::to_string),
            text: text.to_string(),
            line: 1,
        }
    }

    fn section(heading: Option<&str>, paragraphs: Vec<Paragraph>) -> Section {
        Section {
            heading: heading.map(str::to_string),
            line: 1,
            paragraphs,
        }
    }

    fn turns(c: &Chapter) -> Vec<(&str, &str)> {
        c.turns
            .iter()
            .map(|t| (t.speaker.as_str(), t.text.as_str()))
            .collect()
    }

    fn sample() -> Script {
        let mut cast = BTreeMap::new();
        cast.insert(
            "Ilya".to_string(),
            CastEntry {
                voice: "zh-male-1".to_string(),
                settings: VoiceSettings {
                    speed: Some(1.1),
                    pitch: Some(-2.5),
                    formant: Some(-1.0),
                    speaker_id: Some(3),
                    noise_scale: Some(0.667),
                    noise_w: None,
                    blend: None,
                    tones: Some(0.5),
                },
                gender: None,
            },
        );
        cast.insert(
            "主持人".to_string(),
            CastEntry {
                voice: "zh-female-1".to_string(),
                settings: VoiceSettings::default(),
                gender: None,
            },
        );
        let mut metadata = BTreeMap::new();
        metadata.insert("文章作者".to_string(), "某某".to_string());
        metadata.insert(
            "Source".to_string(),
            "https://example.com/a?b=c#d".to_string(),
        );
        Script {
            title: "标题：带 \"引号\" 和冒号".to_string(),
            language: "zh".to_string(),
            metadata,
            chapters: vec![
                Chapter {
                    title: "引言".to_string(),
                    turns: vec![Turn {
                        speaker: DEFAULT_NARRATOR.to_string(),
                        text: "第一段。\n第二段，带 'quotes' 和 \\ 反斜杠。".to_string(),
                    }],
                },
                Chapter {
                    title: "第一部分".to_string(),
                    turns: vec![
                        Turn {
                            speaker: "主持人".to_string(),
                            text: "问题？".to_string(),
                        },
                        Turn {
                            speaker: "Ilya".to_string(),
                            text: "回答。".to_string(),
                        },
                    ],
                },
            ],
            cast,
        }
    }

    #[test]
    fn sections_become_chapters_and_paragraphs_become_turns() {
        let t = Transcript {
            title: Some("Episode".to_string()),
            metadata: vec![("Author".into(), "A".into()), ("Author".into(), "B".into())],
            sections: vec![
                section(
                    None,
                    vec![para(None, "Intro one."), para(None, "Intro two.")],
                ),
                section(
                    Some("Part 1"),
                    vec![
                        para(Some("Host"), "Q1?"),
                        para(None, "More of Q1."),
                        para(Some("Guest"), "A1."),
                        para(Some("Guest"), "A1 again."),
                    ],
                ),
                section(Some("Empty"), vec![]),
                section(
                    Some("Part 2"),
                    vec![
                        para(None, "Editorial note."),
                        para(Some("Host"), ""),
                        para(None, "Q2?"),
                    ],
                ),
            ],
            skipped: vec![],
            labels: vec![],
        };
        let s = Script::from_transcript(&t).expect("script");
        assert_eq!(s.title, "Episode");
        assert_eq!(s.language, "en");
        assert_eq!(s.metadata.get("Author").map(String::as_str), Some("A; B"));
        let titles: Vec<&str> = s.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, vec!["Intro", "Part 1", "Part 2"]);
        assert_eq!(
            turns(&s.chapters[0]),
            vec![(DEFAULT_NARRATOR, "Intro one.\nIntro two.")]
        );
        assert_eq!(
            turns(&s.chapters[1]),
            vec![
                ("Host", "Q1?\nMore of Q1."),
                ("Guest", "A1."),
                ("Guest", "A1 again.")
            ]
        );
        // No speaker yet in a chapter: the narrator; an empty label takes the next paragraph.
        assert_eq!(
            turns(&s.chapters[2]),
            vec![(DEFAULT_NARRATOR, "Editorial note."), ("Host", "Q2?")]
        );
        assert_eq!(s.speakers(), vec![DEFAULT_NARRATOR, "Host", "Guest"]);
        assert!(s.validate().is_ok());
    }

    #[test]
    fn the_speaker_who_says_most_comes_first_for_casting() {
        let turn = |speaker: &str, text: &str| Turn {
            speaker: speaker.to_string(),
            text: text.to_string(),
        };
        let script = Script {
            title: "T".to_string(),
            language: "en".to_string(),
            metadata: BTreeMap::new(),
            chapters: vec![Chapter {
                title: "C".to_string(),
                turns: vec![
                    turn("Host", "Why?"),
                    turn("Guest", "Because of a long answer."),
                    turn("Aside", "Yes."),
                    turn("Host", "And?"),
                    turn("Guest", "And another."),
                ],
            }],
            cast: BTreeMap::new(),
        };
        // Host's two turns add up to more than Aside's one.
        assert_eq!(script.speakers_by_share(), vec!["Guest", "Host", "Aside"]);
        let mut tie = script.clone();
        tie.chapters[0].turns.truncate(3);
        // Host and Aside now say four characters each: order of appearance decides.
        assert_eq!(tie.speakers_by_share(), vec!["Guest", "Host", "Aside"]);
    }

    #[test]
    fn no_turns_is_an_error() {
        let t = Transcript {
            sections: vec![section(
                Some("Only a heading"),
                vec![para(Some("Host"), "")],
            )],
            ..Transcript::default()
        };
        let err = Script::from_transcript(&t).unwrap_err();
        assert!(matches!(err, ScriptError::NoTurns));
        assert!(err.to_string().contains("add paragraphs"));
    }

    #[test]
    fn title_falls_back_to_metadata_then_untitled() {
        let mut t = transcript::parse("Host: hi\n").expect("parse");
        assert_eq!(Script::from_transcript(&t).expect("script").title, UNTITLED);
        t.metadata.push(("Title".into(), "From metadata".into()));
        assert_eq!(
            Script::from_transcript(&t).expect("script").title,
            "From metadata"
        );
    }

    #[test]
    fn latin_share_counts_the_letters_speakers_say() {
        let script = |texts: &[&str]| Script {
            title: "A Title In English".to_string(),
            language: "zh".to_string(),
            metadata: BTreeMap::new(),
            chapters: vec![Chapter {
                title: "English Chapter".to_string(),
                turns: texts
                    .iter()
                    .map(|t| Turn {
                        speaker: "A".to_string(),
                        text: t.to_string(),
                    })
                    .collect(),
            }],
            cast: BTreeMap::new(),
        };
        // Titles, digits and punctuation do not count: 5 Latin letters, 7 Han.
        let share = script(&["我们用GPT做实验。", "2017年，Ok！"]).latin_share();
        assert!((share - 5.0 / 12.0).abs() < 1e-9, "{share}");
        assert_eq!(script(&["没有英文。"]).latin_share(), 0.0);
        assert_eq!(script(&["!!! 123"]).latin_share(), 0.0);
    }

    #[test]
    fn language_follows_the_dominant_script() {
        assert_eq!(detect_language(["我们用 Python 和 Rust 做实验。"]), "zh");
        assert_eq!(
            detect_language(["We tried 机器学习 on a large dataset yesterday."]),
            "en"
        );
        assert_eq!(detect_language(["これはテストです。"]), "ja");
        assert_eq!(detect_language(["안녕하세요 반갑습니다"]), "ko");
        assert_eq!(detect_language(["", "12345"]), "en");
        let t = transcript::parse("主持人：你好，欢迎来到节目。\n").expect("parse");
        let s = Script::from_transcript(&t).expect("script");
        assert_eq!(
            (s.language.as_str(), s.chapters[0].title.as_str()),
            ("zh", "引言")
        );
    }

    #[test]
    fn json_and_toml_round_trip_exactly() {
        let s = sample();
        let json = s.to_json();
        assert!(json.ends_with("}\n"));
        assert_eq!(Script::from_json_str(&json).expect("json"), s);
        let toml = s.to_toml().expect("toml");
        assert_eq!(Script::from_toml_str(&toml).expect("toml"), s, "{toml}");
        // And through the other format.
        let via = Script::from_toml_str(
            &Script::from_json_str(&json)
                .expect("json")
                .to_toml()
                .expect("toml"),
        );
        assert_eq!(via.expect("toml"), s);
    }

    #[test]
    fn load_picks_the_format_by_extension_and_reports_positions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = sample();
        let json_path = dir.path().join("ep.json");
        std::fs::write(&json_path, s.to_json()).expect("write");
        assert_eq!(Script::load(&json_path).expect("load json"), s);
        let toml_path = dir.path().join("ep.TOML");
        std::fs::write(&toml_path, s.to_toml().expect("toml")).expect("write");
        assert_eq!(Script::load(&toml_path).expect("load toml"), s);
        // No extension: sniffed.
        let bare = dir.path().join("ep");
        std::fs::write(&bare, s.to_toml().expect("toml")).expect("write");
        assert_eq!(Script::load(&bare).expect("load sniffed"), s);

        let bad_json = dir.path().join("bad.json");
        std::fs::write(
            &bad_json,
            "{\n  \"title\": \"x\",\n  \"language\": \"en\"\n  \"chapters\": []\n}\n",
        )
        .expect("write");
        let err = Script::load(&bad_json).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ScriptError::Json { line: 4, .. }), "{msg}");
        assert!(
            msg.starts_with(&format!("{}:4:", bad_json.display())),
            "{msg}"
        );
        assert!(msg.contains("fix the JSON"), "{msg}");

        let bad_toml = dir.path().join("bad.toml");
        std::fs::write(
            &bad_toml,
            "title = \"x\"\nlanguage = \"en\"\n\n[[chapters]]\ntitle = \n",
        )
        .expect("write");
        let err = Script::load(&bad_toml).unwrap_err();
        assert!(matches!(err, ScriptError::Toml { line: 5, .. }), "{err}");

        let missing = dir.path().join("missing.toml");
        let err = Script::load(&missing).unwrap_err();
        assert!(matches!(err, ScriptError::Io { .. }));
        assert!(err.to_string().contains("missing.toml"));

        let unknown = dir.path().join("notes.md");
        std::fs::write(&unknown, "# not a script\n").expect("write");
        assert!(matches!(
            Script::load(&unknown),
            Err(ScriptError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn toml_error_position_counts_characters() {
        let err = Script::from_toml_str("title = \"中文\"\nlanguage = \"zh\"\nchapters = 中\n")
            .unwrap_err();
        match err {
            ScriptError::Toml { line, column, .. } => assert_eq!((line, column), (3, 12)),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn validation_lists_every_problem_with_a_fix() {
        let mut s = sample();
        s.title = " ".into();
        s.chapters[0].turns[0].speaker = "".into();
        s.chapters[1].turns[1].text = "\n".into();
        s.chapters.push(Chapter {
            title: "Empty".into(),
            turns: vec![],
        });
        if let Some(e) = s.cast.get_mut("Ilya") {
            e.settings.speed = Some(0.0);
        }
        let err = Script::from_json_str(&s.to_json()).unwrap_err();
        let ScriptError::Invalid { problems, .. } = &err else {
            panic!("unexpected {err}");
        };
        assert_eq!(problems.len(), 5, "{problems:#?}");
        let msg = err.to_string();
        assert!(msg.contains("`title` is empty"), "{msg}");
        assert!(
            msg.contains("chapter 1 (\"引言\"), turn 1: `speaker` is empty"),
            "{msg}"
        );
        assert!(msg.contains("turn 2: `text` is empty"), "{msg}");
        assert!(msg.contains("chapter 3 (\"Empty\") has no turns"), "{msg}");
        assert!(msg.contains("`speed` is 0"), "{msg}");

        let none =
            Script::from_json_str(r#"{"title":"t","language":"en","chapters":[]}"#).unwrap_err();
        assert!(none.to_string().contains("`chapters` is empty"), "{none}");
        let lang = Script::from_json_str(
            r#"{"title":"t","language":"","chapters":[{"title":"c","turns":[{"speaker":"a","text":"b"}]}]}"#,
        )
        .unwrap_err();
        assert!(lang.to_string().contains("`language`"), "{lang}");
    }

    #[test]
    fn out_of_range_voice_settings_are_refused_with_the_range() {
        let script = |cast: &str| {
            format!(
                "title = \"t\"\nlanguage = \"en\"\n\n[[chapters]]\ntitle = \"c\"\n\n\
                 [[chapters.turns]]\nspeaker = \"Ilya\"\ntext = \"Hello.\"\n\n\
                 [cast.Ilya]\nvoice = \"v\"\n{cast}\n"
            )
        };
        assert!(Script::from_toml_str(&script("pitch = 12.0\nformant = -12.0")).is_ok());
        for (cast, expected) in [
            (
                "pitch = 300.0",
                "cast \"Ilya\": `pitch` is 300, out of range: use -12 to 12 semitones",
            ),
            (
                "formant = nan",
                "cast \"Ilya\": `formant` is NaN, out of range: use -12 to 12 semitones",
            ),
            (
                "speed = 0.1",
                "cast \"Ilya\": `speed` is 0.1, out of range: use 0.25 to 4",
            ),
            (
                "noise_scale = 5.0",
                "`noise_scale` is 5, out of range: use 0 to 2",
            ),
        ] {
            let err = Script::from_toml_str(&script(cast)).unwrap_err();
            assert!(err.to_string().contains(expected), "{cast}: {err}");
        }
    }

    #[test]
    fn settings_outside_every_range_are_listed() {
        let settings = VoiceSettings {
            speed: Some(f32::NAN),
            pitch: Some(-13.0),
            speaker_id: Some(-2),
            ..VoiceSettings::default()
        };
        let names: Vec<&str> = settings.problems().iter().map(|p| p.setting).collect();
        assert_eq!(names, ["speed", "pitch", "speaker_id"]);
        assert_eq!(settings.validate().unwrap_err().setting, "speed");
        assert_eq!(VoiceSettings::default().validate(), Ok(()));
    }

    #[test]
    fn missing_fields_are_reported_by_name() {
        let err = Script::from_json_str(r#"{"title":"t","chapters":[]}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `language`"),
            "{err}"
        );
        let err = Script::from_toml_str(
            "title = \"t\"\nlanguage = \"en\"\n[[chapters]]\ntitle = \"c\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("turns"), "{err}");
    }

    #[test]
    fn scripts_are_told_from_transcripts() {
        let s = sample();
        let json = s.to_json();
        let toml = s.to_toml().expect("toml");
        let md = "# 标题\n\n**主持人**：你好\n";
        assert!(looks_like_script(Path::new("a.json"), "garbage"));
        assert!(looks_like_script(Path::new("a.toml"), ""));
        assert!(!looks_like_script(Path::new("a.md"), &json));
        assert!(!looks_like_script(Path::new("a.txt"), &toml));
        assert!(looks_like_script(Path::new("script"), &json));
        assert!(looks_like_script(Path::new("script"), &toml));
        assert!(looks_like_script(
            Path::new("-"),
            &format!("\u{feff}{json}")
        ));
        assert!(!looks_like_script(Path::new("transcript"), md));
        assert!(!looks_like_script(
            Path::new("transcript"),
            "title = x but chapters: none\n"
        ));
        assert!(!looks_like_script(
            Path::new("notes.html"),
            "{ not json about chapters }"
        ));
    }
}
