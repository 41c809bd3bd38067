//! What can stop a render, a `say` or the loading of an input, with the file, voice or
//! setting it is about.

use crate::cast::CastError;
use crate::mix::MixError;
use crate::output::OutputError;
use crate::script::{ScriptError, SettingError};
use crate::synth::SynthError;
use crate::synth::cache::CacheError;
use crate::text::zh::LexiconError;
use crate::transcript::TranscriptError;
use crate::voices::VoiceError;
use std::path::PathBuf;

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
    #[error("{path}:{line}:{column}: {error}")]
    Undecodable {
        path: PathBuf,
        line: usize,
        column: usize,
        error: crate::transcript::encoding::DecodeError,
    },
    #[error("{path}: {reason}; save it as UTF-8 text")]
    BadUtf16 { path: PathBuf, reason: String },
    /// A voice setting given to `say` that no engine can honour.
    #[error("say --voice {voice}: {error}")]
    Setting { voice: String, error: SettingError },
    /// Boxed: a fetch error carries the addresses asked for and reached.
    #[error(transparent)]
    Fetch(#[from] Box<crate::fetch::FetchError>),
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
