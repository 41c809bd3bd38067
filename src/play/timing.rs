//! The episode's timing sidecar (`EPISODE.script.json`, written by `recast render`): where
//! it is, and the turns and sentences it lists, as the navigator uses them.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::output::{self, TimedScript};

/// One turn of speech, from the timing sidecar.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Turn {
    pub(crate) speaker: String,
    pub(crate) start: Duration,
    /// Sentences: start, end, text.
    pub(crate) sentences: Vec<(Duration, Duration, String)>,
}

/// `EPISODE.script.json` next to `EPISODE.wav`.
pub(crate) fn sidecar_of(path: &Path) -> PathBuf {
    output::sidecar_paths(path)[3].clone()
}

/// The turns of the sidecar next to `path`; none when there is no sidecar it can read
/// (it is optional: without it playback goes by chapter and time).
pub(crate) fn read_turns(path: &Path) -> Vec<Turn> {
    TimedScript::load(&sidecar_of(path)).map_or_else(|_| Vec::new(), |timed| turns(&timed))
}

/// Every turn of `timed` with its sentences, in the sidecar's order. Control characters
/// become spaces: the text is drawn on the status line.
pub(crate) fn turns(timed: &TimedScript) -> Vec<Turn> {
    // A sidecar is a file anyone can edit: a time too large for a `Duration` is the end.
    let at = |seconds: f64| Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX);
    let printable = |text: &str| -> String {
        text.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect()
    };
    timed
        .chapters
        .iter()
        .flat_map(|c| c.turns.iter())
        .map(|t| Turn {
            speaker: printable(&t.speaker),
            start: at(t.start),
            sentences: t
                .sentences
                .iter()
                .map(|s| (at(s.start), at(s.end), printable(&s.text)))
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{TimedChapter, TimedSentence, TimedTurn};

    #[test]
    fn odd_sidecars_give_drawable_turns() {
        let timed = TimedScript {
            title: "t".into(),
            language: "en".into(),
            sample_rate: 24000,
            duration: 1.0,
            article: Default::default(),
            chapters: vec![TimedChapter {
                title: "c".into(),
                start: 0.0,
                end: 1.0,
                turns: vec![TimedTurn {
                    speaker: "Host\t".into(),
                    voice: "v".into(),
                    announcement: false,
                    start: -3.0,
                    end: 1e300,
                    sentences: vec![TimedSentence {
                        text: "two\nlines".into(),
                        start: f64::NAN,
                        end: 1e300,
                        syllables: Vec::new(),
                    }],
                }],
            }],
        };
        let turns = turns(&timed);
        assert_eq!(turns[0].speaker, "Host ");
        assert_eq!(turns[0].start, Duration::ZERO);
        assert_eq!(
            turns[0].sentences,
            [(Duration::ZERO, Duration::MAX, "two lines".to_string())]
        );
    }
}
