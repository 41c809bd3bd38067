//! Piper (VITS) voices with espeak-ng phonemes, run by piper-rs.

use crate::script::VoiceSettings;
use crate::synth::runtime;
use crate::synth::{Audio, Engine, SharedWeights, SynthError, open_session, pitch_factor};
use crate::synth::{EngineType, Honours};
use crate::text::zh::{LazyLexicon, ReadOptions};
use crate::voices::InstalledVoice;
use std::path::Path;

/// Version of this engine's text-to-audio path (bump when its output changes).
const VERSION: &str = "piper-1";

/// Piper voices read with espeak-ng, in any language espeak-ng speaks.
pub(crate) struct PiperEspeak;

impl EngineType for PiperEspeak {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn honours(&self) -> Honours {
        Honours::VITS
    }

    fn chinese_reading(&self) -> Option<ReadOptions> {
        None
    }

    fn working_memory(&self, seconds: f64) -> u64 {
        super::working_memory(seconds)
    }

    fn load(
        &self,
        voice: &InstalledVoice,
        threads: usize,
        _lexicon: &LazyLexicon,
    ) -> Result<Box<dyn Engine>, SynthError> {
        Ok(Box::new(PiperEngine::load(
            &voice.entry.id,
            &voice.model,
            &voice.config,
            threads,
        )?))
    }
}

/// The parts of a Piper voice config recast reads itself (piper-rs reads the rest).
#[derive(serde::Deserialize)]
struct PiperConfigHead {
    #[serde(default)]
    phoneme_type: Option<String>,
    espeak: Option<EspeakVoice>,
}

#[derive(serde::Deserialize)]
struct EspeakVoice {
    voice: String,
}

/// A Piper voice (VITS) with espeak-ng phonemes, run by piper-rs.
pub struct PiperEngine {
    voice: String,
    espeak_voice: String,
    piper: piper_rs::Piper,
    sample_rate: u32,
    speakers: u32,
    length_scale: f32,
    noise_scale: f32,
    noise_w: f32,
    /// What `piper`'s session reads its weights from; declared after `piper` so that it
    /// outlives it.
    _weights: SharedWeights,
}

impl PiperEngine {
    /// Loads a model with its own ONNX Runtime session using `threads` intra-op threads.
    /// `init_runtime` must have succeeded first.
    pub fn load(
        voice: &str,
        model: &Path,
        config: &Path,
        threads: usize,
    ) -> Result<Self, SynthError> {
        runtime::espeak_ready()?;
        let bad_config = |reason: String| SynthError::BadConfig {
            voice: voice.to_string(),
            path: config.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(config).map_err(|e| bad_config(e.to_string()))?;
        let head: PiperConfigHead =
            serde_json::from_str(&text).map_err(|e| bad_config(e.to_string()))?;
        if let Some(kind) = head.phoneme_type.filter(|k| k != "espeak") {
            return Err(SynthError::UnsupportedPhonemes {
                voice: voice.to_string(),
                phoneme_type: kind,
            });
        }
        let espeak_voice = head
            .espeak
            .map(|e| e.voice)
            .ok_or_else(|| bad_config("it names no espeak voice".into()))?;
        let model_config: piper_rs::ModelConfig =
            serde_json::from_str(&text).map_err(|e| bad_config(e.to_string()))?;
        // SAFETY: `weights` is stored in the engine after `piper`, which owns the session,
        // so it is dropped after it.
        let (session, weights) = unsafe { open_session(voice, model, threads)?.into_parts() };
        let sample_rate = model_config.audio.sample_rate;
        let speakers = model_config.num_speakers.max(1);
        let inference = model_config.inference.clone();
        Ok(Self {
            voice: voice.to_string(),
            espeak_voice,
            piper: piper_rs::Piper::from_session(session, model_config),
            sample_rate,
            speakers,
            length_scale: inference.length_scale,
            noise_scale: inference.noise_scale,
            noise_w: inference.noise_w,
            _weights: weights,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }
}

impl Engine for PiperEngine {
    fn voice_id(&self) -> &str {
        &self.voice
    }

    fn speakers(&self) -> u32 {
        self.speakers
    }

    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError> {
        let speaker_id = settings.speaker_id.unwrap_or(0);
        if speaker_id < 0 || speaker_id >= i64::from(self.speakers) {
            return Err(SynthError::SpeakerOutOfRange {
                voice: self.voice.clone(),
                speaker_id,
                speakers: self.speakers,
            });
        }
        let phonemes = crate::text::espeak::phonemize(text, &self.espeak_voice)
            .map_err(|e| SynthError::phonemize(&self.voice, text, e.to_string()))?
            .join(" ");
        if phonemes.trim().is_empty() {
            return Ok(Audio {
                samples: Vec::new(),
                sample_rate: self.sample_rate,
                syllables: Vec::new(),
            });
        }
        let pitch = pitch_factor(settings);
        let speed = settings.speed.unwrap_or(1.0).clamp(0.25, 4.0);
        let (samples, rate) = self
            .piper
            .create(
                &phonemes,
                true,
                Some(speaker_id),
                Some(self.length_scale / speed * pitch),
                Some(settings.noise_scale.unwrap_or(self.noise_scale)),
                Some(settings.noise_w.unwrap_or(self.noise_w)),
            )
            .map_err(|e| SynthError::Inference {
                voice: self.voice.clone(),
                text: text.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Audio {
            samples,
            sample_rate: (rate as f32 * pitch).round() as u32,
            syllables: Vec::new(),
        })
    }
}
