//! `render --play`: the episode played in order while it is being synthesised, and the
//! fixed-gain buffers that previews (this one and `say --play`) hand the player.

use super::plan::Planned;
use crate::mix::{self, Join, LoudnessTarget, Pauses};
use crate::synth::cache::Cache;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// `render --play`: plays the episode in order while it is synthesised, each sentence as
/// soon as it (and everything before it) is in the cache. Levels are set per speaker from
/// their first sentence, as the whole episode is not known yet.
pub(crate) struct Preview {
    signal: std::sync::Arc<PreviewSignal>,
    handle: Option<std::thread::JoinHandle<Result<Option<Duration>, String>>>,
}

#[derive(Default)]
struct PreviewSignal {
    stopped: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Preview {
    pub(crate) fn start(
        items: &[Planned],
        keys: &[String],
        cache: &Cache,
        rate: u32,
        pauses: Pauses,
        started: Instant,
    ) -> Self {
        let queue: Vec<(String, Join, String)> = items
            .iter()
            .zip(keys)
            .map(|(item, key)| (item.speaker.to_string(), item.join, key.clone()))
            .collect();
        let cache = cache.clone();
        let signal = std::sync::Arc::new(PreviewSignal::default());
        let feeder_signal = signal.clone();
        let handle = std::thread::spawn(move || {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<f32>>(4);
            let feeder = std::thread::spawn(move || {
                feed_preview(&queue, &cache, rate, pauses, &feeder_signal, &tx)
            });
            let played = crate::play::play_stream(rate, rx, started);
            // The feeder stops by itself once the player has hung up.
            let _ = feeder.join();
            played.map_err(|e| e.to_string())
        });
        Self {
            signal,
            handle: Some(handle),
        }
    }

    /// Something new is in the cache.
    pub(crate) fn notify(&self) {
        let _guard = self.signal.stopped.lock();
        self.signal.changed.notify_all();
    }

    /// Waits until the episode has played to the end.
    pub(crate) fn finish(mut self) -> Result<Option<Duration>, String> {
        let handle = self.handle.take().expect("finished once");
        handle
            .join()
            .unwrap_or_else(|_| Err("the player stopped unexpectedly".to_string()))
    }
}

impl Drop for Preview {
    /// A render that failed stops its preview (after what was queued has played).
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            *self
                .signal
                .stopped
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = true;
            self.signal.changed.notify_all();
            let _ = handle.join();
        }
    }
}

fn feed_preview(
    queue: &[(String, Join, String)],
    cache: &Cache,
    rate: u32,
    pauses: Pauses,
    signal: &PreviewSignal,
    tx: &std::sync::mpsc::SyncSender<Vec<f32>>,
) {
    let mut gains: HashMap<&str, f32> = HashMap::new();
    for (i, (speaker, join, key)) in queue.iter().enumerate() {
        let speech = {
            // The cache is checked under the lock that notify() takes, so no
            // notification falls between the check and the wait.
            let mut stopped = signal.stopped.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if *stopped {
                    return;
                }
                if let Some(speech) = cache.get(key, rate) {
                    break speech;
                }
                stopped = signal
                    .changed
                    .wait(stopped)
                    .unwrap_or_else(|e| e.into_inner());
            }
        };
        let gain = *gains
            .entry(speaker)
            .or_insert_with(|| preview_gain(&speech, rate));
        let pause_ms = if i == 0 { 0 } else { pauses.before(*join) };
        if tx
            .send(preview_buffer(&speech, gain, pause_ms, rate))
            .is_err()
        {
            return;
        }
    }
}

/// What a preview hands the player: `pause_ms` of silence, then the speech at `gain`,
/// clamped (a preview is not mastered, so nothing else holds its peaks).
pub(crate) fn preview_buffer(speech: &[f32], gain: f32, pause_ms: u32, rate: u32) -> Vec<f32> {
    let mut samples = vec![0.0f32; (u64::from(rate) * u64::from(pause_ms) / 1000) as usize];
    samples.extend(speech.iter().map(|s| (s * gain).clamp(-0.95, 0.95)));
    samples
}

/// A fixed gain that brings one sentence to the default loudness, for previews that cannot
/// measure the whole episode first.
pub(crate) fn preview_gain(speech: &[f32], rate: u32) -> f32 {
    mix::measure(speech, rate)
        .ok()
        .filter(|(lufs, _)| lufs.is_finite())
        .map_or(1.0, |(lufs, _)| {
            mix::db_to_gain(LoudnessTarget::default().integrated_lufs - lufs)
        })
}
