//! `recast play`: interactive preview of a rendered episode with rodio, chapter by chapter.
//!
//! The logic that decides *where* to play lives in pure pieces that need no sound card:
//! [`parse_time`] (the `--from` argument), [`Navigator`] (chapters, total length, jumps and
//! the status line) and [`command_for`] (key -> [`Command`]). [`play`] wires them to the
//! default audio device: the WAV is streamed from disk by a seekable [`WavSource`], fed to a
//! [`rodio::Player`] on the device's mixer, and driven from the keyboard with crossterm
//! when stdin is a terminal (raw mode, restored on every exit path by a guard). When stdin is
//! not a terminal the file just plays from the start position to its end, printing a status
//! line now and then.

use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Write};
use std::num::NonZero;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use rodio::Source;
use rodio::source::SeekError;

use crate::output::{self, ChapterMark, OutputError};

/// How far back "previous chapter" may be pressed and still restart the current chapter
/// rather than jump to the one before (like a CD player).
pub const RESTART_THRESHOLD: Duration = Duration::from_secs(3);

/// Step of the left/right arrow keys, in seconds.
pub const SEEK_STEP_SECS: i64 = 10;

/// Positions reported by rodio after a seek can fall a few nanoseconds short of the
/// requested one (they go through `f64`). Anything this close to a chapter start counts
/// as being at that start (well under one frame at any usual rate).
const SNAP: Duration = Duration::from_micros(10);

/// Interactive status redraw period (~5 times a second).
const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// Non-interactive status print period (besides every chapter change).
const PRINT_EVERY: Duration = Duration::from_secs(15);

/// Where playback starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    Beginning,
    /// 1-based chapter number, as shown to users.
    Chapter(usize),
    /// Offset from the start of the file.
    Time(Duration),
    /// 1-based turn number over the whole episode (needs the `.script.json` sidecar).
    Turn(usize),
}

// Causes are named `error`, not `source`: the messages already hold them, and a `source`
// would be printed a second time by the error chain.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
    #[error(
        "cannot open {} for playback: {error}; check the path and that it is a PCM WAV file (as written by `recast render`)",
        .path.display()
    )]
    Open { path: PathBuf, error: hound::Error },

    #[error(
        "{} contains no audio, so there is nothing to play; render the episode again",
        .path.display()
    )]
    Empty { path: PathBuf },

    #[error(
        "cannot read the chapter markers of {}: {error}; the file may be damaged, render it again (or play it with --from MM:SS)",
        .path.display()
    )]
    Chapters { path: PathBuf, error: OutputError },

    #[error(
        "{} has no chapter {requested}: it has {count} chapter{} ({listing}); pass --chapter with a number from 1 to {count}",
        .path.display(),
        if *.count == 1 { "" } else { "s" }
    )]
    NoSuchChapter {
        path: PathBuf,
        requested: usize,
        count: usize,
        /// The chapters as `1 "Title", 2 "Title", ...`.
        listing: String,
    },

    #[error(
        "cannot start at {} in {}: the episode is only {} long; pass a --from time before the end",
        clock(*.requested, *.total >= Duration::from_secs(3600)),
        .path.display(),
        clock(*.total, *.total >= Duration::from_secs(3600))
    )]
    TimeBeyondEnd {
        path: PathBuf,
        requested: Duration,
        total: Duration,
    },

    #[error(
        "{} has {count} turns and no turn {requested}; pass --turn with a number from 1 to {count}",
        .path.display()
    )]
    NoSuchTurn {
        path: PathBuf,
        requested: usize,
        count: usize,
    },

    #[error(
        "--turn needs the timing sidecar {} written by `recast render`; render the episode again with sidecars, or use --chapter or --from",
        .sidecar.display()
    )]
    NoTiming { sidecar: PathBuf },

    #[error(
        "invalid time \"{input}\": {reason}; write it as MM:SS, H:MM:SS or plain seconds, optionally with a fraction (e.g. 12:30, 1:02:03 or 95.5)"
    )]
    BadTime { input: String, reason: String },

    #[error(
        "there is no audio output device ({reason}); check that a sound server (PulseAudio/PipeWire) is running or that ALSA's default device is set up (`aplay -L`), or open the rendered WAV in another player"
    )]
    NoDevice { reason: String },

    #[error(
        "cannot seek to {} in {}: {reason}; the file may be damaged or truncated, render it again",
        clock(*.position, *.position >= Duration::from_secs(3600)),
        .path.display()
    )]
    Seek {
        path: PathBuf,
        position: Duration,
        reason: String,
    },

    #[error(
        "cannot use the terminal for interactive playback: {error}; run with stdin redirected (e.g. `< /dev/null`) to play without keyboard control"
    )]
    Terminal { error: io::Error },
}

// ---------------------------------------------------------------------------------------
// Time parsing and formatting
// ---------------------------------------------------------------------------------------

