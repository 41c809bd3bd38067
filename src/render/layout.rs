//! The episode's track: the synthesised sentences laid out in time (pauses, speaker gains)
//! into a raw file beside the output, with the timed script the sidecars are written from,
//! then mastered from that file into the episode's WAV.

use super::RenderError;
use super::config::RenderConfig;
use super::summary::describe_entry;
use super::synthesis::{Workload, cached_timed};
use crate::mix::{self, Join, Mastered, MixError, Mixer, RawFile};
use crate::output::{
    self, ChapterMark, OutputError, TimedChapter, TimedScript, TimedSentence, TimedTurn,
};
use crate::script::Script;
use crate::synth::cache::Cache;
use std::collections::HashMap;

/// The episode laid out, not yet mastered.
pub(crate) struct LaidOut {
    /// Little-endian f32 samples, deleted when dropped.
    raw: tempfile::NamedTempFile,
    frames: u64,
    chapters: Vec<ChapterMark>,
    integrated_lufs: f64,
    timed: TimedScript,
}

/// The mastered episode, in a temporary WAV beside the output until it is published.
pub(crate) struct MasteredWav {
    pub(crate) wav: tempfile::NamedTempFile,
    pub(crate) frames: u64,
    pub(crate) chapters: Vec<ChapterMark>,
    pub(crate) levels: Mastered,
    /// When every sentence is said, for the sidecars.
    pub(crate) timed: TimedScript,
}

/// Lays every planned sentence out in order, streaming them from the cache at their
/// speaker's gain into a raw track in the output's folder.
pub(crate) fn lay_out(
    script: &Script,
    work: &Workload,
    cache: &Cache,
    gains: &HashMap<String, f32>,
    config: &RenderConfig,
) -> Result<LaidOut, RenderError> {
    let write_error = |source| {
        RenderError::Output(OutputError::Write {
            path: config.output_dir().to_path_buf(),
            error: source,
        })
    };
    let raw = tempfile::Builder::new()
        .prefix(&output::temp_prefix())
        .suffix(".raw")
        .tempfile_in(config.output_dir())
        .map_err(write_error)?;
    let raw_writer = std::io::BufWriter::new(raw.as_file().try_clone().map_err(write_error)?);
    let mut mixer = Mixer::new(config.rate, config.pauses, RawFile(raw_writer))?;
    let mut timed = TimedScript {
        title: script.title.clone(),
        language: script.language.clone(),
        sample_rate: config.rate,
        duration: 0.0,
        article: script.article(),
        chapters: Vec::new(),
    };
    let seconds = |frames: u64| frames as f64 / f64::from(config.rate);
    for (item, key) in work.items.iter().zip(work.keys) {
        if timed.chapters.len() <= item.chapter {
            let title = &script.chapters[item.chapter].title;
            mixer.begin_chapter(title)?;
            timed.chapters.push(TimedChapter {
                title: title.clone(),
                start: seconds(mixer.position()),
                end: 0.0,
                turns: Vec::new(),
            });
        }
        let (speech, syllables) = cached_timed(cache, key, config.rate)?;
        let gain = gains.get(item.speaker).copied().unwrap_or(1.0);
        let (start, end) = mixer.push(&speech, item.join, gain)?;
        // Timing covers the speech itself, not the silent trim margins around it.
        let margin =
            (u64::from(config.rate) * u64::from(mix::TRIM_MARGIN_MS) / 1000).min((end - start) / 2);
        let placed = seconds(start);
        let sentence = TimedSentence {
            text: item.text.clone(),
            start: seconds(start + margin),
            end: seconds(end - margin),
            syllables: syllables
                .into_iter()
                .map(|s| crate::synth::SpokenSyllable {
                    start: output::round_ms(placed + s.start),
                    end: output::round_ms(placed + s.end),
                    ..s
                })
                .collect(),
        };
        let chapter = timed.chapters.last_mut().expect("pushed above");
        let same_turn = chapter
            .turns
            .last()
            .is_some_and(|t| t.speaker == item.speaker && item.join == Join::Sentence);
        if same_turn {
            let turn = chapter.turns.last_mut().expect("checked");
            turn.end = sentence.end;
            turn.sentences.push(sentence);
        } else {
            chapter.turns.push(TimedTurn {
                speaker: item.speaker.to_string(),
                voice: work
                    .cast
                    .voice_of(item.speaker)
                    .map(describe_entry)
                    .unwrap_or_default(),
                announcement: item.turn.is_none(),
                start: sentence.start,
                end: sentence.end,
                sentences: vec![sentence],
            });
        }
    }
    let assembled = mixer.finish()?;
    let mut raw_writer = assembled.sink.0;
    std::io::Write::flush(&mut raw_writer).map_err(write_error)?;
    drop(raw_writer);
    for (timed_chapter, mark) in timed.chapters.iter_mut().zip(&assembled.chapters) {
        timed_chapter.start = seconds(mark.start);
        timed_chapter.end = seconds(mark.start + mark.frames);
    }
    timed.duration = seconds(assembled.frames);
    Ok(LaidOut {
        raw,
        frames: assembled.frames,
        chapters: assembled.chapters,
        integrated_lufs: assembled.integrated_lufs,
        timed,
    })
}

/// Masters the laid-out track into a WAV beside the output (again if the targets were
/// missed), with its chapters; the raw track is deleted.
pub(crate) fn master(laid: LaidOut, config: &RenderConfig) -> Result<MasteredWav, RenderError> {
    let rate = config.rate;
    let mut raw_reader = laid.raw.reopen().map_err(|source| {
        RenderError::Output(OutputError::Write {
            path: laid.raw.path().to_path_buf(),
            error: source,
        })
    })?;
    let mut final_wav: Option<output::WavStream> = None;
    let levels = mix::master(
        laid.integrated_lufs,
        &config.loudness,
        &mut |gain, ceiling| {
            let mut stream = output::WavStream::create(&config.output, rate)
                .map_err(|e| MixError::Loudness(e.to_string()))?;
            let result = mix::master_pass(
                laid.frames,
                rate,
                gain,
                ceiling,
                &mut |from, buf| read_raw(&mut raw_reader, from, buf),
                &mut |block| {
                    stream
                        .write(block)
                        .map_err(|e| std::io::Error::other(e.to_string()))
                },
            )?;
            final_wav = Some(stream);
            Ok(result)
        },
    )?;
    drop(laid.raw);
    let wav = final_wav
        .expect("mastering ran at least once")
        .finish(&laid.chapters)?;
    Ok(MasteredWav {
        wav,
        frames: laid.frames,
        chapters: laid.chapters,
        levels,
        timed: laid.timed,
    })
}

/// Fills `buf` with the raw track's samples from frame `from` on.
fn read_raw(file: &mut std::fs::File, from: u64, buf: &mut [f32]) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(from * 4))?;
    file.read_exact(bytemuck::cast_slice_mut(buf))?;
    // The track is written little-endian (see `RawFile`): a no-op on such machines.
    for sample in buf.iter_mut() {
        *sample = f32::from_bits(u32::from_le(sample.to_bits()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mix::Sink;

    #[test]
    fn the_raw_track_reads_back_as_written() {
        let samples: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin() * 0.9).collect();
        let mut file = tempfile::tempfile().unwrap();
        RawFile(&mut file).write(&samples).unwrap();
        let mut buf = vec![0.0f32; 300];
        read_raw(&mut file, 600, &mut buf).unwrap();
        assert_eq!(buf, samples[600..900]);
        let mut past_the_end = vec![0.0f32; 500];
        assert!(read_raw(&mut file, 600, &mut past_the_end).is_err());
    }
}
