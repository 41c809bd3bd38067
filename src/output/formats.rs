//! The episode's formats, chosen by the file extension: WAV (chapters as cue points),
//! FLAC ([`super::flac`]) and MP3 ([`super::mp3`]) encoded in-process, and M4A/M4B/Opus
//! through the system's ffmpeg ([`super::ffmpeg`]) when it is installed. Every format
//! carries the chapters that `ffprobe -show_chapters` lists, and the title and artist tags.

use std::path::Path;

use super::pcm::{PcmSource, SamplesPcm};
use super::{ChapterMark, Episode, OutputError, write_wav};

pub use super::ffmpeg::{encode_wav_with_ffmpeg, ffmpeg_available, write_with_ffmpeg};
pub use super::flac::write_flac;
pub use super::mp3::write_mp3;

/// What the episode is called and who is in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    pub title: String,
    pub artist: String,
}

/// An output format, chosen by the file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Wav,
    Flac,
    Mp3,
    /// Written by ffmpeg: `.m4a`, `.m4b` (AAC in MP4, chapter atoms) and `.opus`.
    Ffmpeg,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "wav" => Some(Format::Wav),
            "flac" => Some(Format::Flac),
            "mp3" => Some(Format::Mp3),
            "m4a" | "m4b" | "opus" => Some(Format::Ffmpeg),
            _ => None,
        }
    }
}

/// The extensions `write_episode` understands, for messages.
pub const EXTENSIONS: &str = ".wav, .flac, .mp3, .m4a, .m4b, .opus";

/// Writes the episode in the format its extension names, atomically.
pub fn write_episode(path: &Path, episode: &Episode, tags: &Tags) -> Result<(), OutputError> {
    match Format::from_path(path) {
        Some(Format::Wav) => write_wav(path, episode),
        Some(Format::Flac | Format::Mp3) => {
            encode(path, &mut SamplesPcm::new(episode), episode.chapters, tags)
        }
        Some(Format::Ffmpeg) => write_with_ffmpeg(path, episode, tags),
        None => Err(unknown_format(path)),
    }
}

/// Encodes `audio` in-process to the FLAC or MP3 that `path` names, atomically.
pub(super) fn encode(
    path: &Path,
    audio: &mut dyn PcmSource,
    chapters: &[ChapterMark],
    tags: &Tags,
) -> Result<(), OutputError> {
    match Format::from_path(path) {
        Some(Format::Flac) => write_flac(path, audio, chapters, tags),
        Some(Format::Mp3) => write_mp3(path, audio, chapters, tags),
        _ => Err(unknown_format(path)),
    }
}

pub(super) fn unknown_format(path: &Path) -> OutputError {
    encode_error(path, format!("unknown format; use one of {EXTENSIONS}"))
}

pub(super) fn encode_error(path: &Path, reason: impl ToString) -> OutputError {
    OutputError::Write {
        path: path.to_path_buf(),
        error: std::io::Error::other(reason.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::from_path(Path::new("a.WAV")), Some(Format::Wav));
        assert_eq!(Format::from_path(Path::new("a.mp3")), Some(Format::Mp3));
        assert_eq!(Format::from_path(Path::new("a.m4b")), Some(Format::Ffmpeg));
        assert_eq!(Format::from_path(Path::new("a.ogg")), None);
        assert_eq!(Format::from_path(Path::new("a")), None);
    }
}
