//! Where playback can go in one episode: its chapters (from the WAV's markers) and, with
//! the timing sidecar, its turns and sentences; where each starts, which one plays at a
//! position, and where "next", "previous" and a seek lead. Positions are passed in, so this
//! needs no sound card.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::StartAt;
use super::error::PlayError;
use super::time::frame_time;
use super::timing::{self, Turn};
use crate::output::ChapterMark;

/// How far back "previous chapter" may be pressed and still restart the current chapter
/// rather than jump to the one before (like a CD player).
pub(crate) const RESTART_THRESHOLD: Duration = Duration::from_secs(3);

/// Positions reported by rodio after a seek can fall a few nanoseconds short of the
/// requested one (they go through `f64`). Anything this close to a chapter start counts
/// as being at that start (well under one frame at any usual rate).
const SNAP: Duration = Duration::from_micros(10);

/// A chapter as the navigator sees it: it runs from `start` to the next chapter's start
/// (or the end of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chapter {
    pub(crate) title: String,
    pub(crate) start: Duration,
}

/// Chapters (and, with the timing sidecar, turns and sentences) and total length of one
/// file, and the navigation maths on top of them. Positions are passed in, so this holds
/// no playback state and needs no sound card.
#[derive(Debug, Clone)]
pub(crate) struct Navigator {
    path: PathBuf,
    chapters: Vec<Chapter>,
    turns: Vec<Turn>,
    total: Duration,
}

