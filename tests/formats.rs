//! Every output format carries its chapters and tags: ffprobe, an independent reader,
//! lists the same chapter titles and times as the WAV.

mod common;

use common::ffprobe as probe;
use recast::output::{self, ChapterMark, Episode, Tags};
use std::path::Path;

#[test]
fn chapters_and_tags_survive_every_format() {
    let rate = 24_000;
    // Nine seconds of a tone whose pitch changes per chapter.
    let samples: Vec<f32> = (0..rate * 9)
        .map(|i| {
            let hz = 200.0 + 100.0 * (i / (rate * 3)) as f32;
            0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin()
        })
        .collect();
    let chapters = [
        ChapterMark {
            title: "引言".into(),
            start: 0,
            frames: 3 * rate as u64,
        },
        ChapterMark {
            title: "Storm season".into(),
            start: 3 * rate as u64,
            frames: 3 * rate as u64,
        },
        ChapterMark {
            title: "卷积神经网络与ImageNet的突破".into(),
            start: 6 * rate as u64,
            frames: 3 * rate as u64,
        },
    ];
    let episode = Episode {
        sample_rate: rate as u32,
        samples: &samples,
        chapters: &chapters,
    };
    let tags = Tags {
        title: "Bread on Mondays".into(),
        artist: "Host, Baker".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    for extension in ["wav", "flac", "mp3", "m4a", "m4b", "opus"] {
        let path = dir.path().join(format!("episode.{extension}"));
        output::write_episode(&path, &episode, &tags).unwrap();
        let probed = probe(&path);
        let listed = probed["chapters"].as_array().unwrap();
        assert_eq!(listed.len(), 3, "{extension}: {probed}");
        for (json, mark) in listed.iter().zip(&chapters) {
            assert_eq!(json["tags"]["title"], mark.title.as_str(), "{extension}");
            let start: f64 = json["start_time"].as_str().unwrap().parse().unwrap();
            let expected = mark.start as f64 / f64::from(rate as u32);
            assert!(
                (start - expected).abs() < 0.01,
                "{extension}: {start} vs {expected}"
            );
        }
        let duration: f64 = probed["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (duration - 9.0).abs() < 0.1,
            "{extension}: duration {duration}"
        );
        if extension != "wav" {
            // Ogg keeps its comments on the stream, the other containers on the file.
            let format_tags = &probed["format"]["tags"];
            let stream_tags = &probed["streams"][0]["tags"];
            let title = [format_tags, stream_tags]
                .iter()
                .find_map(|t| t["title"].as_str().or(t["TITLE"].as_str()));
            assert_eq!(
                title,
                Some("Bread on Mondays"),
                "{extension}: {format_tags}"
            );
        }
    }
    // Nothing but the episodes is left in the folder: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
}

/// The 16-bit samples ffmpeg, an independent decoder, reads from `path`.
fn decode_i16(path: &Path) -> Vec<i16> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "s16le", "-acodec", "pcm_s16le", "-"])
        .output()
        .expect("ffmpeg runs (scripts/setup installs ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// Equal to the last sample; the message names the first that differs, not all of them.
fn assert_same_samples(decoded: &[i16], expected: &[i16], what: &str) {
    assert_eq!(decoded.len(), expected.len(), "{what}: length");
    if let Some(at) = decoded.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "{what}: sample {at} is {} instead of {}",
            decoded[at], expected[at]
        );
    }
}

/// How far `decoded` is from `reference`: the gain that best maps one onto the other, and
/// the error left after it, relative to the reference's level.
fn gain_and_error(reference: &[i16], decoded: &[i16]) -> (f64, f64) {
    let (mut cross, mut power) = (0.0f64, 0.0f64);
    for (&r, &d) in reference.iter().zip(decoded) {
        cross += f64::from(r) * f64::from(d);
        power += f64::from(r) * f64::from(r);
    }
    let gain = cross / power;
    let error: f64 = reference
        .iter()
        .zip(decoded)
        .map(|(&r, &d)| (f64::from(d) - gain * f64::from(r)).powi(2))
        .sum();
    (gain, (error / power).sqrt())
}

/// LAME's gapless tag tells the decoder how many samples of delay and padding to drop:
/// the MP3 decodes to the episode's length exactly, sample-aligned.
fn assert_mp3_matches(reference: &[i16], decoded: &[i16]) {
    assert_eq!(decoded.len(), reference.len(), "MP3 length");
    let (gain, error) = gain_and_error(reference, decoded);
    // LAME's presets scale the input by 0.95 at low bitrates, against clipping.
    assert!((gain - LAME_SCALE).abs() < 0.005, "MP3 at gain {gain}");
    assert!(error < 0.05, "MP3 error {error}");
}

