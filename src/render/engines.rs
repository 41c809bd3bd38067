//! The voices a render speaks with: the candidates the cast chooses from, casting, loading
//! each voice's engine (and the Chinese lexicon it reads with), and what of a voice goes
//! into a sentence's cache key.
//!
//! What differs between engines is asked of the engine registry (`synth::engine_for`).

use super::RenderError;
use crate::cast::{self, Assignment, Candidate, Cast};
use crate::script::{CastEntry, Script};
use crate::synth::cache;
use crate::synth::{self, Engine, engine_for};
use crate::text::zh::{self, LazyLexicon};
use crate::voices::{self, Catalog, InstalledVoice, VoiceEntry};
use std::collections::HashMap;
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
            shifts_formants: engine_for(entry).honours().formant,
            gender: match entry.gender {
                voices::Gender::Male => Some(crate::script::Gender::Male),
                voices::Gender::Female => Some(crate::script::Gender::Female),
                voices::Gender::Mixed => None,
            },
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
    Ok(engine_for(&voice.entry).load(voice, threads, lexicon)?)
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
    engine_for(&voice.entry).chinese_reading()
}

/// Version of everything between an engine's output and a cache entry (resampling,
/// trimming, fades): bump it when that changes, so old entries are not reused.
const PREPARE_VERSION: &str = "prepare-1";

/// The cache key of one sentence: the voice and the digests of its files, the version of
/// its engine, the effective settings, the text, the output rate and, for voices that read
/// through the Chinese front end, everything the lexicon was built from.
pub(crate) fn sentence_key(
    installed: &[InstalledVoice],
    entry: &CastEntry,
    text: &str,
    rate: u32,
    lexicon: &LazyLexicon,
) -> Result<String, RenderError> {
    let mut key = cache::KeyBuilder::new(PREPARE_VERSION);
    key.part(&entry.voice);
    if let Some(voice) = installed.iter().find(|v| v.entry.id == entry.voice) {
        let engine = engine_for(&voice.entry);
        key.part(&engine.version());
        if engine.chinese_reading().is_some() {
            key.part(&lexicon.get()?.digest());
        }
        for file in &voice.receipt.files {
            key.part(&file.sha256);
        }
        let settings = cast::effective_settings(&voice.entry.defaults, entry);
        key.part(&format!("{settings:?}"));
    }
    key.part(text).part(&rate.to_string());
    Ok(key.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::Receipt;

    fn installed(id: &str) -> InstalledVoice {
        let entry = Catalog::builtin().get(id).unwrap().clone();
        InstalledVoice {
            entry,
            dir: "/nowhere".into(),
            model: "/nowhere/model.onnx".into(),
            config: "/nowhere/config.json".into(),
            vocoder: None,
            styles: None,
            receipt: Receipt {
                id: id.to_string(),
                source: "test".into(),
                installed_at: 0,
                recast_version: "test".into(),
                converter: None,
                check: None,
                files: Vec::new(),
            },
        }
    }

    #[test]
    fn sentence_keys_follow_the_lexicon_of_voices_that_read_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let voices = [installed("zh_CN-baker"), installed("en_US-joe-medium")];
        let key = |voice: &str, lexicon: &LazyLexicon| {
            let entry = CastEntry {
                voice: voice.to_string(),
                settings: Default::default(),
                gender: None,
            };
            sentence_key(&voices, &entry, "你好", 24000, lexicon).unwrap()
        };
        let phrases = zh::phrase_dictionary_path(dir.path());
        std::fs::create_dir_all(phrases.parent().unwrap()).unwrap();
        std::fs::write(&phrases, r#"{"银行": [["yín"], ["háng"]]}"#).unwrap();
        let before = LazyLexicon::new(dir.path(), None);
        before.get().unwrap();
        std::fs::write(&phrases, r#"{"银行": [["yín"], ["xíng"]]}"#).unwrap();
        let after = LazyLexicon::new(dir.path(), None);
        // A changed phrase dictionary re-synthesises what the Chinese voice says...
        assert_ne!(key("zh_CN-baker", &before), key("zh_CN-baker", &after));
        // ...and nothing the espeak-ng voice says, which never reads with it.
        assert_eq!(
            key("en_US-joe-medium", &before),
            key("en_US-joe-medium", &after)
        );
        // A user lexicon that cannot be read is an error naming it, not an empty part.
        let missing = dir.path().join("missing.txt");
        let unreadable = LazyLexicon::new(dir.path(), Some(&missing));
        let entry = CastEntry {
            voice: "zh_CN-baker".into(),
            settings: Default::default(),
            gender: None,
        };
        let message = sentence_key(&voices, &entry, "你好", 24000, &unreadable)
            .unwrap_err()
            .to_string();
        assert!(message.contains("missing.txt"), "{message}");
    }
}
