//! Kokoro-82M (v1.0, ONNX): one model that speaks Mandarin and English in the same voice,
//! its style chosen from a voice pack by the input's length, or from a blend of packs.
//!
//! The engine takes text: it is built with a front end that turns a sentence into Kokoro's
//! symbols ([`KokoroPhonemes`]), already cut at clause ends into pieces the model takes in
//! one call (`text::kokoro::KokoroReading::chunks`); the pieces are joined with a short pause.
//!
//! The model runs in its two opened parts ([`opened`]): the prosody part predicts each
//! symbol's duration and the F0 curve, [`contour`] gives the Mandarin syllables the pitch of
//! their tones (and moves the whole curve for `pitch`), and the decoder speaks with that F0.
//! The durations also say where each syllable is in the audio.

pub mod contour;
pub mod opened;
mod styles;
mod vocab;

pub use styles::{Blend, Packs};
pub use vocab::Vocab;

use crate::script::VoiceSettings;
use crate::synth::{
    Audio, Engine, ModelSession, SpokenSyllable, SynthError, open_session, pitch_factor,
};
use contour::ToneSyllable;
use std::path::Path;

/// Output sample rate of the model.
pub const SAMPLE_RATE: u32 = 24_000;

/// Version of this engine's text-to-audio path, front end included (bump when its output
/// changes: cached sentences made the old way are then redone).
pub const VERSION: &str = "kokoro-4";

/// How strongly Mandarin syllables take their tones' contours when a voice does not say
/// (`tones`, 0 to 1). Measured on four Chinese fixtures (README, "Voices for Chinese"):
/// 0.7 and 1 read alike (CER within a point, the same on the three with little English),
/// 1 fits more syllables to their tones (80-89% against 75-85%) and is the one whose
/// second tones rise at least as often as the Baker voice's.
pub const DEFAULT_TONES: f32 = 1.0;

/// Most symbols spoken in one call: all the model takes. Its working memory grows with the
/// piece (25 MB a second, ~800 MB for 510 symbols), but shorter pieces read worse on the
/// user's interview: CER 8.0% at 120 symbols and 7.7% at 200 (cut as evenly as the clauses
/// allow), against 6.7% at 510.
pub const PIECE_PHONEMES: usize = crate::text::kokoro::MAX_PHONEMES;

/// About how long a piece of [`PIECE_PHONEMES`] symbols lasts: Mandarin runs at ~16 symbols
/// a second (32 s).
const PIECE_SECONDS: f64 = PIECE_PHONEMES as f64 / 16.0;

/// Silence between the pieces of a sentence cut for length: a clause's pause.
const PIECE_PAUSE_MS: u32 = 120;

/// A sentence in Kokoro's symbols, in pieces of at most [`PIECE_PHONEMES`] symbols (the model
/// takes up to [`crate::text::kokoro::MAX_PHONEMES`]), each spoken in one call.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KokoroPhonemes {
    pub pieces: Vec<KokoroPiece>,
}

/// What one call of the model speaks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KokoroPiece {
    /// One char per symbol, every one in the model's vocab.
    pub symbols: String,
    /// Its Mandarin syllables, in order.
    pub syllables: Vec<PieceSyllable>,
}

/// A Mandarin syllable of a piece: what to shape and what to report.
#[derive(Debug, Clone, PartialEq)]
pub struct PieceSyllable {
    /// Its character ("" if none).
    pub text: String,
    /// Its lexical pinyin ("hao3").
    pub reading: String,
    /// Its tone, symbols (from the piece's start) and clause.
    pub shape: ToneSyllable,
}

