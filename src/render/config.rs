//! What a render is asked ([`RenderArgs`], as the user gave it) and the checked config it
//! becomes ([`RenderConfig`], through one `TryFrom`), so a render never starts on a bad one.

use super::RenderError;
use crate::cast::{self, Assignment};
use crate::mix::{LoudnessTarget, Pauses};
use crate::output;
use std::path::{Path, PathBuf};

/// Output sample rate: 24 kHz keeps the full band of every voice recast ships (Piper medium
/// 22.05 kHz, FastSpeech2/MB-MelGAN 24 kHz) at half the size of 48 kHz.
pub const DEFAULT_RATE: u32 = 24_000;

/// Whether the narrator reads the episode and chapter titles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// On when the script has more than one chapter.
    Auto,
    On,
    Off,
}

/// A render as the user asked for it, unchecked: turn it into a [`RenderConfig`] with
/// `RenderConfig::try_from`.
#[derive(Debug, Clone)]
pub struct RenderArgs {
    /// A transcript or a script file.
    pub input: PathBuf,
    /// How to read it (encoding, who is a speaker).
    pub input_options: super::InputOptions,
    /// The episode to write; its extension chooses the format.
    pub output: PathBuf,
    /// A folder for one WAV per chapter.
    pub clips: Option<PathBuf>,
    /// `--cast SPEAKER=VOICE[:key=value,...]` arguments, in the order given (later win).
    pub cast: Vec<String>,
    /// A TOML cast file, one table per speaker; `cast` wins over it.
    pub cast_file: Option<PathBuf>,
    pub rate: u32,
    pub pauses: Pauses,
    /// Longest text handed to a voice in one call, in characters.
    pub max_chars: usize,
    /// Synthesis workers, each with its own model sessions (default: one per core).
    pub jobs: Option<usize>,
    /// ONNX Runtime intra-op threads per session (default: the cores shared by the jobs).
    pub threads: Option<usize>,
    /// Working memory the sentences in synthesis may need at once, in MB (default:
    /// what the largest sentence needs, at least [`DEFAULT_MEMORY_MB`], at most a quarter of
    /// the memory available).
    pub max_memory_mb: Option<u64>,
    /// Reuse and keep synthesised sentences in the data folder's cache.
    pub cache: bool,
    /// A user lexicon (`word = reading`) for Chinese voices.
    pub lexicon: Option<PathBuf>,
    pub loudness: LoudnessTarget,
    pub announce: Announce,
    /// Write the chapters JSON, subtitles and timed script next to the episode.
    pub sidecars: bool,
    /// Play the episode while it is being synthesised.
    pub play: bool,
    /// Where the voices, the runtime and the cache are.
    pub data_dir: PathBuf,
}

impl RenderArgs {
    /// A render of `input` into `output` with every other choice at its default.
    pub fn new(input: PathBuf, output: PathBuf, data_dir: PathBuf) -> Self {
        Self {
            input,
            input_options: super::InputOptions::default(),
            output,
            clips: None,
            cast: Vec::new(),
            cast_file: None,
            rate: DEFAULT_RATE,
            pauses: Pauses::default(),
            max_chars: crate::text::DEFAULT_MAX_CHARS,
            jobs: None,
            threads: None,
            max_memory_mb: None,
            cache: true,
            lexicon: None,
            loudness: LoudnessTarget::default(),
            announce: Announce::Auto,
            sidecars: true,
            play: false,
            data_dir,
        }
    }
}

/// Everything a render needs, checked before any work starts: only
/// `RenderConfig::try_from(RenderArgs)` makes one, so a render never sees a bad one.
///
/// The fields are visible to the render's own modules, not to its callers.
#[derive(Debug, Clone)]
pub struct RenderConfig {
    pub(super) input: PathBuf,
    pub(super) input_options: super::InputOptions,
    pub(super) output: PathBuf,
    pub(super) clips: Option<PathBuf>,
    /// Explicit cast choices, lowest precedence first (cast file, then `--cast`).
    pub(super) cast: Vec<Assignment>,
    pub(super) rate: u32,
    pub(super) pauses: Pauses,
    pub(super) max_chars: usize,
    /// ONNX Runtime intra-op threads per session.
    pub(super) threads: usize,
    pub(super) data_dir: PathBuf,
    pub(super) loudness: LoudnessTarget,
    pub(super) announce: Announce,
    pub(super) sidecars: bool,
    /// Synthesis workers, each with its own model sessions.
    pub(super) jobs: usize,
    /// Neither `--jobs` nor `--threads` was given: synthesis may trade workers for threads
    /// when the sentences are too large for the memory budget to run several at once.
    pub(super) workers_by_memory: bool,
    /// Working memory the sentences in synthesis may need at once.
    pub(super) memory_budget: MemoryBudget,
    pub(super) cache: bool,
    pub(super) play: bool,
    pub(super) lexicon: Option<PathBuf>,
}

