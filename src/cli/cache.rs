//! `recast cache`: inspects or trims the cache of synthesised sentences.

use super::terminal::outln;
use anyhow::Result;
use clap::Subcommand;
use recast::synth::cache::{Cache, parse_size};
use recast::voices;

#[derive(clap::Args)]
pub(crate) struct CacheCommand {
    #[command(subcommand)]
    command: CacheSubcommand,
}

#[derive(Subcommand)]
enum CacheSubcommand {
    /// Where the cache is, how many sentences it holds and its size.
    Stats,
    /// Remove the least recently used sentences until the cache fits in SIZE.
    Prune {
        /// e.g. 500M, 2G; 0 empties the cache.
        #[arg(long, default_value = "1G", value_name = "SIZE")]
        max_size: String,
    },
}

impl CacheCommand {
    pub(crate) fn run(self) -> Result<()> {
        let cache = Cache::new(&voices::data_dir()?.join("cache"));
        match self.command {
            CacheSubcommand::Stats => {
                let stats = cache.stats();
                outln(format!(
                    "{}: {} sentences, {:.1} MB",
                    cache.dir().display(),
                    stats.entries,
                    stats.bytes as f64 / 1e6
                ));
            }
            CacheSubcommand::Prune { max_size } => {
                let limit =
                    parse_size(&max_size).map_err(|e| anyhow::anyhow!("--max-size: {e}"))?;
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