impl KokoroPhonemes {
    /// A reading in pieces of at most `max` symbols, each with its syllables.
    pub fn from_reading(reading: &crate::text::kokoro::KokoroReading, max: usize) -> Self {
        let chars: Vec<char> = reading.phonemes.chars().collect();
        let question_at = |end: usize| {
            chars[..end.min(chars.len())]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .is_some_and(|&c| c == '?')
        };
        let pieces = reading
            .chunk_ranges(max)
            .into_iter()
            .map(|range| {
                let ends: Vec<usize> = reading
                    .clause_ends
                    .iter()
                    .copied()
                    .filter(|e| range.contains(e))
                    .collect();
                let syllables = reading
                    .syllables
                    .iter()
                    .filter(|s| s.symbols.start >= range.start && s.symbols.end <= range.end)
                    .map(|s| {
                        let clause = ends.iter().filter(|&&e| e <= s.symbols.start).count();
                        let clause_end = ends.get(clause).copied().unwrap_or(range.end);
                        PieceSyllable {
                            text: s.text.clone(),
                            reading: s.reading.clone(),
                            shape: ToneSyllable {
                                tone: s.tone,
                                symbols: s.symbols.start - range.start..s.symbols.end - range.start,
                                clause,
                                question: question_at(clause_end),
                            },
                        }
                    })
                    .collect();
                KokoroPiece {
                    symbols: chars[range].iter().collect(),
                    syllables,
                }
            })
            .collect();
        Self { pieces }
    }
}

/// Turns a sentence into Kokoro's symbols, or says why it cannot.
pub type KokoroFrontEnd = Box<dyn Fn(&str) -> Result<KokoroPhonemes, String> + Send>;

/// The Kokoro engine as the registry knows it.
pub(crate) struct Kokoro;

impl crate::synth::EngineType for Kokoro {
    fn version(&self) -> String {
        format!(
            "{VERSION}-tones{DEFAULT_TONES}+{}",
            crate::text::kokoro::front_end_version()
        )
    }

    fn honours(&self) -> crate::synth::Honours {
        crate::synth::Honours {
            pitch: true,
            formant: false,
            speaker_id: false,
            noise: false,
        }
    }

    /// A session needs ~25 MB per second of audio of the piece it speaks (peaks of 290 MB
    /// at 1.9 s and 599 MB at 14.5 s, one piece, `recast say`, int8 model): the
    /// generator's int8 convolutions hold quantised, 32-bit and float copies of wide
    /// activations. A sentence never needs more than its longest piece.
    fn working_memory(&self, seconds: f64) -> u64 {
        const BYTES_PER_SECOND: f64 = 25.0 * (1 << 20) as f64;
        (BYTES_PER_SECOND * seconds.clamp(0.0, PIECE_SECONDS)) as u64
    }

    /// Cuts the shared model into its opened parts and makes their ORT-format copies, so
    /// the first render waits for neither. The whole model gets no copy: it is used only
    /// where it cannot be opened, and copies beside each voice's link would store it once
    /// per voice.
    fn prepare(
        &self,
        data_dir: &std::path::Path,
        voice: &crate::voices::InstalledVoice,
    ) -> Result<(), SynthError> {
        crate::synth::init_runtime(data_dir)?;
        let model = shared_model(voice);
        let files = opened::opened_files(&model).map_err(|reason| SynthError::ModelLoad {
            voice: voice.entry.id.clone(),
            path: model.clone(),
            reason: format!("cannot open it at its prosody: {reason}"),
        })?;
        for part in [&files.prosody, &files.decoder] {
            crate::synth::prepare_model(&voice.entry.id, part)?;
        }
        Ok(())
    }

    /// Kokoro v1.0's Mandarin was trained on lexical tones (misaki's v1.0 front end).
    fn chinese_reading(&self) -> Option<crate::text::zh::ReadOptions> {
        Some(crate::text::zh::ReadOptions::lexical())
    }

    fn explain(&self, sentence: &str, lexicon: &crate::text::zh::Lexicon) -> String {
        crate::text::kokoro::explain(
            sentence,
            lexicon,
            &crate::text::kokoro::KokoroOptions::default(),
        )
    }

    fn load(
        &self,
        voice: &crate::voices::InstalledVoice,
        threads: usize,
        lexicon: &crate::text::zh::LazyLexicon,
    ) -> Result<Box<dyn Engine>, SynthError> {
        Ok(Box::new(load_voice(voice, threads, lexicon)?))
    }
}

