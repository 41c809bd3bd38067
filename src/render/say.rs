//! `recast say`: a piece of text in one voice, written mastered to a file or played
//! sentence by sentence as it is synthesised.

use super::RenderError;
use super::config::DEFAULT_RATE;
use super::engines::Voices;
use super::preview::{preview_buffer, preview_gain};
use crate::mix::{self, Join, LoudnessTarget, Mixer, Pauses};
use crate::script::CastEntry;
use crate::synth;
use crate::text;
use crate::text::zh::LazyLexicon;
use crate::voices::{self, Catalog};
use std::path::Path;
use std::time::{Duration, Instant};

/// A piece of speech as `say` hands it on: a whole sentence, or for a live preview the first
/// clause of the first sentence, said before the rest is synthesised.
pub(crate) struct Spoken {
    pub(crate) samples: Vec<f32>,
    pub(crate) ends_sentence: bool,
}

/// Shortest first clause (in words) that a live preview says on its own.
const PREVIEW_CLAUSE_WORDS: usize = 4;

/// What `recast say` is asked: some text, in one voice.
#[derive(Clone, Copy)]
pub struct SayRequest<'a> {
    pub text: &'a str,
    pub entry: &'a CastEntry,
    pub data_dir: &'a Path,
    /// ONNX Runtime threads for the voice's session.
    pub threads: usize,
    /// A lexicon file for Chinese voices.
    pub lexicon: Option<&'a Path>,
}

impl SayRequest<'_> {
    /// Refuses settings no engine can honour, before a voice is looked for.
    fn check(&self) -> Result<(), RenderError> {
        self.entry
            .settings
            .validate()
            .map_err(|error| RenderError::Setting {
                voice: self.entry.voice.clone(),
                error,
            })
    }
}

/// Speaks the request's text sentence by sentence, handing each prepared sentence (at
/// `rate`, trimmed, faded) to `each` as soon as it is ready. With `preview`, a long first
/// sentence goes in two pieces, its first clause and the rest, so that sound starts
/// sooner. Returns how many sentences there were. The request has been checked.
fn say_sentences(
    request: SayRequest,
    rate: u32,
    preview: bool,
    each: &mut dyn FnMut(Spoken) -> Result<(), RenderError>,
) -> Result<usize, RenderError> {
    let SayRequest {
        text: text_to_say,
        entry,
        data_dir,
        threads,
        lexicon,
    } = request;
    let catalog = Catalog::builtin();
    let voice = voices::locate(&catalog, data_dir, &entry.voice)?;
    synth::init_runtime(data_dir)?;
    let reads_chinese = super::engines::chinese_reading(&voice).is_some();
    let installed = [voice];
    let lexicon = LazyLexicon::new(data_dir, lexicon);
    std::thread::scope(|scope| {
        if reads_chinese {
            // Loading the lexicon (~0.25 s) beside the model's session shortens the wait for
            // the first audio; an error here is met again, and reported, by the voice's load.
            scope.spawn(|| lexicon.get().map(|_| ()));
        }
        let mut voices = Voices::new(&installed, threads, &lexicon);
        speak_all(text_to_say, entry, rate, preview, &mut voices, each)
    })
}

/// [`say_sentences`]' loop, with the voice ready to load.
fn speak_all(
    text_to_say: &str,
    entry: &CastEntry,
    rate: u32,
    preview: bool,
    voices: &mut Voices,
    each: &mut dyn FnMut(Spoken) -> Result<(), RenderError>,
) -> Result<usize, RenderError> {
    let mut count = 0;
    for sentence in text::sentences(text_to_say, text::DEFAULT_MAX_CHARS) {
        if !sentence.speakable {
            continue;
        }
        let pieces = match text::split_first_clause(&sentence.text, PREVIEW_CLAUSE_WORDS) {
            Some((head, tail)) if preview && count == 0 => vec![head, tail],
            _ => vec![sentence.text],
        };
        let last = pieces.len() - 1;
        for (i, piece) in pieces.iter().enumerate() {
            let audio = voices.speak(entry, piece)?;
            each(Spoken {
                samples: mix::prepare(&audio, rate)?.samples,
                ends_sentence: i == last,
            })?;
        }
        count += 1;
    }
    if count == 0 {
        return Err(RenderError::NothingToSay);
    }
    Ok(count)
}

/// Synthesises TEXT in one voice (for `recast say -o`): sentences with pauses, mastered
/// to the default loudness.
pub fn say(request: SayRequest, rate: u32) -> Result<(Vec<f32>, u32), RenderError> {
    request.check()?;
    let mut mixer = Mixer::new(
        rate,
        Pauses {
            chapter_ms: 200,
            ..Pauses::default()
        },
        Vec::new(),
    )?;
    mixer.begin_chapter("")?;
    let mut join = Join::ChapterStart;
    say_sentences(request, rate, false, &mut |speech| {
        mixer.push(&speech.samples, join, 1.0)?;
        join = Join::Sentence;
        Ok(())
    })?;
    let assembled = mixer.finish()?;
    let mut samples = assembled.sink;
    mix::master_in_memory(
        &mut samples,
        rate,
        assembled.integrated_lufs,
        &LoudnessTarget::default(),
    )?;
    Ok((samples, rate))
}

const CLAUSE_PAUSE_MS: u32 = 150;

/// Live preview (`recast say --play`): plays each sentence as soon as it is synthesised,
/// at a fixed gain set from the first sentence's loudness (the whole text is not known yet,
/// so it cannot be mastered). Returns how long the first audio took to reach the player.
pub fn say_and_play(request: SayRequest) -> Result<Duration, RenderError> {
    request.check()?;
    let rate = DEFAULT_RATE;
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(8);
    std::thread::scope(|scope| {
        let synthesis = scope.spawn(move || {
            let mut gain: Option<f32> = None;
            // Nothing before the first piece; after a split sentence's first clause, about
            // the pause a voice makes at a comma.
            let mut pause_ms = 0;
            say_sentences(request, rate, true, &mut |speech| {
                let gain = *gain.get_or_insert_with(|| preview_gain(&speech.samples, rate));
                let samples = preview_buffer(&speech.samples, gain, pause_ms, rate);
                pause_ms = if speech.ends_sentence {
                    Pauses::default().before(Join::Sentence)
                } else {
                    CLAUSE_PAUSE_MS
                };
                // The player hung up (no device, or the user quit): stop synthesising.
                tx.send(samples)
                    .map_err(|_| RenderError::Config("playback stopped".into()))
            })
        });
        let played = crate::play::play_stream(rate, rx, started);
        let synthesised = synthesis.join().expect("synthesis thread does not panic");
        let first_audio = played.map_err(|e| RenderError::Config(e.to_string()))?;
        synthesised?;
        first_audio.ok_or(RenderError::NothingToSay)
    })
}