impl Navigator {
    /// Chapters are sorted by start; those starting at or after the end are dropped
    /// (except at 0 in an empty file). Control characters in titles become spaces.
    /// With no chapters left, the whole file is one chapter titled by the file stem.
    pub(crate) fn new(path: &Path, chapters: Vec<Chapter>, total: Duration) -> Navigator {
        let mut chapters: Vec<Chapter> = chapters
            .into_iter()
            .filter(|c| c.start < total || c.start.is_zero())
            .collect();
        chapters.sort_by_key(|c| c.start);
        for (i, c) in chapters.iter_mut().enumerate() {
            let clean: String = c
                .title
                .chars()
                .map(|ch| if ch.is_control() { ' ' } else { ch })
                .collect();
            let clean = clean.trim();
            c.title = if clean.is_empty() {
                format!("Chapter {}", i + 1)
            } else {
                clean.to_string()
            };
        }
        if chapters.is_empty() {
            let title = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "episode".to_string());
            chapters.push(Chapter {
                title,
                start: Duration::ZERO,
            });
        }
        Navigator {
            path: path.to_path_buf(),
            chapters,
            turns: Vec::new(),
            total,
        }
    }

    /// Adds the turns and sentences of the episode's timing sidecar.
    pub(crate) fn with_turns(mut self, mut turns: Vec<Turn>) -> Navigator {
        turns.sort_by_key(|t| t.start);
        self.turns = turns;
        self
    }

    /// The turn playing at `pos` (the last one started), 0-based.
    pub(crate) fn turn_at(&self, pos: Duration) -> Option<usize> {
        self.turns
            .partition_point(|t| t.start <= pos.saturating_add(SNAP))
            .checked_sub(1)
    }

    /// Start of the next turn; `None` in the last one (or without timing).
    pub(crate) fn next_turn(&self, pos: Duration) -> Option<Duration> {
        let next = self.turn_at(pos).map_or(0, |i| i + 1);
        self.turns.get(next).map(|t| t.start)
    }

    /// Like [`prev_chapter`](Self::prev_chapter), for turns.
    pub(crate) fn prev_turn(&self, pos: Duration) -> Option<Duration> {
        let i = self.turn_at(pos)?;
        let start = self.turns[i].start;
        Some(if pos.saturating_sub(start) > RESTART_THRESHOLD || i == 0 {
            start
        } else {
            self.turns[i - 1].start
        })
    }

    /// Speaker and sentence being spoken at `pos`, if any (not during pauses).
    pub(crate) fn speaking_at(&self, pos: Duration) -> Option<(&str, &str)> {
        let turn = &self.turns[self.turn_at(pos)?];
        turn.sentences
            .iter()
            .find(|(start, end, _)| *start <= pos && pos < *end)
            .map(|(_, _, text)| (turn.speaker.as_str(), text.as_str()))
    }

    /// From the markers read by [`crate::output::read_chapters`] (frame positions at
    /// `sample_rate`). The marks' lengths are not used: a chapter lasts until the next.
    pub(crate) fn from_marks(
        path: &Path,
        sample_rate: u32,
        marks: &[ChapterMark],
        total: Duration,
    ) -> Navigator {
        let chapters = marks
            .iter()
            .map(|m| Chapter {
                title: m.title.clone(),
                start: frame_time(m.start, sample_rate),
            })
            .collect();
        Navigator::new(path, chapters, total)
    }

    pub(crate) fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    pub(crate) fn total(&self) -> Duration {
        self.total
    }

    /// Where playback should start, or why it cannot.
    pub(crate) fn start_position(&self, start: StartAt) -> Result<Duration, PlayError> {
        match start {
            StartAt::Beginning => Ok(Duration::ZERO),
            StartAt::Chapter(n) if n >= 1 && n <= self.chapters.len() => {
                Ok(self.chapters[n - 1].start)
            }
            StartAt::Chapter(n) => Err(PlayError::NoSuchChapter {
                path: self.path.clone(),
                requested: n,
                count: self.chapters.len(),
                listing: self.listing(),
            }),
            StartAt::Time(t) if t.is_zero() || t < self.total => Ok(t),
            StartAt::Time(t) => Err(PlayError::TimeBeyondEnd {
                path: self.path.clone(),
                requested: t,
                total: self.total,
            }),
            StartAt::Turn(_) if self.turns.is_empty() => Err(PlayError::NoTiming {
                sidecar: timing::sidecar_of(&self.path),
            }),
            StartAt::Turn(n) if n >= 1 && n <= self.turns.len() => Ok(self.turns[n - 1].start),
            StartAt::Turn(n) => Err(PlayError::NoSuchTurn {
                path: self.path.clone(),
                requested: n,
                count: self.turns.len(),
            }),
        }
    }

    fn listing(&self) -> String {
        const MAX: usize = 20;
        let mut parts: Vec<String> = self
            .chapters
            .iter()
            .take(MAX)
            .enumerate()
            .map(|(i, c)| format!("{} \"{}\"", i + 1, c.title))
            .collect();
        if self.chapters.len() > MAX {
            parts.push(format!("… {} more", self.chapters.len() - MAX));
        }
        parts.join(", ")
    }

    /// The chapter playing at `pos`: 0-based index and title. `None` only before the
    /// first chapter (when the file's first marker is not at 0).
    pub(crate) fn chapter_at(&self, pos: Duration) -> Option<(usize, &str)> {
        let idx = self
            .chapters
            .partition_point(|c| c.start <= pos.saturating_add(SNAP));
        idx.checked_sub(1)
            .map(|i| (i, self.chapters[i].title.as_str()))
    }

    /// Start of the chapter after the one at `pos`; `None` in the last chapter.
    pub(crate) fn next_chapter(&self, pos: Duration) -> Option<Duration> {
        let next = match self.chapter_at(pos) {
            Some((i, _)) => i + 1,
            None => 0,
        };
        self.chapters.get(next).map(|c| c.start)
    }

    /// Like a CD player: more than [`RESTART_THRESHOLD`] into a chapter goes back to its
    /// start, otherwise to the previous chapter's start (or 0 from the first chapter).
    pub(crate) fn prev_chapter(&self, pos: Duration) -> Duration {
        match self.chapter_at(pos) {
            None => Duration::ZERO,
            Some((i, _)) => {
                let start = self.chapters[i].start;
                if pos.saturating_sub(start) > RESTART_THRESHOLD {
                    start
                } else if i > 0 {
                    self.chapters[i - 1].start
                } else {
                    Duration::ZERO
                }
            }
        }
    }

    /// `pos` moved by `delta` seconds, clamped to `[0, total]`.
    pub(crate) fn seek(&self, pos: Duration, delta: i64) -> Duration {
        let step = Duration::from_secs(delta.unsigned_abs());
        let target = if delta >= 0 {
            pos.saturating_add(step)
        } else {
            pos.saturating_sub(step)
        };
        target.min(self.total)
    }
}

