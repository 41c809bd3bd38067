//! Piper voices whose phonemes are pinyin (`"phoneme_type": "pinyin"`: zh_CN-chaowen,
//! zh_CN-xiao_ya), run directly on ONNX Runtime.
//!
//! piper-rs cannot load these voices: its config type keys the phoneme map by `char`, and
//! these maps have multi-letter keys ("zh", "ang"). This module reads the config itself, turns
//! a [`PhoneticSentence`] into the ids Piper's own Chinese phonemizer (`phonemize_chinese.py`
//! in `piper-tts` 1.8.0) produces for the same pinyin, and runs the VITS model with the same
//! inputs piper-rs uses.
//!
//! How the reference turns a sentence into ids:
//! - each syllable becomes three symbols: its initial (longest match of zh ch sh b p m f d t n
//!   l g k h j q x r z c s y w, so y and w count as initials), or "Ø" when there is none
//!   (a, e, o, er, ai, ang…); the rest of the spelling as the final ("i" after zh/z/r too);
//!   the tone digit 1–5 (5 = neutral). Spelling is g2pW's: ü is `v` only after l/n
//!   (lv, nve); after j/q/x/y it is written `u` (ju, xue, yuan), so "yu" is y + u;
//! - punctuation marks of the text are symbols of their own: 。. ？? ！! (three long pauses)
//!   and — … 、 ，, ：: ；; and the space (short pauses), one symbol per character, in the order
//!   written ("？！" is two); other characters (quotes, brackets) are dropped;
//! - ids: bos, then each symbol's ids, with the pad id after every tone and every punctuation
//!   mark (not after initials and finals), then eos. No pad after bos.
//!
//! Where this module differs, by design: spelling is normalised first so that a front end that
//! writes ü as `v` everywhere (jv, yvan, lue) gets g2pW's spelling (ju, yuan, lve); a symbol
//! missing from the voice's map is an error here (the reference logs and skips it), except
//! punctuation, which is skipped as the reference does.

/// Version of this engine's text-to-audio path, including the Chinese front end it reads
/// with (bump when the output changes).
pub const VERSION: &str = "piper-pinyin-1";

/// Piper voices whose configs list pinyin symbols (`"phoneme_type": "pinyin"`), read through
/// recast's Chinese front end.
pub(crate) struct PiperPinyin;

impl crate::synth::EngineType for PiperPinyin {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn honours(&self) -> crate::synth::Honours {
        crate::synth::Honours::VITS
    }

    /// Piper's pinyin voices were trained on g2pW's dictionary tones, before sandhi.
    fn chinese_reading(&self) -> Option<crate::text::zh::ReadOptions> {
        Some(crate::text::zh::ReadOptions::lexical())
    }

    fn working_memory(&self, seconds: f64) -> u64 {
        super::working_memory(seconds)
    }

    fn load(
        &self,
        voice: &crate::voices::InstalledVoice,
        threads: usize,
        lexicon: &crate::text::zh::LazyLexicon,
    ) -> Result<Box<dyn Engine>, SynthError> {
        Ok(Box::new(PinyinPiperEngine::load(
            &voice.entry.id,
            &voice.model,
            &voice.config,
            threads,
            crate::synth::registry::front_end_of(self, lexicon)?,
        )?))
    }
}

use crate::script::VoiceSettings;
use crate::synth::{Audio, Engine, SynthError, pitch_factor};
use crate::text::phonetic::{Break, PhoneticSentence, Unit};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Padding symbol, put after each tone and punctuation group.
pub const PAD: &str = "_";
/// Beginning of sentence.
pub const BOS: &str = "^";
/// End of sentence.
pub const EOS: &str = "$";
/// The symbol of an absent initial (a, er, ai…).
pub const ZERO_INITIAL: &str = "Ø";

/// Initials, longest first: the first that starts a syllable is its initial.
const INITIALS: [&str; 23] = [
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s", "y", "w",
];

/// Punctuation the reference keeps as symbols (each followed by the pad id).
fn is_pause_mark(c: char) -> bool {
    matches!(
        c,
        '。' | '.'
            | '？'
            | '?'
            | '！'
            | '!'
            | '—'
            | '…'
            | '、'
            | '，'
            | ','
            | '：'
            | ':'
            | '；'
            | ';'
            | ' '
    )
}

