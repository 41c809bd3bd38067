//! The install-time check of a converted Baker voice: the models load and speak.

use super::{ZhttsEngine, pinyin_front_end};
use crate::script::VoiceSettings;
use crate::synth::{Engine, SynthError};
use std::path::{Path, PathBuf};

/// What [`check_files`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FilesCheck {
    /// Seconds of audio for the test sentence.
    pub seconds: f32,
    pub rms: f32,
    pub peak: f32,
}

/// The sentence spoken to check an install (你好，世界).
pub const CHECK_SENTENCE: &str = "ni3 hao3 , shi4 jie4";

/// Checks converted files before they are installed: both models load in ONNX Runtime with
/// the expected inputs and outputs, the mapper has every symbol, and a short sentence comes
/// out as 0.5-5 s of non-silent, finite audio. `init_runtime` must have succeeded first.
pub fn check_files(
    voice: &str,
    fastspeech2: &Path,
    mb_melgan: &Path,
    mapper: &Path,
) -> Result<FilesCheck, SynthError> {
    let mut engine = ZhttsEngine::load(
        voice,
        fastspeech2,
        mb_melgan,
        mapper,
        2,
        Box::new(pinyin_front_end),
    )?;
    let audio = engine.synthesize(CHECK_SENTENCE, &VoiceSettings::default())?;
    let n = audio.samples.len().max(1) as f32;
    let rms = (audio.samples.iter().map(|s| s * s).sum::<f32>() / n).sqrt();
    let peak = audio.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    let seconds = audio.samples.len() as f32 / audio.sample_rate as f32;
    let check = FilesCheck { seconds, rms, peak };
    if !(0.5..=5.0).contains(&seconds) || rms < 0.01 {
        return Err(SynthError::ModelLoad {
            voice: voice.to_string(),
            path: PathBuf::from(fastspeech2),
            reason: format!(
                "the converted models do not speak: `{CHECK_SENTENCE}` gave {seconds:.2} s of audio \
                 with rms {rms:.4} (expected 0.5-5 s, rms at least 0.01)"
            ),
        });
    }
    Ok(check)
}