impl TryFrom<RenderArgs> for RenderConfig {
    type Error = RenderError;

    /// Parses the cast and checks what can be checked before synthesis: paths, rates,
    /// sizes, voice settings.
    fn try_from(args: RenderArgs) -> Result<Self, RenderError> {
        let mut assignments = Vec::new();
        if let Some(file) = &args.cast_file {
            assignments.extend(cast::load_cast_file(file)?);
        }
        for arg in &args.cast {
            assignments.push(cast::parse_cast_arg(arg)?);
        }
        check_paths(&args)?;
        check_numbers(&args)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let jobs = args.jobs.unwrap_or(cores).max(1);
        let memory_budget = match args.max_memory_mb {
            Some(mb) => MemoryBudget::Fixed(mb << 20),
            None => MemoryBudget::Largest {
                floor: DEFAULT_MEMORY_MB << 20,
                cap: machine_cap(crate::synth::available_memory()),
            },
        };
        Ok(RenderConfig {
            memory_budget,
            workers_by_memory: args.jobs.is_none() && args.threads.is_none(),
            threads: args.threads.unwrap_or(cores / jobs).max(1),
            jobs,
            cast: assignments,
            input: args.input,
            input_options: args.input_options,
            output: args.output,
            clips: args.clips,
            rate: args.rate,
            pauses: args.pauses,
            max_chars: args.max_chars,
            data_dir: args.data_dir,
            loudness: args.loudness,
            announce: args.announce,
            sidecars: args.sidecars,
            cache: args.cache,
            play: args.play,
            lexicon: args.lexicon,
        })
    }
}

impl RenderConfig {
    /// The folders where a render keeps temporary files beside its outputs.
    pub fn temp_dirs(&self) -> Vec<PathBuf> {
        std::iter::once(self.output_dir().to_path_buf())
            .chain(self.clips.clone())
            .collect()
    }

    /// The folder the episode is written in.
    pub(super) fn output_dir(&self) -> &Path {
        folder_of(&self.output)
    }

    /// The article's address when INPUT is one, not a file.
    pub(super) fn input_address(&self) -> Option<&str> {
        input_address(&self.input)
    }
}

/// INPUT as a web address (`https://…`), when it is one.
fn input_address(input: &Path) -> Option<&str> {
    input.to_str().filter(|s| crate::fetch::is_url(s))
}

/// The folder a file is in, `.` for a bare file name.
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn refuse(message: String) -> Result<(), RenderError> {
    Err(RenderError::Config(message))
}

/// The input is a file or a web address, and nothing recast writes replaces it or lands
/// where it cannot.
fn check_paths(args: &RenderArgs) -> Result<(), RenderError> {
    if input_address(&args.input).is_some() {
        // The page is saved beside the output, which is checked below like any output.
    } else if !args.input.is_file() {
        return refuse(format!(
            "input {} does not exist or is not a file; pass a transcript (.md, .txt) or a script (.json, .toml)",
            args.input.display()
        ));
    }
    let input = resolved(&args.input);
    if resolved(&args.output) == input {
        return refuse(format!(
            "output {} is the input file: the render would overwrite it; write the episode to another file, e.g. episode.wav",
            args.output.display()
        ));
    }
    if args.sidecars
        && let Some(sidecar) = output::sidecar_paths(&args.output)
            .into_iter()
            .find(|p| resolved(p) == input)
    {
        return refuse(format!(
            "the sidecar {} written next to {} is the input file: the render would overwrite it; name the episode differently or pass --no-sidecars",
            sidecar.display(),
            args.output.display()
        ));
    }
    match output::Format::from_path(&args.output) {
        None => {
            return refuse(format!(
                "output {} has an extension recast cannot write; use one of {}",
                args.output.display(),
                output::formats::EXTENSIONS
            ));
        }
        Some(output::Format::Ffmpeg) if !output::formats::ffmpeg_available() => {
            return refuse(format!(
                "output {} is written with ffmpeg, which is not installed; install it (e.g. `apt install ffmpeg`) or choose .wav, .flac or .mp3",
                args.output.display()
            ));
        }
        Some(_) => {}
    }
    if args.output.is_dir() {
        return refuse(format!(
            "output {} is a folder; give a file name such as episode.wav",
            args.output.display()
        ));
    }
    let parent = folder_of(&args.output);
    if !parent.is_dir() {
        return refuse(format!(
            "the folder of the output, {}, does not exist; create it first",
            parent.display()
        ));
    }
    if let Some(clips) = &args.clips
        && clips.exists()
        && !clips.is_dir()
    {
        return refuse(format!(
            "--clips {} is a file; give a folder (it is created if missing)",
            clips.display()
        ));
    }
    Ok(())
}

