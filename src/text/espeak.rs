//! espeak-ng, for everything that phonemises with it (Piper's espeak voices, the English of
//! Kokoro voices): one process-wide lock, since espeak-ng keeps global state (the current
//! voice, its output buffers) and calls from several threads must take turns.
//!
//! espeak-ng finds its data as espeak-rs looks for it (`PIPER_ESPEAKNG_DATA_DIRECTORY`, the
//! working directory, the executable's folder); the binary points it at recast's data folder
//! first thing (`synth::runtime::point_espeak_at_data`).

use std::sync::Mutex;

/// Held around every call into espeak-ng.
pub static LOCK: Mutex<()> = Mutex::new(());

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error(
    "espeak-ng could not phonemise {text:?} with its voice {voice}: {reason} \
     (recast's data folder must hold espeak-ng-data: run scripts/setup)"
)]
pub struct EspeakError {
    pub voice: String,
    pub text: String,
    pub reason: String,
}

/// The IPA phonemes of `text`, one string per sentence, as espeak-ng's voice `voice`
/// ("en-us") reads it.
pub fn phonemize(text: &str, voice: &str) -> Result<Vec<String>, EspeakError> {
    call(text, voice, None)
}

/// As [`phonemize`], with `separator` between the phonemes of a word, so that phonemes
/// written with several characters ("aɪ", "dʒ", "ɔːɹ") can be told from sequences.
pub fn phonemize_separated(
    text: &str,
    voice: &str,
    separator: char,
) -> Result<Vec<String>, EspeakError> {
    call(text, voice, Some(separator))
}

fn call(text: &str, voice: &str, separator: Option<char>) -> Result<Vec<String>, EspeakError> {
    let _espeak = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    espeak_rs::text_to_phonemes(text, voice, separator).map_err(|e| EspeakError {
        voice: voice.to_string(),
        text: text.to_string(),
        reason: e.0,
    })
}
