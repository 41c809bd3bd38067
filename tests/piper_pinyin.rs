//! Pinyin Piper voices: ids against the reference phonemizer's output (fixtures written by
//! `scripts/pinyin-reference.py`), and the model call path on the installed en_US-joe-medium
//! model under a pinyin config (the speech is gibberish; only the plumbing is tested).

use recast::script::VoiceSettings;
use recast::synth::piper_pinyin::{
    FrontEnd, PinyinConfig, PinyinPiperEngine, ids_for, symbols_for,
};
use recast::synth::{self, Engine, SynthError};
use recast::text::phonetic::{Break, PhoneticSentence, Syllable, Unit};
use recast::voices::{self, Catalog};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pinyin-reference")
}

fn config(name: &str) -> PinyinConfig {
    let path = fixtures().join(format!("config-{name}.onnx.json"));
    PinyinConfig::from_file(&format!("synthetic-{name}"), &path).unwrap()
}

struct Fixture {
    name: String,
    /// As the front end would give it: syllables with their characters, a break after each
    /// run of punctuation (sentence-final if the run has 。？！ . ? !, clause otherwise).
    sentence: PhoneticSentence,
    symbols: Vec<String>,
    ids: Value,
    /// At most one punctuation mark between two syllables.
    single_marks: bool,
}

fn parse_numbered(numbered: &str, hanzi: char) -> Syllable {
    let (base, tone) = numbered.split_at(numbered.len() - 1);
    Syllable {
        pinyin: base.to_string(),
        tone: tone.parse().unwrap(),
        hanzi: Some(hanzi),
    }
}

fn load_fixtures() -> Vec<Fixture> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("sentence-")
        })
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 10,
        "fixtures missing: run scripts/pinyin-reference.py"
    );
    paths
        .into_iter()
        .map(|path| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut units = Vec::new();
            let mut run: Vec<char> = Vec::new();
            let mut single_marks = true;
            let mut flush = |units: &mut Vec<Unit>, run: &mut Vec<char>| {
                let marks: Vec<char> = run
                    .drain(..)
                    .filter(|c| "。.？?！!—…、，,：:；; ".contains(*c))
                    .collect();
                if marks.len() > 1 {
                    single_marks = false;
                }
                if !marks.is_empty() {
                    let long = marks.iter().any(|c| "。.？?！!".contains(*c));
                    units.push(Unit::Break(if long {
                        Break::Sentence
                    } else {
                        Break::Clause
                    }));
                }
            };
            for c in v["chars"].as_array().unwrap() {
                let hanzi = c["char"].as_str().unwrap().chars().next().unwrap();
                match c["pinyin"].as_str() {
                    Some(p) => {
                        flush(&mut units, &mut run);
                        units.push(Unit::Syllable(parse_numbered(p, hanzi)));
                    }
                    None => run.push(hanzi),
                }
            }
            flush(&mut units, &mut run);
            Fixture {
                name: v["name"].as_str().unwrap().to_string(),
                sentence: PhoneticSentence {
                    normalized: v["g2p_input"].as_str().unwrap().to_string(),
                    units,
                },
                symbols: v["symbols"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
                ids: v["ids"].clone(),
                single_marks,
            }
        })
        .collect()
}

fn expected_ids(fixture: &Fixture, config_name: &str) -> Vec<i64> {
    fixture.ids[config_name]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_i64().unwrap())
        .collect()
}

#[test]
fn ids_match_the_reference_for_every_fixture_and_config() {
    let configs = [
        ("trainer", config("trainer")),
        ("permuted", config("permuted")),
    ];
    for fixture in load_fixtures() {
        let symbols = symbols_for(&fixture.sentence).unwrap();
        assert_eq!(symbols, fixture.symbols, "symbols of {}", fixture.name);
        for (name, config) in &configs {
            let ids = ids_for(&fixture.sentence, config).unwrap();
            assert_eq!(
                ids,
                expected_ids(&fixture, name),
                "ids of {} under {name}",
                fixture.name
            );
        }
    }
}

