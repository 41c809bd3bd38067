//! Episode formats besides WAV: FLAC with Vorbis-comment chapters, MP3 with ID3v2 CHAP/CTOC
//! chapter frames (both encoded in-process), and M4A/M4B/Opus through the system's ffmpeg
//! when it is installed. Every format carries the chapters that `ffprobe -show_chapters`
//! lists, and the title and artist tags.

use super::{Episode, OutputError, to_i16, write_atomically, write_wav};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Whether an `ffmpeg` that can be run is on the PATH.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes the episode in the format its extension names, atomically.
pub fn write_episode(path: &Path, episode: &Episode, tags: &Tags) -> Result<(), OutputError> {
    match Format::from_path(path) {
        Some(Format::Wav) => write_wav(path, episode),
        Some(Format::Flac) => write_flac(path, episode, tags),
        Some(Format::Mp3) => write_mp3(path, episode, tags),
        Some(Format::Ffmpeg) => write_with_ffmpeg(path, episode, tags),
        None => Err(OutputError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(format!("unknown format; use one of {EXTENSIONS}")),
        }),
    }
}

fn encode_error(path: &Path, reason: impl ToString) -> OutputError {
    OutputError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(reason.to_string()),
    }
}

/// `HH:MM:SS.mmm`, the chapter time format of Vorbis comments.
fn chapter_time(frames: u64, rate: u32) -> String {
    let ms = frames * 1000 / u64::from(rate.max(1));
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// A FLAC VORBIS_COMMENT block body: vendor, then `KEY=value` comments, all little-endian
/// length-prefixed.
fn vorbis_comment(episode: &Episode, tags: &Tags) -> Vec<u8> {
    let mut comments = vec![
        format!("TITLE={}", tags.title),
        format!("ARTIST={}", tags.artist),
    ];
    for (i, chapter) in episode.chapters.iter().enumerate() {
        let n = i + 1;
        comments.push(format!(
            "CHAPTER{n:03}={}",
            chapter_time(chapter.start, episode.sample_rate)
        ));
        comments.push(format!("CHAPTER{n:03}NAME={}", chapter.title));
    }
    let mut body = Vec::new();
    let vendor = concat!("recast ", env!("CARGO_PKG_VERSION"));
    body.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    body.extend_from_slice(vendor.as_bytes());
    body.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for comment in comments {
        body.extend_from_slice(&(comment.len() as u32).to_le_bytes());
        body.extend_from_slice(comment.as_bytes());
    }
    body
}

/// 16-bit FLAC, encoded with flacenc, chapters as Vorbis comments.
pub fn write_flac(path: &Path, episode: &Episode, tags: &Tags) -> Result<(), OutputError> {
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;
    let pcm: Vec<i32> = episode
        .samples
        .iter()
        .map(|&s| i32::from(to_i16(s)))
        .collect();
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| encode_error(path, format!("{e:?}")))?;
    let source =
        flacenc::source::MemSource::from_samples(&pcm, 1, 16, episode.sample_rate as usize);
    let mut stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
        .map_err(|e| encode_error(path, format!("{e:?}")))?;
    const VORBIS_COMMENT: u8 = 4;
    let comment = flacenc::component::MetadataBlockData::new_unknown(
        VORBIS_COMMENT,
        &vorbis_comment(episode, tags),
    )
    .map_err(|e| encode_error(path, format!("{e:?}")))?;
    stream.add_metadata_block(comment);
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream
        .write(&mut sink)
        .map_err(|e| encode_error(path, format!("{e:?}")))?;
    write_atomically(path, |file, tmp| {
        file.write_all(sink.as_slice())
            .map_err(|source| OutputError::Write {
                path: tmp.to_path_buf(),
                source,
            })
    })
}

