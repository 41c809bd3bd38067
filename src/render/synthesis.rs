//! Synthesis of a render's sentences: every sentence missing from the cache is voiced on
//! worker threads, each with its own engines, and put in the cache.

use super::RenderError;
use super::config::RenderConfig;
use super::dispatch::{Dispatch, DispatchPeak};
use super::engines::Voices;
use super::plan::Planned;
use crate::cast::Cast;
use crate::mix;
use crate::report::Reporter;
use crate::synth::cache::Cache;
use crate::synth::engine_for;
use crate::text::zh::LazyLexicon;
use crate::voices::InstalledVoice;
use std::time::Instant;

/// A sentence this render made sure is in the cache.
pub(crate) fn cached(cache: &Cache, key: &str, rate: u32) -> Result<Vec<f32>, RenderError> {
    cache.get(key, rate).ok_or_else(|| vanished(cache))
}

/// [`cached`], with where the sentence's syllables are, from the same read.
pub(crate) fn cached_timed(
    cache: &Cache,
    key: &str,
    rate: u32,
) -> Result<(Vec<f32>, Vec<crate::synth::SpokenSyllable>), RenderError> {
    cache.get_timed(key, rate).ok_or_else(|| vanished(cache))
}

fn vanished(cache: &Cache) -> RenderError {
    RenderError::Config(format!(
        "a synthesised sentence vanished from the cache folder {} during the render; is another process pruning it? Render again",
        cache.dir().display()
    ))
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

/// What synthesis did in a render.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct SynthesisReport {
    /// Sentences synthesised (the others came from the cache).
    pub(crate) synthesised: usize,
    /// If any were, the share of the workers' time spent inside model calls.
    pub(crate) model_share: Option<f64>,
    /// The most working memory (estimated) and sentences in synthesis at once.
    pub(crate) peak: DispatchPeak,
    /// Workers, and intra-op threads per session.
    pub(crate) jobs: usize,
    pub(crate) threads: usize,
    /// The working-memory budget the dispatch kept to, in bytes.
    pub(crate) budget: u64,
}

/// The working memory synthesising `item` needs, by its voice's engine (none when the voice
/// is not installed: the render fails on it before it needs any).
fn working_memory(item: &Planned, cast: &Cast, installed: &[InstalledVoice]) -> u64 {
    cast.voice_of(item.speaker)
        .and_then(|entry| installed.iter().find(|v| v.entry.id == entry.voice))
        .map_or(0, |voice| {
            engine_for(&voice.entry).working_memory(crate::text::spoken_seconds(&item.text))
        })
}

/// How much of two cores one session on two threads gets done, against two sessions on
/// one thread each: Kokoro took 0.315 s per second of audio on two threads against 0.55 s
/// on one (an 11 s sentence, ONNX Runtime 1.32), 0.87 of two ideal single-thread
/// sessions; Piper's joe did worse on two threads (benchmark: 0.95 against 1.33 of Piper's
/// speed), so the figure favours fewer workers only where the budget forces it.
const SHARED_THREADS_EFFICIENCY: f64 = 0.87;

/// Workers and intra-op threads for sentences of these costs on `cores` cores: a worker per
/// core on one thread each, unless the budget keeps them apart so much that one worker on
/// all cores would finish first. Decided by playing the dispatch through with each
/// sentence taking time in proportion to its cost (both grow with its audio): Kokoro's
/// long Chinese sentences, none of which fits beside another, get one worker on two
/// threads; sentences alike in length that fit in pairs get two workers.
pub(crate) fn workers_for(costs: &[u64], budget: u64, cores: usize) -> (usize, usize) {
    let cores = cores.max(1);
    if costs.len() <= 1 {
        return (1, cores);
    }
    // Most workers first, so that a tie goes to the plan that keeps more sessions busy.
    (1..=cores.min(costs.len()))
        .rev()
        .map(|workers| {
            let threads = (cores / workers).max(1);
            let speed = if threads > 1 {
                threads as f64 * SHARED_THREADS_EFFICIENCY
            } else {
                1.0
            };
            ((workers, threads), makespan(costs, budget, workers) / speed)
        })
        .fold(
            None,
            |best: Option<((usize, usize), f64)>, (plan, time)| match best {
                Some((_, fastest)) if fastest <= time => best,
                _ => Some((plan, time)),
            },
        )
        .map_or((1, cores), |(plan, _)| plan)
}

/// How long `workers` workers take over sentences that each take their cost in time,
/// handed out as [`Dispatch`] does (longest first, within the budget, alone if too large).
fn makespan(costs: &[u64], budget: u64, workers: usize) -> f64 {
    let mut waiting: Vec<u64> = costs.to_vec();
    waiting.sort_unstable_by(|a, b| b.cmp(a));
    let mut running: Vec<(f64, u64)> = Vec::new(); // (ends at, cost)
    let mut now = 0.0;
    while !waiting.is_empty() || !running.is_empty() {
        loop {
            if running.len() >= workers || waiting.is_empty() {
                break;
            }
            let in_flight: u64 = running.iter().map(|&(_, c)| c).sum();
            let room = budget.saturating_sub(in_flight);
            let at = if running.is_empty() {
                Some(0)
            } else {
                waiting.iter().position(|&c| c <= room)
            };
            let Some(at) = at else { break };
            let cost = waiting.remove(at);
            running.push((now + cost as f64, cost));
        }
        let Some((first, _)) = running
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(i, r)| (i, *r))
        else {
            break;
        };
        now = running[first].0;
        running.swap_remove(first);
    }
    now
}

