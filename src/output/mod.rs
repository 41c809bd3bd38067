//! Writes the episode: a 16-bit PCM mono WAV with chapter markers (`cue ` + `LIST/adtl`),
//! per-chapter clips, and reads those markers back.
//!
//! hound cannot write extra chunks, so the WAV is finalized first and the chapter chunks are
//! appended afterwards, with the RIFF size patched (layout in `shared/docs/PLATFORM.md`).
//! Every file is written to a temporary file beside its destination and renamed into place,
//! so an interrupted render never leaves a truncated episode behind.

mod ffmpeg;
mod flac;
pub mod formats;
mod mp3;
pub mod pcm;

pub use formats::{Format, Tags, write_episode, write_flac, write_mp3};
pub use pcm::{PcmSource, SamplesPcm, to_i16};

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

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
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot write {path}: {error}; check that the folder exists and is writable")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path} is not a WAV file recast can read: {reason}")]
    NotWav { path: PathBuf, reason: String },
    #[error("cannot encode {path}: {error}")]
    Encode { path: PathBuf, error: hound::Error },
    #[error(
        "the episode is longer than a WAV file can hold ({}, at {rate} Hz); render the \
         transcript in parts (split its chapters into several files) or choose a lower --rate; \
         the sentences synthesised so far are cached and will be reused",
        longest_wav_description(*rate)
    )]
    TooLong { rate: u32 },
}

/// Most 16-bit mono frames a WAV file holds: its sizes are 32-bit, and the header and
/// chapter chunks need room too.
pub fn max_wav_frames() -> u64 {
    (u64::from(u32::MAX) - WAV_CHUNK_ROOM) / 2
}

/// Kept free below 4 GiB for the header and the cue and label chunks.
const WAV_CHUNK_ROOM: u64 = 16 * 1024 * 1024;

fn longest_wav_description(rate: u32) -> String {
    let hours = max_wav_frames() as f64 / f64::from(rate.max(1)) / 3600.0;
    format!("{hours:.1} hours")
}

/// Audio of a whole episode, ready to be written.
pub struct Episode<'a> {
    pub sample_rate: u32,
    pub samples: &'a [f32],
    pub chapters: &'a [ChapterMark],
}

/// Writes a mono 16-bit WAV with chapter markers, atomically.
pub fn write_wav(path: &Path, episode: &Episode) -> Result<(), OutputError> {
    write_atomically(path, |file, tmp_path| {
        write_pcm(file, tmp_path, episode.sample_rate, episode.samples)?;
        append_chapters(file, tmp_path, episode.chapters)
    })
}

/// Writes one WAV per chapter into `dir` as `NN-<safe title>.wav`; returns the paths.
pub fn write_clips(dir: &Path, episode: &Episode) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        error: source,
    })?;
    let mut written = Vec::with_capacity(episode.chapters.len());
    for (index, chapter) in episode.chapters.iter().enumerate() {
        let name = clip_file_name(index + 1, &chapter.title);
        let path = dir.join(name);
        let start = (chapter.start as usize).min(episode.samples.len());
        let end = (start + chapter.frames as usize).min(episode.samples.len());
        let clip_marks = [ChapterMark {
            title: chapter.title.clone(),
            start: 0,
            frames: (end - start) as u64,
        }];
        write_wav(
            &path,
            &Episode {
                sample_rate: episode.sample_rate,
                samples: &episode.samples[start..end],
                chapters: &clip_marks,
            },
        )?;
        written.push(path);
    }
    Ok(written)
}

/// A 16-bit mono WAV being written sample by sample into a temporary file beside its
/// destination; [`WavStream::finish`] adds the chapter markers. Nothing appears at the
/// destination until [`publish`] renames or encodes it there.
pub struct WavStream {
    tmp: tempfile::NamedTempFile,
    writer: hound::WavWriter<BufWriter<File>>,
    frames: u64,
    rate: u32,
}

impl WavStream {
    pub fn create(dest: &Path, sample_rate: u32) -> Result<WavStream, OutputError> {
        let dir = match dest.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let write_error = |source| OutputError::Write {
            path: dest.to_path_buf(),
            error: source,
        };
        let tmp = tempfile::Builder::new()
            .prefix(&temp_prefix())
            .suffix(".wav.part")
            .permissions(published_permissions())
            .tempfile_in(dir)
            .map_err(write_error)?;
        let file = tmp.as_file().try_clone().map_err(write_error)?;
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::new(BufWriter::new(file), spec).map_err(|source| {
            OutputError::Encode {
                path: dest.to_path_buf(),
                error: source,
            }
        })?;
        Ok(WavStream {
            tmp,
            writer,
            frames: 0,
            rate: sample_rate,
        })
    }

