//! Speaker levels: one gain per speaker, so that every voice sounds equally loud in the
//! mastered episode.

use super::RenderError;
use super::config::RenderConfig;
use super::plan::Planned;
use super::synthesis::cached;
use crate::mix::{self, SpeakerLevels};
use crate::synth::cache::Cache;
use std::collections::HashMap;

/// One gain per speaker that levels them all at the loudness target as they will sound
/// after mastering. Every speaker's level is measured over all their sentences before any
/// gain is set, then again with the limiter applied (see [`mix::LimitedLevels`]); the
/// sentences are spread over `config.jobs` threads, whose measurements are combined.
pub(crate) fn speaker_gains(
    items: &[Planned],
    keys: &[String],
    cache: &Cache,
    config: &RenderConfig,
) -> Result<HashMap<String, f32>, RenderError> {
    let parts = config.jobs.clamp(1, items.len().max(1));
    let target = config.loudness.integrated_lufs;
    let speech = |i: usize| cached(cache, &keys[i], config.rate);
    let raw = on_threads(
        items.len(),
        parts,
        || SpeakerLevels::new(config.rate),
        |levels, i| Ok(levels.add(items[i].speaker, &speech(i)?)?),
    )?;
    let before = SpeakerLevels::combined_gains(&raw.iter().collect::<Vec<_>>(), target);
    let limited = on_threads(
        items.len(),
        parts,
        || mix::LimitedLevels::new(config.rate, before.clone(), &config.loudness),
        |levels, i| Ok(levels.add(items[i].speaker, &speech(i)?)?),
    )?;
    Ok(mix::LimitedLevels::combined_gains(
        &limited.iter().collect::<Vec<_>>(),
        target,
    ))
}

/// Runs `add` for every index below `count`, spread over `parts` threads, each on its own
/// state from `make`; returns the states.
fn on_threads<T: Send>(
    count: usize,
    parts: usize,
    make: impl Fn() -> T + Sync,
    add: impl Fn(&mut T, usize) -> Result<(), RenderError> + Sync,
) -> Result<Vec<T>, RenderError> {
    let (make, add) = (&make, &add);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..parts)
            .map(|part| {
                scope.spawn(move || {
                    let mut state = make();
                    for i in (part..count).step_by(parts) {
                        add(&mut state, i)?;
                    }
                    Ok(state)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("measuring does not panic"))
            .collect()
    })
}
