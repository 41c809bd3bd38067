//! How playback is driven and shown: interactively from the keyboard with a live status
//! line (raw mode, restored on every exit path), or, when stdin is not a terminal, a status
//! line printed now and then until the end.

use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{self, Event};

use super::device::Output;
use super::error::PlayError;
use super::keys::{Command, SEEK_STEP_SECS, command_for};
use super::navigator::Navigator;

/// Interactive status redraw period (~5 times a second).
const REDRAW_EVERY: Duration = Duration::from_millis(200);

/// Non-interactive status print period (besides every chapter change).
const PRINT_EVERY: Duration = Duration::from_secs(15);

pub(crate) fn seek_player(
    player: &rodio::Player,
    path: &Path,
    pos: Duration,
) -> Result<(), PlayError> {
    player.try_seek(pos).map_err(|e| PlayError::Seek {
        path: path.to_path_buf(),
        position: pos,
        source: e,
    })
}

fn position(player: &rodio::Player, nav: &Navigator) -> Duration {
    player.get_pos().min(nav.total())
}

/// Plays to the end, printing a status line at each chapter change and every
/// [`PRINT_EVERY`]. Output errors (e.g. a closed pipe) are ignored.
pub(crate) fn passive(output: &Output, nav: &Navigator) -> Result<(), PlayError> {
    let player = &output.player;
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
            return Ok(());
        }
        output.check()?;
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

pub(crate) fn interactive(output: &Output, nav: &Navigator, path: &Path) -> Result<(), PlayError> {
    let player = &output.player;
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
        // Returning drops the guard: the error is printed on a restored terminal.
        output.check()?;
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