/// Loads an installed Kokoro voice with its own session(s) of `threads` intra-op threads.
/// ONNX Runtime must have been loaded first.
pub fn load_voice(
    voice: &crate::voices::InstalledVoice,
    threads: usize,
    lexicon: &crate::text::zh::LazyLexicon,
) -> Result<KokoroEngine, SynthError> {
    let id = &voice.entry.id;
    let missing = |what: &'static str| SynthError::IncompleteVoice {
        voice: id.clone(),
        missing: what,
    };
    // English words are read with espeak-ng.
    crate::synth::runtime::espeak_ready()?;
    let styles = voice
        .styles
        .as_ref()
        .ok_or_else(|| missing("voice packs"))?;
    let pack = voice
        .entry
        .pack
        .as_deref()
        .ok_or_else(|| missing("pack name"))?;
    let front_end = || -> Result<KokoroFrontEnd, SynthError> {
        let lexicon = lexicon.get()?.clone();
        let options = crate::text::kokoro::KokoroOptions::default();
        Ok(Box::new(move |text: &str| {
            crate::text::kokoro::kokoro_phonemes(text, &lexicon, &options)
                .map(|reading| KokoroPhonemes::from_reading(&reading, PIECE_PHONEMES))
                .map_err(|e| e.to_string())
        }))
    };
    KokoroEngine::load(
        id,
        &shared_model(voice),
        &voice.config,
        styles,
        pack,
        threads,
        front_end,
    )
}

/// The model file all packs of one model share (the voices' own files are links to it):
/// sessions keyed on it share one copy of the weights and one ORT-format copy.
fn shared_model(voice: &crate::voices::InstalledVoice) -> std::path::PathBuf {
    let shared = voice
        .receipt
        .files
        .iter()
        .find(|f| f.role == "model")
        .zip(voice.dir.parent())
        .map(|(file, voices)| {
            voices
                .join(crate::voices::SHARED_DIR)
                .join(format!("{}.onnx", file.sha256))
        });
    shared
        .filter(|path| path.is_file())
        .unwrap_or_else(|| voice.model.clone())
}

/// The model as the engine runs it.
enum Model {
    /// The two opened parts: recast shapes the F0 between them. `passed` names what the
    /// decoder reads from the prosody part besides the F0.
    Opened {
        prosody: ModelSession,
        decoder: ModelSession,
        passed: Vec<String>,
    },
    /// The model as it was exported, for a model that cannot be opened (another export):
    /// its own pitch, `pitch` by the sample rate, no syllable timings.
    Whole(ModelSession),
}

/// A Kokoro voice: the model, the voices file's packs, this voice's own pack.
pub struct KokoroEngine {
    voice: String,
    model: Model,
    vocab: Vocab,
    packs: Packs,
    pack: String,
    front_end: KokoroFrontEnd,
}

impl KokoroEngine {
    /// Loads the model with its own session of `threads` intra-op threads, then makes the
    /// front end: a caller that loads the lexicon on another thread meanwhile (`say`) has
    /// both in the time of the slower. ONNX Runtime must have been loaded first.
    pub fn load(
        voice: &str,
        model: &Path,
        vocab: &Path,
        styles: &Path,
        pack: &str,
        threads: usize,
        front_end: impl FnOnce() -> Result<KokoroFrontEnd, SynthError>,
    ) -> Result<Self, SynthError> {
        let bad = |path: &Path, reason: String| SynthError::BadConfig {
            voice: voice.to_string(),
            path: path.to_path_buf(),
            reason,
        };
        let vocab = Vocab::load(vocab).map_err(|reason| bad(vocab, reason))?;
        let packs = Packs::load(styles).map_err(|reason| bad(styles, reason))?;
        packs
            .style(&Blend::single(pack), 1)
            .map_err(|reason| bad(styles, reason))?;
        let model = open_model(voice, model, threads)?;
        let front_end = front_end()?;
        Ok(Self {
            voice: voice.to_string(),
            model,
            vocab,
            packs,
            pack: pack.to_string(),
            front_end,
        })
    }

    /// The style mix the settings ask for: the voice's own pack, or a blend with others.
    fn blend(&self, settings: &VoiceSettings) -> Result<Blend, String> {
        match &settings.blend {
            Some(blend) => Blend::with(&self.pack, blend),
            None => Ok(Blend::single(&self.pack)),
        }
    }