/// How much working memory the sentences in synthesis may need at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemoryBudget {
    /// As the user said (`--max-memory`).
    Fixed(u64),
    /// What the render's largest sentence needs alone (which a single session needs too:
    /// so recast peaks no higher than a one-session tool such as Piper's CLI), at least
    /// `floor`, at most `cap` (what the machine can spare).
    Largest { floor: u64, cap: u64 },
}

impl MemoryBudget {
    /// The budget in bytes for sentences of these costs.
    pub(crate) fn bytes(&self, costs: &[u64]) -> u64 {
        match *self {
            MemoryBudget::Fixed(bytes) => bytes,
            MemoryBudget::Largest { floor, cap } => {
                let largest = costs.iter().copied().max().unwrap_or(0);
                largest.max(floor).min(cap)
            }
        }
    }
}

/// Least working memory for synthesis when the user does not say, in MB: two workers on
/// English sentences of ~6 s with a Piper voice (~110 MB each) fit. On the varied English
/// benchmark a render then peaked at 324 MB against Piper's CLI's 322 MB (396 MB with a 2 GB
/// budget).
pub const DEFAULT_MEMORY_MB: u64 = 320;

/// A quarter of `available` bytes, at least 64 MB: a smaller machine, or one busy with other
/// work, gets fewer sentences at once rather than swapping.
fn machine_cap(available: Option<u64>) -> u64 {
    available.map_or(u64::MAX, |bytes| (bytes / 4).max(64 << 20))
}

/// The rate, the loudness targets and the sentence length are in their ranges.
fn check_numbers(args: &RenderArgs) -> Result<(), RenderError> {
    if !(8_000..=96_000).contains(&args.rate) {
        return refuse(format!(
            "--rate {} is out of range; use 8000 to 96000 Hz (default {DEFAULT_RATE})",
            args.rate
        ));
    }
    let loudness = args.loudness.integrated_lufs;
    if !(-40.0..=-6.0).contains(&loudness) {
        return refuse(format!(
            "--loudness {loudness} LUFS is out of range; use -40 to -6 (e.g. -16 for podcasts)"
        ));
    }
    let peak = args.loudness.true_peak_dbtp;
    if !(-12.0..=0.0).contains(&peak) {
        return refuse(format!(
            "--true-peak {peak} dBTP is out of range; use -12 to 0 (e.g. -1)"
        ));
    }
    if let Some(mb) = args.max_memory_mb
        && !(16..=1 << 20).contains(&mb)
    {
        return refuse(format!(
            "--max-memory {mb} MB is out of range; use 16 MB or more (by default, what the largest sentence needs, at least {DEFAULT_MEMORY_MB})"
        ));
    }
    if args.max_chars < 20 {
        return refuse(format!(
            "--max-chars {} is too small to hold a phrase; use 20 or more",
            args.max_chars
        ));
    }
    Ok(())
}

