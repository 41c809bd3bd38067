//! What a render did, for its caller to show: the episode, its chapters and voices, how
//! long it took; and how times are written (`MM:SS.s`).

use crate::output::ChapterMark;
use crate::script::CastEntry;
use std::path::PathBuf;
use std::time::Duration;

/// A chapter of the written episode.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterSummary {
    pub title: String,
    pub start: Duration,
    pub duration: Duration,
}

/// What a render did.
#[derive(Debug, Clone)]
pub struct RenderSummary {
    pub output: PathBuf,
    pub title: String,
    pub duration: Duration,
    pub sample_rate: u32,
    pub chapters: Vec<ChapterSummary>,
    /// Speaker -> voice description, in order of appearance.
    pub voices: Vec<(String, String)>,
    pub sentences: usize,
    /// Pieces of text with nothing to say (punctuation, emoji), with their speaker.
    pub unspoken: Vec<(String, String)>,
    pub skipped_lines: usize,
    pub clips: Vec<PathBuf>,
    pub sidecars: Vec<PathBuf>,
    /// Sentences synthesised in this render; the rest came from the cache.
    pub synthesised: usize,
    /// Share of the synthesis workers' wall time spent inside model calls.
    pub model_share: Option<f64>,
    /// Synthesis workers, and intra-op threads per session, this render used.
    pub jobs: usize,
    pub threads: usize,
    /// The most working memory (as estimated) the sentences in synthesis needed at once, and
    /// the budget it was kept within, in bytes; and the most sentences in synthesis at once.
    pub peak_working_memory: u64,
    pub memory_budget: u64,
    pub most_at_once: usize,
    pub integrated_lufs: f64,
    pub true_peak_dbtp: f64,
    pub elapsed: Duration,
    /// With `play`: how long after the start the first audio reached the player.
    pub first_audio: Option<Duration>,
}

impl RenderSummary {
    pub fn real_time_factor(&self) -> f64 {
        self.elapsed.as_secs_f64() / self.duration.as_secs_f64().max(1e-9)
    }
}

/// `frames` at `rate`, in time.
pub(crate) fn frames_to_duration(frames: u64, rate: u32) -> Duration {
    Duration::from_secs_f64(frames as f64 / f64::from(rate))
}

/// A voice with the settings that make it differ from the voice as trained, e.g.
/// `en_US-joe-medium (pitch -4, speed 0.95)`.
pub(crate) fn describe_entry(entry: &CastEntry) -> String {
    let s = &entry.settings;
    let mut parts = Vec::new();
    if let Some(id) = s.speaker_id {
        parts.push(format!("speaker {id}"));
    }
    if let Some(p) = s.pitch.filter(|p| *p != 0.0) {
        parts.push(format!("pitch {p:+}"));
    }
    if let Some(f) = s.formant.filter(|f| *f != 0.0) {
        parts.push(format!("formants {f:+}"));
    }
    if let Some(v) = s.speed.filter(|v| *v != 1.0) {
        parts.push(format!("speed {v}"));
    }
    if let Some(blend) = &s.blend {
        parts.push(format!("blended with {blend}"));
    }
    if let Some(tones) = s.tones {
        parts.push(format!("tones {tones}"));
    }
    if parts.is_empty() {
        entry.voice.clone()
    } else {
        format!("{} ({})", entry.voice, parts.join(", "))
    }
}

/// A chapter mark of an episode at `rate`, in time.
pub fn chapter_summary(mark: &ChapterMark, rate: u32) -> ChapterSummary {
    ChapterSummary {
        title: mark.title.clone(),
        start: frames_to_duration(mark.start, rate),
        duration: frames_to_duration(mark.frames, rate),
    }
}

/// `MM:SS.s` or `H:MM:SS.s`, rounded to the tenth of a second (59.96 s is `01:00.0`).
pub fn format_time(d: Duration) -> String {
    // Rounded once, in whole tenths, so that a rounded-up second carries into the minute;
    // ties to even, as `{:.1}` rounds.
    let tenths = (d.as_secs_f64() * 10.0).round_ties_even() as u64;
    let (hours, minutes) = (tenths / 36_000, tenths / 600 % 60);
    let (seconds, tenth) = (tenths / 10 % 60, tenths % 10);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{seconds:02}.{tenth}")
    } else {
        format!("{minutes:02}:{seconds:02}.{tenth}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blend_is_named_in_the_summary() {
        let entry = CastEntry {
            voice: "kokoro-jm_kumo".into(),
            settings: crate::script::VoiceSettings {
                blend: Some("jf_gongitsune*0.25".into()),
                ..Default::default()
            },
            gender: None,
        };
        assert_eq!(
            describe_entry(&entry),
            "kokoro-jm_kumo (blended with jf_gongitsune*0.25)"
        );
    }

    #[test]
    fn times_format() {
        assert_eq!(format_time(Duration::from_secs_f64(65.25)), "01:05.2");
        assert_eq!(format_time(Duration::from_secs(3725)), "1:02:05.0");
        assert_eq!(format_time(Duration::ZERO), "00:00.0");
    }

    #[test]
    fn a_second_rounded_up_carries_into_the_minute_and_the_hour() {
        assert_eq!(format_time(Duration::from_secs_f64(59.96)), "01:00.0");
        assert_eq!(format_time(Duration::from_secs_f64(119.97)), "02:00.0");
        assert_eq!(format_time(Duration::from_secs_f64(3599.97)), "1:00:00.0");
        assert_eq!(format_time(Duration::from_secs_f64(59.94)), "00:59.9");
    }
}
