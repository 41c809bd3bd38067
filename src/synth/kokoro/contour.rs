//! Mandarin tones given back to Kokoro's pitch: each syllable's voiced frames are pulled
//! toward its spoken tone's contour, placed around the phrase intonation the model itself
//! predicted, and the change is smoothed so that no join jumps.
//!
//! The Japanese-trained packs predict a pitch that follows a Japanese accent pattern (second
//! tones fall in 44% of syllables with `jm_kumo`), so the model's own curve is kept only for
//! what it gets right: the register of each clause and its slope (declination, a
//! question's rise), the voicing, and the pitch of everything that is not a Mandarin
//! syllable (English words, pauses). Tone targets are Chao's five levels spread over the
//! voice's own range: T1 55, T2 35, T3 21 (214 before a pause), T4 51, and a neutral tone
//! at the level its predecessor leaves it (2 after T1, 3 after T2, 4 after T3, 1 after T4).

use std::ops::Range;

/// One syllable of a piece, as the shaping needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ToneSyllable {
    /// The tone spoken: 1-4, 5 for neutral.
    pub tone: u8,
    /// Its symbols, from the piece's first symbol.
    pub symbols: Range<usize>,
    /// Which clause of the piece it is in (clauses end at , ; : . ! ? …).
    pub clause: usize,
    /// Whether its clause ends with a question mark.
    pub question: bool,
}

/// F0 below this is unvoiced (the model writes near 0 there).
const VOICED_HZ: f32 = 30.0;

/// The voice's range from Chao level 1 to 5 is the spread of its own voiced pitch in the
/// piece (10th to 90th percentile), held within these bounds: a flat prediction must not
/// flatten the tones, nor a wild one exaggerate them.
const RANGE_ST: (f32, f32) = (6.0, 10.0);

/// The largest change from one F0 frame (12.5 ms) to the next that the shaping may add to
/// what the model did: enough to turn the model's fall into a second tone's rise (a fall of
/// 0.5 semitone a frame made a rise of 0.3 at most with a limit of 0.5, and the syllable
/// stayed level), well under the 2-semitone steps the smoothing must not create.
const MAX_ADDED_STEP_ST: f32 = 1.0;

/// The largest frame-to-frame step the shaped pitch may take where the model's own step is
/// smaller: under the 2 semitones a listener hears as a jump.
const MAX_STEP_ST: f32 = 1.9;

/// A voiced frame this far from its syllable's median pitch is a transition (voicing
/// starting or stopping), not part of the syllable's contour.
const TRANSITION_ST: f32 = 6.0;

/// Frames (12.5 ms) over which the change is averaged at joins.
const SMOOTH_FRAMES: usize = 3;

fn to_st(hz: f32) -> f32 {
    12.0 * (hz / 100.0).log2()
}

fn to_hz(st: f32) -> f32 {
    100.0 * 2f32.powf(st / 12.0)
}

/// Chao levels (1-5) at points of the syllable's voiced span (0 = its first voiced frame,
/// 1 = its last), for the tone spoken; `previous` is the tone before, for a neutral tone;
/// `before_pause` whether the syllable ends its clause.
fn contour(tone: u8, previous: Option<u8>, before_pause: bool) -> &'static [(f32, f32)] {
    match tone {
        1 => &[(0.0, 4.8), (1.0, 4.8)],
        // Mid, a little dip, then the rise late in the syllable, as in running speech.
        2 => &[(0.0, 3.0), (0.3, 2.7), (1.0, 4.8)],
        3 if before_pause => &[(0.0, 2.0), (0.5, 1.0), (1.0, 3.5)],
        3 => &[(0.0, 2.0), (0.6, 1.0), (1.0, 1.2)],
        4 => &[(0.0, 5.0), (1.0, 1.5)],
        _ => match previous {
            Some(1) => &[(0.0, 2.5), (1.0, 2.0)],
            Some(2) => &[(0.0, 3.2), (1.0, 3.0)],
            Some(3) => &[(0.0, 3.5), (1.0, 4.0)],
            Some(4) => &[(0.0, 1.8), (1.0, 1.2)],
            _ => &[(0.0, 3.0), (1.0, 2.5)],
        },
    }
}