#[test]
fn breaks_alone_give_the_reference_ids_when_marks_are_single() {
    // Without the characters, punctuation comes from the breaks. The trainer's map gives every
    // short pause one id and tells only statement/question/exclamation apart, so one mark per
    // gap is reproduced exactly.
    let trainer = config("trainer");
    let mut compared = 0;
    for mut fixture in load_fixtures() {
        for unit in &mut fixture.sentence.units {
            if let Unit::Syllable(s) = unit {
                s.hanzi = None;
            }
        }
        let ids = ids_for(&fixture.sentence, &trainer).unwrap();
        if fixture.single_marks {
            assert_eq!(
                ids,
                expected_ids(&fixture, "trainer"),
                "ids of {}",
                fixture.name
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "only {compared} fixtures compared");
}

// ---------------------------------------------------------------------------------------
// The model call path, on en_US-joe-medium with the trainer-format pinyin config.

const JOE: &str = "en_US-joe-medium";

/// Test front end: space-separated tone-numbered pinyin; "，"/"," is a clause break and
/// "。？！.?!" a sentence break.
fn stub_front_end() -> FrontEnd {
    Box::new(|text: &str| {
        let mut units = Vec::new();
        for token in text.split_whitespace() {
            let unit = match token {
                "，" | "," => Unit::Break(Break::Clause),
                "。" | "？" | "！" | "." | "?" | "!" => Unit::Break(Break::Sentence),
                _ => {
                    let (base, tone) = token.split_at(token.len().saturating_sub(1));
                    let tone: u8 = tone.parse().map_err(|_| format!("no tone in {token:?}"))?;
                    Unit::Syllable(Syllable::new(base, tone))
                }
            };
            units.push(unit);
        }
        Ok(PhoneticSentence {
            normalized: text.to_string(),
            units,
        })
    })
}

fn joe_engine() -> PinyinPiperEngine {
    let data_dir = voices::data_dir().unwrap();
    let joe = voices::locate(&Catalog::builtin(), &data_dir, JOE)
        .unwrap_or_else(|e| panic!("these tests need {JOE}: run scripts/setup first ({e})"));
    synth::init_runtime(&data_dir).unwrap();
    PinyinPiperEngine::load(
        "joe-as-pinyin",
        &joe.model,
        &fixtures().join("config-trainer.onnx.json"),
        1,
        stub_front_end(),
    )
    .unwrap()
}

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

const TEXT: &str =
    "wo3 men5 zai4 shan1 jiao3 xia4 zhu4 le5 san1 ge4 xing1 qi1 ， mei3 tian1 ting1 niao3 jiao4 。";

/// No noise: durations and audio are deterministic.
fn quiet(speed: Option<f32>, pitch: Option<f32>) -> VoiceSettings {
    VoiceSettings {
        speed,
        pitch,
        noise_scale: Some(0.0),
        noise_w: Some(0.0),
        ..Default::default()
    }
}

#[test]
fn the_model_runs_and_speed_and_pitch_scale_as_expected() {
    let mut engine = joe_engine();
    assert_eq!(engine.voice_id(), "joe-as-pinyin");
    assert_eq!(engine.speakers(), 1);
    assert_eq!(engine.sample_rate(), 22050);

    let normal = engine.synthesize(TEXT, &quiet(None, None)).unwrap();
    assert_eq!(normal.sample_rate, 22050);
    let seconds = normal.samples.len() as f32 / normal.sample_rate as f32;
    assert!((0.8..15.0).contains(&seconds), "{seconds} s");
    assert!(
        rms(&normal.samples) > 0.01,
        "silent: rms {}",
        rms(&normal.samples)
    );
    assert!(normal.samples.iter().all(|s| s.is_finite()));

    let again = engine.synthesize(TEXT, &quiet(None, None)).unwrap();
    assert_eq!(again, normal, "no noise: the same audio twice");

    let fast = engine.synthesize(TEXT, &quiet(Some(2.0), None)).unwrap();
    let ratio = fast.samples.len() as f32 / normal.samples.len() as f32;
    assert!(
        (0.4..0.65).contains(&ratio),
        "speed 2 gave {ratio} of the length"
    );
    let slow = engine.synthesize(TEXT, &quiet(Some(0.5), None)).unwrap();
    let ratio = slow.samples.len() as f32 / normal.samples.len() as f32;
    assert!(
        (1.7..2.3).contains(&ratio),
        "speed 0.5 gave {ratio} of the length"
    );

    // An octave up: twice the samples, declared at twice the rate; same duration.
    let high = engine.synthesize(TEXT, &quiet(None, Some(12.0))).unwrap();
    assert_eq!(high.sample_rate, 44100);
    let (a, b) = (
        normal.samples.len() as f32 / normal.sample_rate as f32,
        high.samples.len() as f32 / high.sample_rate as f32,
    );
    assert!((b / a - 1.0).abs() < 0.15, "durations {a} s and {b} s");

    // With noise (the voice's defaults) it still speaks.
    let noisy = engine.synthesize(TEXT, &VoiceSettings::default()).unwrap();
    assert!(rms(&noisy.samples) > 0.01);
}

#[test]
fn engine_errors_are_typed_and_empty_sentences_are_silent() {
    let mut engine = joe_engine();
    let other_speaker = VoiceSettings {
        speaker_id: Some(1),
        ..Default::default()
    };
    assert!(matches!(
        engine.synthesize(TEXT, &other_speaker),
        Err(SynthError::SpeakerOutOfRange { speakers: 1, .. })
    ));
    let err = engine
        .synthesize("ni hao", &VoiceSettings::default())
        .unwrap_err();
    assert!(matches!(err, SynthError::Phonemize { .. }), "{err}");
    assert!(err.to_string().contains("no tone"), "{err}");
    let err = engine
        .synthesize("ni9", &VoiceSettings::default())
        .unwrap_err();
    assert!(err.to_string().contains("tone must be 1 to 5"), "{err}");

    let empty = engine
        .synthesize("， 。", &VoiceSettings::default())
        .unwrap();
    assert!(empty.samples.is_empty());
    assert_eq!(empty.sample_rate, 22050);
}

#[test]
fn loading_refuses_espeak_configs_and_missing_models() {
    let data_dir = voices::data_dir().unwrap();
    let joe = voices::locate(&Catalog::builtin(), &data_dir, JOE)
        .unwrap_or_else(|e| panic!("these tests need {JOE}: run scripts/setup first ({e})"));
    synth::init_runtime(&data_dir).unwrap();
    // joe's own config is an espeak one.
    let err = PinyinPiperEngine::load(JOE, &joe.model, &joe.config, 1, stub_front_end())
        .err()
        .unwrap();
    assert!(matches!(err, SynthError::BadConfig { .. }), "{err}");
    assert!(err.to_string().contains("not a pinyin voice"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let err = PinyinPiperEngine::load(
        "x",
        &dir.path().join("missing.onnx"),
        &fixtures().join("config-trainer.onnx.json"),
        1,
        stub_front_end(),
    )
    .err()
    .unwrap();
    assert!(matches!(err, SynthError::ModelLoad { .. }), "{err}");
}
