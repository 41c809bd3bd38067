//! A render, end to end: input -> script -> cast -> plan -> synthesis -> speaker levels ->
//! layout -> mastered episode, clips and sidecars, telling a [`Reporter`] how it goes.
//!
//! Each step has its module: `config` (what was asked, checked once), `input` (decoding
//! and reading the file), `engines` (the voices: casting, loading, cache keys), `plan`,
//! `dispatch` and `synthesis` (the workers), `levels`, `layout` (the track and mastering),
//! `preview` (`--play`), `summary`, `error`; `say` and `phonemes` serve the commands of
//! those names.

mod config;
mod dispatch;
mod engines;
mod error;
mod input;
mod layout;
mod levels;
mod phonemes;
mod plan;
mod preview;
mod say;
mod summary;
mod synthesis;

pub use crate::text::zh::load_lexicon;
pub use config::{Announce, DEFAULT_RATE, RenderArgs, RenderConfig};
pub use engines::cast_script;
pub use error::RenderError;
pub use input::{InputOptions, LoadedInput, fetch_input, load_input};
pub use phonemes::phonemes_report;
pub use say::{SayRequest, say, say_and_play};
pub use summary::{ChapterSummary, RenderSummary, chapter_summary, format_time};

use crate::output;
use crate::report::Reporter;
use crate::synth::{self, cache::Cache};
use crate::text::zh::LazyLexicon;
use crate::voices::{self, Catalog};
use engines::{cast_speakers, sentence_key};
use preview::Preview;
use std::time::Instant;
use summary::{describe_entry, frames_to_duration};
use synthesis::{Workload, synthesise_all};

/// A voice the cast needs but cannot use is either not installed or damaged: say which,
/// since reinstalling is not the cure for a voice recast may not read.
fn say_why_unusable(
    error: RenderError,
    catalog: &Catalog,
    data_dir: &std::path::Path,
) -> RenderError {
    if let RenderError::Cast(crate::cast::CastError::NotInstalled { voice, .. }) = &error
        && let Ok(entry) = catalog.get(voice)
        && let voices::Installation::Unusable(why) = voices::installation(entry, data_dir)
    {
        return why.into();
    }
    error
}