    /// Speaks a sentence already in Kokoro's symbols.
    pub fn synthesize_phonemes(
        &mut self,
        phonemes: &KokoroPhonemes,
        settings: &VoiceSettings,
        text: &str,
    ) -> Result<Audio, SynthError> {
        let fail = |reason: String| SynthError::Inference {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason,
        };
        let blend = self.blend(settings).map_err(fail)?;
        let pitch = pitch_factor(settings);
        let tones = settings.tones.unwrap_or(DEFAULT_TONES);
        let opened = matches!(self.model, Model::Opened { .. });
        // The whole model can only move pitch as the Piper engine does: speak `pitch` times
        // slower, then declare the audio `pitch` times faster.
        let relabel = if opened { 1.0 } else { pitch };
        let speed = settings.speed.unwrap_or(1.0).clamp(0.25, 4.0) / relabel;
        let pause = vec![0f32; (SAMPLE_RATE * PIECE_PAUSE_MS / 1000) as usize];
        let mut samples = Vec::new();
        let mut syllables = Vec::new();
        for piece in &phonemes.pieces {
            let Some(inputs) = self.piece_inputs(piece, &blend, speed).map_err(fail)? else {
                continue;
            };
            if !samples.is_empty() {
                samples.extend_from_slice(&pause);
            }
            let offset = samples.len();
            let spoken = match &mut self.model {
                Model::Whole(session) => run_whole(session, inputs),
                Model::Opened {
                    prosody,
                    decoder,
                    passed,
                } => {
                    let shaping = Shaping::new(piece, &self.vocab, tones, pitch);
                    run_opened(prosody, decoder, passed, inputs, &shaping)
                }
            }
            .map_err(fail)?;
            syllables.extend(spoken.syllables.into_iter().map(|mut s| {
                let shift = offset as f64 / f64::from(SAMPLE_RATE);
                s.start += shift;
                s.end += shift;
                s
            }));
            samples.extend_from_slice(&spoken.audio);
        }
        Ok(Audio {
            samples,
            sample_rate: (SAMPLE_RATE as f32 * relabel).round() as u32,
            syllables,
        })
    }
}

/// One piece's F0 as the model predicted it and as the decoder is given it (Hz, two values
/// per 25 ms frame).
#[derive(Debug, Clone, PartialEq)]
pub struct PitchCurves {
    pub before: Vec<f32>,
    pub after: Vec<f32>,
}

impl KokoroEngine {
    /// The model's inputs for one piece (its ids between pads, the style for its length),
    /// or `None` for a piece with no symbol the model knows.
    fn piece_inputs(
        &self,
        piece: &KokoroPiece,
        blend: &Blend,
        speed: f32,
    ) -> Result<Option<opened::Inputs>, String> {
        let ids = self.vocab.ids(&piece.symbols);
        if ids.is_empty() {
            return Ok(None);
        }
        let style = self.packs.style(blend, ids.len())?;
        let tokens: Vec<i64> = std::iter::once(0)
            .chain(ids)
            .chain(std::iter::once(0))
            .collect();
        opened::inputs(tokens, style, speed).map(Some)
    }

    /// The F0 the model predicts for each piece of `text` and the F0 it is then given
    /// (Hz, two values per 25 ms frame), without speaking: for measuring what the tone
    /// shaping changes. Empty for a model that cannot be opened.
    pub fn pitch_curves(
        &mut self,
        text: &str,
        settings: &VoiceSettings,
    ) -> Result<Vec<PitchCurves>, SynthError> {
        let phonemes = (self.front_end)(text)
            .map_err(|reason| SynthError::phonemize(&self.voice, text, reason))?;
        let fail = |reason: String| SynthError::Inference {
            voice: self.voice.clone(),
            text: text.to_string(),
            reason,
        };
        let blend = self.blend(settings).map_err(fail)?;
        let speed = settings.speed.unwrap_or(1.0).clamp(0.25, 4.0);
        let tones = settings.tones.unwrap_or(DEFAULT_TONES);
        let mut curves = Vec::new();
        for piece in &phonemes.pieces {
            let Some(inputs) = self.piece_inputs(piece, &blend, speed).map_err(fail)? else {
                continue;
            };
            let Model::Opened { prosody, .. } = &mut self.model else {
                return Ok(Vec::new());
            };
            let predicted = prosody.run(inputs).map_err(|e| fail(e.to_string()))?;
            let durations = opened::output(&predicted, opened::DURATIONS).map_err(fail)?;
            let before = opened::output(&predicted, opened::F0).map_err(fail)?;
            let shaping = Shaping::new(piece, &self.vocab, tones, pitch_factor(settings));
            let (after, _) = shape_prediction(&durations, before.clone(), &shaping);
            curves.push(PitchCurves { before, after });
        }
        Ok(curves)
    }
}

