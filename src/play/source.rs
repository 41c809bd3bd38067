//! A PCM WAV file as a seekable rodio source, streamed from disk.

use std::fs::File;
use std::io::BufReader;
use std::num::NonZero;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rodio::Source;
use rodio::source::SeekError;

use super::error::PlayError;
use super::time::{frame_at, frame_time};
use crate::output::pcm::full_scale;

#[derive(Debug, Clone, Copy)]
enum Encoding {
    /// Integer PCM, scaled by this factor to [-1, 1] (as recast writes it).
    Int(f32),
    Float,
}

/// A PCM WAV file streamed from disk as a seekable rodio [`Source`] (sample-exact seeks,
/// channel order kept across seeks). Read errors end the stream.
pub(crate) struct WavSource {
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
    pub(crate) fn open(path: &Path) -> Result<WavSource, PlayError> {
        let open_err = |error| PlayError::Open {
            path: path.to_path_buf(),
            error,
        };
        let reader = hound::WavReader::open(path).map_err(open_err)?;
        let spec = reader.spec();
        let encoding = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, bits @ 1..=32) => Encoding::Int(1.0 / full_scale(bits)),
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
    pub(crate) fn duration(&self) -> Duration {
        frame_time(self.frames, self.sample_rate.get())
    }

    /// Plays no more than `frames`: a truncated file holds less audio than its header
    /// declares.
    pub(crate) fn limit(&mut self, frames: u64) {
        self.frames = self.frames.min(frames);
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::PathBuf;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// A 16-bit mono WAV at 1000 Hz whose sample `i` holds the value `i + 1`.
    pub(crate) fn ramp_wav_i16(dir: &Path, frames: u32) -> PathBuf {
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
        (s * full_scale(16)).round() as i64
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
}
