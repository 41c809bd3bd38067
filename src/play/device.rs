//! Where the audio goes: the default output device through rodio and cpal, or, with
//! `RECAST_AUDIO_DEVICE=null`, no device at all, played into in real time. Nothing here
//! prints: ALSA's own error messages are silenced (recast says what is wrong itself), and
//! the stream's errors are kept for the player to report once the terminal is restored.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rodio::cpal::traits::{DeviceTrait, HostTrait};
use rodio::{CpalError, CpalErrorKind, DeviceSinkBuilder, MixerDeviceSink, Source};

use super::error::PlayError;

/// `RECAST_AUDIO_DEVICE=null` plays into no device, in real time: previews and their
/// timing work on machines without a sound card (servers, CI, benchmarks).
pub const AUDIO_DEVICE_ENV: &str = "RECAST_AUDIO_DEVICE";

/// How often the null device takes the audio that is due.
const NULL_TICK: Duration = Duration::from_millis(10);

/// Where the audio goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Device {
    /// The system's default output device.
    Default,
    /// Nothing, in real time.
    Null,
}

impl Device {
    /// `null` in [`AUDIO_DEVICE_ENV`] is no device; anything else the default device.
    pub(crate) fn from_env() -> Device {
        match std::env::var(AUDIO_DEVICE_ENV) {
            Ok(value) if value == "null" => Device::Null,
            _ => Device::Default,
        }
    }
}

/// A player and the device it plays on: the audio stops when the device goes, so they
/// live together (the player is dropped first).
pub(crate) struct Output {
    pub(crate) player: rodio::Player,
    errors: StreamErrors,
    _sink: Sink,
}

/// Held for as long as the player plays; dropping it closes the device.
enum Sink {
    Device { _sink: MixerDeviceSink },
    Null { _sink: NullSink },
}

impl Output {
    pub(crate) fn open(device: Device) -> Result<Output, PlayError> {
        let errors = StreamErrors::default();
        match device {
            Device::Default => {
                let mut sink = open_default(&errors)?;
                sink.log_on_drop(false);
                let player = rodio::Player::connect_new(sink.mixer());
                Ok(Output {
                    player,
                    errors,
                    _sink: Sink::Device { _sink: sink },
                })
            }
            Device::Null => {
                let (player, output) = rodio::Player::new();
                Ok(Output {
                    player,
                    errors,
                    _sink: Sink::Null {
                        _sink: NullSink::start(output),
                    },
                })
            }
        }
    }

    /// Fails once the stream has stopped for good (the device went away): nothing more
    /// will be heard.
    pub(crate) fn check(&self) -> Result<(), PlayError> {
        match self.errors.fatal() {
            Some(reason) => Err(PlayError::StreamLost { reason }),
            None => Ok(()),
        }
    }

    /// Queues interleaved samples to play after what is queued.
    pub(crate) fn append_samples(&self, channels: u16, rate: u32, samples: Vec<f32>) {
        let channels = std::num::NonZeroU16::new(channels.max(1)).expect("at least one");
        let rate = std::num::NonZeroU32::new(rate.max(1)).expect("at least 1 Hz");
        self.player
            .append(rodio::buffer::SamplesBuffer::new(channels, rate, samples));
    }