/// Parses a start time: `SS`, `MM:SS` or `H:MM:SS`, the last field with an optional
/// fraction (`95.5`, `1:02.25`). In `MM:SS` the minutes may exceed 59 (`90:00`); seconds
/// after a colon, and minutes in `H:MM:SS`, must be below 60.
pub fn parse_time(s: &str) -> Result<Duration, PlayError> {
    let bad = |reason: &str| PlayError::BadTime {
        input: s.to_string(),
        reason: reason.to_string(),
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(bad("it is empty"));
    }
    let fields: Vec<&str> = text.split(':').collect();
    if fields.len() > 3 {
        return Err(bad("too many ':' fields"));
    }
    let (last, leading) = fields
        .split_last()
        .expect("split yields at least one field");

    // Leading fields: whole numbers.
    let mut whole = Vec::with_capacity(leading.len());
    for field in leading {
        whole.push(parse_digits(field).map_err(|r| bad(&r))?);
    }

    // Last field: seconds with an optional fraction.
    let (secs_text, frac_text) = match last.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (*last, None),
    };
    let secs = parse_digits(secs_text).map_err(|r| bad(&r))?;
    let nanos = match frac_text {
        None => 0,
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(bad("the fraction of a second must be digits after the '.'"));
        }
        Some(f) => {
            // Keep nanosecond precision, ignore anything finer.
            let mut digits: String = f.chars().take(9).collect();
            while digits.len() < 9 {
                digits.push('0');
            }
            digits.parse::<u32>().map_err(|_| bad("bad fraction"))?
        }
    };

    if !leading.is_empty() && secs >= 60 {
        return Err(bad("seconds after a ':' must be below 60"));
    }
    let total_secs = match whole.as_slice() {
        [] => Some(secs),
        [m] => m.checked_mul(60).and_then(|v| v.checked_add(secs)),
        [h, m] => {
            if *m >= 60 {
                return Err(bad("minutes in H:MM:SS must be below 60"));
            }
            h.checked_mul(3600)
                .and_then(|v| v.checked_add(m * 60))
                .and_then(|v| v.checked_add(secs))
        }
        _ => unreachable!("at most three fields"),
    };
    let total_secs = total_secs.ok_or_else(|| bad("the time is too large"))?;
    Ok(Duration::new(total_secs, nanos))
}

fn parse_digits(field: &str) -> Result<u64, String> {
    if field.is_empty() {
        return Err("a field is empty".into());
    }
    if !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("\"{field}\" is not a whole non-negative number"));
    }
    field
        .parse::<u64>()
        .map_err(|_| "the time is too large".to_string())
}