/// A path made absolute with its links resolved, as far as it exists, to tell whether two
/// paths name the same file.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(full) = path.canonicalize() {
        return full;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            resolved(parent).join(name)
        }
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transcript in a fresh folder, and the arguments of a render of it.
    fn args_in(dir: &Path) -> RenderArgs {
        let input = dir.join("in.md");
        std::fs::write(&input, "Host: Hello.\n").unwrap();
        RenderArgs::new(input, dir.join("out.wav"), dir.join("data"))
    }

    fn refused(args: RenderArgs) -> String {
        RenderConfig::try_from(args).unwrap_err().to_string()
    }

    #[test]
    fn good_arguments_become_a_config_with_their_cast_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let cast_file = dir.path().join("cast.toml");
        std::fs::write(&cast_file, "[Host]\nvoice = \"a\"\n").unwrap();
        let args = RenderArgs {
            cast: vec!["Host=b:speed=1.1".into()],
            cast_file: Some(cast_file),
            jobs: Some(0),
            ..args_in(dir.path())
        };
        let config = RenderConfig::try_from(args).unwrap();
        let voices: Vec<&str> = config.cast.iter().map(|a| a.entry.voice.as_str()).collect();
        assert_eq!(voices, ["a", "b"], "the cast file first, --cast over it");
        assert_eq!((config.jobs, config.rate), (1, DEFAULT_RATE));
        assert!(config.threads >= 1);
        assert_eq!(config.temp_dirs(), [dir.path().to_path_buf()]);
    }

    #[test]
    fn an_article_address_is_an_input_checked_before_anything_is_fetched() {
        let dir = tempfile::tempdir().unwrap();
        let address = "https://mp.weixin.qq.com/s?__biz=x&mid=1";
        let config = RenderConfig::try_from(RenderArgs {
            input: address.into(),
            ..args_in(dir.path())
        })
        .unwrap();
        assert_eq!(config.input_address(), Some(address));
        // The other arguments are still checked first, before any fetch.
        let bad = RenderConfig::try_from(RenderArgs {
            input: address.into(),
            output: dir.path().join("out.mp4"),
            ..args_in(dir.path())
        });
        assert!(bad.unwrap_err().to_string().contains("use one of"));
    }

    #[test]
    fn bad_arguments_are_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let args = || args_in(dir.path());
        let input = args().input;
        for (bad, expected) in [
            (
                RenderArgs {
                    output: input.clone(),
                    ..args()
                },
                "is the input file",
            ),
            (
                RenderArgs {
                    output: dir.path().join("in.md.wav"),
                    input: dir.path().join("missing.md"),
                    ..args()
                },
                "does not exist",
            ),
            (
                RenderArgs {
                    output: dir.path().join("out.mp4"),
                    ..args()
                },
                "use one of",
            ),
            (
                RenderArgs {
                    rate: 4_000,
                    ..args()
                },
                "--rate 4000 is out of range",
            ),
            (
                RenderArgs {
                    loudness: LoudnessTarget {
                        integrated_lufs: f64::NAN,
                        ..LoudnessTarget::default()
                    },
                    ..args()
                },
                "--loudness NaN",
            ),
            (
                RenderArgs {
                    max_chars: 5,
                    ..args()
                },
                "--max-chars 5",
            ),
            (
                RenderArgs {
                    cast: vec!["Host=v:pitch=300".into()],
                    ..args()
                },
                "`pitch` is 300, out of range: use -12 to 12 semitones",
            ),
        ] {
            let message = refused(bad);
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn a_sidecar_may_not_replace_the_input() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("episode.srt");
        std::fs::write(&input, "Host: Hello.\n").unwrap();
        let args = RenderArgs::new(input, dir.path().join("episode.wav"), dir.path().into());
        assert!(refused(args.clone()).contains("the sidecar"));
        let without = RenderArgs {
            sidecars: false,
            ..args
        };
        assert!(RenderConfig::try_from(without).is_ok());
    }

    #[test]
    fn the_memory_budget_is_the_largest_sentence_within_the_machine() {
        const MB: u64 = 1 << 20;
        let auto = MemoryBudget::Largest {
            floor: DEFAULT_MEMORY_MB * MB,
            cap: machine_cap(Some(16 << 30)),
        };
        assert_eq!(auto.bytes(&[100 * MB, 110 * MB]), DEFAULT_MEMORY_MB * MB);
        assert_eq!(
            auto.bytes(&[100 * MB, 800 * MB]),
            800 * MB,
            "the largest alone"
        );
        let small = MemoryBudget::Largest {
            floor: DEFAULT_MEMORY_MB * MB,
            cap: machine_cap(Some(1 << 30)),
        };
        assert_eq!(small.bytes(&[800 * MB]), 256 * MB, "a quarter of 1 GB");
        assert_eq!(machine_cap(Some(MB)), 64 * MB, "never nothing");
        assert_eq!(MemoryBudget::Fixed(5).bytes(&[800 * MB]), 5);
        let dir = tempfile::tempdir().unwrap();
        let mut args = args_in(dir.path());
        args.max_memory_mb = Some(600);
        assert_eq!(
            RenderConfig::try_from(args).unwrap().memory_budget,
            MemoryBudget::Fixed(600 << 20)
        );
        let mut args = args_in(dir.path());
        args.max_memory_mb = Some(8);
        assert!(refused(args).contains("--max-memory 8 MB is out of range"));
    }
}