/// Navigators the tests of the play modules share.
#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    pub(crate) fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    pub(crate) fn ch(title: &str, start: f64) -> Chapter {
        Chapter {
            title: title.to_string(),
            start: secs(start),
        }
    }

    /// Intro 0-60 s, Talk 60-150 s, Outro 150-300 s.
    pub(crate) fn nav3() -> Navigator {
        Navigator::new(
            Path::new("ep.wav"),
            vec![ch("Intro", 0.0), ch("Talk", 60.0), ch("Outro", 150.0)],
            secs(300.0),
        )
    }

    pub(crate) fn timed_nav() -> Navigator {
        let sentence = |text: &str, start: f64, end: f64| crate::output::TimedSentence {
            text: text.into(),
            start,
            end,
            syllables: Vec::new(),
        };
        let turn = |speaker: &str, sentences: Vec<crate::output::TimedSentence>| {
            crate::output::TimedTurn {
                speaker: speaker.into(),
                voice: "v".into(),
                announcement: false,
                start: sentences[0].start,
                end: sentences.last().unwrap().end,
                sentences,
            }
        };
        let timed = crate::output::TimedScript {
            title: "t".into(),
            language: "zh".into(),
            sample_rate: 24000,
            duration: 120.0,
            article: Default::default(),
            chapters: vec![
                crate::output::TimedChapter {
                    title: "一".into(),
                    start: 0.0,
                    end: 60.0,
                    turns: vec![
                        turn(
                            "主持人",
                            vec![sentence("你好。", 1.0, 2.0), sentence("请讲。", 2.5, 4.0)],
                        ),
                        turn("Ilya", vec![sentence("好的。", 5.0, 30.0)]),
                    ],
                },
                crate::output::TimedChapter {
                    title: "二".into(),
                    start: 60.0,
                    end: 120.0,
                    turns: vec![turn("主持人", vec![sentence("再见。", 61.0, 62.0)])],
                },
            ],
        };
        Navigator::new(
            Path::new("ep.wav"),
            vec![ch("一", 0.0), ch("二", 60.0)],
            secs(120.0),
        )
        .with_turns(timing::turns(&timed))
    }
}

#[cfg(test)]
mod tests {
    use super::super::time::frame_at;
    use super::test_support::*;
    use super::*;