    /// Waits until everything appended has been heard.
    pub(crate) fn wait_until_end(&self) -> Result<(), PlayError> {
        while !self.player.empty() {
            self.check()?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

/// The default device as rodio's `open_default_sink` finds it (the default device with its
/// default configuration, or else the first other device, not a null one, that opens with
/// any configuration it supports), with recast's error callback instead of rodio's, which
/// prints.
fn open_default(errors: &StreamErrors) -> Result<MixerDeviceSink, PlayError> {
    silence_alsa();
    let callback = errors.callback();
    let opened = DeviceSinkBuilder::from_default_device()
        .and_then(|builder| builder.with_error_callback(callback.clone()).open_stream());
    let first_error = match opened {
        Ok(sink) => return Ok(sink),
        Err(e) => e,
    };
    let other = rodio::cpal::default_host()
        .output_devices()
        .ok()
        .and_then(|mut devices| {
            devices.find_map(|device| {
                let real = device
                    .description()
                    .is_ok_and(|d| d.driver().is_some_and(|driver| driver != "null"));
                if !real {
                    return None;
                }
                DeviceSinkBuilder::from_device(device)
                    .ok()?
                    .with_error_callback(callback.clone())
                    .open_sink_or_fallback()
                    .ok()
            })
        });
    other.ok_or(PlayError::NoDevice {
        source: first_error,
    })
}

/// Without a sound card alsa-lib prints eight lines of its configuration errors to stderr
/// before cpal returns the error recast explains. alsa's handler is set per thread, on
/// the thread that opens the device, which is where those messages come from.
fn silence_alsa() {
    #[cfg(target_os = "linux")]
    {
        // The messages go into a buffer that is never read. Failing to set it up only
        // means alsa prints as before.
        let _ = alsa::Output::local_error_handler();
    }
}

/// What the audio stream reported. The stream calls back on its own thread, while the
/// status line is on screen: nothing is printed there. Transient errors (an underrun, a
/// PulseAudio plugin failing `snd_pcm_avail_delay` while paused) are dropped, as the
/// stream goes on; the first error that stops it is kept.
#[derive(Debug, Clone, Default)]
pub(crate) struct StreamErrors {
    fatal: Arc<Mutex<Option<String>>>,
}

impl StreamErrors {
    fn callback(&self) -> impl FnMut(CpalError) + Send + Clone + 'static {
        let errors = self.clone();
        move |error| errors.record(&error)
    }

    fn record(&self, error: &CpalError) {
        // cpal's output stream ends on these; on any other error it carries on.
        let fatal = matches!(
            error.kind(),
            CpalErrorKind::DeviceNotAvailable
                | CpalErrorKind::HostUnavailable
                | CpalErrorKind::StreamInvalidated
        );
        if fatal {
            let mut kept = self.fatal.lock().unwrap_or_else(PoisonError::into_inner);
            kept.get_or_insert_with(|| error.to_string());
        }
    }

    fn fatal(&self) -> Option<String> {
        self.fatal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// No sound card: a thread takes the player's samples at the pace a card would (in real
/// time) and drops them.
struct NullSink {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl NullSink {
    fn start(mut output: rodio::queue::SourcesQueueOutput) -> NullSink {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            // Seconds of audio taken so far.
            let mut played = 0.0f64;
            while !stopped.load(Ordering::Relaxed) {
                let due = started.elapsed().as_secs_f64();
                while played < due {
                    // The queue plays silence when empty, so it never ends.
                    let rate = f64::from(output.sample_rate().get());
                    for _ in 0..output.channels().get() {
                        output.next();
                    }
                    played += 1.0 / rate;
                }
                std::thread::sleep(NULL_TICK);
            }
        });
        NullSink {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for NullSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_errors_are_kept_not_printed() {
        let errors = StreamErrors::default();
        let mut callback = errors.callback();
        // What PulseAudio's ALSA plugin reports on pausing: the stream goes on.
        callback(CpalError::with_message(
            CpalErrorKind::BackendError,
            "ALSA function 'snd_pcm_avail_delay' failed with error 'I/O error (5)'",
        ));
        callback(CpalError::new(CpalErrorKind::Xrun));
        assert_eq!(errors.fatal(), None);
        callback(CpalError::with_message(
            CpalErrorKind::DeviceNotAvailable,
            "unplugged",
        ));
        callback(CpalError::with_message(
            CpalErrorKind::DeviceNotAvailable,
            "later",
        ));
        assert_eq!(errors.fatal().as_deref(), Some("unplugged"));
    }

    #[test]
    fn a_stopped_stream_ends_the_wait_with_an_error() {
        let output = Output::open(Device::Null).unwrap();
        output.append_samples(1, 1000, vec![0.0f32; 60_000]);
        output
            .errors
            .record(&CpalError::new(CpalErrorKind::DeviceNotAvailable));
        let started = Instant::now();
        let err = output.wait_until_end().unwrap_err();
        assert!(matches!(err, PlayError::StreamLost { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_null_device_plays_in_real_time() {
        let output = Output::open(Device::Null).unwrap();
        // A quarter of a second of stereo.
        output.append_samples(2, 1000, vec![0.0f32; 500]);
        let started = Instant::now();
        output.wait_until_end().unwrap();
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(240), "{took:?}");
        assert!(took < Duration::from_secs(3), "{took:?}");
    }
}
