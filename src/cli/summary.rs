//! The summary a render prints on standard error once the episode is written.

use recast::render::{self, format_time};

/// Prints what a render wrote, how it sounds and what it took.
pub(crate) fn print_summary(summary: &render::RenderSummary) {
    eprintln!(
        "wrote {}: \"{}\", {} at {} Hz, {} sentences",
        summary.output.display(),
        summary.title,
        format_time(summary.duration),
        summary.sample_rate,
        summary.sentences
    );
    eprintln!("chapters:");
    for (i, c) in summary.chapters.iter().enumerate() {
        eprintln!(
            "{:>3}  {:>9}  {:>9}  {}",
            i + 1,
            format_time(c.start),
            format_time(c.duration),
            c.title
        );
    }
    eprintln!("voices:");
    for (speaker, voice) in &summary.voices {
        eprintln!("  {speaker}: {voice}");
    }
    eprintln!(
        "loudness: {:.1} LUFS integrated, true peak {:.1} dBTP",
        summary.integrated_lufs, summary.true_peak_dbtp
    );
    if !summary.clips.is_empty() {
        eprintln!("clips: {} files", summary.clips.len());
    }
    if !summary.sidecars.is_empty() {
        let names: Vec<String> = summary
            .sidecars
            .iter()
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .collect();
        eprintln!("sidecars: {}", names.join(", "));
    }
    if !summary.unspoken.is_empty() {
        eprintln!("not spoken (nothing to say in them):");
        for (speaker, text) in &summary.unspoken {
            eprintln!("  {speaker}: {text:?}");
        }
    }
    if summary.skipped_lines > 0 {
        eprintln!(
            "{} transcript lines were not speech (see `recast script --explain`)",
            summary.skipped_lines
        );
    }
    eprintln!(
        "took {:.1} s, real-time factor {:.3}; synthesised {} of {} sentences on {} worker{} x {} thread{} (the rest from the cache)",
        summary.elapsed.as_secs_f64(),
        summary.real_time_factor(),
        summary.synthesised,
        summary.sentences,
        summary.jobs,
        if summary.jobs == 1 { "" } else { "s" },
        summary.threads,
        if summary.threads == 1 { "" } else { "s" },
    );
    if let Some(share) = summary.model_share {
        eprintln!(
            "synthesis workers spent {:.0}% of their time inside model calls; at most {} sentence{} in synthesis at once, needing ~{} MB of working memory (budget {} MB)",
            share * 100.0,
            summary.most_at_once,
            if summary.most_at_once == 1 { "" } else { "s" },
            summary.peak_working_memory >> 20,
            summary.memory_budget >> 20,
        );
    }
}
