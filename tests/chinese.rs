//! The user's purpose: a Chinese interview rendered offline in the Mandarin voice that
//! `scripts/setup` installs, with every speaker told apart, chapters and loudness right.

use assert_cmd::Command;
use recast::output::{TimedScript, read_chapters, read_samples};
use recast::voices::{self, Catalog};
use std::path::Path;

mod common;
use common::{ffmpeg_ebur128, median_f0, speech_by_speaker};

#[test]
fn a_chinese_interview_renders_with_distinct_speakers() {
    let data = voices::data_dir().unwrap();
    if let Err(e) = voices::locate(&Catalog::builtin(), &data, "zh_CN-baker") {
        panic!("this test needs the Mandarin voice: run scripts/setup first ({e})");
    }
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transcripts/wechat-zh-bold-colon-labels.md");
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("episode.wav");
    Command::cargo_bin("recast")
        .unwrap()
        .env("RECAST_HOME", &data)
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(&wav)
        .assert()
        .success();

    let info = read_chapters(&wav).unwrap();
    let titles: Vec<&str> = info.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "引言",
            "第一部分：入行",
            "第二部分：关于酵种",
            "第三部分：小店与顾客"
        ]
    );
    let (rate, samples) = read_samples(&wav).unwrap();
    let seconds = samples.len() as f32 / rate as f32;
    assert!((40.0..240.0).contains(&seconds), "{seconds} s");

    let (integrated, peak) = ffmpeg_ebur128(&wav);
    assert!((integrated + 16.0).abs() <= 0.5, "{integrated} LUFS");
    assert!(peak <= -1.0, "{peak} dBTP");

    // Narrator, host and guest share one model; their pitch must still be at least 15%
    // apart pairwise.
    let timed = TimedScript::load(&wav.with_extension("script.json")).unwrap();
    let speech = speech_by_speaker(&timed, &samples);
    assert_eq!(speech.len(), 3, "{:?}", speech.keys());
    let f0: Vec<(String, f32)> = speech
        .iter()
        .map(|(speaker, audio)| (speaker.clone(), median_f0(audio, rate)))
        .collect();
    eprintln!("median F0 per speaker: {f0:?}");
    for (i, a) in f0.iter().enumerate() {
        for b in &f0[i + 1..] {
            let ratio = a.1.max(b.1) / a.1.min(b.1);
            assert!(ratio >= 1.15, "{a:?} and {b:?} are too alike");
        }
    }
}
