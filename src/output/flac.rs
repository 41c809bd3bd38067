//! FLAC episodes: 16-bit mono encoded by flacenc a batch of blocks at a time and streamed
//! to the file, with the title, the artist and the chapters as Vorbis comments
//! (`CHAPTERnnn` and `CHAPTERnnnNAME`, which ffprobe and most players list).
//!
//! flacenc's whole-stream API keeps every encoded frame until the end; here each batch is
//! written as soon as it is encoded, and STREAMINFO (total length, MD5, frame sizes), which
//! comes first in the file but is known only at the end, is written again over its
//! placeholder. The bytes are the same as flacenc's own whole-stream encoder writes.

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use flacenc::component::{BitRepr, MetadataBlockData, Stream, StreamInfo};
use flacenc::error::{Verified, Verify};
use flacenc::source::{Context, Fill, FrameBuf};

use super::formats::{Tags, encode_error};
use super::pcm::{PcmSource, fill};
use super::{ChapterMark, OutputError, write_atomically};

/// Metadata block type of a Vorbis comment.
const VORBIS_COMMENT: u8 = 4;

/// Where STREAMINFO's body starts: after `fLaC` and its own block header.
const STREAM_INFO_AT: u64 = 8;

/// Blocks each encoding thread takes per batch: enough to outweigh starting the threads,
/// few enough that a batch stays small (a block is 4096 samples).
const BLOCKS_PER_THREAD: usize = 4;

/// Most threads a FLAC encoding uses.
const MAX_THREADS: usize = 8;

/// Writes `audio` as a 16-bit mono FLAC with `chapters` (frame positions), atomically.
pub fn write_flac(
    path: &Path,
    audio: &mut dyn PcmSource,
    chapters: &[ChapterMark],
    tags: &Tags,
) -> Result<(), OutputError> {
    let flac_error = |e: &dyn std::fmt::Debug| encode_error(path, format!("FLAC encoder: {e:?}"));
    let config = flacenc::config::Encoder::default()
        .into_verified()
        .map_err(|(_, e)| flac_error(&e))?;
    let block_size = config.block_size;
    let rate = audio.sample_rate();
    let mut stream = Stream::new(rate as usize, 1, 16).map_err(|e| flac_error(&e))?;
    // As flacenc's own encoder does, so that the bytes match it.
    stream
        .stream_info_mut()
        .set_block_sizes(block_size, block_size)
        .map_err(|e| flac_error(&e))?;
    let comment =
        MetadataBlockData::new_unknown(VORBIS_COMMENT, &vorbis_comment(rate, chapters, tags))
            .map_err(|e| flac_error(&e))?;
    stream.add_metadata_block(comment);

    write_atomically(path, |file, tmp| {
        let io = |source| OutputError::Write {
            path: tmp.to_path_buf(),
            error: source,
        };
        let mut out = BufWriter::new(file);
        let mut sink = flacenc::bitsink::ByteSink::new();
        // The stream without frames is its header: STREAMINFO (a placeholder for now) and
        // the comments.
        stream.write(&mut sink).map_err(|e| flac_error(&e))?;
        out.write_all(sink.as_slice()).map_err(io)?;

        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS);
        let mut batch: Vec<FrameBuf> = (0..threads * BLOCKS_PER_THREAD)
            .map(|_| FrameBuf::with_size(1, block_size))
            .collect::<Result<_, _>>()
            .map_err(|e| flac_error(&e))?;
        let mut block = vec![0i16; block_size];
        let mut wide = vec![0i32; block_size];
        let mut context = Context::new(16, 1);
        let mut frames_written = 0;
        let mut ended = false;
        while !ended {
            let mut filled = 0;
            for buffer in &mut batch {
                let n = fill(audio, &mut block)?;
                if n == 0 {
                    ended = true;
                    break;
                }
                for (w, &s) in wide.iter_mut().zip(&block[..n]) {
                    *w = i32::from(s);
                }
                (&mut *buffer, &mut context)
                    .fill_interleaved(&wide[..n])
                    .map_err(|e| flac_error(&e))?;
                filled += 1;
                if n < block_size {
                    ended = true;
                    break;
                }
            }
            let frames = encode_batch(
                &config,
                &batch[..filled],
                frames_written,
                stream.stream_info(),
                threads,
            )
            .map_err(|e| encode_error(path, format!("FLAC encoder: {e}")))?;
            frames_written += filled;
            for frame in frames {
                stream.stream_info_mut().update_frame_info(&frame);
                sink.clear();
                frame.write(&mut sink).map_err(|e| flac_error(&e))?;
                out.write_all(sink.as_slice()).map_err(io)?;
            }
        }

        let info = stream.stream_info_mut();
        info.set_md5_digest(&context.md5_digest());
        info.set_total_samples(context.total_samples());
        sink.clear();
        info.write(&mut sink).map_err(|e| flac_error(&e))?;
        out.seek(SeekFrom::Start(STREAM_INFO_AT)).map_err(io)?;
        out.write_all(sink.as_slice()).map_err(io)?;
        out.flush().map_err(io)
    })
}

