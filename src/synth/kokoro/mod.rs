//! Kokoro-82M (v1.0, ONNX): one model that speaks Mandarin and English in the same voice,
//! its style chosen from a voice pack by the input's length, or from a blend of packs.
//!
//! The engine takes text: it is built with a front end that turns a sentence into Kokoro's
//! symbols ([`KokoroPhonemes`]), already cut at clause ends into pieces the model takes in
//! one call (`text::kokoro::KokoroReading::chunks`); the pieces are joined with a short pause.

mod styles;
mod vocab;

pub use styles::{Blend, Packs};
pub use vocab::Vocab;

use crate::script::VoiceSettings;
use crate::synth::{Audio, Engine, ModelSession, SynthError, open_session, pitch_factor};
use ort::value::Tensor;
use std::path::Path;

/// Output sample rate of the model.
pub const SAMPLE_RATE: u32 = 24_000;

/// Version of this engine's text-to-audio path, front end included (bump when its output
/// changes: cached sentences made the old way are then redone).
pub const VERSION: &str = "kokoro-1";

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
    /// One char per symbol, every one in the model's vocab.
    pub pieces: Vec<String>,
}

/// Turns a sentence into Kokoro's symbols, or says why it cannot.
pub type KokoroFrontEnd = Box<dyn Fn(&str) -> Result<KokoroPhonemes, String> + Send>;

/// The Kokoro engine as the registry knows it.
pub(crate) struct Kokoro;

impl crate::synth::EngineType for Kokoro {
    fn version(&self) -> String {
        format!("{VERSION}+{}", crate::text::kokoro::front_end_version())
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
                    .map(|reading| KokoroPhonemes {
                        pieces: reading.chunks(PIECE_PHONEMES),
                    })
                    .map_err(|e| e.to_string())
            }))
        };
        Ok(Box::new(KokoroEngine::load(
            id,
            &shared_model(voice),
            &voice.config,
            styles,
            pack,
            threads,
            front_end,
        )?))
    }
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

/// A Kokoro voice: one session, the voices file's packs, this voice's own pack.
pub struct KokoroEngine {
    voice: String,
    session: ModelSession,
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
        let session = open_session(voice, model, threads)?;
        let front_end = front_end()?;
        Ok(Self {
            voice: voice.to_string(),
            session,
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
        // Pitch as the Piper engine moves it: speak `pitch` times slower, then declare the
        // audio `pitch` times faster, which keeps the duration and moves the pitch.
        let pitch = pitch_factor(settings);
        let speed = settings.speed.unwrap_or(1.0).clamp(0.25, 4.0) / pitch;
        let pause = vec![0f32; (SAMPLE_RATE * PIECE_PAUSE_MS / 1000) as usize];
        let mut samples = Vec::new();
        for piece in &phonemes.pieces {
            let ids = self.vocab.ids(piece);
            if ids.is_empty() {
                continue;
            }
            let style = self.packs.style(&blend, ids.len()).map_err(fail)?;
            let mut tokens = Vec::with_capacity(ids.len() + 2);
            tokens.push(0i64);
            tokens.extend_from_slice(&ids);
            tokens.push(0);
            let audio = run(&mut self.session, tokens, style, speed).map_err(fail)?;
            if !samples.is_empty() {
                samples.extend_from_slice(&pause);
            }
            samples.extend_from_slice(&audio);
        }
        Ok(Audio {
            samples,
            sample_rate: (SAMPLE_RATE as f32 * pitch).round() as u32,
        })
    }
}

/// One call of the model: token ids (with their pads), a style vector, a speed.
fn run(
    session: &mut ModelSession,
    tokens: Vec<i64>,
    style: Vec<f32>,
    speed: f32,
) -> Result<Vec<f32>, String> {
    {
        let inputs = ort::inputs![
            "tokens" => Tensor::from_array(([1usize, tokens.len()], tokens)).map_err(|e| e.to_string())?,
            "style" => Tensor::from_array(([1usize, styles::WIDTH], style)).map_err(|e| e.to_string())?,
            "speed" => Tensor::from_array(([1usize], vec![speed])).map_err(|e| e.to_string())?,
        ];
        let outputs = session.run(inputs).map_err(|e| e.to_string())?;
        let (_, audio) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(|e| format!("the model's audio output: {e}"))?;
        Ok(audio.to_vec())
    }
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
