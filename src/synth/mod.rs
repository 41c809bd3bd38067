//! Speech synthesis: the engine interface, the Piper engine on `piper-rs`, and the run-time
//! pieces every engine needs (the ONNX Runtime library and espeak-ng's data).

use crate::script::VoiceSettings;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub use session::{ModelSession, SharedWeights, open_session, prepare_voice};

pub mod cache;
mod layout;
pub mod piper_pinyin;
pub mod session;
pub mod zhtts;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(
        "ONNX Runtime was not found (looked in: {searched}). Run `scripts/setup`, or point \
         ORT_DYLIB_PATH at a libonnxruntime.so of version 1.24 or newer"
    )]
    RuntimeMissing { searched: String },
    #[error("cannot load ONNX Runtime from {path}: {reason}. Reinstall it with `scripts/setup`")]
    RuntimeLoad { path: PathBuf, reason: String },
    #[error(
        "espeak-ng data was not found (looked in: {searched}). Run `scripts/setup`, or set \
         PIPER_ESPEAKNG_DATA_DIRECTORY to the folder that holds `espeak-ng-data`"
    )]
    EspeakDataMissing { searched: String },
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

/// The Chinese front end as the Chinese engines take it: a sentence of text to its phonetic
/// form (or a message saying why it cannot be read).
pub type FrontEnd =
    Box<dyn Fn(&str) -> Result<crate::text::phonetic::PhoneticSentence, String> + Send>;

/// Version of the Piper engine's text-to-audio path (bump when its output changes).
pub const PIPER_VERSION: &str = "piper-1";

/// Synthesised speech at an explicit sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

/// A loaded voice that turns one sentence into audio. Each worker owns its own engine (and so
/// its own ONNX Runtime session).
pub trait Engine: Send {
    fn voice_id(&self) -> &str;
    /// Number of speakers in the model (1 for single-speaker voices).
    fn speakers(&self) -> u32;
    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError>;
}

/// Pitch shift by the model's own duration control plus relabelled sample rate: render
/// `factor` times slower, then declare the audio `factor` times faster. Duration is kept,
/// pitch moves by `factor`. The caller's resampler does the rest.
pub fn pitch_factor(settings: &VoiceSettings) -> f32 {
    2f32.powf(settings.pitch.unwrap_or(0.0) / 12.0)
}

/// Where the run-time libraries were found.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub onnxruntime: PathBuf,
    pub espeak_data: PathBuf,
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// Loads ONNX Runtime and points espeak-ng at its data, once per process. Call it before
/// starting synthesis threads: it may set `PIPER_ESPEAKNG_DATA_DIRECTORY`, the only way
/// espeak-rs takes a data folder.
pub fn init_runtime(data_dir: &Path) -> Result<Runtime, SynthError> {
    let result = RUNTIME.get_or_init(|| {
        let onnxruntime = find_onnxruntime(data_dir).map_err(|e| e.to_string())?;
        let espeak_data = find_espeak_data(data_dir).map_err(|e| e.to_string())?;
        ort::init_from(&onnxruntime)
            .map_err(|e| {
                SynthError::RuntimeLoad {
                    path: onnxruntime.clone(),
                    reason: e.to_string(),
                }
                .to_string()
            })?
            .with_name("recast")
            .commit();
        // ort forwards the runtime's log to `tracing` at the verbose level, and formatting
        // those messages tripled the time to load a Piper model (1.2 s -> 3.7 s here).
        if let Ok(environment) = ort::environment::Environment::current() {
            environment.set_log_level(ort::logging::LogLevel::Error);
            session::share_one_arena(&environment);
        }
        if std::env::var_os(ESPEAK_ENV).is_none() {
            // SAFETY: runs once, guarded by the OnceLock, before recast starts any synthesis
            // thread; nothing else in the process writes the environment.
            unsafe { std::env::set_var(ESPEAK_ENV, &espeak_data) };
        }
        Ok(Runtime {
            onnxruntime,
            espeak_data,
        })
    });
    result.clone().map_err(|reason| {
        // Re-create a typed error from the first failure so every caller gets the same text.
        SynthError::RuntimeLoad {
            path: PathBuf::from("(ONNX Runtime / espeak-ng)"),
            reason,
        }
    })
}

