//! Assembles synthesised sentences into one episode track: resampling to the output rate,
//! trimming the silence models leave around each sentence, pauses between sentences, turns
//! and chapters, short fades at every cut, and a final peak limit.

use crate::output::ChapterMark;
use crate::synth::Audio;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Async, FixedAsync, Resampler, SincInterpolationParameters, WindowFunction};

#[derive(Debug, thiserror::Error)]
pub enum MixError {
    #[error("cannot resample from {from} Hz to {to} Hz: {reason}")]
    Resample { from: u32, to: u32, reason: String },
}

/// Silences between pieces of speech, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pauses {
    pub sentence_ms: u32,
    /// Between two turns of the same speaker.
    pub turn_ms: u32,
    /// Between turns when the speaker changes: a little longer, as in conversation.
    pub speaker_change_ms: u32,
    /// Silence at the start and at the end of every chapter.
    pub chapter_ms: u32,
}

impl Default for Pauses {
    fn default() -> Self {
        Self {
            sentence_ms: 300,
            turn_ms: 500,
            speaker_change_ms: 700,
            chapter_ms: 1000,
        }
    }
}

/// What precedes a sentence, which decides the pause before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Join {
    ChapterStart,
    Sentence,
    Turn,
    SpeakerChange,
}

/// Level below which a model's leading and trailing output counts as silence (-50 dBFS).
const SILENCE_THRESHOLD: f32 = 0.003;
/// Kept on either side of trimmed speech so soft onsets and word endings survive.
const TRIM_MARGIN_MS: u32 = 30;
/// Fade length at every cut; 5 ms removes clicks without audibly softening consonants.
const FADE_MS: u32 = 5;
/// Episode peak ceiling, -1 dBFS, so the 16-bit conversion never clips.
const PEAK_CEILING: f32 = 0.891;

/// Builds the episode in memory, chapter by chapter.
pub struct Mixer {
    rate: u32,
    pauses: Pauses,
    samples: Vec<f32>,
    chapters: Vec<ChapterMark>,
}

impl Mixer {
    pub fn new(rate: u32, pauses: Pauses) -> Self {
        Self {
            rate,
            pauses,
            samples: Vec::new(),
            chapters: Vec::new(),
        }
    }

    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Current length in frames.
    pub fn position(&self) -> u64 {
        self.samples.len() as u64
    }

    fn frames(&self, ms: u32) -> usize {
        (u64::from(self.rate) * u64::from(ms) / 1000) as usize
    }

    fn silence(&mut self, ms: u32) {
        let n = self.frames(ms);
        self.samples.resize(self.samples.len() + n, 0.0);
    }

    /// Closes the previous chapter (with its tail pause) and opens a new one.
    pub fn begin_chapter(&mut self, title: &str) {
        self.end_chapter();
        self.chapters.push(ChapterMark {
            title: title.to_string(),
            start: self.position(),
            frames: 0,
        });
        self.silence(self.pauses.chapter_ms);
    }

    fn end_chapter(&mut self) {
        if self.chapters.is_empty() {
            return;
        }
        self.silence(self.pauses.chapter_ms);
        let end = self.position();
        if let Some(last) = self.chapters.last_mut() {
            last.frames = end - last.start;
        }
    }

    /// Appends one sentence after the pause its `join` calls for. Returns the frame range the
    /// speech occupies in the episode.
    pub fn push(&mut self, audio: &Audio, join: Join) -> Result<(u64, u64), MixError> {
        let pause = match join {
            Join::ChapterStart => 0,
            Join::Sentence => self.pauses.sentence_ms,
            Join::Turn => self.pauses.turn_ms,
            Join::SpeakerChange => self.pauses.speaker_change_ms,
        };
        self.silence(pause);
        let resampled = resample(&audio.samples, audio.sample_rate, self.rate)?;
        let speech = trim_silence(&resampled, self.frames(TRIM_MARGIN_MS));
        let start = self.position();
        self.samples.extend_from_slice(speech);
        let fade = self.frames(FADE_MS);
        let begin = start as usize;
        fade_edges(&mut self.samples[begin..], fade);
        Ok((start, self.position()))
    }

    /// Ends the last chapter, limits the peak, and hands back the track and its chapters.
    pub fn finish(mut self) -> (Vec<f32>, Vec<ChapterMark>) {
        self.end_chapter();
        limit_peak(&mut self.samples, PEAK_CEILING);
        (self.samples, self.chapters)
    }
}