    pub fn write(&mut self, samples: &[f32]) -> Result<(), OutputError> {
        // hound's 32-bit size counters would wrap silently and leave a corrupt file.
        self.frames += samples.len() as u64;
        if self.frames > max_wav_frames() {
            return Err(OutputError::TooLong { rate: self.rate });
        }
        for &s in samples {
            self.writer
                .write_sample(to_i16(s))
                .map_err(|source| OutputError::Encode {
                    path: self.tmp.path().to_path_buf(),
                    error: source,
                })?;
        }
        Ok(())
    }

    /// Finalizes the audio and appends the chapter markers; the file is still temporary.
    pub fn finish(self, chapters: &[ChapterMark]) -> Result<tempfile::NamedTempFile, OutputError> {
        let path = self.tmp.path().to_path_buf();
        self.writer
            .finalize()
            .map_err(|source| OutputError::Encode {
                path: path.clone(),
                error: source,
            })?;
        let mut tmp = self.tmp;
        append_chapters(tmp.as_file_mut(), &path, chapters)?;
        tmp.as_file()
            .sync_all()
            .map_err(|source| OutputError::Write {
                path,
                error: source,
            })?;
        Ok(tmp)
    }
}

/// Puts a finished episode WAV at `dest` in the format `dest` names: a `.wav` is renamed into
/// place, other formats are encoded from it.
pub fn publish(wav: tempfile::NamedTempFile, dest: &Path, tags: &Tags) -> Result<(), OutputError> {
    let write_error = |source| OutputError::Write {
        path: dest.to_path_buf(),
        error: source,
    };
    match Format::from_path(dest) {
        Some(Format::Wav) => {
            wav.persist(dest).map_err(|e| write_error(e.error))?;
            Ok(())
        }
        Some(Format::Ffmpeg) => formats::encode_wav_with_ffmpeg(wav.path(), dest, tags),
        // The WAV's own 16-bit samples, a block at a time: no second conversion through
        // f32, and no more of the episode in memory than a block.
        Some(Format::Flac | Format::Mp3) => formats::encode(
            dest,
            &mut pcm::WavPcm::open(wav.path())?,
            &read_chapters(wav.path())?.chapters,
            tags,
        ),
        None => Err(formats::unknown_format(dest)),
    }
}

/// One WAV per chapter of an episode WAV, cut from the file a chapter at a time.
pub fn write_clips_from_wav(wav: &Path, dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    std::fs::create_dir_all(dir).map_err(|source| OutputError::Write {
        path: dir.to_path_buf(),
        error: source,
    })?;
    let info = read_chapters(wav)?;
    let not_wav = |e: hound::Error| OutputError::NotWav {
        path: wav.to_path_buf(),
        reason: e.to_string(),
    };
    let mut reader = hound::WavReader::open(wav).map_err(not_wav)?;
    let mut written = Vec::with_capacity(info.chapters.len());
    for (index, chapter) in info.chapters.iter().enumerate() {
        let start = chapter.start.min(info.frames);
        let frames = chapter.frames.min(info.frames - start);
        reader
            .seek(start as u32)
            .map_err(|source| OutputError::Read {
                path: wav.to_path_buf(),
                error: source,
            })?;
        let samples: Vec<f32> = reader
            .samples::<i16>()
            .take(frames as usize)
            .map(|s| s.map(|v| f32::from(v) / pcm::full_scale(16)))
            .collect::<Result<_, _>>()
            .map_err(not_wav)?;
        let path = dir.join(clip_file_name(index + 1, &chapter.title));
        write_wav(
            &path,
            &Episode {
                sample_rate: info.sample_rate,
                samples: &samples,
                chapters: &[ChapterMark {
                    title: chapter.title.clone(),
                    start: 0,
                    frames: samples.len() as u64,
                }],
            },
        )?;
        written.push(path);
    }
    Ok(written)
}