/// MP3 (LAME, 64 kbit/s mono, with the gapless LAME tag) behind an ID3v2.4 tag holding the
/// title, the artist, one CHAP frame per chapter and a CTOC frame listing them.
pub fn write_mp3(path: &Path, episode: &Episode, tags: &Tags) -> Result<(), OutputError> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm, Quality};
    let error = |e: &dyn std::fmt::Display| encode_error(path, format!("MP3 encoder: {e}"));
    let mut builder = Builder::new().ok_or_else(|| error(&"cannot start LAME"))?;
    builder.set_num_channels(1).map_err(|e| error(&e))?;
    builder
        .set_sample_rate(episode.sample_rate)
        .map_err(|e| error(&e))?;
    builder.set_brate(Bitrate::Kbps64).map_err(|e| error(&e))?;
    builder.set_quality(Quality::Good).map_err(|e| error(&e))?;
    builder.set_to_write_vbr_tag(true).map_err(|e| error(&e))?;
    let mut encoder = builder.build().map_err(|e| error(&e))?;
    let pcm: Vec<i16> = episode.samples.iter().map(|&s| to_i16(s)).collect();
    let mut mp3 = Vec::with_capacity(pcm.len() / 4);
    for chunk in pcm.chunks(1 << 16) {
        mp3.reserve(mp3lame_encoder::max_required_buffer_size(chunk.len()));
        encoder
            .encode_to_vec(MonoPcm(chunk), &mut mp3)
            .map_err(|e| error(&e))?;
    }
    mp3.reserve(7200);
    encoder
        .flush_to_vec::<FlushNoGap>(&mut mp3)
        .map_err(|e| error(&e))?;
    // The first frame is a placeholder for the LAME/Xing tag (length, encoder delay),
    // which can only be filled in once everything is encoded.
    let mut lame_tag = Vec::new();
    if encoder.lame_tag_encode_to_vec(&mut lame_tag).is_some() && lame_tag.len() <= mp3.len() {
        mp3[..lame_tag.len()].copy_from_slice(&lame_tag);
    }

    let mut tag = id3::Tag::new();
    use id3::TagLike;
    tag.set_title(&tags.title);
    tag.set_artist(&tags.artist);
    let rate = u64::from(episode.sample_rate.max(1));
    let mut element_ids = Vec::new();
    for (i, chapter) in episode.chapters.iter().enumerate() {
        let element_id = format!("chp{}", i + 1);
        let mut title = id3::Tag::new();
        title.set_title(&chapter.title);
        tag.add_frame(id3::frame::Chapter {
            element_id: element_id.clone(),
            start_time: (chapter.start * 1000 / rate) as u32,
            end_time: ((chapter.start + chapter.frames) * 1000 / rate) as u32,
            start_offset: u32::MAX,
            end_offset: u32::MAX,
            frames: title.frames().cloned().collect(),
        });
        element_ids.push(element_id);
    }
    if !element_ids.is_empty() {
        tag.add_frame(id3::frame::TableOfContents {
            element_id: "toc".to_string(),
            top_level: true,
            ordered: true,
            elements: element_ids,
            frames: Vec::new(),
        });
    }
    write_atomically(path, |file, tmp| {
        let io = |source| OutputError::Write {
            path: tmp.to_path_buf(),
            source,
        };
        tag.write_to(&mut *file, id3::Version::Id3v24)
            .map_err(|e| encode_error(tmp, format!("ID3 tag: {e}")))?;
        file.write_all(&mp3).map_err(io)
    })
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
            source,
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
            source,
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
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::ChapterMark;

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::from_path(Path::new("a.WAV")), Some(Format::Wav));
        assert_eq!(Format::from_path(Path::new("a.mp3")), Some(Format::Mp3));
        assert_eq!(Format::from_path(Path::new("a.m4b")), Some(Format::Ffmpeg));
        assert_eq!(Format::from_path(Path::new("a.ogg")), None);
        assert_eq!(Format::from_path(Path::new("a")), None);
    }

    #[test]
    fn vorbis_chapters_are_well_formed() {
        let chapters = [
            ChapterMark {
                title: "一".into(),
                start: 0,
                frames: 24000,
            },
            ChapterMark {
                title: "Two".into(),
                start: 24000 * 3723 + 12000,
                frames: 10,
            },
        ];
        let episode = Episode {
            sample_rate: 24000,
            samples: &[],
            chapters: &chapters,
        };
        let body = vorbis_comment(
            &episode,
            &Tags {
                title: "T".into(),
                artist: "A".into(),
            },
        );
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("CHAPTER001=00:00:00.000"));
        assert!(text.contains("CHAPTER002=01:02:03.500"));
        assert!(text.contains("CHAPTER001NAME=一"));
        let vendor_len = u32::from_le_bytes(body[0..4].try_into().unwrap()) as usize;
        let count = u32::from_le_bytes(body[4 + vendor_len..8 + vendor_len].try_into().unwrap());
        assert_eq!(count, 6);
    }
}
