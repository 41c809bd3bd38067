//! The Kokoro engine on the real model and voice packs that `scripts/setup` installs from
//! PyPI: a sentence comes out as long and as loud as speech, a long input is split and
//! spoken whole, and a blend of packs sounds like neither pack alone.

mod common;

use recast::script::VoiceSettings;
use recast::synth::{self, Audio, Engine};
use recast::text::zh::LazyLexicon;
use recast::voices::{self, Catalog};

fn engine(id: &str) -> Box<dyn Engine> {
    let data = common::real_data_dir();
    synth::init_runtime(&data).unwrap_or_else(|e| panic!("{e}\nrun scripts/setup"));
    let voice = voices::locate(&Catalog::builtin(), &data, id)
        .unwrap_or_else(|e| panic!("{e}\nrun scripts/setup"));
    synth::engine_for(&voice.entry)
        .load(&voice, 2, &LazyLexicon::new(&data, None))
        .unwrap()
}

fn seconds(audio: &Audio) -> f32 {
    audio.samples.len() as f32 / audio.sample_rate as f32
}

fn rms(audio: &Audio) -> f32 {
    let n = audio.samples.len().max(1) as f32;
    (audio.samples.iter().map(|s| s * s).sum::<f32>() / n).sqrt()
}

#[test]
fn a_mixed_sentence_is_as_long_and_loud_as_speech() {
    let mut kumo = engine("kokoro-jm_kumo");
    // 19 Han characters and two English words: 3-8 s at any sane pace.
    let audio = kumo
        .synthesize(
            "二零一二年，AlexNet 在 ImageNet 比赛上把错误率降了将近十个百分点。",
            &VoiceSettings::default(),
        )
        .unwrap();
    assert_eq!(audio.sample_rate, 24_000);
    let (s, r) = (seconds(&audio), rms(&audio));
    assert!((3.0..=9.0).contains(&s), "{s:.2} s");
    assert!(r > 0.02, "rms {r:.4}");
    assert!(audio.samples.iter().all(|x| x.is_finite()));
    // Faster speech is shorter.
    let fast = kumo
        .synthesize(
            "二零一二年，AlexNet 在 ImageNet 比赛上把错误率降了将近十个百分点。",
            &VoiceSettings {
                speed: Some(1.5),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(seconds(&fast) < s * 0.85, "{} vs {s}", seconds(&fast));
}

#[test]
fn a_sentence_longer_than_the_model_takes_is_spoken_whole() {
    let mut kumo = engine("kokoro-jm_kumo");
    let clause = "我们在实验室里讨论了很久";
    let one = kumo
        .synthesize(&format!("{clause}。"), &VoiceSettings::default())
        .unwrap();
    // Forty clauses: well over the 510 symbols one call takes.
    let long: String = std::iter::repeat_n(clause, 40)
        .collect::<Vec<_>>()
        .join("，")
        + "。";
    let audio = kumo.synthesize(&long, &VoiceSettings::default()).unwrap();
    let ratio = seconds(&audio) / seconds(&one);
    assert!(
        (25.0..=60.0).contains(&ratio),
        "40 clauses took {ratio:.1} times one"
    );
}

#[test]
fn a_blend_sounds_like_neither_pack() {
    let text = "今天我们聊一聊深度学习的十年。";
    let plain = VoiceSettings::default();
    let median = |id: &str, settings: &VoiceSettings| {
        let audio = engine(id).synthesize(text, settings).unwrap();
        common::median_f0(&audio.samples, audio.sample_rate)
    };
    let kumo = median("kokoro-jm_kumo", &plain);
    let gongitsune = median("kokoro-jf_gongitsune", &plain);
    let blend = median(
        "kokoro-jm_kumo",
        &VoiceSettings {
            blend: Some("jf_gongitsune*0.25".into()),
            ..Default::default()
        },
    );
    assert!(kumo < 150.0, "jm_kumo is a man's voice: {kumo:.0} Hz");
    assert!(
        blend > kumo * 1.1 && blend < gongitsune / 1.1,
        "jm_kumo {kumo:.0} Hz, blend {blend:.0} Hz, jf_gongitsune {gongitsune:.0} Hz"
    );
}