/// Sentence-final marks, which the model distinguishes (statement, question, exclamation).
fn is_final_mark(c: char) -> bool {
    matches!(c, '。' | '.' | '？' | '?' | '！' | '!')
}

/// The parts of a pinyin Piper voice config that synthesis needs.
#[derive(Debug, Clone, PartialEq)]
pub struct PinyinConfig {
    /// The voice id, for error messages.
    pub voice: String,
    pub sample_rate: u32,
    pub num_speakers: u32,
    /// Size of the model's symbol table, when the config states it.
    pub num_symbols: Option<u32>,
    pub noise_scale: f32,
    pub length_scale: f32,
    pub noise_w: f32,
    phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(serde::Deserialize)]
struct RawConfig {
    phoneme_type: Option<String>,
    audio: Option<RawAudio>,
    num_speakers: Option<u32>,
    num_symbols: Option<u32>,
    #[serde(default)]
    inference: RawInference,
    phoneme_id_map: Option<HashMap<String, Vec<i64>>>,
}

#[derive(serde::Deserialize)]
struct RawAudio {
    sample_rate: Option<u32>,
}

/// Piper's defaults when a config gives none.
#[derive(serde::Deserialize)]
#[serde(default)]
struct RawInference {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

impl Default for RawInference {
    fn default() -> Self {
        Self {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        }
    }
}

impl PinyinConfig {
    /// Reads a Piper `.onnx.json` whose `phoneme_type` is `"pinyin"`.
    pub fn from_file(voice: &str, path: &Path) -> Result<Self, SynthError> {
        let text = std::fs::read_to_string(path).map_err(|e| SynthError::BadConfig {
            voice: voice.to_string(),
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::parse(voice, &text).map_err(|reason| SynthError::BadConfig {
            voice: voice.to_string(),
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses the config text; the error is the reason, for [`SynthError::BadConfig`].
    pub fn parse(voice: &str, json: &str) -> Result<Self, String> {
        let raw: RawConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
        match raw.phoneme_type.as_deref() {
            Some("pinyin") => {}
            Some(other) => {
                return Err(format!(
                    "its phoneme_type is {other:?}, not \"pinyin\": it is not a pinyin voice \
                     (espeak voices are loaded by the espeak Piper engine)"
                ));
            }
            None => {
                return Err(
                    "it has no phoneme_type (Piper then reads it as an espeak voice), not \
                     \"pinyin\": it is not a pinyin voice"
                        .into(),
                );
            }
        }
        let sample_rate = raw
            .audio
            .and_then(|a| a.sample_rate)
            .ok_or("it has no audio.sample_rate")?;
        if sample_rate == 0 {
            return Err("its audio.sample_rate is 0".into());
        }
        let map = raw.phoneme_id_map.ok_or("it has no phoneme_id_map")?;
        for key in [PAD, BOS, EOS] {
            if map.get(key).is_none_or(|ids| ids.is_empty()) {
                return Err(format!("its phoneme_id_map has no id for {key:?}"));
            }
        }
        for (symbol, ids) in &map {
            let limit = raw.num_symbols.map_or(i64::MAX, i64::from);
            if let Some(bad) = ids.iter().find(|&&id| id < 0 || id >= limit) {
                return Err(format!(
                    "its phoneme_id_map gives {symbol:?} the id {bad}, outside 0..{}",
                    raw.num_symbols
                        .map_or("(no num_symbols)".to_string(), |n| n.to_string())
                ));
            }
        }
        Ok(Self {
            voice: voice.to_string(),
            sample_rate,
            num_speakers: raw.num_speakers.unwrap_or(1).max(1),
            num_symbols: raw.num_symbols,
            noise_scale: raw.inference.noise_scale,
            length_scale: raw.inference.length_scale,
            noise_w: raw.inference.noise_w,
            phoneme_id_map: map,
        })
    }

    /// The ids of one symbol, if the voice has it.
    pub fn ids(&self, symbol: &str) -> Option<&[i64]> {
        self.phoneme_id_map.get(symbol).map(Vec::as_slice)
    }
}

/// One syllable split the way the reference splits it: initial (or "Ø"), final, tone digit.
/// `None` when nothing is left for the final ("n2", "m4"): the reference drops those.
pub fn split_syllable(
    pinyin: &str,
    tone: u8,
) -> Result<Option<(&'static str, String, &'static str)>, String> {
    let tone = match tone {
        1 => "1",
        2 => "2",
        3 => "3",
        4 => "4",
        5 => "5",
        _ => {
            return Err(format!(
                "{pinyin}{tone}: the tone must be 1 to 5 (5 = neutral)"
            ));
        }
    };
    let spelled = canonical_spelling(pinyin);
    if spelled.is_empty() || !spelled.chars().all(|c| c.is_ascii_lowercase()) {
        return Err(format!("{pinyin}{tone}: not a pinyin syllable"));
    }
    let initial = INITIALS
        .iter()
        .copied()
        .find(|i| spelled.starts_with(i))
        .unwrap_or("");
    let final_ = &spelled[initial.len()..];
    if final_.is_empty() {
        return Ok(None);
    }
    let initial = if initial.is_empty() {
        ZERO_INITIAL
    } else {
        initial
    };
    Ok(Some((initial, final_.to_string(), tone)))
}

/// Lowercase, ü as `v`, and g2pW's spelling of ü: `u` after j, q, x and y ("jv" -> "ju",
/// "yvan" -> "yuan"), `v` after l and n ("lue" -> "lve").
fn canonical_spelling(pinyin: &str) -> String {
    let mut s = pinyin
        .trim()
        .to_lowercase()
        .replace("u:", "v")
        .replace('ü', "v");
    let bytes = s.as_bytes();
    if bytes.len() >= 2 && matches!(bytes[0], b'j' | b'q' | b'x' | b'y') && bytes[1] == b'v' {
        s.replace_range(1..2, "u");
    }
    if s == "lue" || s == "nue" {
        s.replace_range(1..2, "v");
    }
    s
}

/// The reference's symbols for a sentence, without bos/eos/pad.
///
/// Punctuation comes from the sentence's text when every syllable that names its character
/// (`hanzi`) can be found, in order, in `normalized`: then each mark between two syllables is
/// a symbol, exactly as the reference reads the text, and the breaks are not used. Otherwise
/// it comes from the breaks: a clause break is "，", a sentence break the last sentence-final
/// mark of the text ("？", "！"…) or "。"; word and phrase breaks have no symbol.
pub fn symbols_for(sentence: &PhoneticSentence) -> Result<Vec<String>, String> {
    let syllables: Vec<_> = sentence
        .units
        .iter()
        .filter_map(|u| match u {
            Unit::Syllable(s) => Some(s),
            Unit::Break(_) => None,
        })
        .collect();
    let gaps = marks_between_syllables(sentence, syllables.len());
    let mut out = Vec::new();
    let mark = |out: &mut Vec<String>, c: char| out.push(c.to_string());
    if let Some(gaps) = &gaps {
        gaps[0].iter().for_each(|&c| mark(&mut out, c));
    }
    let mut index = 0;
    for unit in &sentence.units {
        match unit {
            Unit::Syllable(s) => {
                if let Some((initial, final_, tone)) = split_syllable(&s.pinyin, s.tone)? {
                    out.push(initial.to_string());
                    out.push(final_);
                    out.push(tone.to_string());
                }
                index += 1;
                if let Some(gaps) = &gaps {
                    gaps[index].iter().for_each(|&c| mark(&mut out, c));
                }
            }
            Unit::Break(b) if gaps.is_none() => match b {
                Break::Word | Break::Phrase => {}
                Break::Clause => mark(&mut out, '，'),
                Break::Sentence => {
                    let last = sentence
                        .normalized
                        .chars()
                        .rev()
                        .find(|&c| is_final_mark(c))
                        .unwrap_or('。');
                    mark(&mut out, last);
                }
            },
            Unit::Break(_) => {}
        }
    }
    Ok(out)
}

/// The pause marks of `normalized` before the first syllable (index 0) and after each
/// syllable (index i + 1), or `None` when the syllables cannot be placed in the text. A
/// syllable without `hanzi` (a read-out letter, say) takes no place of its own: the marks
/// before the next placed syllable go after it.
fn marks_between_syllables(sentence: &PhoneticSentence, count: usize) -> Option<Vec<Vec<char>>> {
    let text: Vec<char> = sentence.normalized.chars().collect();
    let mut gaps = vec![Vec::new(); count + 1];
    let mut cursor = 0;
    let mut placed_any = false;
    let mut index = 0; // syllables seen so far
    for unit in &sentence.units {
        let Unit::Syllable(s) = unit else { continue };
        if let Some(c) = s.hanzi {
            let at = cursor + text[cursor..].iter().position(|&t| t == c)?;
            gaps[index].extend(
                text[cursor..at]
                    .iter()
                    .copied()
                    .filter(|&t| is_pause_mark(t)),
            );
            cursor = at + 1;
            placed_any = true;
        }
        index += 1;
    }
    if !placed_any {
        return None;
    }
    gaps[count].extend(text[cursor..].iter().copied().filter(|&t| is_pause_mark(t)));
    Some(gaps)
}

/// Is this symbol followed by the pad id (a tone or a punctuation mark)?
fn ends_group(symbol: &str) -> bool {
    let mut chars = symbol.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => matches!(c, '1'..='5') || is_pause_mark(c),
        _ => false,
    }
}

/// The model's input ids for `symbols` (from [`symbols_for`]): bos, each symbol's ids with the
/// pad after tones and punctuation, eos. Unknown punctuation is skipped, as the reference does;
/// an unknown initial, final or tone is an error.
pub fn ids_for_symbols(symbols: &[String], config: &PinyinConfig) -> Result<Vec<i64>, String> {
    let special = |key: &str| config.ids(key).unwrap_or(&[]);
    let mut ids = Vec::with_capacity(symbols.len() + symbols.len() / 2 + 2);
    ids.extend_from_slice(special(BOS));
    for symbol in symbols {
        let is_mark = symbol.chars().count() == 1 && symbol.chars().all(is_pause_mark);
        match config.ids(symbol) {
            Some(found) => ids.extend_from_slice(found),
            None if is_mark => continue,
            None => {
                return Err(format!(
                    "the voice has no phoneme {symbol:?} in its phoneme_id_map"
                ));
            }
        }
        if ends_group(symbol) {
            ids.extend_from_slice(special(PAD));
        }
    }
    ids.extend_from_slice(special(EOS));
    Ok(ids)
}

/// The model's input ids for a sentence, as Piper's Chinese phonemizer makes them.
pub fn ids_for(sentence: &PhoneticSentence, config: &PinyinConfig) -> Result<Vec<i64>, SynthError> {
    let phonemize_error = |reason: String| SynthError::Phonemize {
        voice: config.voice.clone(),
        text: sentence.normalized.clone(),
        reason,
    };
    let symbols = symbols_for(sentence).map_err(phonemize_error)?;
    ids_for_symbols(&symbols, config).map_err(phonemize_error)
}

pub use crate::synth::FrontEnd;

/// A Piper (VITS) voice with pinyin phonemes, on its own ONNX Runtime session.
pub struct PinyinPiperEngine {
    config: PinyinConfig,
    session: crate::synth::ModelSession,
    /// Whether the model takes a speaker id input (multi-speaker models).
    takes_speaker: bool,
    front_end: FrontEnd,
}

impl PinyinPiperEngine {
    /// Loads a model with its own session using `threads` intra-op threads. `front_end` turns
    /// the text given to [`Engine::synthesize`] into syllables. `init_runtime` must have
    /// succeeded first.
    pub fn load(
        voice: &str,
        model: &Path,
        config: &Path,
        threads: usize,
        front_end: FrontEnd,
    ) -> Result<Self, SynthError> {
        let config = PinyinConfig::from_file(voice, config)?;
        let model_error = |reason: String| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: PathBuf::from(model),
            reason,
        };
        let session = crate::synth::open_session(voice, model, threads)?;
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        for needed in ["input", "input_lengths", "scales"] {
            if !names.contains(&needed) {
                return Err(model_error(format!(
                    "it has no {needed:?} input (inputs: {names:?}): not a Piper VITS model"
                )));
            }
        }
        let takes_speaker = names.contains(&"sid");
        Ok(Self {
            config,
            session,
            takes_speaker,
            front_end,
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    pub fn config(&self) -> &PinyinConfig {
        &self.config
    }

    /// Synthesises a sentence already in phonetic form.
    pub fn synthesize_phonetic(
        &mut self,
        sentence: &PhoneticSentence,
        settings: &VoiceSettings,
    ) -> Result<Audio, SynthError> {
        let voice = &self.config.voice;
        let speaker_id = settings.speaker_id.unwrap_or(0);
        if speaker_id < 0 || speaker_id >= i64::from(self.config.num_speakers) {
            return Err(SynthError::SpeakerOutOfRange {
                voice: voice.clone(),
                speaker_id,
                speakers: self.config.num_speakers,
            });
        }
        let has_syllables = sentence
            .units
            .iter()
            .any(|u| matches!(u, Unit::Syllable(_)));
        if !has_syllables {
            return Ok(Audio {
                samples: Vec::new(),
                sample_rate: self.config.sample_rate,
                syllables: Vec::new(),
            });
        }
        let ids = ids_for(sentence, &self.config)?;
        let pitch = pitch_factor(settings);
        let speed = settings.speed.unwrap_or(1.0).clamp(0.25, 4.0);
        let scales = [
            settings.noise_scale.unwrap_or(self.config.noise_scale),
            self.config.length_scale / speed * pitch,
            settings.noise_w.unwrap_or(self.config.noise_w),
        ];
        let inference_error = |reason: String| SynthError::Inference {
            voice: voice.clone(),
            text: sentence.normalized.clone(),
            reason,
        };
        let samples = run_model(
            &mut self.session,
            &ids,
            scales,
            self.takes_speaker,
            speaker_id,
        )
        .map_err(|e| inference_error(e.to_string()))?;
        Ok(Audio {
            samples,
            sample_rate: (self.config.sample_rate as f32 * pitch).round() as u32,
            syllables: Vec::new(),
        })
    }
}

/// One VITS call, with piper-rs's inputs: `input` i64 [1,T], `input_lengths` i64 [1],
/// `scales` f32 [3] = noise, length, noise_w, and `sid` i64 [1] when the model has it.
pub fn run_model(
    session: &mut ort::session::Session,
    ids: &[i64],
    scales: [f32; 3],
    takes_speaker: bool,
    speaker_id: i64,
) -> ort::Result<Vec<f32>> {
    use ort::session::SessionInputValue;
    use ort::value::Tensor;
    use std::borrow::Cow;
    let len = ids.len();
    let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
        (
            "input".into(),
            Tensor::<i64>::from_array(([1, len], ids.to_vec().into_boxed_slice()))?.into(),
        ),
        (
            "input_lengths".into(),
            Tensor::<i64>::from_array(([1], vec![len as i64].into_boxed_slice()))?.into(),
        ),
        (
            "scales".into(),
            Tensor::<f32>::from_array(([3], scales.to_vec().into_boxed_slice()))?.into(),
        ),
    ];
    if takes_speaker {
        inputs.push((
            "sid".into(),
            Tensor::<i64>::from_array(([1], vec![speaker_id].into_boxed_slice()))?.into(),
        ));
    }
    let outputs = session.run(inputs)?;
    let (_, audio) = outputs[0].try_extract_tensor::<f32>()?;
    Ok(audio.to_vec())
}

impl Engine for PinyinPiperEngine {
    fn voice_id(&self) -> &str {
        &self.config.voice
    }

    fn speakers(&self) -> u32 {
        self.config.num_speakers
    }

    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError> {
        let sentence = (self.front_end)(text)
            .map_err(|reason| SynthError::phonemize(&self.config.voice, text, reason))?;
        self.synthesize_phonetic(&sentence, settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::phonetic::Syllable;

    /// A config in the trainer's format with just the symbols these tests use.
    fn small_config() -> PinyinConfig {
        let json = r#"{
            "audio": {"sample_rate": 22050},
            "phoneme_type": "pinyin",
            "num_symbols": 256,
            "num_speakers": 1,
            "phoneme_id_map": {
                "_": [0], "^": [1], "$": [2], "Ø": [3],
                "n": [10], "h": [14], "j": [15], "y": [25], "zh": [18], "l": [11],
                "i": [39], "ao": [32], "u": [49], "uan": [54], "v": [58], "ve": [59],
                "ue": [63], "er": [62], "ong": [38],
                "1": [64], "2": [65], "3": [66], "4": [67], "5": [68],
                "。": [69], "？": [70], "！": [71], "，": [72], "、": [72]
            }
        }"#;
        PinyinConfig::parse("test-voice", json).unwrap()
    }

    fn syllable(numbered: &str, hanzi: Option<char>) -> Unit {
        let (base, tone) = numbered.split_at(numbered.len() - 1);
        Unit::Syllable(Syllable {
            pinyin: base.to_string(),
            tone: tone.parse().unwrap(),
            hanzi,
        })
    }

    fn sentence(normalized: &str, units: Vec<Unit>) -> PhoneticSentence {
        PhoneticSentence {
            normalized: normalized.to_string(),
            units,
        }
    }

    #[test]
    fn syllables_split_into_initial_final_tone() {
        let split = |p: &str, t: u8| split_syllable(p, t).unwrap().unwrap();
        assert_eq!(split("zhong", 1), ("zh", "ong".to_string(), "1"));
        assert_eq!(split("er", 2), ("Ø", "er".to_string(), "2"));
        assert_eq!(split("ai", 4), ("Ø", "ai".to_string(), "4"));
        assert_eq!(split("yi", 1), ("y", "i".to_string(), "1"));
        assert_eq!(split("wu", 3), ("w", "u".to_string(), "3"));
        assert_eq!(split("yuan", 2), ("y", "uan".to_string(), "2"));
        assert_eq!(split("shi", 5), ("sh", "i".to_string(), "5"));
        assert_eq!(split("lv", 4), ("l", "v".to_string(), "4"));
        // ü written v after j/q/x/y is spelled u, as g2pW spells it.
        assert_eq!(split("jv", 4), ("j", "u".to_string(), "4"));
        assert_eq!(split("xve", 2), ("x", "ue".to_string(), "2"));
        assert_eq!(split("yvan", 2), ("y", "uan".to_string(), "2"));
        assert_eq!(split("qün", 2), ("q", "un".to_string(), "2"));
        assert_eq!(split("lue", 4), ("l", "ve".to_string(), "4"));
        assert_eq!(split("nu:e", 4), ("n", "ve".to_string(), "4"));
        // Bare nasals have no final: the reference drops them.
        assert_eq!(split_syllable("n", 2).unwrap(), None);
        assert!(split_syllable("ma", 0).is_err());
        assert!(split_syllable("ma", 6).is_err());
        assert!(split_syllable("", 1).is_err());
        assert!(split_syllable("ê", 2).is_err());
    }

    #[test]
    fn ids_pad_after_tones_and_marks_only() {
        let config = small_config();
        let s = sentence(
            "你好，鱼！",
            vec![
                syllable("ni3", Some('你')),
                syllable("hao3", Some('好')),
                Unit::Break(Break::Clause),
                syllable("yu2", Some('鱼')),
                Unit::Break(Break::Sentence),
            ],
        );
        assert_eq!(
            symbols_for(&s).unwrap(),
            ["n", "i", "3", "h", "ao", "3", "，", "y", "u", "2", "！"]
        );
        assert_eq!(
            ids_for(&s, &config).unwrap(),
            [
                1, 10, 39, 66, 0, 14, 32, 66, 0, 72, 0, 25, 49, 65, 0, 71, 0, 2
            ]
        );
    }

    #[test]
    fn text_marks_win_over_breaks_when_syllables_are_placed() {
        // Two marks in one gap, a mark before the first syllable, and a word break with no
        // mark in the text: the text decides.
        let s = sentence(
            "、二？！",
            vec![
                syllable("er4", Some('二')),
                Unit::Break(Break::Word),
                Unit::Break(Break::Sentence),
            ],
        );
        assert_eq!(symbols_for(&s).unwrap(), ["、", "Ø", "er", "4", "？", "！"]);
    }

    #[test]
    fn breaks_give_marks_when_the_text_cannot_be_followed() {
        // No hanzi: clause -> "，", sentence -> the text's last final mark.
        let s = sentence(
            "zhong1 jv4 ? ",
            vec![
                syllable("zhong1", None),
                Unit::Break(Break::Word),
                Unit::Break(Break::Clause),
                syllable("jv4", None),
                Unit::Break(Break::Sentence),
            ],
        );
        assert_eq!(
            symbols_for(&s).unwrap(),
            ["zh", "ong", "1", "，", "j", "u", "4", "?"]
        );
        // A hanzi that is not in the text: breaks again, "。" when the text has no final mark.
        let s = sentence(
            "中国",
            vec![syllable("zhong1", Some('钟')), Unit::Break(Break::Sentence)],
        );
        assert_eq!(symbols_for(&s).unwrap(), ["zh", "ong", "1", "。"]);
    }

    #[test]
    fn missing_phonemes_are_errors_but_missing_marks_are_skipped() {
        let config = small_config();
        let s = sentence("猫", vec![syllable("mao1", Some('猫'))]);
        let err = ids_for(&s, &config).unwrap_err().to_string();
        assert!(err.contains("\"m\""), "{err}");
        assert!(err.contains("test-voice"), "{err}");
        // "；" is not in the small map: skipped, pad included.
        let s = sentence("鱼；", vec![syllable("yu2", Some('鱼'))]);
        assert_eq!(ids_for(&s, &config).unwrap(), [1, 25, 49, 65, 0, 2]);
        // A bad tone names the syllable.
        let s = sentence("x", vec![syllable("yu7", None)]);
        assert!(
            ids_for(&s, &config)
                .unwrap_err()
                .to_string()
                .contains("yu7")
        );
    }

    #[test]
    fn config_parsing_checks_type_keys_and_ids() {
        let config = small_config();
        assert_eq!(config.sample_rate, 22050);
        assert_eq!(config.num_speakers, 1);
        assert_eq!(config.num_symbols, Some(256));
        assert_eq!(config.length_scale, 1.0);
        assert_eq!(config.ids("zh"), Some(&[18][..]));

        let espeak = r#"{"audio": {"sample_rate": 22050}, "phoneme_type": "espeak",
            "espeak": {"voice": "cmn"}, "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#;
        let err = PinyinConfig::parse("v", espeak).unwrap_err();
        assert!(
            err.contains("\"espeak\"") && err.contains("not a pinyin voice"),
            "{err}"
        );
        let untyped = r#"{"audio": {"sample_rate": 22050}, "phoneme_id_map": {}}"#;
        assert!(
            PinyinConfig::parse("v", untyped)
                .unwrap_err()
                .contains("no phoneme_type")
        );

        let no_rate =
            r#"{"phoneme_type": "pinyin", "phoneme_id_map": {"_": [0], "^": [1], "$": [2]}}"#;
        assert!(
            PinyinConfig::parse("v", no_rate)
                .unwrap_err()
                .contains("audio.sample_rate")
        );
        let no_map = r#"{"phoneme_type": "pinyin", "audio": {"sample_rate": 16000}}"#;
        assert!(
            PinyinConfig::parse("v", no_map)
                .unwrap_err()
                .contains("phoneme_id_map")
        );
        let no_pad = r#"{"phoneme_type": "pinyin", "audio": {"sample_rate": 16000},
            "phoneme_id_map": {"^": [1], "$": [2]}}"#;
        assert!(
            PinyinConfig::parse("v", no_pad)
                .unwrap_err()
                .contains("\"_\"")
        );
        let too_big = r#"{"phoneme_type": "pinyin", "audio": {"sample_rate": 16000},
            "num_symbols": 10, "phoneme_id_map": {"_": [0], "^": [1], "$": [2], "a": [10]}}"#;
        assert!(
            PinyinConfig::parse("v", too_big)
                .unwrap_err()
                .contains("outside 0..10")
        );
        assert!(PinyinConfig::parse("v", "{not json").is_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.onnx.json");
        std::fs::write(&path, espeak).unwrap();
        let err = PinyinConfig::from_file("zh_CN-x-medium", &path).unwrap_err();
        assert!(matches!(err, SynthError::BadConfig { .. }));
        assert!(err.to_string().contains("zh_CN-x-medium"));
    }
}