/// `NN-title.wav` with the title reduced to characters that are safe in a file name on every
/// common file system: transcript text never becomes a path unsanitised.
pub fn clip_file_name(number: usize, title: &str) -> String {
    format!("{number:02}-{}.wav", safe_file_stem(title))
}

/// Keeps letters and digits of any script (CJK titles stay readable), maps everything else to
/// single dashes, and bounds the length so the name fits in 255 bytes.
pub fn safe_file_stem(title: &str) -> String {
    let mut stem = String::new();
    for c in title.chars() {
        let keep = c.is_alphanumeric() && !c.is_control();
        if keep {
            if stem.len() + c.len_utf8() > 120 {
                break;
            }
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        "chapter".to_string()
    } else {
        stem.to_string()
    }
}

/// Temporary files become the published outputs: give them the usual `rw-r--r--` rather
/// than the private mode temporary files get by default.
fn published_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o644)
}

/// Prefix of the temporary files recast writes beside its outputs: `.recast-<pid>-`, so
/// that [`remove_stale_temp_files`] can tell the files of a process that was killed.
pub fn temp_prefix() -> String {
    format!(".recast-{}-", std::process::id())
}

/// Removes from `dir` the temporary files (`.recast-<pid>-….part`, `….raw`) of recast
/// processes that no longer run: a killed render cannot remove its own. Files of running
/// processes are left alone. Needs `/proc` to tell; without it nothing is removed.
/// Returns how many files were removed.
pub fn remove_stale_temp_files(dir: &Path) -> usize {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return 0;
    }
    remove_temp_files(dir, |pid| {
        pid != std::process::id() && !proc.join(pid.to_string()).exists()
    })
}

/// Removes this process's own temporary files from `dir`: what an interrupted render does
/// on its way out. Returns how many files were removed.
pub fn remove_own_temp_files(dir: &Path) -> usize {
    remove_temp_files(dir, |pid| pid == std::process::id())
}

fn remove_temp_files(dir: &Path, removable: impl Fn(u32) -> bool) -> usize {
    let mut removed = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        let Some(pid) = name
            .strip_prefix(".recast-")
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let ours = name.ends_with(".part") || name.ends_with(".raw");
        if ours
            && removable(pid)
            && entry.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// Runs `write` on a temporary file next to `path`, then renames it over `path`.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut File, &Path) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let write_error = |source| OutputError::Write {
        path: path.to_path_buf(),
        error: source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(".part")
        .permissions(published_permissions())
        .tempfile_in(dir)
        .map_err(write_error)?;
    let tmp_path = tmp.path().to_path_buf();
    write(tmp.as_file_mut(), &tmp_path)?;
    tmp.as_file().sync_all().map_err(write_error)?;
    tmp.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

fn write_pcm(
    file: &mut File,
    path: &Path,
    sample_rate: u32,
    samples: &[f32],
) -> Result<(), OutputError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let encode = |source| OutputError::Encode {
        path: path.to_path_buf(),
        error: source,
    };
    let mut writer = hound::WavWriter::new(BufWriter::new(&mut *file), spec).map_err(encode)?;
    for &sample in samples {
        writer.write_sample(to_i16(sample)).map_err(encode)?;
    }
    writer.finalize().map_err(encode)
}