/// The engine's model: opened if it can be (cut at first use), else whole.
fn open_model(voice: &str, model: &Path, threads: usize) -> Result<Model, SynthError> {
    if let Ok(files) = opened::opened_files(model) {
        let parts = open_session(voice, &files.prosody, threads)
            .and_then(|p| Ok((p, open_session(voice, &files.decoder, threads)?)));
        if let Ok((prosody, decoder)) = parts {
            let passed = opened::passed_inputs(&decoder);
            return Ok(Model::Opened {
                prosody,
                decoder,
                passed,
            });
        }
    }
    Ok(Model::Whole(open_session(voice, model, threads)?))
}

/// What a piece's pitch is shaped with.
struct Shaping<'a> {
    syllables: &'a [PieceSyllable],
    /// Where each symbol's token starts among the piece's ids (see [`Vocab::token_starts`]).
    token_starts: Vec<usize>,
    tones: f32,
    pitch: f32,
}

impl<'a> Shaping<'a> {
    fn new(piece: &'a KokoroPiece, vocab: &Vocab, tones: f32, pitch: f32) -> Self {
        Self {
            syllables: &piece.syllables,
            token_starts: vocab.token_starts(&piece.symbols),
            tones,
            pitch,
        }
    }
}

/// A piece spoken: its audio and where its syllables are in it (seconds).
struct Spoken {
    audio: Vec<f32>,
    syllables: Vec<SpokenSyllable>,
}

/// One call of the whole model.
fn run_whole(session: &mut ModelSession, inputs: opened::Inputs) -> Result<Spoken, String> {
    let outputs = session.run(inputs).map_err(|e| e.to_string())?;
    Ok(Spoken {
        audio: opened::audio(&outputs)?,
        syllables: Vec::new(),
    })
}

/// One call of the opened model: the prosody part, the F0 shaped, the decoder.
fn run_opened(
    prosody: &mut ModelSession,
    decoder: &mut ModelSession,
    passed: &[String],
    inputs: opened::Inputs,
    shaping: &Shaping,
) -> Result<Spoken, String> {
    let predicted = prosody.run(inputs).map_err(|e| e.to_string())?;
    let durations = opened::output(&predicted, opened::DURATIONS)?;
    let f0 = opened::output(&predicted, opened::F0)?;
    let (f0, syllables) = shape_prediction(&durations, f0, shaping);
    Ok(Spoken {
        audio: opened::decode(decoder, passed, predicted, f0)?,
        syllables,
    })
}

/// The predicted F0 shaped for a piece's syllables and pitch, and where the syllables are
/// (seconds from the piece's start), from the predicted durations.
fn shape_prediction(
    durations: &[f32],
    mut f0: Vec<f32>,
    shaping: &Shaping,
) -> (Vec<f32>, Vec<SpokenSyllable>) {
    // Frame where each token starts (of duration frames), and one past the last.
    let mut token_frames = Vec::with_capacity(durations.len() + 1);
    let mut total = 0usize;
    for d in durations {
        token_frames.push(total);
        total += d.round().max(0.0) as usize;
    }
    token_frames.push(total);
    // Symbol k is token k + 1 (after the opening pad); F0 has two frames a duration frame.
    let symbol_frame = |k: usize| {
        let token = 1 + shaping.token_starts.get(k).copied().unwrap_or(0);
        token_frames[token.min(token_frames.len() - 1)]
    };
    let bounds: Vec<usize> = (0..shaping.token_starts.len())
        .map(|k| 2 * symbol_frame(k))
        .collect();
    let shapes: Vec<ToneSyllable> = shaping.syllables.iter().map(|s| s.shape.clone()).collect();
    contour::shape(&mut f0, &bounds, &shapes, shaping.tones, shaping.pitch);

    let seconds = |frame: usize| (frame * opened::FRAME_SAMPLES) as f64 / f64::from(SAMPLE_RATE);
    let syllables = shaping
        .syllables
        .iter()
        .map(|s| SpokenSyllable {
            text: s.text.clone(),
            reading: s.reading.clone(),
            tone: s.shape.tone,
            start: seconds(symbol_frame(s.shape.symbols.start)),
            end: seconds(symbol_frame(s.shape.symbols.end)),
        })
        .collect();
    (f0, syllables)
}

