//! M4A/M4B (AAC in MP4, chapter atoms) and Opus episodes, encoded by the system's ffmpeg
//! from a chaptered WAV when it is installed (ffmpeg carries WAV cue chapters into MP4
//! chapters and Vorbis CHAPTER comments).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::formats::{Tags, encode_error};
use super::{Episode, OutputError, write_wav};

/// Whether an `ffmpeg` that can be run is on the PATH.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// AAC in MP4 (`.m4a`, `.m4b`) or Opus (`.opus`) by the system's ffmpeg, from a chaptered
/// WAV (ffmpeg carries WAV cue chapters into MP4 chapters and Vorbis CHAPTER comments).
pub fn write_with_ffmpeg(path: &Path, episode: &Episode, tags: &Tags) -> Result<(), OutputError> {
    let work = work_dir_beside(path)?;
    let wav = work.path().join("episode.wav");
    write_wav(&wav, episode)?;
    encode_wav_with_ffmpeg(&wav, path, tags)
}

/// A temporary folder next to `path`, so the finished file is renamed, not copied, into
/// place.
fn work_dir_beside(path: &Path) -> Result<tempfile::TempDir, OutputError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".recast-")
        .tempdir_in(dir)
        .map_err(|source| OutputError::Write {
            path: path.to_path_buf(),
            error: source,
        })
}

/// Encodes a chaptered WAV to `.m4a`, `.m4b` or `.opus` at `path` with ffmpeg, atomically.
pub fn encode_wav_with_ffmpeg(wav: &Path, path: &Path, tags: &Tags) -> Result<(), OutputError> {
    if !ffmpeg_available() {
        return Err(encode_error(
            path,
            "this format is written by ffmpeg, which is not installed; install it (e.g. `apt install ffmpeg`) or choose .wav, .flac or .mp3",
        ));
    }
    let work = work_dir_beside(path)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("m4a")
        .to_ascii_lowercase();
    let encoded: PathBuf = work.path().join(format!("episode.{extension}"));
    let codec: &[&str] = if extension == "opus" {
        &["-c:a", "libopus", "-b:a", "48k"]
    } else {
        &["-c:a", "aac", "-b:a", "64k", "-f", "mp4"]
    };
    let output = Command::new("ffmpeg")
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(wav)
        .args(["-map_chapters", "0"])
        .args(["-metadata", &format!("title={}", tags.title)])
        .args(["-metadata", &format!("artist={}", tags.artist)])
        .args(codec)
        .arg(&encoded)
        .output()
        .map_err(|source| OutputError::Write {
            path: path.to_path_buf(),
            error: source,
        })?;
    if !output.status.success() {
        return Err(encode_error(
            path,
            format!(
                "ffmpeg failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        ));
    }
    std::fs::rename(&encoded, path).map_err(|source| OutputError::Write {
        path: path.to_path_buf(),
        error: source,
    })
}
