//! Writes the episode: a 16-bit PCM WAV with chapter markers (`cue ` + `LIST/adtl`),
//! per-chapter clips, and reads those markers back.

use std::path::Path;

/// A chapter marker as stored in (or read back from) a WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct ChapterMark {
    pub title: String,
    /// First frame of the chapter.
    pub start: u64,
    /// Length in frames.
    pub frames: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Chapters stored in a WAV file written by recast (or any WAV with cue points).
pub fn read_chapters(_path: &Path) -> Result<(u32, Vec<ChapterMark>), OutputError> {
    todo!("being written")
}