/// Makes sure every planned sentence is in the cache, synthesising the missing ones on
/// `config.jobs` workers, each with its own engines (and so its own ONNX Runtime
/// sessions), as many at once as the memory budget holds.
pub(crate) fn synthesise_all(
    work: &Workload,
    cache: &Cache,
    config: &RenderConfig,
    reporter: &dyn Reporter,
    on_ready: &dyn Fn(),
) -> Result<SynthesisReport, RenderError> {
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
    let mut costs = vec![0u64; items.len()];
    for &i in &missing {
        costs[i] = working_memory(&items[i], cast, installed);
    }
    let missing_costs: Vec<u64> = missing.iter().map(|&i| costs[i]).collect();
    let budget = config.memory_budget.bytes(&missing_costs);
    let (jobs, threads) = if config.workers_by_memory {
        workers_for(&missing_costs, budget, config.jobs * config.threads)
    } else {
        (config.jobs.clamp(1, missing.len().max(1)), config.threads)
    };
    let dispatch = Dispatch::new(&missing, |i| costs[i], budget, !config.play);
    let failed = AtomicBool::new(false);
    let model_nanos = AtomicU64::new(0);
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::channel::<Result<usize, RenderError>>();
    let synthesised = std::thread::scope(|scope| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let (dispatch, failed, model_nanos) = (&dispatch, &failed, &model_nanos);
            scope.spawn(move || {
                let mut voices = Voices::new(installed, threads, lexicon);
                while let Some(ticket) = dispatch.take(failed) {
                    let i = ticket.item;
                    let item = &items[i];
                    let entry = cast
                        .voice_of(item.speaker)
                        .expect("the cast covers every speaker");
                    let result = voices
                        .speak(entry, &item.text)
                        .and_then(|audio| Ok(mix::prepare(&audio, config.rate)?))
                        .and_then(|speech| {
                            Ok(cache.put(
                                &keys[i],
                                config.rate,
                                &speech.samples,
                                &speech.syllables,
                            )?)
                        })
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
    let model_share = (!missing.is_empty() && busy > 0.0)
        .then(|| model_nanos.load(Ordering::Relaxed) as f64 / 1e9 / busy);
    Ok(SynthesisReport {
        synthesised,
        model_share,
        peak: dispatch.peak(),
        jobs,
        threads,
        budget,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::config::RenderArgs;
    use crate::report::recording::Recording;
    use crate::script::{CastEntry, Script};

    #[test]
    fn workers_follow_what_the_budget_holds() {
        const MB: u64 = 1 << 20;
        let uniform = vec![110 * MB; 60];
        assert_eq!(workers_for(&uniform, 320 * MB, 2), (2, 1), "pairs fit");
        let long = vec![190 * MB; 100];
        assert_eq!(
            workers_for(&long, 320 * MB, 2),
            (1, 2),
            "none fits beside another"
        );
        assert_eq!(workers_for(&long, 400 * MB, 2), (2, 1));
        assert_eq!(workers_for(&long, 400 * MB, 8), (2, 4));
        // A few short ones do not make two workers worth it when the long ones run alone.
        let mut mostly_long = vec![800 * MB; 60];
        mostly_long.extend([30 * MB; 20]);
        assert_eq!(workers_for(&mostly_long, 800 * MB, 2), (1, 2));
        // Long ones with enough short ones to run beside them: two workers.
        let mut varied = vec![20 * MB; 100];
        varied.extend([300 * MB; 5]);
        assert_eq!(workers_for(&varied, 320 * MB, 2), (2, 1));
        // Too few to keep the second worker busy: one worker on both cores is done first.
        varied.truncate(50);
        varied.extend([300 * MB; 5]);
        assert_eq!(workers_for(&varied, 320 * MB, 2), (1, 2));
        assert_eq!(
            workers_for(&[500 * MB], 320 * MB, 2),
            (1, 2),
            "one sentence"
        );
        assert_eq!(workers_for(&[], 320 * MB, 2), (1, 2));
    }

    #[test]
    fn the_simulated_dispatch_runs_pairs_when_they_fit() {
        assert_eq!(makespan(&[10, 10, 10, 10], 20, 2), 20.0);
        assert_eq!(makespan(&[10, 10, 10, 10], 15, 2), 40.0, "one at a time");
        assert_eq!(
            makespan(&[30, 10, 10, 10], 40, 2),
            30.0,
            "shorts beside the long one"
        );
    }

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
            cache.put(key, config.rate, &speech, &[]).unwrap();
        }
        let reporter = Recording::default();
        let err = synthesise_all(&work, &cache, &config, &reporter, &|| {}).unwrap_err();
        assert!(
            err.to_string().contains("not-installed is not installed"),
            "{err}"
        );
        assert_eq!(reporter.lines(), ["advance: 2 "]);

        cache.put(&keys[2], config.rate, &speech, &[]).unwrap();
        let reporter = Recording::default();
        let done = synthesise_all(&work, &cache, &config, &reporter, &|| {}).unwrap();
        assert_eq!(done.synthesised, 0, "nothing synthesised");
        assert_eq!(done.model_share, None);
        assert_eq!(reporter.lines(), ["advance: 3 "]);
    }
}