fn level_at(points: &[(f32, f32)], x: f32) -> f32 {
    let mut last = points[0];
    for &(px, py) in points {
        if x <= px {
            if px <= last.0 {
                return py;
            }
            let t = (x - last.0) / (px - last.0);
            return last.1 + t * (py - last.1);
        }
        last = (px, py);
    }
    last.1
}

/// Reshapes `f0` (Hz, the model's prediction for one piece) in place: Mandarin syllables
/// toward their tones by `strength` (0 keeps the model's pitch, 1 gives the contours), then
/// everything moved by `pitch` (a factor, 1 = unchanged). `bounds[k]` is the F0 frame where
/// symbol `k` of the piece starts, `bounds[n]` the end of the last.
pub fn shape(
    f0: &mut [f32],
    bounds: &[usize],
    syllables: &[ToneSyllable],
    strength: f32,
    pitch: f32,
) {
    let strength = strength.clamp(0.0, 1.0);
    if strength > 0.0 && !syllables.is_empty() {
        let delta = tone_change(f0, bounds, syllables, strength);
        for (hz, d) in f0.iter_mut().zip(&delta) {
            if *d != 0.0 {
                *hz = to_hz(to_st(*hz) + d);
            }
        }
    }
    if pitch != 1.0 {
        for hz in f0.iter_mut() {
            *hz *= pitch;
        }
    }
}

/// The frames of a syllable, clipped to the curve.
fn frames_of(s: &ToneSyllable, bounds: &[usize], len: usize) -> Range<usize> {
    let at = |k: usize| bounds.get(k).copied().unwrap_or(len).min(len);
    at(s.symbols.start)..at(s.symbols.end).max(at(s.symbols.start))
}

/// The change in semitones each frame gets (0 where nothing changes).
fn tone_change(
    f0: &[f32],
    bounds: &[usize],
    syllables: &[ToneSyllable],
    strength: f32,
) -> Vec<f32> {
    let voiced = |i: usize| f0[i] > VOICED_HZ;
    let st: Vec<f32> = f0
        .iter()
        .map(|&hz| if hz > VOICED_HZ { to_st(hz) } else { 0.0 })
        .collect();
    let mut delta = vec![0f32; f0.len()];

    // The voice's range, from its own voiced frames.
    let mut all: Vec<f32> = (0..f0.len())
        .filter(|&i| voiced(i))
        .map(|i| st[i])
        .collect();
    if all.len() < 4 {
        return delta;
    }
    all.sort_by(f32::total_cmp);
    let quantile = |q: f32| all[((all.len() - 1) as f32 * q).round() as usize];
    let range = (quantile(0.9) - quantile(0.1)).clamp(RANGE_ST.0, RANGE_ST.1);

    // Each syllable's voiced frames, its centre and the model's mean pitch over them.
    struct Measured {
        voiced: Vec<usize>,
        centre: f32,
        mean: f32,
    }
    let measured: Vec<Option<Measured>> = syllables
        .iter()
        .map(|s| {
            let frames: Vec<usize> = frames_of(s, bounds, f0.len())
                .filter(|&i| voiced(i))
                .collect();
            if frames.len() < 2 {
                return None;
            }
            let mean = frames.iter().map(|&i| st[i]).sum::<f32>() / frames.len() as f32;
            let centre = (frames[0] + frames[frames.len() - 1]) as f32 / 2.0;
            Some(Measured {
                voiced: frames,
                centre,
                mean,
            })
        })
        .collect();

    // The phrase line of each clause: the model's syllable means fitted by a straight line
    // over time (its register and declination), a question's last syllable kept as high as
    // the model made it.
    let clauses = syllables
        .iter()
        .map(|s| s.clause)
        .max()
        .map_or(0, |c| c + 1);
    let mut register = vec![0f32; syllables.len()];
    for clause in 0..clauses {
        let members: Vec<usize> = (0..syllables.len())
            .filter(|&k| syllables[k].clause == clause && measured[k].is_some())
            .collect();
        if members.is_empty() {
            continue;
        }
        let points: Vec<(f32, f32)> = members
            .iter()
            .map(|&k| {
                let m = measured[k].as_ref().expect("filtered");
                (m.centre, m.mean)
            })
            .collect();
        let line = fit_line(&points);
        for (&k, &(x, _)) in members.iter().zip(&points) {
            register[k] = line.0 + line.1 * x;
        }
        let last = *members.last().expect("not empty");
        if syllables[last].question {
            let own = measured[last].as_ref().expect("filtered").mean;
            register[last] = register[last].max(own);
        }
    }

    for (k, s) in syllables.iter().enumerate() {
        let Some(m) = &measured[k] else { continue };
        let previous = k
            .checked_sub(1)
            .filter(|&p| syllables[p].clause == s.clause)
            .map(|p| syllables[p].tone);
        let before_pause = syllables.get(k + 1).is_none_or(|n| n.clause != s.clause);
        let points = contour(s.tone, previous, before_pause);
        let (first, last) = (m.voiced[0], m.voiced[m.voiced.len() - 1]);
        let span = (last - first).max(1) as f32;
        // Frames where voicing starts or stops, far below the syllable's own pitch, are the
        // model's transitions: they move with their steady neighbours instead of being
        // pulled onto the contour (which would make them the largest changes of all).
        let mut own: Vec<f32> = m.voiced.iter().map(|&i| st[i]).collect();
        own.sort_by(f32::total_cmp);
        let median = own[own.len() / 2];
        let steady = |i: usize| (st[i] - median).abs() <= TRANSITION_ST;
        for &i in &m.voiced {
            if steady(i) {
                let x = (i - first) as f32 / span;
                let target = register[k] + (level_at(points, x) - 3.0) * range / 4.0;
                delta[i] = strength * (target - st[i]);
            }
        }
        for &i in &m.voiced {
            if !steady(i)
                && let Some(&near) = m
                    .voiced
                    .iter()
                    .filter(|&&j| steady(j))
                    .min_by_key(|&&j| j.abs_diff(i))
            {
                delta[i] = delta[near];
            }
        }
    }
    // Frames of no Mandarin syllable (English words) keep the model's pitch exactly.
    let mut fixed = vec![true; f0.len()];
    for s in syllables {
        for i in frames_of(s, bounds, f0.len()) {
            fixed[i] = false;
        }
    }
    smooth(&mut delta, &st, f0, &fixed);
    delta
}

