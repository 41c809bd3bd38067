//! Piper voices: VITS models read with espeak-ng phonemes or with pinyin symbols.

mod espeak;
pub mod pinyin;

pub use espeak::PiperEngine;
pub(crate) use espeak::PiperEspeak;
pub(crate) use pinyin::PiperPinyin;