    #[test]
    fn turn_navigation_follows_the_sidecar() {
        let nav = timed_nav();
        assert_eq!(nav.turn_at(secs(70.0)), Some(2));
        assert_eq!(nav.turn_at(secs(0.5)), None);
        assert_eq!(nav.turn_at(secs(3.0)), Some(0));
        assert_eq!(nav.next_turn(secs(3.0)), Some(secs(5.0)));
        assert_eq!(nav.next_turn(secs(0.0)), Some(secs(1.0)));
        assert_eq!(nav.next_turn(secs(70.0)), None);
        // More than the restart threshold into a turn: back to its start; else the previous.
        assert_eq!(nav.prev_turn(secs(20.0)), Some(secs(5.0)));
        assert_eq!(nav.prev_turn(secs(6.0)), Some(secs(1.0)));
        assert_eq!(nav.start_position(StartAt::Turn(3)).unwrap(), secs(61.0));
        let err = nav
            .start_position(StartAt::Turn(4))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has 3 turns"), "{err}");
        let untimed = Navigator::new(Path::new("ep.wav"), vec![], secs(10.0));
        let err = untimed
            .start_position(StartAt::Turn(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ep.script.json"), "{err}");
    }

    #[test]
    fn start_positions() {
        let nav = nav3();
        assert_eq!(
            nav.start_position(StartAt::Beginning).unwrap(),
            Duration::ZERO
        );
        assert_eq!(
            nav.start_position(StartAt::Chapter(1)).unwrap(),
            Duration::ZERO
        );
        assert_eq!(nav.start_position(StartAt::Chapter(2)).unwrap(), secs(60.0));
        assert_eq!(
            nav.start_position(StartAt::Chapter(3)).unwrap(),
            secs(150.0)
        );
        assert_eq!(
            nav.start_position(StartAt::Time(secs(0.0))).unwrap(),
            Duration::ZERO
        );
        assert_eq!(
            nav.start_position(StartAt::Time(secs(299.5))).unwrap(),
            secs(299.5)
        );
    }

    #[test]
    fn chapter_out_of_range_lists_the_chapters() {
        let nav = nav3();
        for n in [0, 4, 99] {
            let err = nav.start_position(StartAt::Chapter(n)).unwrap_err();
            assert!(
                matches!(err, PlayError::NoSuchChapter { requested, count: 3, .. } if requested == n)
            );
            let msg = err.to_string();
            assert!(msg.contains("ep.wav"), "{msg}");
            assert!(msg.contains(&format!("no chapter {n}")), "{msg}");
            assert!(msg.contains("3 chapters"), "{msg}");
            assert!(msg.contains(r#"1 "Intro", 2 "Talk", 3 "Outro""#), "{msg}");
            assert!(msg.contains("from 1 to 3"), "{msg}");
        }
        let one = Navigator::new(Path::new("solo.wav"), vec![], secs(10.0));
        let msg = one
            .start_position(StartAt::Chapter(2))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("1 chapter ("), "{msg}");
    }

    #[test]
    fn time_at_or_beyond_the_end_is_an_error() {
        let nav = nav3();
        for t in [300.0, 301.0, 100_000.0] {
            let err = nav.start_position(StartAt::Time(secs(t))).unwrap_err();
            assert!(matches!(err, PlayError::TimeBeyondEnd { .. }), "{err:?}");
            let msg = err.to_string();
            assert!(msg.contains("only 05:00 long"), "{msg}");
        }
    }

    #[test]
    fn chapter_at_finds_the_chapter_playing() {
        let nav = nav3();
        assert_eq!(nav.chapter_at(Duration::ZERO), Some((0, "Intro")));
        assert_eq!(nav.chapter_at(secs(59.9)), Some((0, "Intro")));
        assert_eq!(nav.chapter_at(secs(60.0)), Some((1, "Talk")));
        // A position a hair short of the start (float round trip in rodio) still counts.
        assert_eq!(
            nav.chapter_at(secs(60.0) - Duration::from_nanos(3)),
            Some((1, "Talk"))
        );
        assert_eq!(nav.chapter_at(secs(299.0)), Some((2, "Outro")));
        assert_eq!(nav.chapter_at(secs(300.0)), Some((2, "Outro")));
        assert_eq!(nav.chapter_at(secs(1e6)), Some((2, "Outro")));
    }

    #[test]
    fn next_chapter_jumps_forward_until_the_last() {
        let nav = nav3();
        assert_eq!(nav.next_chapter(Duration::ZERO), Some(secs(60.0)));
        assert_eq!(nav.next_chapter(secs(59.0)), Some(secs(60.0)));
        assert_eq!(nav.next_chapter(secs(60.0)), Some(secs(150.0)));
        assert_eq!(nav.next_chapter(secs(149.0)), Some(secs(150.0)));
        assert_eq!(nav.next_chapter(secs(150.0)), None);
        assert_eq!(nav.next_chapter(secs(300.0)), None);
    }

    #[test]
    fn prev_chapter_behaves_like_a_cd_player() {
        let nav = nav3();
        // More than 3 s in: back to the chapter's own start.
        assert_eq!(nav.prev_chapter(secs(64.0)), secs(60.0));
        assert_eq!(nav.prev_chapter(secs(149.0)), secs(60.0));
        assert_eq!(nav.prev_chapter(secs(63.001)), secs(60.0));
        // 3 s or less in: to the previous chapter.
        assert_eq!(nav.prev_chapter(secs(63.0)), Duration::ZERO);
        assert_eq!(nav.prev_chapter(secs(60.0)), Duration::ZERO);
        assert_eq!(nav.prev_chapter(secs(151.0)), secs(60.0));
        // First chapter: to 0 either way.
        assert_eq!(nav.prev_chapter(secs(1.0)), Duration::ZERO);
        assert_eq!(nav.prev_chapter(secs(30.0)), Duration::ZERO);
    }

    #[test]
    fn seek_is_clamped_to_the_file() {
        let nav = nav3();
        assert_eq!(nav.seek(secs(100.0), 10), secs(110.0));
        assert_eq!(nav.seek(secs(100.0), -10), secs(90.0));
        assert_eq!(nav.seek(secs(5.0), -10), Duration::ZERO);
        assert_eq!(nav.seek(secs(295.0), 10), secs(300.0));
        assert_eq!(nav.seek(secs(100.0), i64::MAX), secs(300.0));
        assert_eq!(nav.seek(secs(100.0), i64::MIN), Duration::ZERO);
        assert_eq!(nav.seek(secs(100.5), 0), secs(100.5));
    }

    #[test]
    fn no_chapters_means_one_chapter_named_after_the_file() {
        let nav = Navigator::new(
            Path::new("/tmp/out/第3期 interview.wav"),
            vec![],
            secs(90.0),
        );
        assert_eq!(nav.chapters().len(), 1);
        assert_eq!(nav.chapter_at(secs(45.0)), Some((0, "第3期 interview")));
        assert_eq!(nav.next_chapter(secs(1.0)), None);
        assert_eq!(nav.prev_chapter(secs(45.0)), Duration::ZERO);
        assert_eq!(
            nav.start_position(StartAt::Chapter(1)).unwrap(),
            Duration::ZERO
        );
        assert_eq!(
            nav.status_line(secs(45.0), false),
            "[1/1] 第3期 interview  00:45 / 01:30"
        );
    }

    #[test]
    fn chapters_are_normalised() {
        let nav = Navigator::new(
            Path::new("ep.wav"),
            vec![
                ch("B", 20.0),
                ch("line\nbreak\ttab", 10.0),
                ch("   ", 30.0),
                ch("past the end", 50.0),
                ch("at the end", 40.0),
            ],
            secs(40.0),
        );
        let titles: Vec<&str> = nav.chapters().iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["line break tab", "B", "Chapter 3"]);
        // Before the first marker there is no chapter.
        assert_eq!(nav.chapter_at(secs(5.0)), None);
        assert_eq!(nav.next_chapter(secs(5.0)), Some(secs(10.0)));
        assert_eq!(nav.prev_chapter(secs(5.0)), Duration::ZERO);
        assert_eq!(nav.status_line(secs(5.0), false), "[-/3]  00:05 / 00:40");
    }

    #[test]
    fn from_marks_converts_frames_exactly() {
        let marks = vec![
            ChapterMark {
                title: "开场".into(),
                start: 0,
                frames: 1_323_000,
            },
            ChapterMark {
                title: "正题".into(),
                start: 1_323_000,
                frames: 441,
            },
            ChapterMark {
                title: "odd".into(),
                start: 1_323_001,
                frames: 10,
            },
        ];
        let total = frame_time(2_000_000, 22_050);
        let nav = Navigator::from_marks(Path::new("ep.wav"), 22_050, &marks, total);
        assert_eq!(nav.chapters()[1].start, secs(60.0));
        let odd = nav.chapters()[2].start;
        assert_eq!(frame_at(odd, 22_050), 1_323_001);
        assert_eq!(nav.chapter_at(odd), Some((2, "odd")));
        assert_eq!(nav.chapter_at(secs(60.0)), Some((1, "正题")));
    }
}