/// Renders INPUT to a chaptered episode (and clips and sidecars), end to end. Progress
/// (one step per sentence) and warnings go to `reporter`.
pub fn render(
    config: &RenderConfig,
    reporter: &dyn Reporter,
) -> Result<RenderSummary, RenderError> {
    let started = Instant::now();
    // What an earlier, killed render left half-written beside its outputs.
    for dir in config.temp_dirs() {
        output::remove_stale_temp_files(&dir);
    }
    let loaded = match config.input_address() {
        Some(address) => {
            let saved = crate::fetch::saved_page_path(&config.output);
            let (saved, reading) = fetch_input(address, &config.input_options, &saved, reporter)?;
            load_input(&saved, &reading)?
        }
        None => load_input(&config.input, &config.input_options)?,
    };
    let script = &loaded.script;
    let announce = match config.announce {
        Announce::Auto => script.chapters.len() > 1,
        Announce::On => true,
        Announce::Off => false,
    };
    let narrator = crate::script::DEFAULT_NARRATOR;
    let mut speakers = script.speakers_by_share();
    if announce && !speakers.iter().any(|s| s == narrator) {
        speakers.push(narrator.to_string());
    }
    let catalog = Catalog::builtin();
    let installed = voices::installed(&catalog, &config.data_dir);
    let cast = cast_speakers(script, &speakers, &config.cast, &catalog, &installed)
        .map_err(|e| say_why_unusable(e, &catalog, &config.data_dir))?;
    for warning in &cast.warnings {
        reporter.warning(warning);
    }
    synth::init_runtime(&config.data_dir)?;

    let mut unspoken = Vec::new();
    let items = plan::plan(script, narrator, announce, config.max_chars, &mut unspoken);
    if items.is_empty() {
        return Err(RenderError::NothingToSay);
    }
    // Refuse at once what cannot fit, rather than after hours of synthesis.
    let shortest = plan::shortest_audio(&items, &cast, config.pauses);
    let limit = output::max_wav_frames() as f64 / f64::from(config.rate);
    if shortest.as_secs_f64() > limit {
        return Err(RenderError::TooLong {
            path: config.input.clone(),
            hours: shortest.as_secs_f64() / 3600.0,
            limit: limit / 3600.0,
            rate: config.rate,
        });
    }
    // The cache holds every synthesised sentence; with --no-cache a private one lives
    // only for this render.
    let private_cache;
    let cache = if config.cache {
        Cache::new(&config.data_dir.join("cache"))
    } else {
        private_cache = tempfile::tempdir().map_err(|source| {
            RenderError::Config(format!("cannot create a temporary folder: {source}"))
        })?;
        Cache::new(private_cache.path())
    };
    let lexicon = LazyLexicon::new(&config.data_dir, config.lexicon.as_deref());
    if script.language == "zh" || config.lexicon.is_some() {
        // Report a broken lexicon file before any synthesis.
        lexicon.get()?;
    }
    for warning in plan::unreadable_pieces(&items, &cast, &installed, &lexicon)? {
        reporter.warning(&warning);
    }
    let keys: Vec<String> = items
        .iter()
        .map(|item| {
            let entry = cast
                .voice_of(item.speaker)
                .expect("the cast covers every speaker");
            sentence_key(&installed, entry, &item.text, config.rate, &lexicon)
        })
        .collect::<Result<_, _>>()?;

    let work = Workload {
        items: &items,
        keys: &keys,
        cast: &cast,
        installed: &installed,
        lexicon: &lexicon,
    };
    let preview = config
        .play
        .then(|| Preview::start(&items, &keys, &cache, config.rate, config.pauses, started));
    reporter.start("synthesising sentences", Some(items.len() as u64));
    let synthesis = synthesise_all(&work, &cache, config, reporter, &|| {
        if let Some(preview) = &preview {
            preview.notify();
        }
    });
    reporter.finish();
    let synthesis = synthesis?;

    let gains = levels::speaker_gains(&items, &keys, &cache, config)?;
    let laid = layout::lay_out(script, &work, &cache, &gains, config)?;
    let mastered = layout::master(laid, config)?;
    let clips = match &config.clips {
        Some(dir) => output::write_clips_from_wav(mastered.wav.path(), dir)?,
        None => Vec::new(),
    };
    let tags = output::Tags {
        title: script.title.clone(),
        artist: script.speakers().join(", "),
    };
    output::publish(mastered.wav, &config.output, &tags)?;
    let sidecars = if config.sidecars {
        output::write_sidecars(&config.output, &mastered.timed)?
    } else {
        Vec::new()
    };
    // The episode is written whatever happened to the preview: a missing sound card must
    // not cost the render.
    let first_audio = match preview.map(Preview::finish) {
        Some(Ok(first)) => first,
        Some(Err(reason)) => {
            reporter.warning(&format!("could not play the episode: {reason}"));
            None
        }
        None => None,
    };
    let rate = config.rate;
    Ok(RenderSummary {
        output: config.output.clone(),
        title: script.title.clone(),
        duration: frames_to_duration(mastered.frames, rate),
        sample_rate: rate,
        chapters: mastered
            .chapters
            .iter()
            .map(|c| chapter_summary(c, rate))
            .collect(),
        voices: speakers
            .iter()
            .map(|s| {
                let voice = cast.voice_of(s).map(describe_entry).unwrap_or_default();
                (s.clone(), voice)
            })
            .collect(),
        sentences: items.len(),
        unspoken,
        skipped_lines: loaded.skipped.len(),
        clips,
        sidecars,
        integrated_lufs: mastered.levels.integrated_lufs,
        true_peak_dbtp: mastered.levels.true_peak_dbtp,
        synthesised: synthesis.synthesised,
        model_share: synthesis.model_share,
        jobs: synthesis.jobs,
        threads: synthesis.threads,
        peak_working_memory: synthesis.peak.bytes,
        memory_budget: synthesis.budget,
        most_at_once: synthesis.peak.sentences,
        elapsed: started.elapsed(),
        first_audio,
    })
}
