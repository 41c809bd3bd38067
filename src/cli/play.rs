//! `recast play`: previews an episode with chapter and turn navigation.

use anyhow::Result;
use recast::play::{self, StartAt};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct PlayCommand {
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
}

impl PlayCommand {
    pub(crate) fn run(self) -> Result<()> {
        let start = match (self.chapter, self.from, self.turn) {
            (Some(n), _, _) => StartAt::Chapter(n),
            (_, Some(t), _) => StartAt::Time(play::parse_time(&t)?),
            (_, _, Some(n)) => StartAt::Turn(n),
            _ => StartAt::Beginning,
        };
        play::play(&self.file, start)?;
        Ok(())
    }
}