/// Resamples mono audio with a band-limited sinc resampler.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, MixError> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let error = |reason: String| MixError::Resample { from, to, reason };
    let params = SincInterpolationParameters::new(128, WindowFunction::BlackmanHarris2);
    let mut resampler = Async::<f32>::new_sinc(
        f64::from(to) / f64::from(from),
        1.0,
        &params,
        1024,
        1,
        FixedAsync::Input,
    )
    .map_err(|e| error(e.to_string()))?;
    let input =
        InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| error(e.to_string()))?;
    let capacity = resampler.process_all_needed_output_len(samples.len());
    let mut out = vec![0.0f32; capacity];
    let mut output =
        InterleavedSlice::new_mut(&mut out, 1, capacity).map_err(|e| error(e.to_string()))?;
    let (_, produced) = resampler
        .process_all_into_buffer(&input, &mut output, samples.len(), None)
        .map_err(|e| error(e.to_string()))?;
    out.truncate(produced);
    Ok(out)
}

/// The speech inside a model's output: from the first to the last sample above the silence
/// threshold, widened by `margin` frames.
pub fn trim_silence(samples: &[f32], margin: usize) -> &[f32] {
    let loud = |s: &f32| s.abs() > SILENCE_THRESHOLD;
    match (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) {
        (Some(first), Some(last)) => {
            let start = first.saturating_sub(margin);
            let end = (last + 1 + margin).min(samples.len());
            &samples[start..end]
        }
        _ => &[],
    }
}

/// Linear fade-in and fade-out over `frames` at both ends.
pub fn fade_edges(samples: &mut [f32], frames: usize) {
    let n = frames.min(samples.len() / 2);
    let len = samples.len();
    for i in 0..n {
        let gain = i as f32 / n as f32;
        samples[i] *= gain;
        samples[len - 1 - i] *= gain;
    }
}

/// Scales the whole track down so its peak sits at `ceiling`; never scales up.
pub fn limit_peak(samples: &mut [f32], ceiling: f32) {
    let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
    if peak > ceiling {
        let gain = ceiling / peak;
        samples.iter_mut().for_each(|s| *s *= gain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f32, ms: u32) -> Vec<f32> {
        let n = (rate * ms / 1000) as usize;
        (0..n)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin())
            .collect()
    }

    fn zero_crossings(samples: &[f32]) -> usize {
        samples
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count()
    }

    #[test]
    fn resampling_keeps_duration_and_pitch() {
        let input = tone(22050, 440.0, 1000);
        let out = resample(&input, 22050, 24000).unwrap();
        assert!((out.len() as i64 - 24000).abs() < 50, "len {}", out.len());
        // 440 Hz -> about 880 zero crossings per second at any rate.
        let crossings = zero_crossings(&out[1000..23000]) as f32 / (22000.0 / 24000.0);
        assert!((crossings - 880.0).abs() < 10.0, "crossings {crossings}");
    }

    #[test]
    fn silence_is_trimmed_with_margin() {
        let mut samples = vec![0.0; 1000];
        samples.extend(vec![0.4; 500]);
        samples.extend(vec![0.0; 1000]);
        let trimmed = trim_silence(&samples, 100);
        assert_eq!(trimmed.len(), 700);
        assert!(trim_silence(&[0.0; 50], 10).is_empty());
    }

    #[test]
    fn pauses_and_chapters_land_where_configured() {
        let rate = 10_000;
        let pauses = Pauses {
            sentence_ms: 100,
            turn_ms: 200,
            speaker_change_ms: 300,
            chapter_ms: 500,
        };
        let speech = Audio {
            samples: vec![0.5; 1000],
            sample_rate: rate,
        };
        let mut mixer = Mixer::new(rate, pauses);
        mixer.begin_chapter("One");
        let first = mixer.push(&speech, Join::ChapterStart).unwrap();
        assert_eq!(first, (5000, 6000));
        let second = mixer.push(&speech, Join::SpeakerChange).unwrap();
        assert_eq!(second.0, 6000 + 3000);
        mixer.begin_chapter("Two");
        let third = mixer.push(&speech, Join::ChapterStart).unwrap();
        let (samples, chapters) = mixer.finish();
        assert_eq!(chapters.len(), 2);
        assert_eq!(chapters[0].start, 0);
        assert_eq!(chapters[1].start, second.1 + 5000);
        assert_eq!(chapters[0].frames, chapters[1].start);
        assert_eq!(third.0, chapters[1].start + 5000);
        assert_eq!(chapters[1].start + chapters[1].frames, samples.len() as u64);
    }

    #[test]
    fn cuts_are_faded_and_peaks_limited() {
        let speech = Audio {
            samples: vec![1.5; 2000],
            sample_rate: 8000,
        };
        let mut mixer = Mixer::new(8000, Pauses::default());
        mixer.begin_chapter("x");
        let (start, end) = mixer.push(&speech, Join::ChapterStart).unwrap();
        let (samples, _) = mixer.finish();
        assert_eq!(samples[start as usize], 0.0);
        assert!(samples[end as usize - 1].abs() < 0.05);
        let peak = samples.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!((peak - PEAK_CEILING).abs() < 1e-6);
        // No jump between neighbouring samples larger than the fade step allows.
        let step = samples
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        assert!(step < 0.05, "largest step {step}");
    }
}
