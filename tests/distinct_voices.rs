//! The default cast of a two-speaker English transcript, with the one English voice there
//! is, must still sound like two people: their pitch is measured on the same sentence.

use recast::render::{self, DEFAULT_RATE};
use recast::voices::{self, Catalog};
use std::path::Path;

/// Median fundamental frequency of the voiced frames, by autocorrelation (60–400 Hz).
fn median_f0(samples: &[f32], rate: u32) -> f32 {
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

#[test]
fn two_speakers_sharing_one_model_differ_in_pitch() {
    let data = voices::data_dir().unwrap();
    let catalog = Catalog::builtin();
    let installed = voices::installed(&catalog, &data);
    assert!(
        installed.iter().any(|v| v.entry.id == "en_US-joe-medium"),
        "run scripts/setup first: the real voice is needed"
    );
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e/two-speakers.md");
    let loaded = render::load_input(&input).unwrap();
    let cast = render::cast_script(&loaded.script, &[], &catalog, &installed).unwrap();
    let sentence = "Every Monday morning I bake bread for the whole street, and the neighbours bring the bags back.";
    let mut f0 = Vec::new();
    for speaker in ["Host", "Baker"] {
        let entry = cast.voice_of(speaker).unwrap();
        let (samples, rate) = render::say(sentence, entry, &data, DEFAULT_RATE, 2, None).unwrap();
        f0.push(median_f0(&samples, rate));
    }
    let ratio = f0[0].max(f0[1]) / f0[0].min(f0[1]);
    eprintln!(
        "median F0: Host {:.1} Hz, Baker {:.1} Hz, ratio {ratio:.3}",
        f0[0], f0[1]
    );
    assert!(ratio > 1.15, "voices too alike: {f0:?}");
}