/// Names the ONNX Runtime library in use (its file name carries the version), or "" before
/// [`init_runtime`].
pub(crate) fn runtime_tag() -> String {
    match RUNTIME.get() {
        Some(Ok(runtime)) => runtime
            .onnxruntime
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

const ESPEAK_ENV: &str = "PIPER_ESPEAKNG_DATA_DIRECTORY";

fn find_onnxruntime(data_dir: &Path) -> Result<PathBuf, SynthError> {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        candidates.push(PathBuf::from(path));
    }
    let runtime_dir = data_dir.join("runtime");
    candidates.extend(libraries_in(&runtime_dir));
    for dir in ["/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu"] {
        candidates.extend(libraries_in(Path::new(dir)));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| SynthError::RuntimeMissing {
            searched: format!(
                "$ORT_DYLIB_PATH, {}, /usr/local/lib, /usr/lib",
                runtime_dir.display()
            ),
        })
}

fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = crate::voices::entries_named(dir, "libonnxruntime.so");
    // The newest version first (a data folder may still hold the one an older setup
    // fetched); an unversioned name, often a dangling dev symlink, last.
    found.sort_by_key(|p| std::cmp::Reverse(library_version(p)));
    found
}

/// The version in a name like `libonnxruntime.so.1.32.0`, as numbers.
fn library_version(path: &Path) -> Vec<u32> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("libonnxruntime.so."))
        .map(|v| v.split('.').map_while(|p| p.parse().ok()).collect())
        .unwrap_or_default()
}

/// espeak-rs wants the folder that *contains* `espeak-ng-data`.
fn find_espeak_data(data_dir: &Path) -> Result<PathBuf, SynthError> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os(ESPEAK_ENV) {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(data_dir.to_path_buf());
    if let Ok(exe) = std::env::current_exe() {
        // A cargo build keeps espeak-rs-sys's generated data next to the binary's folder:
        // target/<profile>/build/espeak-rs-sys-*/out/share. Test binaries live one level
        // deeper, in target/<profile>/deps.
        for dir in exe.ancestors().skip(1).take(2) {
            candidates.push(dir.to_path_buf());
            let mut built: Vec<PathBuf> =
                crate::voices::entries_named(&dir.join("build"), "espeak-rs-sys-")
                    .into_iter()
                    .map(|p| p.join("out/share"))
                    .collect();
            built.sort();
            candidates.extend(built);
        }
    }
    let searched = candidates
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    candidates
        .into_iter()
        .find(|p| p.join("espeak-ng-data/phontab").is_file())
        .ok_or(SynthError::EspeakDataMissing { searched })
}

/// espeak-ng keeps global state (current voice, output buffers): phonemization from several
/// threads must take turns.
static ESPEAK_LOCK: Mutex<()> = Mutex::new(());

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
        let phonemes = {
            let _espeak = ESPEAK_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            espeak_rs::text_to_phonemes(text, &self.espeak_voice, None)
        }
        .map_err(|e| SynthError::Phonemize {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason: e.to_string(),
        })?
        .join(" ");
        if phonemes.trim().is_empty() {
            return Ok(Audio {
                samples: Vec::new(),
                sample_rate: self.sample_rate,
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
        })
    }
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

    #[test]
    fn onnxruntime_lookup_names_where_it_looked() {
        let empty = tempfile::tempdir().unwrap();
        let found = libraries_in(empty.path());
        assert!(found.is_empty());
        std::fs::create_dir(empty.path().join("runtime")).unwrap();
        for name in [
            "libonnxruntime.so",
            "libonnxruntime.so.1.9.0",
            "libonnxruntime.so.1.32.0",
            "libonnxruntime.so.1.24.4",
        ] {
            std::fs::write(empty.path().join("runtime").join(name), b"").unwrap();
        }
        let found = libraries_in(&empty.path().join("runtime"));
        let names: Vec<_> = found.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(
            names,
            [
                "libonnxruntime.so.1.32.0",
                "libonnxruntime.so.1.24.4",
                "libonnxruntime.so.1.9.0",
                "libonnxruntime.so"
            ]
        );
    }
}
