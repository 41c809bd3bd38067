//! `recast script`: builds the script from a transcript and prints or writes it, or says
//! how the transcript was read (`--explain`) or how its sentences are pronounced
//! (`--phonemes`).

use super::input::InputArgs;
use super::reporter::TerminalReporter;
use super::terminal::out;
use anyhow::{Result, bail};
use clap::ValueEnum;
use recast::fetch;
use recast::output;
use recast::render;
use recast::voices::{self, Catalog};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub(crate) struct ScriptCommand {
    /// The transcript: markdown, plain text, a web page saved as HTML, or an article's
    /// http(s) address (the page is saved beside -o as SCRIPT.source.html, else in the
    /// current folder).
    transcript: PathBuf,
    #[command(flatten)]
    reading: InputArgs,
    /// Output format (default: from the -o extension, else JSON).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the script here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Say how the transcript was read: its encoding, each speaker found and why, each
    /// label-like prefix refused and why, every line not turned into speech and why.
    #[arg(long)]
    explain: bool,
    /// Print each sentence's normalised text and pinyin (Chinese scripts) instead of
    /// the script, to see why a word is misread and fix it with --lexicon.
    #[arg(long)]
    phonemes: bool,
    /// A lexicon file (`word = reading` lines or TOML) that overrides the built-in one.
    #[arg(long, value_name = "FILE")]
    lexicon: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Toml,
}

impl ScriptCommand {
    pub(crate) fn run(self) -> Result<()> {
        let reading = self.reading.options()?;
        let (transcript, reading) = match self.transcript.to_str().filter(|s| fetch::is_url(s)) {
            Some(address) => {
                let saved = match &self.output {
                    Some(output) => fetch::saved_page_path(output),
                    None => fetch::default_saved_page_name(address),
                };
                render::fetch_input(address, &reading, &saved, &TerminalReporter::bytes())?
            }
            None => (self.transcript, reading),
        };
        if self.phonemes {
            let loaded = render::load_input(&transcript, &reading)?;
            let data_dir = voices::data_dir()?;
            let lexicon = render::load_lexicon(&data_dir, self.lexicon.as_deref())?;
            let catalog = Catalog::builtin();
            let installed = voices::installed(&catalog, &data_dir);
            // Shown as the default cast will read it; without voices, as Baker would.
            let cast = render::cast_script(&loaded.script, &[], &catalog, &installed).ok();
            out(render::phonemes_report(
                &loaded.script,
                &lexicon,
                cast.as_ref(),
                &installed,
            ));
            return Ok(());
        }
        script(transcript, &reading, self.format, self.output, self.explain)
    }
}

fn script(
    transcript: PathBuf,
    reading: &render::InputOptions,
    format: Option<Format>,
    output: Option<PathBuf>,
    explain: bool,
) -> Result<()> {
    if let Some(path) = &output
        && same_file(path, &transcript)
    {
        bail!(
            "-o {} is the input file; write the script to another file",
            path.display()
        );
    }
    let loaded = render::load_input(&transcript, reading)?;
    let format = format.unwrap_or_else(|| {
        match output
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some("toml") => Format::Toml,
            _ => Format::Json,
        }
    });
    let text = match format {
        Format::Json => loaded.script.to_json(),
        Format::Toml => loaded.script.to_toml()?,
    };
    match &output {
        Some(path) => {
            output::write_atomically(path, |file, _| {
                file.write_all(text.as_bytes())
                    .map_err(|source| output::OutputError::Write {
                        path: path.clone(),
                        error: source,
                    })
            })?;
            let script = &loaded.script;
            let turns: usize = script.chapters.iter().map(|c| c.turns.len()).sum();
            eprintln!(
                "wrote {}: {} chapters, {turns} turns, speakers: {}",
                path.display(),
                script.chapters.len(),
                script.speakers().join(", ")
            );
        }
        None => out(format!("{text}\n")),
    }
    if explain {
        eprint!("{}", explain_report(&loaded));
    }
    Ok(())
}

/// What `script --explain` says: how the input was read, who speaks and why, what was
/// refused or dropped and why.
fn explain_report(loaded: &render::LoadedInput) -> String {
    use recast::transcript::Verdict;
    use std::fmt::Write;
    let mut report = format!("read as {}, encoding {}\n", loaded.format, loaded.encoding);
    let (speakers, refused): (Vec<_>, Vec<_>) = loaded
        .labels
        .iter()
        .partition(|d| matches!(d.verdict, Verdict::Speaker(_)));
    for (heading, decisions) in [
        ("speakers found (line of the first label)", speakers),
        (
            "label-like prefixes not taken as speakers (read as text)",
            refused,
        ),
    ] {
        if decisions.is_empty() {
            continue;
        }
        let _ = writeln!(report, "{heading}:");
        for d in decisions {
            let _ = writeln!(
                report,
                "{:>5}  {}  {}",
                d.line,
                padded(&d.name, 16),
                d.verdict
            );
        }
    }
    if !loaded.skipped.is_empty() {
        report.push_str("lines not turned into speech:\n");
        for line in &loaded.skipped {
            let _ = write!(
                report,
                "{:>5}  {}  {}",
                line.line,
                padded(&line.reason.to_string(), 32),
                line.text
            );
            match &line.element {
                Some(element) => {
                    let _ = writeln!(report, "  [{element}]");
                }
                None => report.push('\n'),
            }
        }
    }
    report
}

/// `text` padded with spaces to `columns` terminal columns (a Chinese character takes two).
fn padded(text: &str, columns: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let width = text.width();
    format!("{text}{}", " ".repeat(columns.saturating_sub(width)))
}

/// Whether two paths name the same existing file (however they are spelled).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
