//! MP3 episodes: LAME at 64 kbit/s mono, streamed to the file a block at a time, behind an
//! ID3v2.4 tag holding the title, the artist, one CHAP frame per chapter and a CTOC frame
//! listing them. The first MP3 frame is LAME's gapless tag (length, encoder delay), written
//! over its placeholder once everything is encoded.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use id3::TagLike;
use mp3lame_encoder::{Bitrate, Builder, FlushGap, MonoPcm, Quality};

use super::formats::{Tags, encode_error};
use super::pcm::{PcmSource, fill};
use super::{ChapterMark, OutputError, write_atomically};

/// Samples handed to LAME at once.
const BLOCK: usize = 1 << 16;

/// Most bytes LAME's final flush writes.
const FLUSH_BYTES: usize = 7200;

/// Writes `audio` as an MP3 with `chapters` (frame positions), atomically.
pub fn write_mp3(
    path: &Path,
    audio: &mut dyn PcmSource,
    chapters: &[ChapterMark],
    tags: &Tags,
) -> Result<(), OutputError> {
    let error = |e: &dyn std::fmt::Display| encode_error(path, format!("MP3 encoder: {e}"));
    let rate = audio.sample_rate();
    let mut builder = Builder::new().ok_or_else(|| error(&"cannot start LAME"))?;
    builder.set_num_channels(1).map_err(|e| error(&e))?;
    builder.set_sample_rate(rate).map_err(|e| error(&e))?;
    builder.set_brate(Bitrate::Kbps64).map_err(|e| error(&e))?;
    builder.set_quality(Quality::Good).map_err(|e| error(&e))?;
    builder.set_to_write_vbr_tag(true).map_err(|e| error(&e))?;
    let mut encoder = builder.build().map_err(|e| error(&e))?;
    let tag = id3_tag(rate, chapters, tags);

    write_atomically(path, |file, tmp| {
        let io = |source| OutputError::Write {
            path: tmp.to_path_buf(),
            error: source,
        };
        tag.write_to(&mut *file, id3::Version::Id3v24)
            .map_err(|e| encode_error(tmp, format!("ID3 tag: {e}")))?;
        let audio_start = file.stream_position().map_err(io)?;
        let mut out = BufWriter::new(file);
        let mut pcm = vec![0i16; BLOCK];
        let mut mp3 = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(BLOCK));
        let mut mp3_bytes = 0;
        loop {
            let n = fill(audio, &mut pcm)?;
            if n > 0 {
                mp3.clear();
                encoder
                    .encode_to_vec(MonoPcm(&pcm[..n]), &mut mp3)
                    .map_err(|e| error(&e))?;
                out.write_all(&mp3).map_err(io)?;
                mp3_bytes += mp3.len();
            }
            if n < BLOCK {
                break;
            }
        }
        mp3.clear();
        mp3.reserve(FLUSH_BYTES);
        encoder
            .flush_to_vec::<FlushGap>(&mut mp3)
            .map_err(|e| error(&e))?;
        out.write_all(&mp3).map_err(io)?;
        mp3_bytes += mp3.len();
        // LAME writes the tag only into room made for it beforehand.
        let mut lame_tag = Vec::with_capacity(encoder.lame_tag_size());
        if encoder.lame_tag_encode_to_vec(&mut lame_tag).is_some() && lame_tag.len() <= mp3_bytes {
            out.seek(SeekFrom::Start(audio_start)).map_err(io)?;
            out.write_all(&lame_tag).map_err(io)?;
        }
        out.flush().map_err(io)
    })
}

/// Title, artist, and a CHAP frame (times in milliseconds) per chapter with a CTOC frame
/// listing them in order.
fn id3_tag(rate: u32, chapters: &[ChapterMark], tags: &Tags) -> id3::Tag {
    let mut tag = id3::Tag::new();
    tag.set_title(&tags.title);
    tag.set_artist(&tags.artist);
    let rate = u64::from(rate.max(1));
    let mut element_ids = Vec::new();
    for (i, chapter) in chapters.iter().enumerate() {
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
    tag
}