/// Least-squares line through `points` as (intercept, slope); flat through the mean when
/// the points do not spread in x.
fn fit_line(points: &[(f32, f32)]) -> (f32, f32) {
    let n = points.len() as f32;
    let mx = points.iter().map(|p| p.0).sum::<f32>() / n;
    let my = points.iter().map(|p| p.1).sum::<f32>() / n;
    let sxx: f32 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if points.len() < 3 || sxx < 1.0 {
        return (my, 0.0);
    }
    let sxy: f32 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    (my - slope * mx, slope)
}

/// Smooths the change within each voiced run (a moving average, then a limit on how fast
/// it may move from frame to frame), so syllables and the unshaped frames beside them
/// (`fixed`: English words, whose change stays 0) join without steps the model did not
/// make.
fn smooth(delta: &mut [f32], st: &[f32], f0: &[f32], fixed: &[bool]) {
    let voiced = |i: usize| f0[i] > VOICED_HZ;
    let mut start = 0;
    while start < f0.len() {
        if !voiced(start) {
            delta[start] = 0.0;
            start += 1;
            continue;
        }
        let mut end = start;
        while end < f0.len() && voiced(end) {
            end += 1;
        }
        let run = &mut delta[start..end];
        let original = run.to_vec();
        let half = SMOOTH_FRAMES / 2;
        for (i, d) in run.iter_mut().enumerate() {
            let window = &original[i.saturating_sub(half)..(i + half + 1).min(original.len())];
            *d = if fixed[start + i] {
                0.0
            } else {
                window.iter().sum::<f32>() / window.len() as f32
            };
        }
        // Slew limit forward and backward, so the change moves by at most MAX_ADDED_STEP_ST a
        // frame. A run's edges border unvoiced frames, where there is no pitch to join.
        let held = &fixed[start..end];
        let mut previous = run[0];
        for (d, &held) in run.iter_mut().zip(held) {
            if !held {
                *d = d.clamp(previous - MAX_ADDED_STEP_ST, previous + MAX_ADDED_STEP_ST);
            }
            previous = *d;
        }
        let mut next = run[run.len() - 1];
        for (d, &held) in run.iter_mut().zip(held).rev() {
            if !held {
                *d = d.clamp(next - MAX_ADDED_STEP_ST, next + MAX_ADDED_STEP_ST);
            }
            next = *d;
        }
        // Where the model itself jumped, the change never adds to the jump: the later frame
        // gives way, or, if it must keep the model's pitch, the earlier ones do.
        let excess = |delta: &[f32], i: usize| {
            let model_step = st[i] - st[i - 1];
            let step = model_step + delta[i] - delta[i - 1];
            let allowed = model_step.abs().max(MAX_STEP_ST);
            (step.abs() > allowed).then(|| step.signum() * allowed - model_step)
        };
        for i in start + 1..end {
            let Some(wanted) = excess(delta, i) else {
                continue;
            };
            if !fixed[i] {
                delta[i] = delta[i - 1] + wanted;
                continue;
            }
            let mut j = i;
            while j > start && !fixed[j - 1] {
                let Some(wanted) = excess(delta, j) else {
                    break;
                };
                delta[j - 1] = delta[j] - wanted;
                j -= 1;
            }
        }
        start = end;
    }
}

