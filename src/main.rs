//! The `recast` program: points espeak-ng at its data, parses the command line and runs
//! the command (see `cli`), reporting a failure as one message and exit code 1.

mod cli;

use clap::Parser;

fn main() {
    point_espeak_at_its_data();
    let cli = cli::Cli::parse();
    if let Err(error) = cli::run(cli) {
        // The message, then each cause it has (`{:#}`): a library error that names its
        // cause in its message does not also give it as its source.
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

/// espeak-rs reads its data folder from an environment variable only, and setting one is
/// sound only while the process has a single thread: now, before anything has started.
fn point_espeak_at_its_data() {
    if let Ok(data_dir) = recast::voices::data_dir() {
        // SAFETY: nothing has started a thread yet (this is the first call in `main`).
        // A failure is reported by the voice that needs espeak-ng, when it loads.
        let _ = unsafe { recast::synth::runtime::point_espeak_at_data(&data_dir) };
    }
}
