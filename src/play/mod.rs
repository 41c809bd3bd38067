//! `recast play`: interactive preview of a rendered episode with rodio, chapter by chapter,
//! and the player `render --play` and `say --play` feed as they synthesise.
//!
//! The logic that decides *where* to play needs no sound card: [`parse_time`] (the
//! `--from` argument, in `time`), the `navigator` (chapters, turns from the `timing`
//! sidecar, jumps), the `status` line and the `keys`. [`play`] wires them to an audio
//! output (`device`: the default device, or none with `RECAST_AUDIO_DEVICE=null`): the WAV
//! is streamed from disk by a seekable `source`, and the `ui` drives it from the keyboard
//! when stdin is a terminal, or plays it to the end printing a status line now and then.

mod device;
mod error;
mod keys;
mod navigator;
mod source;
mod status;
mod time;
mod timing;
mod ui;

use std::io::{self, IsTerminal};
use std::path::Path;
use std::time::{Duration, Instant};

pub use device::AUDIO_DEVICE_ENV;
pub use error::PlayError;
pub use time::parse_time;

use device::{Device, Output};
use navigator::Navigator;
use source::WavSource;

use crate::output;

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

/// Plays `path` from `start` on the default audio device, or on none, in real time, with
/// `RECAST_AUDIO_DEVICE=null`. Interactive (keys, live status line) when stdin is a
/// terminal; otherwise plays to the end of the file.
pub fn play(path: &Path, start: StartAt) -> Result<(), PlayError> {
    let mut source = WavSource::open(path)?;
    let info = output::read_chapters(path).map_err(|error| PlayError::Chapters {
        path: path.to_path_buf(),
        error,
    })?;
    source.limit(info.frames);
    let total = source.duration();
    if total.is_zero() {
        return Err(PlayError::Empty {
            path: path.to_path_buf(),
        });
    }
    let nav = Navigator::from_marks(path, info.sample_rate, &info.chapters, total)
        .with_turns(timing::read_turns(path));
    let start_pos = nav.start_position(start)?;

    let output = Output::open(Device::from_env())?;
    let player = &output.player;
    // Seek before anything is heard.
    player.pause();
    player.append(source);
    ui::seek_player(player, path, start_pos)?;
    player.play();

    let result = if io::stdin().is_terminal() {
        ui::interactive(&output, &nav, path)
    } else {
        ui::passive(&output, &nav)
    };
    player.stop();
    result
}

/// Plays mono buffers at `rate` as they arrive on `buffers`, until the sender hangs up and
/// everything has been heard, on the default device (or none with
/// `RECAST_AUDIO_DEVICE=null`). Returns how long after `started` the first buffer reached
/// the player (`None` if none came).
pub fn play_stream(
    rate: u32,
    buffers: std::sync::mpsc::Receiver<Vec<f32>>,
    started: Instant,
) -> Result<Option<Duration>, PlayError> {
    play_stream_on(Device::from_env(), rate, buffers, started)
}

fn play_stream_on(
    device: Device,
    rate: u32,
    buffers: std::sync::mpsc::Receiver<Vec<f32>>,
    started: Instant,
) -> Result<Option<Duration>, PlayError> {
    let output = Output::open(device)?;
    let mut first = None;
    for buffer in buffers {
        first.get_or_insert_with(|| started.elapsed());
        output.append_samples(1, rate, buffer);
    }
    output.wait_until_end()?;
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::source::tests::ramp_wav_i16;
    use super::*;

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

    #[test]
    fn a_stream_plays_into_the_null_device_in_real_time() {
        let (tx, rx) = std::sync::mpsc::channel();
        tx.send(vec![0.0f32; 100]).unwrap();
        tx.send(vec![0.0f32; 150]).unwrap();
        drop(tx);
        let started = Instant::now();
        let first = play_stream_on(Device::Null, 1000, rx, started).unwrap();
        assert!(first.is_some_and(|t| t < Duration::from_millis(100)));
        // 250 samples at 1 kHz play for a quarter of a second.
        assert!(started.elapsed() >= Duration::from_millis(240));
        let (tx, rx) = std::sync::mpsc::channel::<Vec<f32>>();
        drop(tx);
        assert_eq!(
            play_stream_on(Device::Null, 1000, rx, Instant::now()).unwrap(),
            None
        );
    }
}