/// Appends `cue ` and `LIST/adtl` (labl, then ltxt) chunks and patches the RIFF size.
fn append_chapters(
    file: &mut File,
    path: &Path,
    chapters: &[ChapterMark],
) -> Result<(), OutputError> {
    if chapters.is_empty() {
        return Ok(());
    }
    let mut cue = Vec::new();
    cue.extend_from_slice(&(chapters.len() as u32).to_le_bytes());
    for (index, chapter) in chapters.iter().enumerate() {
        let id = index as u32 + 1;
        let frame = chapter.start as u32;
        cue.extend_from_slice(&id.to_le_bytes());
        cue.extend_from_slice(&frame.to_le_bytes()); // dwPosition
        cue.extend_from_slice(b"data");
        cue.extend_from_slice(&0u32.to_le_bytes()); // dwChunkStart
        cue.extend_from_slice(&0u32.to_le_bytes()); // dwBlockStart
        cue.extend_from_slice(&frame.to_le_bytes()); // dwSampleOffset: what ffprobe reads
    }
    let mut adtl = Vec::new();
    adtl.extend_from_slice(b"adtl");
    for (index, chapter) in chapters.iter().enumerate() {
        let mut body = (index as u32 + 1).to_le_bytes().to_vec();
        body.extend_from_slice(chapter.title.replace('\0', " ").as_bytes());
        body.push(0);
        push_chunk(&mut adtl, b"labl", &body);
    }
    for (index, chapter) in chapters.iter().enumerate() {
        let mut body = (index as u32 + 1).to_le_bytes().to_vec();
        body.extend_from_slice(&(chapter.frames as u32).to_le_bytes());
        body.extend_from_slice(b"rgn ");
        body.extend_from_slice(&[0u8; 8]); // country, language, dialect, code page
        push_chunk(&mut adtl, b"ltxt", &body);
    }
    let mut tail = Vec::new();
    push_chunk(&mut tail, b"cue ", &cue);
    push_chunk(&mut tail, b"LIST", &adtl);

    let write_error = |source| OutputError::Write {
        path: path.to_path_buf(),
        error: source,
    };
    let end = file.seek(SeekFrom::End(0)).map_err(write_error)?;
    file.write_all(&tail).map_err(write_error)?;
    let riff_size = u32::try_from(end + tail.len() as u64 - 8).map_err(|_| {
        write_error(std::io::Error::other(
            "the episode is larger than a WAV file can hold (4 GiB)",
        ))
    })?;
    file.seek(SeekFrom::Start(4)).map_err(write_error)?;
    file.write_all(&riff_size.to_le_bytes())
        .map_err(write_error)?;
    file.flush().map_err(write_error)
}

/// A RIFF chunk: id, size, body, and one pad byte when the body is odd-sized.
fn push_chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

/// What `read_chapters` finds in a WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct WavInfo {
    pub sample_rate: u32,
    pub channels: u16,
    /// Length in frames.
    pub frames: u64,
    pub chapters: Vec<ChapterMark>,
}

/// Reads the format and the chapter markers (cue points with their `labl` titles and `ltxt`
/// lengths) of a WAV file. The audio itself is skipped, not read, so this is cheap for
/// hour-long episodes. A chapter without a stored length runs to the next one; no chapter
/// runs past the end of the audio, and cue points after it are left out.
pub fn read_chapters(path: &Path) -> Result<WavInfo, OutputError> {
    let file = File::open(path).map_err(|source| OutputError::Read {
        path: path.to_path_buf(),
        error: source,
    })?;
    let not_wav = |reason| OutputError::NotWav {
        path: path.to_path_buf(),
        reason,
    };
    let chunks = read_chunks(std::io::BufReader::new(file)).map_err(not_wav)?;
    parse_wav_chapters(&chunks).map_err(not_wav)
}

/// A RIFF chunk: its id, its declared length, and its body unless it is the audio data.
struct Chunk {
    id: [u8; 4],
    len: u64,
    body: Vec<u8>,
}

fn read_chunks(mut reader: impl Read + Seek) -> Result<Vec<Chunk>, String> {
    let mut header = [0u8; 12];
    reader
        .read_exact(&mut header)
        .map_err(|_| "it is shorter than a WAV header".to_string())?;
    if &header[0..4] != b"RIFF" || &header[8..12] != b"WAVE" {
        return Err("it does not start with a RIFF/WAVE header".into());
    }
    let mut chunks = Vec::new();
    let mut chunk_header = [0u8; 8];
    // A truncated last chunk ends the list instead of failing: recast reads what is there.
    while reader.read_exact(&mut chunk_header).is_ok() {
        let id = [
            chunk_header[0],
            chunk_header[1],
            chunk_header[2],
            chunk_header[3],
        ];
        let len = u64::from(le_u32(&chunk_header, 4));
        let padded = len + len % 2;
        let mut body = Vec::new();
        if &id == b"data" {
            let here = reader.stream_position().map_err(|e| e.to_string())?;
            let end = reader.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
            let available = len.min(end.saturating_sub(here));
            chunks.push(Chunk {
                id,
                len: available,
                body,
            });
            if here + padded >= end {
                break;
            }
            reader
                .seek(SeekFrom::Start(here + padded))
                .map_err(|e| e.to_string())?;
            continue;
        }
        (&mut reader)
            .take(padded)
            .read_to_end(&mut body)
            .map_err(|e| e.to_string())?;
        body.truncate(len as usize);
        chunks.push(Chunk {
            id,
            len: body.len() as u64,
            body,
        });
    }
    Ok(chunks)
}

