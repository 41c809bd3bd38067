//! The one conversion between f32 samples and integer PCM that every writer and reader of
//! recast's files uses, and [`PcmSource`]: 16-bit mono audio handed to the encoders a block
//! at a time, so that encoding an episode holds a block in memory, not the episode.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::{Episode, OutputError};

/// f32 in [-1, 1] to 16-bit PCM, clamped so overshoot saturates instead of wrapping.
pub fn to_i16(sample: f32) -> i16 {
    (sample.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16
}

/// The integer that stands for 1.0 in `bits`-bit PCM: the scale [`to_i16`] writes with, so
/// that a file recast wrote reads back to the samples it was written from, and re-encoding
/// it (WAV to FLAC or MP3, a chapter to a clip) changes no sample.
pub(crate) fn full_scale(bits: u16) -> f32 {
    let bits = u32::from(bits.clamp(2, 32));
    ((1u64 << (bits - 1)) - 1) as f32
}

/// 16-bit mono audio read a block at a time: what the FLAC and MP3 writers take.
pub trait PcmSource {
    fn sample_rate(&self) -> u32;

    /// Writes the next samples to the front of `block` and returns how many it wrote;
    /// 0 once the audio is over.
    fn read(&mut self, block: &mut [i16]) -> Result<usize, OutputError>;
}

/// Fills all of `block` unless the audio ends first; returns how many samples it holds.
/// Fewer than `block.len()` means the audio is over.
pub(crate) fn fill(source: &mut dyn PcmSource, block: &mut [i16]) -> Result<usize, OutputError> {
    let mut filled = 0;
    while filled < block.len() {
        let read = source.read(&mut block[filled..])?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(filled)
}

/// An episode's f32 samples, converted with [`to_i16`] as they are read.
pub struct SamplesPcm<'a> {
    sample_rate: u32,
    samples: &'a [f32],
}

impl<'a> SamplesPcm<'a> {
    pub fn new(episode: &Episode<'a>) -> SamplesPcm<'a> {
        SamplesPcm {
            sample_rate: episode.sample_rate,
            samples: episode.samples,
        }
    }
}

impl PcmSource for SamplesPcm<'_> {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn read(&mut self, block: &mut [i16]) -> Result<usize, OutputError> {
        let n = block.len().min(self.samples.len());
        let (now, rest) = self.samples.split_at(n);
        for (out, &sample) in block.iter_mut().zip(now) {
            *out = to_i16(sample);
        }
        self.samples = rest;
        Ok(n)
    }
}

/// The samples of a 16-bit mono WAV (the episode as recast writes it), read from disk as
/// they are: no conversion through f32.
pub(crate) struct WavPcm {
    path: PathBuf,
    reader: hound::WavReader<BufReader<File>>,
}

impl WavPcm {
    pub(crate) fn open(path: &Path) -> Result<WavPcm, OutputError> {
        let not_wav = |reason: String| OutputError::NotWav {
            path: path.to_path_buf(),
            reason,
        };
        let reader = hound::WavReader::open(path).map_err(|e| not_wav(e.to_string()))?;
        let spec = reader.spec();
        if spec.channels != 1
            || spec.bits_per_sample != 16
            || spec.sample_format != hound::SampleFormat::Int
        {
            return Err(not_wav(format!(
                "it holds {} channel(s) of {}-bit {:?} samples, not 16-bit mono PCM",
                spec.channels, spec.bits_per_sample, spec.sample_format
            )));
        }
        Ok(WavPcm {
            path: path.to_path_buf(),
            reader,
        })
    }
}

impl PcmSource for WavPcm {
    fn sample_rate(&self) -> u32 {
        self.reader.spec().sample_rate
    }

    fn read(&mut self, block: &mut [i16]) -> Result<usize, OutputError> {
        let mut samples = self.reader.samples::<i16>();
        let mut n = 0;
        for out in block.iter_mut() {
            match samples.next() {
                Some(Ok(sample)) => *out = sample,
                Some(Err(e)) => {
                    return Err(OutputError::NotWav {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    });
                }
                None => break,
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_saturates() {
        assert_eq!(to_i16(2.0), i16::MAX);
        assert_eq!(to_i16(-2.0), -i16::MAX);
        assert_eq!(to_i16(0.0), 0);
    }

    #[test]
    fn reading_back_inverts_writing() {
        for value in [i16::MAX, -i16::MAX, 32766, 16385, 1, 0, -1, -20000] {
            assert_eq!(to_i16(f32::from(value) / full_scale(16)), value);
        }
    }

    /// Hands out at most three samples a call, as a reader at a buffer boundary may.
    struct Trickle(Vec<i16>);

    impl PcmSource for Trickle {
        fn sample_rate(&self) -> u32 {
            8000
        }

        fn read(&mut self, block: &mut [i16]) -> Result<usize, OutputError> {
            let n = block.len().min(3).min(self.0.len());
            block[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn fill_waits_for_a_whole_block_until_the_end() {
        let mut source = Trickle((1..=10).collect());
        let mut block = [0i16; 4];
        assert_eq!(fill(&mut source, &mut block).unwrap(), 4);
        assert_eq!(block, [1, 2, 3, 4]);
        assert_eq!(fill(&mut source, &mut block).unwrap(), 4);
        assert_eq!(fill(&mut source, &mut block).unwrap(), 2);
        assert_eq!(block[..2], [9, 10]);
        assert_eq!(fill(&mut source, &mut block).unwrap(), 0);
    }
}