/// The largest step between neighbouring voiced frames, in semitones, that `after` makes
/// where `before` (the same frames) did not make one over `limit`: 0 when no new jump.
pub fn new_jumps(before: &[f32], after: &[f32], limit: f32) -> f32 {
    let mut worst = 0f32;
    for i in 1..before.len().min(after.len()) {
        let voiced = |c: &[f32], j: usize| c[j] > VOICED_HZ;
        if !(voiced(before, i) && voiced(before, i - 1) && voiced(after, i) && voiced(after, i - 1))
        {
            continue;
        }
        let model = (to_st(before[i]) - to_st(before[i - 1])).abs();
        let ours = (to_st(after[i]) - to_st(after[i - 1])).abs();
        // (1e-3: float rounding, far below a step anyone hears.)
        if ours > limit + 1e-3 && ours > model + 1e-3 {
            worst = worst.max(ours);
        }
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flat model pitch at `hz`, `n` syllables of 20 frames each: 4 unvoiced frames (the
    /// initial), 16 voiced; one symbol per 10 frames, two symbols a syllable.
    fn flat(hz: f32, n: usize) -> (Vec<f32>, Vec<usize>) {
        let mut f0 = Vec::new();
        for _ in 0..n {
            f0.extend(std::iter::repeat_n(0.0, 4));
            f0.extend(std::iter::repeat_n(hz, 16));
        }
        let bounds = (0..=2 * n).map(|k| k * 10).collect();
        (f0, bounds)
    }

    fn syllables(tones: &[u8], question: bool) -> Vec<ToneSyllable> {
        tones
            .iter()
            .enumerate()
            .map(|(k, &tone)| ToneSyllable {
                tone,
                symbols: 2 * k..2 * k + 2,
                clause: 0,
                question,
            })
            .collect()
    }

    /// The voiced frames of syllable `k` in semitones, after shaping.
    fn voiced_st(f0: &[f32], k: usize) -> Vec<f32> {
        f0[20 * k + 4..20 * k + 20]
            .iter()
            .map(|&hz| to_st(hz))
            .collect()
    }

    fn rise(c: &[f32]) -> f32 {
        c[c.len() - 2] - c[1]
    }

    #[test]
    fn each_tone_takes_its_shape() {
        // 妈 麻 马 骂 吗: ma1 ma2 ma3 ma4 ma5, on a flat model pitch.
        let (mut f0, bounds) = flat(120.0, 5);
        shape(
            &mut f0,
            &bounds,
            &syllables(&[1, 2, 3, 4, 5], false),
            1.0,
            1.0,
        );
        let c: Vec<Vec<f32>> = (0..5).map(|k| voiced_st(&f0, k)).collect();
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        assert!(rise(&c[0]).abs() < 1.5, "T1 level: {:?}", c[0]);
        assert!(rise(&c[1]) > 2.0, "T2 rises: {:?}", c[1]);
        assert!(mean(&c[2]) < mean(&c[0]) - 3.0, "T3 low: {:?}", c[2]);
        assert!(rise(&c[3]) < -2.0, "T4 falls: {:?}", c[3]);
        assert!(mean(&c[0]) > to_st(120.0), "T1 high");
    }

    #[test]
    fn third_tone_sandhi_is_heard_as_written_in_spoken_tones() {
        // 你好 spoken ni2 hao3: the first rises, the second (before the pause) dips.
        let (mut f0, bounds) = flat(110.0, 2);
        shape(&mut f0, &bounds, &syllables(&[2, 3], false), 1.0, 1.0);
        let (ni, hao) = (voiced_st(&f0, 0), voiced_st(&f0, 1));
        assert!(rise(&ni) > 2.0, "ni2 rises: {ni:?}");
        // Before the pause, the full 214: down from mid-low, then up.
        let low = hao.iter().cloned().fold(f32::MAX, f32::min);
        assert!(
            low < hao[1] - 0.5 && low < hao[hao.len() - 2] - 1.5,
            "hao3 dips: {hao:?}"
        );
        assert!(low < to_st(110.0) - 2.0, "hao3 goes low: {hao:?}");
    }

    #[test]
    fn strength_zero_and_no_syllables_keep_the_model_pitch() {
        let (f0, bounds) = flat(150.0, 3);
        let mut same = f0.clone();
        shape(&mut same, &bounds, &syllables(&[2, 2, 2], false), 0.0, 1.0);
        assert_eq!(same, f0);
        shape(&mut same, &bounds, &[], 1.0, 1.0);
        assert_eq!(same, f0);
    }

    #[test]
    fn pitch_moves_every_frame_by_its_factor() {
        let (f0, bounds) = flat(100.0, 2);
        let mut up = f0.clone();
        shape(&mut up, &bounds, &[], 1.0, 1.25);
        for (a, b) in f0.iter().zip(&up) {
            assert!((b - a * 1.25).abs() < 1e-3);
        }
    }

    #[test]
    fn shaping_makes_no_new_jumps() {
        // Alternating high and low tones on a model pitch with its own wobble.
        let (mut f0, bounds) = flat(100.0, 8);
        for (i, hz) in f0.iter_mut().enumerate() {
            if *hz > 0.0 {
                *hz *= 1.0 + 0.05 * (i as f32 * 0.3).sin();
            }
        }
        let before = f0.clone();
        shape(
            &mut f0,
            &bounds,
            &syllables(&[4, 3, 1, 3, 4, 2, 3, 4], false),
            1.0,
            1.0,
        );
        assert_eq!(new_jumps(&before, &f0, 2.0), 0.0);
    }

    #[test]
    fn frames_of_no_syllable_keep_the_model_s_pitch() {
        // Syllables 0 and 2 are Mandarin; syllable 1's frames are an English word's.
        let (mut f0, bounds) = flat(120.0, 3);
        // One voiced run across all three, so the change would spill over.
        for hz in f0.iter_mut() {
            *hz = 120.0;
        }
        let before = f0.clone();
        let mut tones = syllables(&[4, 1, 2], false);
        tones.remove(1);
        shape(&mut f0, &bounds, &tones, 1.0, 1.0);
        assert_eq!(&f0[20..40], &before[20..40], "the English word's pitch");
        assert_ne!(&f0[..20], &before[..20]);
        assert_eq!(new_jumps(&before, &f0, 2.0), 0.0);
    }

    #[test]
    fn a_question_keeps_the_model_s_final_rise() {
        let (mut f0, bounds) = flat(120.0, 4);
        // The model raised the last syllable by 5 semitones: a question.
        for hz in &mut f0[64..80] {
            *hz = to_hz(to_st(120.0) + 5.0);
        }
        let mut statement = f0.clone();
        shape(&mut f0, &bounds, &syllables(&[1, 4, 1, 1], true), 1.0, 1.0);
        shape(
            &mut statement,
            &bounds,
            &syllables(&[1, 4, 1, 1], false),
            1.0,
            1.0,
        );
        let mean = |c: &[f32]| c.iter().sum::<f32>() / c.len() as f32;
        assert!(
            mean(&voiced_st(&f0, 3)) > mean(&voiced_st(&statement, 3)) + 1.0,
            "the question ends higher"
        );
    }
}
