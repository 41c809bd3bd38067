//! Piper voices: VITS models read with espeak-ng phonemes or with pinyin symbols.

mod espeak;
pub mod pinyin;

pub use espeak::PiperEngine;

/// Working memory of a Piper session per second of audio in one call: en_US-joe-medium
/// (22,050 Hz) peaked at 163 MB for 2.7 s and 201 MB for 4.8 s of `recast say` (ONNX Runtime
/// 1.32, one worker, the shared arena); ~110 MB for a 6 s sentence in two-worker renders.
/// VITS decodes the whole sentence at once, so it grows with the audio.
pub(crate) const WORKING_BYTES_PER_SECOND: f64 = 18.0 * (1 << 20) as f64;

/// [`WORKING_BYTES_PER_SECOND`] for `seconds` of audio.
pub(crate) fn working_memory(seconds: f64) -> u64 {
    (WORKING_BYTES_PER_SECOND * seconds.max(0.0)) as u64
}
pub(crate) use espeak::PiperEspeak;
pub(crate) use pinyin::PiperPinyin;
