//! Audio measurements and a test server shared by the integration tests.

#![allow(dead_code)]

pub mod serving;

/// Median fundamental frequency of the voiced frames, by autocorrelation (60–400 Hz).
pub fn median_f0(samples: &[f32], rate: u32) -> f32 {
    let frame = (rate as usize) * 40 / 1000;
    let (min_lag, max_lag) = (rate as usize / 400, rate as usize / 60);
    let mut estimates = Vec::new();
    for chunk in samples.chunks_exact(frame) {
        let energy: f32 = chunk.iter().map(|s| s * s).sum::<f32>() / frame as f32;
        if energy < 1e-3 {
            continue;
        }
        let corr = |lag: usize| -> f32 {
            chunk[..frame - lag]
                .iter()
                .zip(&chunk[lag..])
                .map(|(a, b)| a * b)
                .sum::<f32>()
                // Unbiased: long lags overlap fewer samples.
                * frame as f32
                / (frame - lag) as f32
        };
        let zero = corr(0);
        let (best_lag, best) = (min_lag..max_lag.min(frame - 1))
            .map(|lag| (lag, corr(lag)))
            .fold((0, f32::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
        // Only clearly periodic (voiced) frames count.
        if best > 0.6 * zero && best_lag > 0 {
            estimates.push(rate as f32 / best_lag as f32);
        }
    }
    assert!(estimates.len() > 10, "too few voiced frames");
    estimates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    estimates[estimates.len() / 2]
}

/// Samples of each speaker's sentences, cut from an episode by its timing sidecar.
pub fn speech_by_speaker(
    timed: &recast::output::TimedScript,
    samples: &[f32],
) -> std::collections::BTreeMap<String, Vec<f32>> {
    let rate = f64::from(timed.sample_rate);
    let mut by_speaker: std::collections::BTreeMap<String, Vec<f32>> = Default::default();
    for (turn, sentence) in timed.cues() {
        let (a, b) = (
            (sentence.start * rate) as usize,
            ((sentence.end * rate) as usize).min(samples.len()),
        );
        by_speaker
            .entry(turn.speaker.clone())
            .or_default()
            .extend_from_slice(&samples[a..b]);
    }
    by_speaker
}

/// Integrated loudness and true peak as ffmpeg's `ebur128` filter measures them: a meter
/// independent of the one recast uses.
pub fn ffmpeg_ebur128(wav: &std::path::Path) -> (f64, f64) {
    let out = std::process::Command::new("ffmpeg")
        .args(["-nostats", "-hide_banner", "-i"])
        .arg(wav)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs (scripts/setup installs it)");
    let log = String::from_utf8_lossy(&out.stderr);
    let summary = &log[log.rfind("Summary:").expect("ebur128 summary")..];
    let value = |label: &str| -> f64 {
        let at = summary.find(label).unwrap() + label.len();
        summary[at..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (value("I:"), value("Peak:"))
}

pub const VOICE: &str = "en_US-joe-medium";

pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn recast() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("recast").unwrap()
}

/// The data folder `scripts/setup` filled (runtime + default voices). The end-to-end tests
/// use the real neural voices: without them they fail and say how to get them, rather than
/// pass vacuously.
pub fn real_data_dir() -> std::path::PathBuf {
    use recast::voices::{self, Catalog};
    let dir = voices::data_dir().unwrap();
    if let Err(e) = voices::locate(&Catalog::builtin(), &dir, VOICE) {
        panic!("these tests need the real voices: run scripts/setup first ({e})");
    }
    dir
}

/// A data folder with no voices, sharing the real ONNX Runtime library.
pub fn empty_data_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let real = real_data_dir().join("runtime");
    std::os::unix::fs::symlink(real, dir.path().join("runtime")).unwrap();
    dir
}

/// What ffprobe, an independent reader, finds in an audio file: chapters, format, streams.
pub fn ffprobe(path: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_chapters",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs (scripts/setup installs ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The head of an HTTP request (up to its blank line), as a test's canned server reads it;
/// `None` when the client closed or stalled first.
pub fn read_request_head(stream: &mut impl std::io::Read) -> Option<String> {
    let mut request = Vec::new();
    let mut buf = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    Some(String::from_utf8_lossy(&request).into_owned())
}
