//! Where each syllable is: a Chinese fixture rendered with the real Kokoro and Baker voices
//! carries every Han character of every sentence, in order, as a timed syllable in the
//! `EPISODE.script.json` sidecar, inside its sentence, and the VTT times them word by word.

mod common;

use common::{fixture, real_data_dir, recast};
use recast::output::TimedScript;

/// Renders `zh-no-english.md` with `voice` for everyone and returns the timed script and
/// the VTT.
fn render(voice: &str) -> (TimedScript, String) {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("episode.wav");
    recast()
        .env("RECAST_HOME", &data)
        .args(["render", "--no-cache"])
        .arg(fixture("listening/zh-no-english.md"))
        .arg("-o")
        .arg(&wav)
        .args(["--cast", &format!("林师傅={voice}")])
        .args(["--cast", &format!("主持人={voice}")])
        .args(["--cast", &format!("Narrator={voice}")])
        .assert()
        .success();
    let timed = TimedScript::load(&dir.path().join("episode.script.json")).unwrap();
    let vtt = std::fs::read_to_string(dir.path().join("episode.vtt")).unwrap();
    (timed, vtt)
}

fn check(voice: &str) {
    let (timed, vtt) = render(voice);
    let mut sentences = 0;
    for (_, sentence) in timed.cues() {
        let han: String = sentence
            .text
            .chars()
            .filter(|&c| recast::text::is_han(c))
            .collect();
        if han.is_empty() {
            continue;
        }
        sentences += 1;
        let spoken: String = sentence.syllables.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(spoken, han, "{voice}: {}", sentence.text);
        let mut last = sentence.start - 0.05;
        for s in &sentence.syllables {
            assert!((1..=5).contains(&s.tone), "{s:?}");
            assert!(
                s.start >= last - 1e-6 && s.end > s.start,
                "{voice}: {s:?} after {last}"
            );
            assert!(
                s.end <= sentence.end + 0.05,
                "{voice}: {s:?} ends after {}",
                sentence.end
            );
            last = s.end;
        }
    }
    assert!(sentences >= 15, "{sentences} sentences");
    // 不敢 is spoken bu4 gan3, 一整夜 yi4 zheng3 ye4 (sandhi of 一), as a reader says them.
    let syllables: Vec<_> = timed.cues().flat_map(|(_, s)| s.syllables.iter()).collect();
    let yi = syllables
        .windows(2)
        .find(|w| w[0].text == "一" && w[1].text == "整")
        .expect("一整夜");
    assert_eq!(yi[0].tone, 4, "{voice}: {:?}", yi[0]);
    // The VTT times the characters inside each cue: `你<00:00:01.250>好`.
    let timestamps = vtt.matches("<00:").count();
    assert!(
        timestamps > 200,
        "{voice}: {timestamps} word timestamps in the VTT"
    );
}

#[test]
fn kokoro_sentences_carry_their_syllables() {
    check("kokoro-jm_kumo");
}

#[test]
fn baker_sentences_carry_their_syllables() {
    check("zh_CN-baker");
}
