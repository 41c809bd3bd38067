//! Synthesis of a render's sentences: every sentence missing from the cache is voiced on
//! worker threads, each with its own engines, and put in the cache.

use super::RenderError;
use super::config::RenderConfig;
use super::dispatch::Dispatch;
use super::engines::Voices;
use super::plan::Planned;
use crate::cast::Cast;
use crate::mix;
use crate::report::Reporter;
use crate::synth::cache::Cache;
use crate::text::zh::LazyLexicon;
use crate::voices::InstalledVoice;
use std::time::Instant;

/// A sentence this render made sure is in the cache.
pub(crate) fn cached(cache: &Cache, key: &str, rate: u32) -> Result<Vec<f32>, RenderError> {
    cache.get(key, rate).ok_or_else(|| {
        RenderError::Config(format!(
            "a synthesised sentence vanished from the cache folder {} during the render; is another process pruning it? Render again",
            cache.dir().display()
        ))
    })
}

/// The sentences of a render with what it takes to voice them.
pub(crate) struct Workload<'a> {
    pub(crate) items: &'a [Planned<'a>],
    /// Cache key of each item.
    pub(crate) keys: &'a [String],
    pub(crate) cast: &'a Cast,
    pub(crate) installed: &'a [InstalledVoice],
    pub(crate) lexicon: &'a LazyLexicon,
}

/// Makes sure every planned sentence is in the cache, synthesising the missing ones on
/// `config.jobs` workers, each with its own engines (and so its own ONNX Runtime
/// sessions). Returns how many were synthesised and, if any were, the share of the workers'
/// time spent inside model calls.
pub(crate) fn synthesise_all(
    work: &Workload,
    cache: &Cache,
    config: &RenderConfig,
    reporter: &dyn Reporter,
    on_ready: &dyn Fn(),
) -> Result<(usize, Option<f64>), RenderError> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let Workload {
        items,
        keys,
        cast,
        installed,
        lexicon,
    } = *work;
    // A sentence said twice (a repeated line, a chapter read again) is synthesised once.
    let mut seen = std::collections::HashSet::new();
    let missing: Vec<usize> = (0..items.len())
        .filter(|&i| seen.insert(&keys[i]) && cache.get(&keys[i], config.rate).is_none())
        .collect();
    let from_cache = (items.len() - missing.len()) as u64;
    if from_cache > 0 {
        reporter.advance(from_cache, None);
    }
    // Longest first, so that the workers run out of work together instead of one finishing
    // a long sentence alone at the end; a preview needs them in episode order.
    let dispatch = Dispatch::new(&missing, |i| items[i].text.chars().count(), !config.play);
    let failed = AtomicBool::new(false);
    let model_nanos = AtomicU64::new(0);
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel::<Result<usize, RenderError>>();
    let jobs = config.jobs.clamp(1, missing.len().max(1));
    let synthesised = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (dispatch, failed, model_nanos) = (&dispatch, &failed, &model_nanos);
            scope.spawn(move || {
                let mut voices = Voices::new(installed, config.threads, lexicon);
                while let Some(ticket) = dispatch.take(failed) {
                    let i = ticket.item;
                    let item = &items[i];
                    let entry = cast
                        .voice_of(item.speaker)
                        .expect("the cast covers every speaker");
                    let result = voices
                        .speak(entry, &item.text)
                        .and_then(|audio| Ok(mix::prepare(&audio, config.rate)?))
                        .and_then(|speech| Ok(cache.put(&keys[i], config.rate, &speech)?))
                        .map(|()| i);
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    drop(ticket);
                    if tx.send(result).is_err() {
                        break;
                    }
                }
                model_nanos.fetch_add(voices.model_time.as_nanos() as u64, Ordering::Relaxed);
            });
        }
        drop(tx);
        let mut first_error = None;
        for result in rx {
            match result {
                Ok(i) => {
                    let message: String = items[i].text.chars().take(40).collect();
                    reporter.advance(1, Some(&message));
                    on_ready();
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(missing.len()),
        }
    })?;
    let busy = started.elapsed().as_secs_f64() * jobs as f64;
    let share = (!missing.is_empty() && busy > 0.0)
        .then(|| model_nanos.load(Ordering::Relaxed) as f64 / 1e9 / busy);
    Ok((synthesised, share))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::config::RenderArgs;
    use crate::report::recording::Recording;
    use crate::script::{CastEntry, Script};

    #[test]
    fn cached_sentences_count_at_once_and_a_failure_stops_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.md");
        std::fs::write(&input, "Host: One here. Two there. Three.\n").unwrap();
        let config = RenderConfig::try_from(RenderArgs::new(
            input.clone(),
            dir.path().join("out.wav"),
            dir.path().join("data"),
        ))
        .unwrap();
        let parsed = crate::transcript::parse(&std::fs::read_to_string(&input).unwrap()).unwrap();
        let script = Script::from_transcript(&parsed).unwrap();
        let items = crate::render::plan::plan(&script, "Narrator", false, 200, &mut Vec::new());
        assert_eq!(items.len(), 3);
        let keys: Vec<String> = ["one", "two", "three"].map(String::from).into();
        let cache = Cache::new(&dir.path().join("cache"));
        let entry = CastEntry {
            voice: "not-installed".into(),
            ..CastEntry::default()
        };
        let cast = Cast {
            entries: [("Host".to_string(), entry)].into(),
            warnings: Vec::new(),
        };
        let lexicon = LazyLexicon::new(dir.path(), None);
        let work = Workload {
            items: &items,
            keys: &keys,
            cast: &cast,
            installed: &[],
            lexicon: &lexicon,
        };
        let speech = vec![0.1f32; 100];
        for key in &keys[..2] {
            cache.put(key, config.rate, &speech).unwrap();
        }
        let reporter = Recording::default();
        let err = synthesise_all(&work, &cache, &config, &reporter, &|| {}).unwrap_err();
        assert!(
            err.to_string().contains("not-installed is not installed"),
            "{err}"
        );
        assert_eq!(reporter.lines(), ["advance: 2 "]);

        cache.put(&keys[2], config.rate, &speech).unwrap();
        let reporter = Recording::default();
        let done = synthesise_all(&work, &cache, &config, &reporter, &|| {}).unwrap();
        assert_eq!(done, (0, None), "nothing synthesised");
        assert_eq!(reporter.lines(), ["advance: 3 "]);
    }
}
