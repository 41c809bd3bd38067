//! Why playback cannot start or go on, each with what to do about it.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use super::time::clock;
use crate::output::OutputError;

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
        "there is no audio output device: check that a sound server (PulseAudio/PipeWire) is running or that ALSA's default device is set up (`aplay -L`), or open the rendered WAV in another player"
    )]
    NoDevice {
        #[source]
        source: rodio::DeviceSinkError,
    },

    #[error(
        "cannot seek to {} in {}: the file may be damaged or truncated, render it again",
        clock(*.position, *.position >= Duration::from_secs(3600)),
        .path.display()
    )]
    Seek {
        path: PathBuf,
        position: Duration,
        #[source]
        source: rodio::source::SeekError,
    },

    #[error(
        "cannot use the terminal for interactive playback: {error}; run with stdin redirected (e.g. `< /dev/null`) to play without keyboard control"
    )]
    Terminal { error: io::Error },

    #[error(
        "the audio device stopped playing ({reason}); check that it is still connected and that the sound server runs, then play again (--from picks up where it stopped)"
    )]
    StreamLost { reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_say_what_to_do() {
        let error = PlayError::NoDevice {
            source: rodio::DeviceSinkError::NoDevice,
        };
        let msg = error.to_string();
        assert!(msg.contains("no audio output device"), "{msg}");
        assert!(msg.contains("open the rendered WAV"), "{msg}");
        // The device's own reason is the cause, printed once after the message.
        let cause = std::error::Error::source(&error).map(|c| c.to_string());
        assert!(
            cause.is_some_and(|c| c.contains("Could not find any output device")),
            "{msg}"
        );
    }
}
