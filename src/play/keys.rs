//! The keys of interactive playback and what each asks the player to do.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Step of the left/right arrow keys, in seconds.
pub(crate) const SEEK_STEP_SECS: i64 = 10;

/// What a key asks the player to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
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
pub(crate) fn command_for(key: KeyEvent) -> Option<Command> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