const LAME_SCALE: f64 = 0.95;

/// A rendered episode (a WAV streamed as `render` writes it, then published in the format
/// the output names) decodes to the same samples in every format: bit for bit in FLAC,
/// within the codec's error and at the same scale in MP3.
#[test]
fn every_format_decodes_to_the_wavs_samples() {
    let rate = 24_000u32;
    // Loud enough that a scale off by one part in 32768 moves samples by a whole step.
    let samples: Vec<f32> = (0..rate * 3)
        .map(|i| {
            let t = i as f32 / rate as f32;
            0.95 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
        })
        .chain([1.0, -1.0, 0.99999, -0.99999])
        .collect();
    let chapters = [ChapterMark {
        title: "One".into(),
        start: 0,
        frames: samples.len() as u64,
    }];
    let tags = Tags::default();
    let dir = tempfile::tempdir().unwrap();
    let publish = |name: &str| {
        let dest = dir.path().join(name);
        let mut stream = output::WavStream::create(&dest, rate).unwrap();
        for block in samples.chunks(1000) {
            stream.write(block).unwrap();
        }
        output::publish(stream.finish(&chapters).unwrap(), &dest, &tags).unwrap();
        dest
    };
    let wav = decode_i16(&publish("episode.wav"));
    let expected: Vec<i16> = samples.iter().map(|&s| output::to_i16(s)).collect();
    assert_same_samples(&wav, &expected, "WAV");
    assert_same_samples(&decode_i16(&publish("episode.flac")), &wav, "FLAC");

    assert_mp3_matches(&wav, &decode_i16(&publish("episode.mp3")));
}

/// A tone made as it is read: the episode never exists in memory as a whole.
struct Tone {
    rate: u32,
    at: u64,
    frames: u64,
    largest_request: usize,
}

impl Tone {
    fn sample(&self, i: u64) -> i16 {
        let t = i as f64 / f64::from(self.rate);
        // A pitch that changes every second, so every block differs.
        let hz = 200.0 + 50.0 * (i / u64::from(self.rate) % 7) as f64;
        output::to_i16((0.5 * (2.0 * std::f64::consts::PI * hz * t).sin()) as f32)
    }
}

impl output::PcmSource for Tone {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, block: &mut [i16]) -> Result<usize, output::OutputError> {
        self.largest_request = self.largest_request.max(block.len());
        let n = (block.len() as u64).min(self.frames - self.at) as usize;
        for (k, out) in block[..n].iter_mut().enumerate() {
            *out = self.sample(self.at + k as u64);
        }
        self.at += n as u64;
        Ok(n)
    }
}

type Writer =
    fn(&Path, &mut dyn output::PcmSource, &[ChapterMark], &Tags) -> Result<(), output::OutputError>;

/// Several minutes of audio go to FLAC and MP3 a block at a time (the writers never ask
/// for more than a block), and come back whole: every sample in FLAC, the full length in
/// MP3.
#[test]
fn long_episodes_are_encoded_a_block_at_a_time() {
    let rate = 16_000;
    let frames = u64::from(rate) * 60 * 6 + 1234;
    let tone = || Tone {
        rate,
        at: 0,
        frames,
        largest_request: 0,
    };
    let chapters = [
        ChapterMark {
            title: "First".into(),
            start: 0,
            frames: frames / 2,
        },
        ChapterMark {
            title: "Second".into(),
            start: frames / 2,
            frames: frames - frames / 2,
        },
    ];
    let tags = Tags {
        title: "Long".into(),
        artist: "Tone".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let expected: Vec<i16> = (0..frames).map(|i| tone().sample(i)).collect();

    let flac = dir.path().join("long.flac");
    let mp3 = dir.path().join("long.mp3");
    let writers: [(&Path, Writer); 2] = [(&flac, output::write_flac), (&mp3, output::write_mp3)];
    for (path, write) in writers {
        let mut source = tone();
        write(path, &mut source, &chapters, &tags).unwrap();
        assert!(
            source.largest_request <= 1 << 16,
            "{path:?}: {}",
            source.largest_request
        );
    }
    assert_same_samples(&decode_i16(&flac), &expected, "FLAC");
    assert_mp3_matches(&expected, &decode_i16(&mp3));

    for path in [&flac, &mp3] {
        let probed = probe(path);
        let duration: f64 = probed["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let seconds = frames as f64 / f64::from(rate);
        // An MP3's container duration counts LAME's delay and padding too.
        assert!((duration - seconds).abs() < 0.2, "{path:?}: {duration}");
        let listed = probed["chapters"].as_array().unwrap();
        assert_eq!(listed[1]["tags"]["title"], "Second", "{path:?}");
    }
}
