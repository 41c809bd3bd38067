//! `recast chapters`: prints the chapter markers stored in an episode WAV.

use super::terminal::outln;
use anyhow::Result;
use recast::output;
use recast::render::{self, format_time};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct ChaptersCommand {
    /// The episode WAV.
    file: PathBuf,
}

impl ChaptersCommand {
    pub(crate) fn run(self) -> Result<()> {
        let file = self.file;
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
}
