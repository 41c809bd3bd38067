//! `recast feed`: writes the podcast feed for a folder of rendered episodes and says what
//! it holds.

use super::terminal::outln;
use anyhow::Result;
use recast::feed::{self, FeedOptions};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct FeedCommand {
    /// The folder of episodes (audio with its EPISODE.script.json, as `recast render`
    /// writes them); the feed is written to DIR/feed.xml.
    dir: PathBuf,
    /// Where DIR is served, e.g. http://192.168.1.20:8000/ for `recast serve`: the
    /// addresses in the feed start with it.
    #[arg(long, value_name = "URL")]
    base_url: String,
    /// The podcast's title [default: the feed's current one, else DIR's name].
    #[arg(long)]
    title: Option<String>,
    /// The podcast's description [default: the feed's current one].
    #[arg(long)]
    description: Option<String>,
}

impl FeedCommand {
    pub(crate) fn run(self) -> Result<()> {
        let options = FeedOptions {
            base_url: self.base_url,
            title: self.title,
            description: self.description,
        };
        let summary = feed::write_feed(&self.dir, &options)?;
        for skipped in &summary.skipped {
            eprintln!(
                "note: {} is not in the feed: {}",
                skipped.path.display(),
                skipped.reason
            );
        }
        for episode in &summary.episodes {
            if let Some(date) = &episode.unreadable_date {
                eprintln!(
                    "warning: {}: the publish time {date:?} is not a date recast reads; \
                     the episode is dated by the file instead",
                    episode.audio.display()
                );
            }
        }
        let added = summary.episodes.iter().filter(|e| e.added).count();
        let state = if summary.changed {
            format!("written, {added} new")
        } else {
            "unchanged".to_string()
        };
        outln(format!(
            "{}: {} episodes ({state})",
            summary.feed.display(),
            summary.episodes.len()
        ));
        for episode in &summary.episodes {
            let mark = if episode.added { "+" } else { " " };
            outln(format!(
                "  {mark} {}  {}",
                episode.audio.display(),
                episode.title
            ));
        }
        Ok(())
    }
}
