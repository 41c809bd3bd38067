//! `recast render`: renders a transcript or a script to an episode, with a progress bar,
//! a summary, and clean-up of half-written files when interrupted.

use super::input::InputArgs;
use super::reporter::TerminalReporter;
use super::summary::print_summary;
use super::terminal::report_first_audio;
use anyhow::Result;
use recast::mix::{LoudnessTarget, Pauses};
use recast::output;
use recast::render::{self, Announce, RenderArgs, RenderConfig};
use recast::voices;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct RenderCommand {
    /// A transcript (.md, .txt, .html), an article's http(s) address (the page is saved
    /// beside the output as EPISODE.source.html), or a script written by `recast script`
    /// (.json, .toml).
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
}

impl RenderCommand {
    pub(crate) fn run(self) -> Result<()> {
        let quiet = self.quiet;
        let config = self.config()?;
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

    /// The arguments as the library's validated render configuration.
    fn config(self) -> Result<RenderConfig> {
        Ok(RenderConfig::try_from(RenderArgs {
            input: self.input,
            input_options: self.reading.options()?,
            output: self.output,
            clips: self.clips,
            cast: self.cast,
            cast_file: self.cast_file,
            rate: self.rate,
            pauses: Pauses {
                sentence_ms: self.sentence_pause,
                turn_ms: self.turn_pause,
                speaker_change_ms: self.speaker_pause,
                chapter_ms: self.chapter_pause,
            },
            max_chars: self.max_chars,
            jobs: self.jobs,
            threads: self.threads,
            max_memory_mb: self.max_memory,
            cache: !self.no_cache,
            lexicon: self.lexicon,
            loudness: LoudnessTarget {
                integrated_lufs: self.loudness,
                true_peak_dbtp: self.true_peak,
            },
            announce: match (self.announce, self.no_announce) {
                (true, _) => Announce::On,
                (_, true) => Announce::Off,
                _ => Announce::Auto,
            },
            sidecars: !self.no_sidecars,
            play: self.play,
            data_dir: voices::data_dir()?,
        })?)
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