/// `MM:SS` (or `H:MM:SS` when `long`), seconds rounded down.
pub fn clock(d: Duration, long: bool) -> String {
    let s = d.as_secs();
    if long {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Time of a frame, rounded *up* to the nanosecond so that [`frame_at`] maps it back to
/// the same frame exactly.
pub fn frame_time(frame: u64, sample_rate: u32) -> Duration {
    let rate = u128::from(sample_rate.max(1));
    let nanos = (u128::from(frame) * 1_000_000_000).div_ceil(rate);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// The frame playing at `t` (rounded down).
pub fn frame_at(t: Duration, sample_rate: u32) -> u64 {
    let frames = t.as_nanos() * u128::from(sample_rate) / 1_000_000_000;
    u64::try_from(frames).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------------------------------
// Navigation
// ---------------------------------------------------------------------------------------

/// A chapter as the navigator sees it: it runs from `start` to the next chapter's start
/// (or the end of the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub title: String,
    pub start: Duration,
}

/// One turn of speech, from the timing sidecar.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub speaker: String,
    pub start: Duration,
    /// Sentences: start, end, text.
    pub sentences: Vec<(Duration, Duration, String)>,
}

/// Chapters (and, with the timing sidecar, turns and sentences) and total length of one
/// file, and the navigation maths on top of them. Positions are passed in, so this holds
/// no playback state and needs no sound card.
#[derive(Debug, Clone)]
pub struct Navigator {
    path: PathBuf,
    chapters: Vec<Chapter>,
    turns: Vec<Turn>,
    total: Duration,
}

impl Navigator {
    /// Chapters are sorted by start; those starting at or after the end are dropped
    /// (except at 0 in an empty file). Control characters in titles become spaces.
    /// With no chapters left, the whole file is one chapter titled by the file stem.
    pub fn new(path: &Path, chapters: Vec<Chapter>, total: Duration) -> Navigator {
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

    /// Adds the turns and sentences of the episode's `.script.json` sidecar.
    pub fn with_timing(mut self, timed: &output::TimedScript) -> Navigator {
        let at = |seconds: f64| Duration::from_secs_f64(seconds.max(0.0));
        self.turns = timed
            .chapters
            .iter()
            .flat_map(|c| c.turns.iter())
            .map(|t| Turn {
                speaker: t.speaker.clone(),
                start: at(t.start),
                sentences: t
                    .sentences
                    .iter()
                    .map(|s| (at(s.start), at(s.end), s.text.clone()))
                    .collect(),
            })
            .collect();
        self.turns.sort_by_key(|t| t.start);
        self
    }

    pub fn turns(&self) -> &[Turn] {
        &self.turns
    }

    /// The turn playing at `pos` (the last one started), 0-based.
    pub fn turn_at(&self, pos: Duration) -> Option<usize> {
        self.turns
            .partition_point(|t| t.start <= pos.saturating_add(SNAP))
            .checked_sub(1)
    }

    /// Start of the next turn; `None` in the last one (or without timing).
    pub fn next_turn(&self, pos: Duration) -> Option<Duration> {
        let next = self.turn_at(pos).map_or(0, |i| i + 1);
        self.turns.get(next).map(|t| t.start)
    }

    /// Like [`prev_chapter`](Self::prev_chapter), for turns.
    pub fn prev_turn(&self, pos: Duration) -> Option<Duration> {
        let i = self.turn_at(pos)?;
        let start = self.turns[i].start;
        Some(if pos.saturating_sub(start) > RESTART_THRESHOLD || i == 0 {
            start
        } else {
            self.turns[i - 1].start
        })
    }

    /// Speaker and sentence being spoken at `pos`, if any (not during pauses).
    pub fn speaking_at(&self, pos: Duration) -> Option<(&str, &str)> {
        let turn = &self.turns[self.turn_at(pos)?];
        turn.sentences
            .iter()
            .find(|(start, end, _)| *start <= pos && pos < *end)
            .map(|(_, _, text)| (turn.speaker.as_str(), text.as_str()))
    }

    /// From the markers read by [`output::read_chapters`] (frame positions at
    /// `sample_rate`). The marks' lengths are not used: a chapter lasts until the next.
    pub fn from_marks(
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

    pub fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    pub fn total(&self) -> Duration {
        self.total
    }

    /// Where playback should start, or why it cannot.
    pub fn start_position(&self, start: StartAt) -> Result<Duration, PlayError> {
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
                sidecar: sidecar_of(&self.path),
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
    pub fn chapter_at(&self, pos: Duration) -> Option<(usize, &str)> {
        let idx = self
            .chapters
            .partition_point(|c| c.start <= pos.saturating_add(SNAP));
        idx.checked_sub(1)
            .map(|i| (i, self.chapters[i].title.as_str()))
    }

    /// Start of the chapter after the one at `pos`; `None` in the last chapter.
    pub fn next_chapter(&self, pos: Duration) -> Option<Duration> {
        let next = match self.chapter_at(pos) {
            Some((i, _)) => i + 1,
            None => 0,
        };
        self.chapters.get(next).map(|c| c.start)
    }

    /// Like a CD player: more than [`RESTART_THRESHOLD`] into a chapter goes back to its
    /// start, otherwise to the previous chapter's start (or 0 from the first chapter).
    pub fn prev_chapter(&self, pos: Duration) -> Duration {
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
    pub fn seek(&self, pos: Duration, delta: i64) -> Duration {
        let step = Duration::from_secs(delta.unsigned_abs());
        let target = if delta >= 0 {
            pos.saturating_add(step)
        } else {
            pos.saturating_sub(step)
        };
        target.min(self.total)
    }

    fn long_clock(&self) -> bool {
        self.total >= Duration::from_secs(3600)
    }

    /// E.g. `[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05  (paused)`.
    pub fn status_line(&self, pos: Duration, paused: bool) -> String {
        let (head, title) = self.status_parts(pos);
        let tail = self.status_tail(pos, paused);
        if title.is_empty() {
            format!("{head} {tail}")
        } else {
            format!("{head} {title} {tail}")
        }
    }

    /// [`status_line`](Self::status_line) shortened (title cut, with `…`) to fit in
    /// `columns` terminal cells, counting East Asian wide characters as two.
    pub fn status_line_fitted(&self, pos: Duration, paused: bool, columns: usize) -> String {
        let full = self.status_line(pos, paused);
        if display_width(&full) <= columns {
            return full;
        }
        let (head, title) = self.status_parts(pos);
        let tail = self.status_tail(pos, paused);
        let fixed = display_width(&head) + display_width(&tail) + 2;
        let room = columns.saturating_sub(fixed);
        let line = format!("{head} {} {tail}", truncate_to_width(&title, room));
        // If even the fixed parts do not fit, cut the whole line.
        truncate_to_width(&line, columns)
    }

    /// The fixed head (`[2/7]`) and the part that may be shortened: the chapter title and,
    /// with timing, who is speaking and what.
    fn status_parts(&self, pos: Duration) -> (String, String) {
        let count = self.chapters.len();
        let (head, title) = match self.chapter_at(pos) {
            Some((i, title)) => (format!("[{}/{count}]", i + 1), title.to_string()),
            None => (format!("[-/{count}]"), String::new()),
        };
        match self.speaking_at(pos) {
            Some((speaker, sentence)) => (head, format!("{title} · {speaker}: {sentence}")),
            None => (head, title),
        }
    }

    fn status_tail(&self, pos: Duration, paused: bool) -> String {
        let long = self.long_clock();
        let mut tail = format!(
            " {} / {}",
            clock(pos.min(self.total), long),
            clock(self.total, long)
        );
        if paused {
            tail.push_str("  (paused)");
        }
        tail
    }
}

/// Terminal cells taken by `c`: 2 for East Asian wide/fullwidth characters and most
/// emoji, 0 for control characters, 1 otherwise (an approximation of `wcwidth`).
fn char_width(c: char) -> usize {
    let u = c as u32;
    if c.is_control() {
        return 0;
    }
    let wide = matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

fn display_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// `s` cut to at most `width` cells, ending in `…` when cut.
fn truncate_to_width(s: &str, width: usize) -> String {
    if display_width(s) <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = char_width(c);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

// ---------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------

/// What a key asks the player to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    TogglePause,
    NextChapter,
    PreviousChapter,
    NextTurn,
    PreviousTurn,
    /// Relative seek, in seconds.
    Seek(i64),
    Quit,
}

/// Space pause/resume, `n`/`p` next/previous chapter, down/up (or `]`/`[`) next/previous
/// turn, left/right -/+10 s,
/// `q`/Esc/Ctrl-C quit. Key releases and other keys map to nothing.
pub fn command_for(key: KeyEvent) -> Option<Command> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
        return Some(Command::Quit);
    }
    if ctrl || key.modifiers.contains(KeyModifiers::ALT) {
        return None;
    }
    match key.code {
        KeyCode::Char(' ') => Some(Command::TogglePause),
        KeyCode::Char('n' | 'N') => Some(Command::NextChapter),
        KeyCode::Char('p' | 'P') => Some(Command::PreviousChapter),
        KeyCode::Down | KeyCode::Char(']') => Some(Command::NextTurn),
        KeyCode::Up | KeyCode::Char('[') => Some(Command::PreviousTurn),
        KeyCode::Left => Some(Command::Seek(-SEEK_STEP_SECS)),
        KeyCode::Right => Some(Command::Seek(SEEK_STEP_SECS)),
        KeyCode::Char('q' | 'Q') | KeyCode::Esc => Some(Command::Quit),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Audio source
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// Integer PCM, scaled by this factor to [-1, 1).
    Int(f32),
    Float,
}

/// A PCM WAV file streamed from disk as a seekable rodio [`Source`] (sample-exact seeks,
/// channel order kept across seeks). Read errors end the stream.
pub struct WavSource {
    reader: hound::WavReader<BufReader<File>>,
    encoding: Encoding,
    channels: rodio::ChannelCount,
    sample_rate: rodio::SampleRate,
    /// Length in frames.
    frames: u64,
    /// Interleaved samples read so far (position in the data chunk).
    samples_read: u64,
}

impl WavSource {
    pub fn open(path: &Path) -> Result<WavSource, PlayError> {
        let open_err = |error| PlayError::Open {
            path: path.to_path_buf(),
            error,
        };
        let reader = hound::WavReader::open(path).map_err(open_err)?;
        let spec = reader.spec();
        let encoding = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, bits @ 1..=32) => {
                Encoding::Int(1.0 / (1u64 << (bits - 1)) as f32)
            }
            (hound::SampleFormat::Float, 32) => Encoding::Float,
            _ => return Err(open_err(hound::Error::Unsupported)),
        };
        let (Some(channels), Some(sample_rate)) =
            (NonZero::new(spec.channels), NonZero::new(spec.sample_rate))
        else {
            return Err(open_err(hound::Error::FormatError(
                "zero channels or zero sample rate",
            )));
        };
        let frames = u64::from(reader.duration());
        Ok(WavSource {
            reader,
            encoding,
            channels,
            sample_rate,
            frames,
            samples_read: 0,
        })
    }

    /// Length of the audio.
    pub fn duration(&self) -> Duration {
        frame_time(self.frames, self.sample_rate.get())
    }

    fn total_samples(&self) -> u64 {
        self.frames * u64::from(self.channels.get())
    }
}

impl Iterator for WavSource {
    type Item = rodio::Sample;

    fn next(&mut self) -> Option<rodio::Sample> {
        if self.samples_read >= self.total_samples() {
            return None;
        }
        let sample = match self.encoding {
            Encoding::Int(scale) => self
                .reader
                .samples::<i32>()
                .next()?
                .ok()
                .map(|s| s as f32 * scale),
            Encoding::Float => self.reader.samples::<f32>().next()?.ok(),
        };
        match sample {
            Some(s) => {
                self.samples_read += 1;
                Some(s as rodio::Sample)
            }
            None => {
                // Read error: end the stream here.
                self.samples_read = self.total_samples();
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.total_samples().saturating_sub(self.samples_read))
            .unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

impl Source for WavSource {
    fn current_span_len(&self) -> Option<usize> {
        // One span with constant format until the end.
        if self.samples_read >= self.total_samples() {
            Some(0)
        } else {
            None
        }
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.channels
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.sample_rate
    }

    fn total_duration(&self) -> Option<Duration> {
        Some(self.duration())
    }

    /// Saturates at the end. If the seek comes in the middle of a frame, the next sample
    /// is still for the channel the consumer expects.
    fn try_seek(&mut self, pos: Duration) -> Result<(), SeekError> {
        let channels = u64::from(self.channels.get());
        let phase = self.samples_read % channels;
        let frame = frame_at(pos, self.sample_rate.get()).min(self.frames);
        let frame32 = u32::try_from(frame).map_err(|e| SeekError::Other(Arc::new(e)))?;
        self.reader
            .seek(frame32)
            .map_err(|e| SeekError::Other(Arc::new(e)))?;
        self.samples_read = frame * channels;
        if frame < self.frames {
            for _ in 0..phase {
                self.next();
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Playback
// ---------------------------------------------------------------------------------------

/// Plays `path` on the default audio device from `start`. Interactive (keys, live status
/// line) when stdin is a terminal; otherwise plays to the end of the file.
pub fn play(path: &Path, start: StartAt) -> Result<(), PlayError> {
    let mut source = WavSource::open(path)?;
    let info = output::read_chapters(path).map_err(|error| PlayError::Chapters {
        path: path.to_path_buf(),
        error,
    })?;
    // A truncated file holds less audio than its header declares: play what is there.
    source.frames = source.frames.min(info.frames);
    let total = source.duration();
    if total.is_zero() {
        return Err(PlayError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut nav = Navigator::from_marks(path, info.sample_rate, &info.chapters, total);
    // The timing sidecar is optional: without it playback works by chapter and time.
    if let Ok(timed) = output::TimedScript::load(&sidecar_of(path)) {
        nav = nav.with_timing(&timed);
    }
    let start_pos = nav.start_position(start)?;

    let (_device, player) = open_player()?;
    // Seek before anything is heard.
    player.pause();
    player.append(source);
    seek_player(&player, path, start_pos)?;
    player.play();

    let result = if io::stdin().is_terminal() {
        interactive(&player, &nav, path)
    } else {
        passive(&player, &nav);
        Ok(())
    };
    player.stop();
    result
}

/// A player on the default output device. Keep the device alive as long as the player.
fn open_player() -> Result<(rodio::MixerDeviceSink, rodio::Player), PlayError> {
    let mut device =
        rodio::DeviceSinkBuilder::open_default_sink().map_err(|e| PlayError::NoDevice {
            reason: error_chain(&e),
        })?;
    device.log_on_drop(false);
    let player = rodio::Player::connect_new(device.mixer());
    Ok((device, player))
}

/// Plays mono buffers at `rate` as they arrive on `buffers`, until the sender hangs up and
/// everything has been heard. Returns how long after `started` the first buffer reached
/// the player (`None` if none came).
pub fn play_stream(
    rate: u32,
    buffers: std::sync::mpsc::Receiver<Vec<f32>>,
    started: Instant,
) -> Result<Option<Duration>, PlayError> {
    if std::env::var(AUDIO_DEVICE_ENV).is_ok_and(|v| v == "null") {
        return Ok(play_to_null(rate, buffers, started));
    }
    let (_device, player) = open_player()?;
    let channels = std::num::NonZeroU16::new(1).expect("one channel");
    let sample_rate = std::num::NonZeroU32::new(rate.max(1)).expect("non-zero rate");
    let mut first = None;
    for buffer in buffers {
        first.get_or_insert_with(|| started.elapsed());
        player.append(rodio::buffer::SamplesBuffer::new(
            channels,
            sample_rate,
            buffer,
        ));
    }
    player.sleep_until_end();
    Ok(first)
}

/// `RECAST_AUDIO_DEVICE=null` plays into no device, in real time: previews and their
/// timing work on machines without a sound card (servers, CI, benchmarks).
pub const AUDIO_DEVICE_ENV: &str = "RECAST_AUDIO_DEVICE";

/// A device-free player: takes each buffer as a device would (at once, or when the audio
/// queued before it has played) and returns when everything has played. Returns when the
/// first buffer arrived.
fn play_to_null(
    rate: u32,
    buffers: std::sync::mpsc::Receiver<Vec<f32>>,
    started: Instant,
) -> Option<Duration> {
    let mut first = None;
    let mut plays_until: Option<Instant> = None;
    for buffer in buffers {
        first.get_or_insert_with(|| started.elapsed());
        let length = Duration::from_secs_f64(buffer.len() as f64 / f64::from(rate.max(1)));
        // A queue that ran dry plays silence meanwhile: new audio starts now.
        let from = plays_until.map_or_else(Instant::now, |t| t.max(Instant::now()));
        plays_until = Some(from + length);
    }
    if let Some(end) = plays_until {
        std::thread::sleep(end.saturating_duration_since(Instant::now()));
    }
    first
}

/// `EPISODE.script.json` next to `EPISODE.wav`.
pub fn sidecar_of(path: &Path) -> PathBuf {
    output::sidecar_paths(path)[3].clone()
}

fn seek_player(player: &rodio::Player, path: &Path, pos: Duration) -> Result<(), PlayError> {
    player.try_seek(pos).map_err(|e| PlayError::Seek {
        path: path.to_path_buf(),
        position: pos,
        reason: error_chain(&e),
    })
}

/// `error: cause: cause` on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(": ");
            text.push_str(&c_text);
        }
        cause = c.source();
    }
    text
}

fn position(player: &rodio::Player, nav: &Navigator) -> Duration {
    player.get_pos().min(nav.total())
}

/// Plays to the end, printing a status line at each chapter change and every
/// [`PRINT_EVERY`]. Output errors (e.g. a closed pipe) are ignored.
fn passive(player: &rodio::Player, nav: &Navigator) {
    let mut out = io::stdout();
    let mut shown_chapter = None;
    let mut last_print: Option<Instant> = None;
    loop {
        let done = player.empty();
        let pos = if done {
            nav.total()
        } else {
            position(player, nav)
        };
        let chapter = nav.chapter_at(pos).map(|(i, _)| i);
        let due = last_print.is_none_or(|t| t.elapsed() >= PRINT_EVERY);
        if chapter != shown_chapter || due || done {
            let _ = writeln!(out, "{}", nav.status_line(pos, false));
            let _ = out.flush();
            shown_chapter = chapter;
            last_print = Some(Instant::now());
        }
        if done {
            return;
        }
        std::thread::sleep(REDRAW_EVERY);
    }
}

/// Raw mode and a hidden cursor for as long as it lives; both restored on drop, whatever
/// the exit path.
struct TerminalGuard;

impl TerminalGuard {
    fn enable() -> Result<TerminalGuard, PlayError> {
        crossterm::terminal::enable_raw_mode().map_err(|error| PlayError::Terminal { error })?;
        let guard = TerminalGuard;
        let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Hide);
        Ok(guard)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let mut out = io::stdout();
        let _ = crossterm::execute!(out, crossterm::cursor::Show);
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = writeln!(out);
        let _ = out.flush();
    }
}

fn interactive(player: &rodio::Player, nav: &Navigator, path: &Path) -> Result<(), PlayError> {
    let mut out = io::stdout();
    let _ = writeln!(
        out,
        "space pause/resume · n/p next/previous chapter · ↓/↑ next/previous turn · ←/→ -/+{SEEK_STEP_SECS} s · q quit"
    );
    let _guard = TerminalGuard::enable()?;
    let term_err = |error| PlayError::Terminal { error };
    let mut last_draw: Option<Instant> = None;
    loop {
        if player.empty() {
            draw(&mut out, nav, nav.total(), false);
            return Ok(());
        }
        let pos = position(player, nav);
        if last_draw.is_none_or(|t| t.elapsed() >= REDRAW_EVERY) {
            draw(&mut out, nav, pos, player.is_paused());
            last_draw = Some(Instant::now());
        }
        if !event::poll(Duration::from_millis(50)).map_err(term_err)? {
            continue;
        }
        let key = match event::read().map_err(term_err)? {
            Event::Key(key) => key,
            Event::Resize(..) => {
                last_draw = None;
                continue;
            }
            _ => continue,
        };
        let Some(command) = command_for(key) else {
            continue;
        };
        match command {
            Command::Quit => return Ok(()),
            Command::TogglePause => {
                if player.is_paused() {
                    player.play();
                } else {
                    player.pause();
                }
            }
            Command::NextChapter => {
                if let Some(target) = nav.next_chapter(pos) {
                    seek_player(player, path, target)?;
                }
            }
            Command::PreviousChapter => seek_player(player, path, nav.prev_chapter(pos))?,
            Command::NextTurn => {
                if let Some(target) = nav.next_turn(pos) {
                    seek_player(player, path, target)?;
                }
            }
            Command::PreviousTurn => {
                if let Some(target) = nav.prev_turn(pos) {
                    seek_player(player, path, target)?;
                }
            }
            Command::Seek(delta) => seek_player(player, path, nav.seek(pos, delta))?,
        }
        last_draw = None;
    }
}

/// Redraws the status line in place (carriage return, no scrolling).
fn draw(out: &mut io::Stdout, nav: &Navigator, pos: Duration, paused: bool) {
    let columns = crossterm::terminal::size()
        .ok()
        .map(|(c, _)| usize::from(c))
        .filter(|c| *c > 0)
        .unwrap_or(80);
    // One cell spare so the cursor never wraps to a new line.
    let line = nav.status_line_fitted(pos, paused, columns.saturating_sub(1).max(1));
    let _ = crossterm::queue!(
        out,
        crossterm::cursor::MoveToColumn(0),
        crossterm::style::Print(line),
        crossterm::terminal::Clear(crossterm::terminal::ClearType::UntilNewLine)
    );
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn ch(title: &str, start: f64) -> Chapter {
        Chapter {
            title: title.to_string(),
            start: secs(start),
        }
    }

    /// Intro 0-60 s, Talk 60-150 s, Outro 150-300 s.
    fn nav3() -> Navigator {
        Navigator::new(
            Path::new("ep.wav"),
            vec![ch("Intro", 0.0), ch("Talk", 60.0), ch("Outro", 150.0)],
            secs(300.0),
        )
    }

    // ----- time parsing -----

    fn timed_nav() -> Navigator {
        let sentence = |text: &str, start: f64, end: f64| output::TimedSentence {
            text: text.into(),
            start,
            end,
        };
        let turn = |speaker: &str, sentences: Vec<output::TimedSentence>| output::TimedTurn {
            speaker: speaker.into(),
            voice: "v".into(),
            announcement: false,
            start: sentences[0].start,
            end: sentences.last().unwrap().end,
            sentences,
        };
        let timed = output::TimedScript {
            title: "t".into(),
            language: "zh".into(),
            sample_rate: 24000,
            duration: 120.0,
            chapters: vec![
                output::TimedChapter {
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
                output::TimedChapter {
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
        .with_timing(&timed)
    }

    #[test]
    fn turn_navigation_follows_the_sidecar() {
        let nav = timed_nav();
        assert_eq!(nav.turns().len(), 3);
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
    fn status_line_shows_who_is_speaking() {
        let nav = timed_nav();
        assert_eq!(nav.speaking_at(secs(2.2)), None);
        assert_eq!(nav.speaking_at(secs(3.0)), Some(("主持人", "请讲。")));
        let line = nav.status_line(secs(10.0), false);
        assert!(line.contains("一 · Ilya: 好的。"), "{line}");
        let fitted = nav.status_line_fitted(secs(10.0), false, 30);
        assert!(fitted.contains("02:00"), "{fitted}");
    }

    #[test]
    fn parse_time_accepts_the_documented_forms() {
        let ok = |s: &str| parse_time(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("95"), secs(95.0));
        assert_eq!(ok("95.5"), secs(95.5));
        assert_eq!(ok("3:12"), secs(192.0));
        assert_eq!(ok("03:12"), secs(192.0));
        assert_eq!(ok("0:05"), secs(5.0));
        assert_eq!(ok("90:00"), secs(5400.0));
        assert_eq!(ok("1:02.25"), secs(62.25));
        assert_eq!(ok("1:02:03"), secs(3723.0));
        assert_eq!(ok("01:02:03.5"), secs(3723.5));
        assert_eq!(ok(" 12:30 "), secs(750.0));
        assert_eq!(ok("0.000000001"), Duration::from_nanos(1));
        // Finer than a nanosecond is ignored.
        assert_eq!(ok("1.1234567899"), Duration::new(1, 123_456_789));
    }

    #[test]
    fn parse_time_rejects_malformed_input_with_a_hint() {
        for bad in [
            "",
            "  ",
            "abc",
            "1:60",
            "1:60:00",
            "1:00:60",
            "-5",
            "+5",
            "1::2",
            ":30",
            "30:",
            "1:2:3:4",
            "1.5:00",
            "12.",
            ".5",
            "1.2.3",
            "1:0x",
            "５",
            "99999999999999999999",
            "999999999999999999:00",
            "5124095576030432:00:00",
        ] {
            match parse_time(bad) {
                Err(e @ PlayError::BadTime { .. }) => {
                    let msg = e.to_string();
                    assert!(msg.contains(&format!("\"{bad}\"")), "{msg}");
                    assert!(msg.contains("MM:SS"), "{msg}");
                }
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn clock_and_frame_conversions() {
        assert_eq!(clock(secs(192.9), false), "03:12");
        assert_eq!(clock(secs(2465.0), false), "41:05");
        assert_eq!(clock(secs(3723.0), true), "1:02:03");
        assert_eq!(clock(secs(5.0), true), "0:00:05");
        // Frame -> time -> frame is exact for awkward rates.
        for rate in [1, 3, 7, 22_050, 44_100, 48_000] {
            for frame in [0u64, 1, 2, 999, 22_049, 1_323_000, 123_456_789] {
                assert_eq!(
                    frame_at(frame_time(frame, rate), rate),
                    frame,
                    "{frame}@{rate}"
                );
            }
        }
        assert_eq!(frame_at(secs(12.345), 1000), 12_345);
    }

    // ----- navigation -----

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

    // ----- status line -----

    #[test]
    fn status_line_with_cjk_title() {
        let nav = Navigator::new(
            Path::new("ep.wav"),
            vec![
                ch("开场", 0.0),
                ch("卷积神经网络与ImageNet的突破", 100.0),
                ch("3", 500.0),
                ch("4", 600.0),
                ch("5", 700.0),
                ch("6", 800.0),
                ch("7", 900.0),
            ],
            secs(41.0 * 60.0 + 5.0),
        );
        let pos = secs(3.0 * 60.0 + 12.7);
        assert_eq!(
            nav.status_line(pos, true),
            "[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05  (paused)"
        );
        assert_eq!(
            nav.status_line(pos, false),
            "[2/7] 卷积神经网络与ImageNet的突破  03:12 / 41:05"
        );
        // Past the end (rodio's position can overshoot a little): shows the end.
        assert!(
            nav.status_line(secs(9999.0), false)
                .ends_with("41:05 / 41:05")
        );
    }

    #[test]
    fn status_line_uses_hours_for_long_episodes() {
        let nav = Navigator::new(Path::new("long.wav"), vec![ch("A", 0.0)], secs(3723.0));
        assert_eq!(
            nav.status_line(secs(192.0), false),
            "[1/1] A  0:03:12 / 1:02:03"
        );
    }

    #[test]
    fn status_line_fits_the_terminal_width() {
        let nav = Navigator::new(
            Path::new("ep.wav"),
            vec![ch("开场", 0.0), ch("卷积神经网络与ImageNet的突破", 100.0)],
            secs(2465.0),
        );
        let pos = secs(192.0);
        let full = nav.status_line(pos, true);
        // 6 ASCII + 14 CJK*2 + ... : wide characters count double.
        assert_eq!(display_width("卷积A"), 5);
        assert_eq!(nav.status_line_fitted(pos, true, 200), full);
        for columns in [10, 20, 30, 40, 50, display_width(&full) - 1] {
            let line = nav.status_line_fitted(pos, true, columns);
            assert!(display_width(&line) <= columns, "{columns}: {line}");
            assert!(line.ends_with('…') || line.contains("(paused)"), "{line}");
        }
        let line = nav.status_line_fitted(pos, true, 40);
        assert!(line.starts_with("[2/2] 卷积"), "{line}");
        assert!(line.ends_with("…  03:12 / 41:05  (paused)"), "{line}");
        assert_eq!(truncate_to_width("卷积神经", 5), "卷积…");
        assert_eq!(truncate_to_width("abc", 0), "");
    }

    // ----- keys -----

    #[test]
    fn keys_map_to_commands() {
        use KeyCode::*;
        let none = KeyModifiers::NONE;
        let key = |code| command_for(KeyEvent::new(code, none));
        assert_eq!(key(Char(' ')), Some(Command::TogglePause));
        assert_eq!(key(Char('n')), Some(Command::NextChapter));
        assert_eq!(key(Char('p')), Some(Command::PreviousChapter));
        assert_eq!(key(Left), Some(Command::Seek(-10)));
        assert_eq!(key(Right), Some(Command::Seek(10)));
        assert_eq!(key(Char('q')), Some(Command::Quit));
        assert_eq!(key(Esc), Some(Command::Quit));
        assert_eq!(key(Down), Some(Command::NextTurn));
        assert_eq!(key(Char(']')), Some(Command::NextTurn));
        assert_eq!(key(Up), Some(Command::PreviousTurn));
        assert_eq!(key(Char('[')), Some(Command::PreviousTurn));
        assert_eq!(
            command_for(KeyEvent::new(Char('N'), KeyModifiers::SHIFT)),
            Some(Command::NextChapter)
        );
        assert_eq!(
            command_for(KeyEvent::new(Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        // Other keys, other modifiers and releases do nothing.
        assert_eq!(key(Char('x')), None);
        assert_eq!(key(Enter), None);
        assert_eq!(key(Char('c')), None);
        assert_eq!(
            command_for(KeyEvent::new(Char('n'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(command_for(KeyEvent::new(Right, KeyModifiers::ALT)), None);
        assert_eq!(
            command_for(KeyEvent::new_with_kind(
                Char(' '),
                none,
                KeyEventKind::Release
            )),
            None
        );
        // Holding an arrow key keeps seeking.
        assert_eq!(
            command_for(KeyEvent::new_with_kind(Right, none, KeyEventKind::Repeat)),
            Some(Command::Seek(10))
        );
    }

    // ----- audio source and player -----

    /// A 16-bit mono WAV at 1000 Hz whose sample `i` holds the value `i + 1`.
    fn ramp_wav_i16(dir: &Path, frames: u32) -> PathBuf {
        let path = dir.join("ramp16.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 1000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..frames {
            w.write_sample((i + 1) as i16).unwrap();
        }
        w.finalize().unwrap();
        path
    }

    /// A float stereo WAV at 1000 Hz: frame `i` is (`i + 1`, `-(i + 1)`).
    fn ramp_wav_stereo(dir: &Path, frames: u32) -> PathBuf {
        let path = dir.join("ramp_stereo.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 1000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..frames {
            w.write_sample((i + 1) as f32).unwrap();
            w.write_sample(-((i + 1) as f32)).unwrap();
        }
        w.finalize().unwrap();
        path
    }

    fn i16_value(s: f32) -> i64 {
        (s * 32768.0).round() as i64
    }

    #[test]
    fn wav_source_reads_and_seeks_sample_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = WavSource::open(&ramp_wav_i16(dir.path(), 20_000)).unwrap();
        assert_eq!(src.duration(), secs(20.0));
        assert_eq!(src.total_duration(), Some(secs(20.0)));
        assert_eq!(src.sample_rate().get(), 1000);
        assert_eq!(i16_value(src.next().unwrap()), 1);
        src.try_seek(secs(12.345)).unwrap();
        assert_eq!(i16_value(src.next().unwrap()), 12_346);
        src.try_seek(secs(0.5)).unwrap();
        assert_eq!(i16_value(src.next().unwrap()), 501);
        // Beyond the end saturates: the stream is over.
        src.try_seek(secs(25.0)).unwrap();
        assert_eq!(src.next(), None);
        assert_eq!(src.current_span_len(), Some(0));
        // And it can come back.
        src.try_seek(secs(19.999)).unwrap();
        assert_eq!(i16_value(src.next().unwrap()), 20_000);
        assert_eq!(src.next(), None);
    }

    #[test]
    fn wav_source_keeps_channel_order_across_mid_frame_seeks() {
        let dir = tempfile::tempdir().unwrap();
        let mut src = WavSource::open(&ramp_wav_stereo(dir.path(), 5_000)).unwrap();
        assert_eq!(src.channels().get(), 2);
        assert_eq!(src.next(), Some(1.0)); // left of frame 0; right is next
        src.try_seek(secs(2.0)).unwrap();
        assert_eq!(src.next(), Some(-2001.0)); // right of frame 2000
        assert_eq!(src.next(), Some(2002.0));
        assert_eq!(src.next(), Some(-2002.0));
    }

    #[test]
    fn opening_a_missing_or_empty_file_fails_before_touching_the_device() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.wav");
        let err = play(&missing, StartAt::Beginning).unwrap_err();
        assert!(matches!(err, PlayError::Open { .. }), "{err:?}");
        assert!(err.to_string().contains("nope.wav"), "{err}");

        let empty = ramp_wav_i16(dir.path(), 0);
        let err = play(&empty, StartAt::Beginning).unwrap_err();
        assert!(matches!(err, PlayError::Empty { .. }), "{err:?}");
    }

    /// Drives a device-less player: appends the WAV source, seeks it from another thread
    /// (`try_seek` waits for the audio side to apply the seek) while this thread pulls the
    /// output like a sound card would, and checks where the seek landed.
    fn seek_device_less(path: &Path, pull_first: usize, target: Duration) -> (Vec<f32>, Duration) {
        let (player, mut output) = rodio::Player::new();
        player.append(WavSource::open(path).unwrap());
        let mut pulled: Vec<f32> = (0..pull_first).map(|_| output.next().unwrap()).collect();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let seeker = s.spawn(|| {
                ready_tx.send(()).unwrap();
                player.try_seek(target)
            });
            ready_rx.recv().unwrap();
            // Let the seeker post its order before we pull; the source is long enough
            // that the test fails (rather than hangs) if it did not.
            std::thread::sleep(Duration::from_millis(200));
            while !seeker.is_finished() {
                pulled.push(output.next().unwrap());
                assert!(pulled.len() < 1_000_000, "seek never applied");
                // A sound card pulls at its own pace; give the seeker a chance to run on a
                // busy machine instead of racing through the file.
                if pulled.len().is_multiple_of(64) {
                    std::thread::yield_now();
                }
            }
            seeker.join().unwrap().unwrap();
        });
        pulled.extend((0..10).map(|_| output.next().unwrap()));
        (pulled, player.get_pos())
    }

    /// Index and value of the first sample that does not continue the ramp.
    fn jump_at(values: &[i64]) -> Option<(usize, i64)> {
        let mut expected = 1;
        for (i, &v) in values.iter().enumerate().skip_while(|(_, v)| **v == 0) {
            if v != expected {
                return Some((i, v));
            }
            expected = v + 1;
        }
        None
    }

    fn first_jump(values: &[i64]) -> Option<i64> {
        jump_at(values).map(|(_, v)| v)
    }

    #[test]
    fn device_less_player_seeks_forward_to_the_right_sample() {
        let dir = tempfile::tempdir().unwrap();
        let path = ramp_wav_i16(dir.path(), 30_000);
        let (pulled, pos) = seek_device_less(&path, 100, secs(12.345));
        let values: Vec<i64> = pulled.iter().map(|s| i16_value(*s)).collect();
        let (at, value) = jump_at(&values).expect("no seek seen");
        assert_eq!(value, 12_346);
        // The player's position follows: target + what was pulled since (1 ms a sample),
        // give or take its 5 ms update period. On a busy machine the seeking thread may
        // be scheduled late while this one pulls on, and rodio's position then lags what
        // was pulled: it must still lie between the target and the samples pulled.
        let expected = secs(12.345) + Duration::from_millis((values.len() - at) as u64);
        if values.len() - at < 1_000 {
            assert!(
                pos.abs_diff(expected) <= Duration::from_millis(6),
                "{pos:?} vs {expected:?}"
            );
        } else {
            assert!(
                pos >= secs(12.345) && pos <= expected,
                "{pos:?} vs {expected:?}"
            );
        }
    }

    #[test]
    fn device_less_player_seeks_backward_and_before_playback() {
        let dir = tempfile::tempdir().unwrap();
        let path = ramp_wav_i16(dir.path(), 30_000);
        // Backward, after 3 s have been played.
        let (pulled, _) = seek_device_less(&path, 3_000, secs(1.0));
        let values: Vec<i64> = pulled.iter().map(|s| i16_value(*s)).collect();
        assert_eq!(first_jump(&values), Some(1_001));
        // Before the first sample is pulled (what `play` does for --chapter/--from).
        let (pulled, _) = seek_device_less(&path, 0, secs(7.0));
        let values: Vec<i64> = pulled.iter().map(|s| i16_value(*s)).collect();
        assert_eq!(first_jump(&values), Some(7_001));
    }

    #[test]
    fn device_less_player_keeps_stereo_channels_after_seek() {
        let dir = tempfile::tempdir().unwrap();
        let path = ramp_wav_stereo(dir.path(), 30_000);
        let (pulled, _) = seek_device_less(&path, 101, secs(20.0));
        // Zeros are the player's own silence while a seek is pending (how many depends on
        // thread timing); every sample of the file itself is non-zero.
        let audio: Vec<f32> = pulled.into_iter().filter(|v| *v != 0.0).collect();
        // Left samples positive, right negative, strictly alternating, from the start.
        for (i, v) in audio.iter().enumerate() {
            assert_eq!(*v > 0.0, i % 2 == 0, "sample {i}: {v}");
        }
        let jump = audio
            .windows(2)
            .find(|w| w[1].abs() != w[0].abs() && w[1].abs() != w[0].abs() + 1.0)
            .map(|w| w[1].abs());
        assert!(jump == Some(20_001.0), "{jump:?}");
    }

    #[test]
    fn error_messages_say_what_to_do() {
        let msg = PlayError::NoDevice {
            reason: "Could not find any output device".into(),
        }
        .to_string();
        assert!(msg.contains("no audio output device"), "{msg}");
        assert!(msg.contains("Could not find any output device"), "{msg}");
        assert!(msg.contains("open the rendered WAV"), "{msg}");
    }

    #[test]
    fn the_null_device_takes_audio_in_real_time() {
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(vec![0.0f32; 100]).unwrap();
        tx.send(vec![0.0f32; 150]).unwrap();
        drop(tx);
        let started = Instant::now();
        let first = play_to_null(1000, rx, started);
        assert!(first.is_some());
        // 250 samples at 1 kHz play for a quarter of a second.
        assert!(started.elapsed() >= Duration::from_millis(250));
        let (tx, rx) = std::sync::mpsc::channel::<Vec<f32>>();
        drop(tx);
        assert_eq!(play_to_null(1000, rx, Instant::now()), None);
    }
}
