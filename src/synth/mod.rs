//! Speech synthesis: the engine interface, the Piper engine on `piper-rs`, and the run-time
//! pieces every engine needs (the ONNX Runtime library and espeak-ng's data).

use crate::script::VoiceSettings;
use std::path::{Path, PathBuf};

pub use registry::{EngineCheck, EngineType, Honours, engine_for};
pub use runtime::{Runtime, RuntimeError};
pub use session::{
    ModelSession, SharedWeights, available_memory, open_session, prepare_model, prepare_voice,
};

pub mod cache;
pub mod kokoro;
mod layout;
mod piper;
mod registry;
pub use piper::PiperEngine;
pub use piper::pinyin as piper_pinyin;
pub mod runtime;
pub mod session;
pub mod zhtts;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Lexicon(#[from] crate::text::zh::LexiconError),
    #[error(
        "voice {voice} has no {missing} file; reinstall it with `recast voices install {voice} --force`"
    )]
    IncompleteVoice {
        voice: String,
        missing: &'static str,
    },
    #[error(
        "voice {voice}: cannot read its config {path}: {reason}. Reinstall it with \
         `recast voices install {voice} --force`"
    )]
    BadConfig {
        voice: String,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "voice {voice}: its phonemes are {phoneme_type}, which the Piper engine on piper-rs \
         cannot read yet; pick an espeak voice such as zh_CN-huayan-medium"
    )]
    UnsupportedPhonemes { voice: String, phoneme_type: String },
    #[error(
        "voice {voice}: cannot load the model {path}: {reason}. The file may be damaged or \
         incomplete; reinstall it with `recast voices install {voice} --force`"
    )]
    ModelLoad {
        voice: String,
        path: PathBuf,
        reason: String,
    },
    #[error("voice {voice}: speaker id {speaker_id} is out of range (the model has {speakers})")]
    SpeakerOutOfRange {
        voice: String,
        speaker_id: i64,
        speakers: u32,
    },
    #[error("voice {voice}: cannot turn {text:?} into phonemes: {reason}")]
    Phonemize {
        voice: String,
        text: String,
        reason: String,
    },
    #[error("voice {voice}: synthesis of {text:?} failed: {reason}")]
    Inference {
        voice: String,
        text: String,
        reason: String,
    },
}

impl SynthError {
    /// The error of a front end that could not read `text` for `voice`.
    pub(crate) fn phonemize(voice: &str, text: &str, reason: String) -> SynthError {
        SynthError::Phonemize {
            voice: voice.to_string(),
            text: text.to_string(),
            reason,
        }
    }
}

/// The Chinese front end as the Chinese engines take it: a sentence of text to its phonetic
/// form (or a message saying why it cannot be read).
pub type FrontEnd =
    Box<dyn Fn(&str) -> Result<crate::text::phonetic::PhoneticSentence, String> + Send>;

/// Synthesised speech at an explicit sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
    /// Where each Mandarin syllable is, for engines that know their durations (seconds
    /// from the first sample); empty otherwise.
    pub syllables: Vec<SpokenSyllable>,
}

/// A Mandarin syllable and when it is spoken.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpokenSyllable {
    /// Its character ("" for a syllable without one).
    pub text: String,
    /// Its pinyin as the voice reads it, with the tone its symbols carry ("hao3").
    pub reading: String,
    /// The tone spoken, after sandhi (1-4, 5 neutral).
    pub tone: u8,
    /// Seconds.
    pub start: f64,
    pub end: f64,
}

/// A loaded voice that turns one sentence into audio. Each worker owns its own engine (and so
/// its own ONNX Runtime session).
pub trait Engine: Send {
    fn voice_id(&self) -> &str;
    /// Number of speakers in the model (1 for single-speaker voices).
    fn speakers(&self) -> u32;
    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError>;
}

/// Loads ONNX Runtime, once per process (see [`runtime::init_runtime`]).
pub fn init_runtime(data_dir: &Path) -> Result<Runtime, SynthError> {
    Ok(runtime::init_runtime(data_dir)?)
}

/// Pitch shift by the model's own duration control plus relabelled sample rate: render
/// `factor` times slower, then declare the audio `factor` times faster. Duration is kept,
/// pitch moves by `factor`. The caller's resampler does the rest.
pub fn pitch_factor(settings: &VoiceSettings) -> f32 {
    2f32.powf(settings.pitch.unwrap_or(0.0) / 12.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pitch_factor_is_in_semitones() {
        let up = VoiceSettings {
            pitch: Some(12.0),
            ..Default::default()
        };
        assert!((pitch_factor(&up) - 2.0).abs() < 1e-6);
        assert_eq!(pitch_factor(&VoiceSettings::default()), 1.0);
    }
}
