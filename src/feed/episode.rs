//! Finds the episodes in a folder: audio files with their `NAME.script.json` beside them, one
//! enclosure per episode, and the audio that is left out with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::output::{OutputError, TimedScript, sidecar_paths};

use super::{FeedError, SkipReason, SkippedAudio};

/// An audio format a feed can carry, in the order one is chosen when an episode was
/// rendered to several: MP3 plays in every podcast app; AAC in MP4 (`.m4a`, `.m4b`) is the
/// other format Apple Podcasts takes; Opus is smaller but missing from Apple's list; FLAC and
/// WAV are many times larger and refused by several directories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AudioFormat {
    Mp3,
    M4a,
    M4b,
    Opus,
    Flac,
    Wav,
}

impl AudioFormat {
    pub(crate) fn from_path(path: &Path) -> Option<AudioFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "mp3" => AudioFormat::Mp3,
            "m4a" => AudioFormat::M4a,
            "m4b" => AudioFormat::M4b,
            "opus" => AudioFormat::Opus,
            "flac" => AudioFormat::Flac,
            "wav" => AudioFormat::Wav,
            _ => return None,
        })
    }

    /// The enclosure `type`. MP3 and M4A are Apple's (`audio/mpeg`, `audio/x-m4a`); `.m4b`
    /// is not on Apple's list, and `audio/x-m4b` is the type in common use for it; `.opus`
    /// is Opus in an Ogg container.
    pub(crate) fn mime(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "audio/mpeg",
            AudioFormat::M4a => "audio/x-m4a",
            AudioFormat::M4b => "audio/x-m4b",
            AudioFormat::Opus => "audio/ogg",
            AudioFormat::Flac => "audio/flac",
            AudioFormat::Wav => "audio/wav",
        }
    }
}

/// A rendered episode: its chosen audio file, its timing sidecar, and which of the other
/// sidecars exist. Paths are relative to the feed's folder.
#[derive(Debug)]
pub(crate) struct Episode {
    pub(crate) audio: PathBuf,
    pub(crate) format: AudioFormat,
    /// Exact size in bytes, for the enclosure's `length`.
    pub(crate) length: u64,
    pub(crate) modified: SystemTime,
    pub(crate) script: TimedScript,
    pub(crate) chapters: Option<PathBuf>,
    pub(crate) srt: Option<PathBuf>,
    pub(crate) vtt: Option<PathBuf>,
}

/// The episodes under `dir` (subfolders included), ordered by path, and the audio files
/// that are not episodes. Hidden files and folders (recast's `.recast-…part` temporary
/// files among them) and symbolic links to folders are not looked into.
pub(crate) fn scan(dir: &Path) -> Result<(Vec<Episode>, Vec<SkippedAudio>), FeedError> {
    // Every audio file, grouped by its path without the extension: one episode's formats.
    let mut groups: BTreeMap<PathBuf, Vec<(AudioFormat, PathBuf)>> = BTreeMap::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        for (name, is_dir) in list(&dir.join(&folder))? {
            let relative = folder.join(&name);
            if is_dir {
                folders.push(relative);
            } else if let Some(format) = AudioFormat::from_path(&relative) {
                groups
                    .entry(relative.with_extension(""))
                    .or_default()
                    .push((format, relative));
            }
        }
    }
    let mut episodes = Vec::new();
    let mut skipped = Vec::new();
    for (_, mut formats) in groups {
        formats.sort();
        let mut formats = formats.into_iter();
        let Some((format, audio)) = formats.next() else {
            continue;
        };
        let [chapters, srt, vtt, script] = sidecar_paths(&audio);
        if !dir.join(&script).is_file() {
            skipped.extend(
                std::iter::once(audio)
                    .chain(formats.map(|(_, path)| path))
                    .map(|path| SkippedAudio {
                        path,
                        reason: SkipReason::NoScript {
                            script: script.clone(),
                        },
                    }),
            );
            continue;
        }
        skipped.extend(formats.map(|(_, path)| SkippedAudio {
            path,
            reason: SkipReason::OtherFormat {
                chosen: audio.clone(),
            },
        }));
        let metadata = std::fs::metadata(dir.join(&audio)).map_err(|error| FeedError::Read {
            path: dir.join(&audio),
            error,
        })?;
        let script = load_script(&dir.join(&script))?;
        let existing = |path: PathBuf| dir.join(&path).is_file().then_some(path);
        episodes.push(Episode {
            format,
            length: metadata.len(),
            modified: metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            script,
            chapters: existing(chapters),
            srt: existing(srt),
            vtt: existing(vtt),
            audio,
        });
    }
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((episodes, skipped))
}

/// The visible entries of a folder, sorted, each with whether it is a folder to descend
/// into.
fn list(folder: &Path) -> Result<Vec<(std::ffi::OsString, bool)>, FeedError> {
    let read_error = |error| FeedError::Read {
        path: folder.to_path_buf(),
        error,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        // The entry's own type: a link to a folder is not followed, so a link back up
        // cannot loop.
        let is_dir = entry.file_type().map_err(read_error)?.is_dir();
        entries.push((name, is_dir));
    }
    entries.sort();
    Ok(entries)
}

fn load_script(path: &Path) -> Result<TimedScript, FeedError> {
    TimedScript::load(path).map_err(|error| FeedError::Sidecar {
        path: path.to_path_buf(),
        reason: match error {
            OutputError::Read { error, .. } => error.to_string(),
            OutputError::NotWav { reason, .. } => reason,
            other => other.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_have_their_enclosure_types() {
        let mime = |name: &str| AudioFormat::from_path(Path::new(name)).map(AudioFormat::mime);
        assert_eq!(mime("a.mp3"), Some("audio/mpeg"));
        assert_eq!(mime("a.M4A"), Some("audio/x-m4a"));
        assert_eq!(mime("a.m4b"), Some("audio/x-m4b"));
        assert_eq!(mime("a.opus"), Some("audio/ogg"));
        assert_eq!(mime("a.flac"), Some("audio/flac"));
        assert_eq!(mime("a.wav"), Some("audio/wav"));
        assert_eq!(mime("a.ogg"), None);
        assert_eq!(mime("a.script.json"), None);
    }

    #[test]
    fn mp3_is_preferred_then_aac() {
        let mut formats = [
            AudioFormat::Wav,
            AudioFormat::Opus,
            AudioFormat::M4b,
            AudioFormat::Flac,
            AudioFormat::Mp3,
            AudioFormat::M4a,
        ];
        formats.sort();
        assert_eq!(formats[0], AudioFormat::Mp3);
        assert_eq!(formats[1], AudioFormat::M4a);
        assert_eq!(formats[5], AudioFormat::Wav);
    }
}