impl Engine for KokoroEngine {
    fn voice_id(&self) -> &str {
        &self.voice
    }

    fn speakers(&self) -> u32 {
        1
    }

    fn synthesize(&mut self, text: &str, settings: &VoiceSettings) -> Result<Audio, SynthError> {
        let phonemes = (self.front_end)(text)
            .map_err(|reason| SynthError::phonemize(&self.voice, text, reason))?;
        self.synthesize_phonemes(&phonemes, settings, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::kokoro::{KokoroOptions, kokoro_phonemes};
    use crate::text::zh::Lexicon;

    fn phonemes(text: &str) -> KokoroPhonemes {
        let reading =
            kokoro_phonemes(text, &Lexicon::builtin(), &KokoroOptions::default()).unwrap();
        KokoroPhonemes::from_reading(&reading, PIECE_PHONEMES)
    }

    /// (character, lexical reading, spoken tone) of every syllable.
    fn tones(text: &str) -> Vec<(String, String, u8)> {
        phonemes(text)
            .pieces
            .iter()
            .flat_map(|p| &p.syllables)
            .map(|s| (s.text.clone(), s.reading.clone(), s.shape.tone))
            .collect()
    }

    fn spoken(text: &str) -> Vec<u8> {
        tones(text).into_iter().map(|t| t.2).collect()
    }

    #[test]
    fn syllables_carry_lexical_readings_and_spoken_tones() {
        assert_eq!(
            tones("你好"),
            [
                ("你".into(), "ni3".into(), 2),
                ("好".into(), "hao3".into(), 3)
            ]
        );
        assert_eq!(spoken("一样"), [2, 4]);
        assert_eq!(spoken("一起"), [4, 3]);
        assert_eq!(spoken("不要"), [2, 4]);
        assert_eq!(spoken("老李买好酒"), [2, 3, 2, 2, 3]);
        // The symbols keep the lexical tones Kokoro was trained with: 一 yi1, 不 bu4.
        let yi = &phonemes("一样").pieces[0].symbols;
        assert!(yi.starts_with("i→"), "{yi}");
    }

    #[test]
    fn a_question_s_clause_is_marked() {
        let p = phonemes("你去吗？我不去。");
        let s = &p.pieces[0].syllables;
        assert!(
            s[..3]
                .iter()
                .all(|s| s.shape.question && s.shape.clause == 0)
        );
        assert!(
            s[3..]
                .iter()
                .all(|s| !s.shape.question && s.shape.clause == 1)
        );
    }

    /// Shapes a flat 120 Hz curve (every symbol 10 F0 frames) by a sentence's syllables
    /// and returns each syllable's curve in semitones.
    fn shaped(text: &str) -> Vec<(u8, Vec<f32>)> {
        let piece = &phonemes(text).pieces[0];
        let n = piece.symbols.chars().count();
        let bounds: Vec<usize> = (0..=n).map(|k| 10 * k).collect();
        let mut f0 = vec![120f32; 10 * n];
        let shapes: Vec<ToneSyllable> = piece.syllables.iter().map(|s| s.shape.clone()).collect();
        contour::shape(&mut f0, &bounds, &shapes, 1.0, 1.0);
        shapes
            .iter()
            .map(|s| {
                let frames = &f0[bounds[s.symbols.start]..bounds[s.symbols.end]];
                let st = frames.iter().map(|hz| 12.0 * (hz / 120.0).log2()).collect();
                (s.tone, st)
            })
            .collect()
    }

    #[test]
    fn words_take_the_contours_of_their_spoken_tones() {
        for text in ["你好", "一样", "一起", "不要", "老李买好酒"] {
            for (tone, c) in shaped(text) {
                let (first, last) = (c[1], c[c.len() - 2]);
                let low = c.iter().cloned().fold(f32::MAX, f32::min);
                match tone {
                    2 => assert!(last - low > 1.5, "{text}: T2 rises {c:?}"),
                    4 => assert!(first - last > 1.5, "{text}: T4 falls {c:?}"),
                    3 => assert!(low < -1.0, "{text}: T3 is low {c:?}"),
                    _ => {}
                }
            }
        }
    }
}