fn parse_wav_chapters(chunks: &[Chunk]) -> Result<WavInfo, String> {
    let mut format: Option<(u16, u32, u16)> = None;
    let mut data_len: Option<u64> = None;
    let mut cues: Vec<(u32, u64)> = Vec::new();
    let mut labels = std::collections::HashMap::new();
    let mut lengths = std::collections::HashMap::new();
    for chunk in chunks {
        let body = chunk.body.as_slice();
        match &chunk.id {
            b"fmt " if body.len() >= 16 => {
                let channels = u16::from_le_bytes([body[2], body[3]]);
                let rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
                let bits = u16::from_le_bytes([body[14], body[15]]);
                format = Some((channels, rate, bits));
            }
            b"data" => data_len = Some(chunk.len),
            b"cue " if body.len() >= 4 => {
                let count = le_u32(body, 0) as usize;
                for point in body[4..].chunks_exact(24).take(count) {
                    cues.push((le_u32(point, 0), le_u32(point, 20) as u64));
                }
            }
            b"LIST" if body.len() >= 4 && &body[0..4] == b"adtl" => {
                for (sub_id, sub) in sub_chunks(&body[4..]) {
                    if sub.len() < 4 {
                        continue;
                    }
                    let cue_id = le_u32(sub, 0);
                    match &sub_id {
                        b"labl" => {
                            let text = &sub[4..];
                            let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
                            labels.insert(cue_id, String::from_utf8_lossy(text).into_owned());
                        }
                        b"ltxt" if sub.len() >= 8 => {
                            lengths.insert(cue_id, le_u32(sub, 4) as u64);
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let (channels, sample_rate, bits) = format.ok_or("it has no fmt chunk")?;
    let data_len = data_len.ok_or("it has no data chunk")?;
    let frame_bytes = u64::from(channels.max(1)) * u64::from(bits.div_ceil(8).max(1));
    let frames = data_len / frame_bytes;
    // A cue point past the end of the audio marks nothing that can be played: it is left
    // out, as the player does, and the chapter before it ends with the audio.
    cues.retain(|&(_, start)| start < frames || start == 0);
    cues.sort_by_key(|&(_, start)| start);
    let mut chapters = Vec::with_capacity(cues.len());
    for (i, &(id, start)) in cues.iter().enumerate() {
        let next = cues.get(i + 1).map_or(frames, |&(_, s)| s);
        let frames_here = lengths
            .get(&id)
            .copied()
            .unwrap_or(next.saturating_sub(start))
            .min(frames.saturating_sub(start));
        chapters.push(ChapterMark {
            title: labels
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("Chapter {}", i + 1)),
            start,
            frames: frames_here,
        });
    }
    Ok(WavInfo {
        sample_rate,
        channels,
        frames,
        chapters,
    })
}

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Iterates over the sub-chunks of a LIST body, tolerating a truncated last one.
fn sub_chunks(mut bytes: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    std::iter::from_fn(move || {
        if bytes.len() < 8 {
            return None;
        }
        let id = [bytes[0], bytes[1], bytes[2], bytes[3]];
        let size = le_u32(bytes, 4) as usize;
        let body_end = (8 + size).min(bytes.len());
        let body = &bytes[8..body_end];
        let next = (body_end + size % 2).min(bytes.len());
        bytes = &bytes[next..];
        Some((id, body))
    })
}

/// One spoken sentence and where it sits in the episode, in seconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedSentence {
    pub text: String,
    pub start: f64,
    pub end: f64,
    /// Every Mandarin syllable with its tone spoken and its time in the episode, for voices
    /// whose engine knows its durations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syllables: Vec<crate::synth::SpokenSyllable>,
}

/// One turn of the resolved script with its timing.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedTurn {
    pub speaker: String,
    pub voice: String,
    /// True for the narrator's reading of a title, which is not in the transcript.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub announcement: bool,
    pub start: f64,
    pub end: f64,
    pub sentences: Vec<TimedSentence>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedChapter {
    pub title: String,
    pub start: f64,
    pub end: f64,
    pub turns: Vec<TimedTurn>,
}

/// The resolved script of a rendered episode: every sentence with its start and end time
/// (seconds) and its voice. Written as `EPISODE.script.json`; `recast play` reads it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimedScript {
    pub title: String,
    pub language: String,
    pub sample_rate: u32,
    pub duration: f64,
    /// The article's link, publish time, author and cover, for the feed.
    #[serde(default, skip_serializing_if = "crate::script::Article::is_empty")]
    pub article: crate::script::Article,
    pub chapters: Vec<TimedChapter>,
}

impl TimedScript {
    /// Every sentence with its speaker, in order.
    pub fn cues(&self) -> impl Iterator<Item = (&TimedTurn, &TimedSentence)> {
        self.chapters
            .iter()
            .flat_map(|c| c.turns.iter())
            .flat_map(|t| t.sentences.iter().map(move |s| (t, s)))
    }

    /// Reads `EPISODE.script.json`.
    pub fn load(path: &Path) -> Result<TimedScript, OutputError> {
        let text = std::fs::read_to_string(path).map_err(|source| OutputError::Read {
            path: path.to_path_buf(),
            error: source,
        })?;
        serde_json::from_str(&text).map_err(|e| OutputError::NotWav {
            path: path.to_path_buf(),
            reason: format!("not a recast timing sidecar: {e}"),
        })
    }
}

/// The sidecar files written next to an episode.
pub fn sidecar_paths(episode: &Path) -> [PathBuf; 4] {
    let stem = episode.with_extension("");
    let with = |suffix: &str| {
        let mut name = stem.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    [
        with(".chapters.json"),
        with(".srt"),
        with(".vtt"),
        with(".script.json"),
    ]
}

/// Writes `EPISODE.chapters.json` (Podcasting 2.0, version 1.2.0), `EPISODE.srt`,
/// `EPISODE.vtt` (one cue per sentence, with the speaker) and `EPISODE.script.json`.
pub fn write_sidecars(episode: &Path, timed: &TimedScript) -> Result<Vec<PathBuf>, OutputError> {
    let [chapters_path, srt_path, vtt_path, script_path] = sidecar_paths(episode);
    let chapters = serde_json::json!({
        "version": "1.2.0",
        "chapters": timed.chapters.iter().map(|c| serde_json::json!({
            "startTime": round_ms(c.start),
            "endTime": round_ms(c.end),
            "title": c.title,
        })).collect::<Vec<_>>(),
    });
    let mut srt = String::new();
    let mut vtt = String::from("WEBVTT\n\n");
    for (index, (turn, sentence)) in timed.cues().enumerate() {
        let text = format!("{}: {}", turn.speaker, sentence.text.replace('\n', " "));
        srt.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            index + 1,
            subtitle_time(sentence.start, ','),
            subtitle_time(sentence.end, ','),
            text
        ));
        vtt.push_str(&format!(
            "{} --> {}\n<v {}>{}\n\n",
            subtitle_time(sentence.start, '.'),
            subtitle_time(sentence.end, '.'),
            turn.speaker.replace(['<', '>'], ""),
            vtt_cue_text(sentence)
        ));
    }
    let script = serde_json::to_string_pretty(timed).expect("timed script serialises") + "\n";
    let chapters = serde_json::to_string_pretty(&chapters).expect("chapters serialise") + "\n";
    for (path, text) in [
        (&chapters_path, &chapters),
        (&srt_path, &srt),
        (&vtt_path, &vtt),
        (&script_path, &script),
    ] {
        write_atomically(path, |file, tmp| {
            file.write_all(text.as_bytes())
                .map_err(|source| OutputError::Write {
                    path: tmp.to_path_buf(),
                    error: source,
                })
        })?;
    }
    Ok(vec![chapters_path, srt_path, vtt_path, script_path])
}

/// A sentence as WebVTT cue text: each timed syllable's character preceded by its start
/// (`<00:00:01.250>`), as karaoke-style players show word by word. Timestamps stay strictly
/// inside the cue and in order; characters the text writes otherwise than it was read (a
/// number read in words) get none.
fn vtt_cue_text(sentence: &TimedSentence) -> String {
    let escape = |c: char| match c {
        '<' => "&lt;".to_string(),
        '&' => "&amp;".to_string(),
        '\n' => " ".to_string(),
        c => c.to_string(),
    };
    let mut out = String::new();
    let mut next = 0;
    let mut last = sentence.start;
    for c in sentence.text.chars() {
        // The syllable this character was read as: the next one, or one a little further
        // on when some were read from characters the text does not have.
        let found = sentence.syllables[next.min(sentence.syllables.len())..]
            .iter()
            .take(8)
            .position(|s| s.text.chars().eq(std::iter::once(c)));
        if let Some(skip) = found {
            let syllable = &sentence.syllables[next + skip];
            next += skip + 1;
            if syllable.start > last + 0.0005 && syllable.start < sentence.end {
                out.push_str(&format!("<{}>", subtitle_time(syllable.start, '.')));
                last = syllable.start;
            }
        }
        out.push_str(&escape(c));
    }
    out.replace("-->", "->")
}

/// Seconds rounded to the millisecond, as the sidecars write them.
pub(crate) fn round_ms(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT).
fn subtitle_time(seconds: f64, separator: char) -> String {
    let total_ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{ms:03}")
}

/// Reads a WAV file's samples as mono f32 (channels averaged).
pub fn read_samples(path: &Path) -> Result<(u32, Vec<f32>), OutputError> {
    let not_wav = |e: hound::Error| OutputError::NotWav {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let reader = hound::WavReader::open(path).map_err(not_wav)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(not_wav)?,
        hound::SampleFormat::Int => {
            let scale = pcm::full_scale(spec.bits_per_sample);
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .map_err(not_wav)?
        }
    };
    let mono = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok((spec.sample_rate, mono))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks() -> Vec<ChapterMark> {
        vec![
            ChapterMark {
                title: "Intro".into(),
                start: 0,
                frames: 100,
            },
            ChapterMark {
                title: "卷积神经网络".into(),
                start: 100,
                frames: 151,
            },
        ]
    }

    #[test]
    fn chapters_round_trip_through_a_wav_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("episode.wav");
        let samples: Vec<f32> = (0..251).map(|i| (i as f32 / 10.0).sin() * 0.5).collect();
        let chapters = marks();
        write_wav(
            &path,
            &Episode {
                sample_rate: 24000,
                samples: &samples,
                chapters: &chapters,
            },
        )
        .unwrap();
        let info = read_chapters(&path).unwrap();
        assert_eq!(info.sample_rate, 24000);
        assert_eq!(info.frames, 251);
        assert_eq!(info.chapters, chapters);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(le_u32(&bytes, 4) as usize, bytes.len() - 8);
        // hound still reads the audio with the extra chunks appended.
        let (rate, back) = read_samples(&path).unwrap();
        assert_eq!(rate, 24000);
        assert_eq!(back.len(), 251);
        assert!((back[30] - samples[30]).abs() < 1e-4);
    }

    #[test]
    fn sidecars_are_written_next_to_the_episode() {
        let dir = tempfile::tempdir().unwrap();
        let episode = dir.path().join("show.wav");
        let timed = TimedScript {
            title: "T".into(),
            language: "en".into(),
            sample_rate: 24000,
            duration: 3723.5,
            article: Default::default(),
            chapters: vec![TimedChapter {
                title: "One".into(),
                start: 0.0,
                end: 3723.5,
                turns: vec![TimedTurn {
                    speaker: "Host".into(),
                    voice: "v".into(),
                    announcement: false,
                    start: 1.0,
                    end: 3723.0,
                    sentences: vec![TimedSentence {
                        text: "Hello --> there.".into(),
                        start: 1.0,
                        end: 3723.25,
                        syllables: Vec::new(),
                    }],
                }],
            }],
        };
        let paths = write_sidecars(&episode, &timed).unwrap();
        let names: Vec<_> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "show.chapters.json",
                "show.srt",
                "show.vtt",
                "show.script.json"
            ]
        );
        let srt = std::fs::read_to_string(&paths[1]).unwrap();
        assert_eq!(
            srt,
            "1\n00:00:01,000 --> 01:02:03,250\nHost: Hello --> there.\n\n"
        );
        let vtt = std::fs::read_to_string(&paths[2]).unwrap();
        assert!(
            vtt.starts_with("WEBVTT\n\n00:00:01.000 --> 01:02:03.250\n<v Host>Hello -> there.\n")
        );
        let chapters: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&paths[0]).unwrap()).unwrap();
        assert_eq!(chapters["version"], "1.2.0");
        assert_eq!(chapters["chapters"][0]["endTime"], 3723.5);
        assert_eq!(TimedScript::load(&paths[3]).unwrap(), timed);
    }

    #[test]
    fn vtt_cues_time_each_syllable() {
        let syllable = |text: &str, start: f64| crate::synth::SpokenSyllable {
            text: text.into(),
            reading: String::new(),
            tone: 1,
            start,
            end: start + 0.2,
        };
        let sentence = TimedSentence {
            text: "你好，A&B 2个。".into(),
            start: 1.0,
            end: 3.0,
            // 2 is read 两: no character of the text, no timestamp.
            syllables: vec![
                syllable("你", 0.99),
                syllable("好", 1.2),
                syllable("两", 2.0),
                syllable("个", 2.25),
            ],
        };
        assert_eq!(
            vtt_cue_text(&sentence),
            "你<00:00:01.200>好，A&amp;B 2<00:00:02.250>个。"
        );
    }

    #[test]
    fn odd_sized_titles_are_padded() {
        let mut out = Vec::new();
        push_chunk(&mut out, b"labl", &[1, 2, 3]);
        assert_eq!(out.len(), 8 + 4);
        assert_eq!(le_u32(&out, 4), 3);
    }

    /// Reading back gives the samples that were written, to the last bit: what re-encoding
    /// the episode (to FLAC or MP3, or into clips) relies on.
    #[test]
    fn samples_read_back_are_the_samples_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full-scale.wav");
        let written: Vec<i16> = vec![i16::MAX, -i16::MAX, 32766, 16385, 16384, 1, 0, -1, -30001];
        let samples: Vec<f32> = written.iter().map(|&v| f32::from(v) / 32767.0).collect();
        write_wav(
            &path,
            &Episode {
                sample_rate: 8000,
                samples: &samples,
                chapters: &[],
            },
        )
        .unwrap();
        let (_, back) = read_samples(&path).unwrap();
        let again: Vec<i16> = back.into_iter().map(to_i16).collect();
        assert_eq!(again, written);
    }

    #[test]
    fn clip_names_are_safe() {
        assert_eq!(clip_file_name(1, "Intro"), "01-Intro.wav");
        assert_eq!(
            clip_file_name(3, "从监督学习到Transformers的演变"),
            "03-从监督学习到Transformers的演变.wav"
        );
        assert_eq!(clip_file_name(2, "../../etc/passwd"), "02-etc-passwd.wav");
        assert_eq!(clip_file_name(4, "a/b\\c:d*?\"<>|"), "04-a-b-c-d.wav");
        assert_eq!(clip_file_name(5, "…"), "05-chapter.wav");
        assert!(clip_file_name(6, &"长".repeat(500)).len() < 255);
    }

    #[test]
    fn garbage_is_not_a_wav() {
        let parse = |bytes: &[u8]| {
            read_chunks(std::io::Cursor::new(bytes)).and_then(|c| parse_wav_chapters(&c))
        };
        assert!(parse(b"hello").is_err());
        assert!(parse(b"RIFF\x04\0\0\0WAVE").is_err());
        let mut truncated = b"RIFF\xff\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        truncated.extend_from_slice(&[1, 0, 1, 0]);
        assert!(parse(&truncated).is_err());
        // A data chunk that claims more than the file holds counts what is there.
        let mut short = b"RIFF\xff\0\0\0WAVEfmt \x10\0\0\0".to_vec();
        short.extend_from_slice(&[1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0]);
        short.extend_from_slice(b"data\xff\xff\0\0");
        short.extend_from_slice(&[0; 10]);
        assert_eq!(parse(&short).unwrap().frames, 5);
    }

    #[test]
    fn clips_hold_their_chapter_audio() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<f32> = (0..251)
            .map(|i| if i < 100 { 0.25 } else { -0.5 })
            .collect();
        let chapters = marks();
        let paths = write_clips(
            dir.path(),
            &Episode {
                sample_rate: 16000,
                samples: &samples,
                chapters: &chapters,
            },
        )
        .unwrap();
        assert_eq!(paths.len(), 2);
        let (_, first) = read_samples(&paths[0]).unwrap();
        let (_, second) = read_samples(&paths[1]).unwrap();
        assert_eq!(first.len(), 100);
        assert_eq!(second.len(), 151);
        assert!(second.iter().all(|&s| (s + 0.5).abs() < 1e-3));
    }
}