/// Encodes `blocks` (frames `first`, `first + 1`, ...) on up to `threads` threads; the
/// frames come back in order, their bits ready to write.
fn encode_batch(
    config: &Verified<flacenc::config::Encoder>,
    blocks: &[FrameBuf],
    first: usize,
    info: &StreamInfo,
    threads: usize,
) -> Result<Vec<flacenc::component::Frame>, String> {
    let encode = |offset: usize, part: &[FrameBuf]| {
        part.iter()
            .enumerate()
            .map(|(i, block)| {
                // flacenc's errors cannot cross threads; their text can.
                let mut frame =
                    flacenc::encode_fixed_size_frame(config, block, first + offset + i, info)
                        .map_err(|e| format!("{e:?}"))?;
                frame.precompute_bitstream();
                Ok(frame)
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let per_thread = blocks.len().div_ceil(threads.max(1)).max(1);
    if blocks.len() <= per_thread {
        return encode(0, blocks);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = blocks
            .chunks(per_thread)
            .enumerate()
            .map(|(n, part)| scope.spawn(move || encode(n * per_thread, part)))
            .collect();
        let mut frames = Vec::with_capacity(blocks.len());
        for worker in workers {
            let part = worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            frames.extend(part);
        }
        Ok(frames)
    })
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
fn vorbis_comment(rate: u32, chapters: &[ChapterMark], tags: &Tags) -> Vec<u8> {
    let mut comments = vec![
        format!("TITLE={}", tags.title),
        format!("ARTIST={}", tags.artist),
    ];
    for (i, chapter) in chapters.iter().enumerate() {
        let n = i + 1;
        comments.push(format!(
            "CHAPTER{n:03}={}",
            chapter_time(chapter.start, rate)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Episode;
    use crate::output::pcm::{SamplesPcm, to_i16};

    fn tags() -> Tags {
        Tags {
            title: "T".into(),
            artist: "A".into(),
        }
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
        let body = vorbis_comment(24000, &chapters, &tags());
        let text = String::from_utf8_lossy(&body);
        assert!(text.contains("CHAPTER001=00:00:00.000"));
        assert!(text.contains("CHAPTER002=01:02:03.500"));
        assert!(text.contains("CHAPTER001NAME=一"));
        let vendor_len = u32::from_le_bytes(body[0..4].try_into().unwrap()) as usize;
        let count = u32::from_le_bytes(body[4 + vendor_len..8 + vendor_len].try_into().unwrap());
        assert_eq!(count, 6);
    }

    /// What flacenc's whole-stream encoder writes for the same audio and comments.
    fn flacenc_in_memory(rate: u32, samples: &[f32], chapters: &[ChapterMark]) -> Vec<u8> {
        let pcm: Vec<i32> = samples.iter().map(|&s| i32::from(to_i16(s))).collect();
        let config = flacenc::config::Encoder::default().into_verified().unwrap();
        let source = flacenc::source::MemSource::from_samples(&pcm, 1, 16, rate as usize);
        let mut stream =
            flacenc::encode_with_fixed_block_size(&config, source, config.block_size).unwrap();
        stream.add_metadata_block(
            MetadataBlockData::new_unknown(
                VORBIS_COMMENT,
                &vorbis_comment(rate, chapters, &tags()),
            )
            .unwrap(),
        );
        let mut sink = flacenc::bitsink::ByteSink::new();
        stream.write(&mut sink).unwrap();
        sink.as_slice().to_vec()
    }

    /// Counts the samples asked for at once.
    struct Watched<'a> {
        inner: SamplesPcm<'a>,
        largest_request: usize,
    }

    impl PcmSource for Watched<'_> {
        fn sample_rate(&self) -> u32 {
            self.inner.sample_rate()
        }

        fn read(&mut self, block: &mut [i16]) -> Result<usize, OutputError> {
            self.largest_request = self.largest_request.max(block.len());
            self.inner.read(block)
        }
    }

    #[test]
    fn streamed_flac_is_what_flacenc_writes_in_one_piece() {
        let dir = tempfile::tempdir().unwrap();
        let rate = 16_000;
        let chapters = [ChapterMark {
            title: "卷一".into(),
            start: 4000,
            frames: 100_000,
        }];
        // Several batches, a last block shorter than the others, and an empty episode.
        for frames in [0usize, 1, 4096, 300_001] {
            let samples: Vec<f32> = (0..frames)
                .map(|i| 0.9 * (i as f32 * 0.013).sin() * ((i / 5000) % 3) as f32 / 2.0)
                .collect();
            let episode = Episode {
                sample_rate: rate,
                samples: &samples,
                chapters: &chapters,
            };
            let path = dir.path().join(format!("{frames}.flac"));
            let mut audio = Watched {
                inner: SamplesPcm::new(&episode),
                largest_request: 0,
            };
            write_flac(&path, &mut audio, &chapters, &tags()).unwrap();
            assert_eq!(
                std::fs::read(&path).unwrap(),
                flacenc_in_memory(rate, &samples, &chapters),
                "{frames} frames"
            );
            assert!(audio.largest_request <= 4096, "{}", audio.largest_request);
        }
    }
}
