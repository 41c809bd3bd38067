//! Issue 6: never lose work, never crash. One test per kind of hostile input or
//! interruption: each ends in a clear error (what, where, what to do) or in a documented
//! graceful result, and never in a panic. Small fixtures live in `tests/fixtures/bad/`;
//! large, binary or oddly encoded ones are generated here.

use assert_cmd::Command;
use recast::output::{read_chapters, read_samples};
use recast::voices::{self, Catalog};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

mod common;
use common::{VOICE, empty_data_dir, fixture, real_data_dir, recast};

const ZH_VOICE: &str = "zh_CN-baker";

// ---------------------------------------------------------------------------------------
// Helpers (the small ones are copied from tests/cli.rs)

fn bad(name: &str) -> PathBuf {
    fixture(&format!("bad/{name}"))
}

/// A data folder sharing the real runtime, voices and Chinese dictionary, with a cache of
/// its own.
fn data_dir_with_own_cache() -> tempfile::TempDir {
    let real = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    for part in ["runtime", "voices", "zh"] {
        if real.join(part).exists() {
            std::os::unix::fs::symlink(real.join(part), dir.path().join(part)).unwrap();
        }
    }
    dir
}

/// `synthesised N of M sentences` from a render's summary.
fn synthesised_count(stderr: &str) -> (usize, usize) {
    let at = stderr.find("synthesised ").expect("summary line") + "synthesised ".len();
    let words: Vec<&str> = stderr[at..].split_whitespace().collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

struct Ran {
    success: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Ran {
    let out = cmd.output().unwrap();
    let ran = Ran {
        success: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !ran.stderr.contains("panicked") && !ran.stdout.contains("panicked"),
        "recast panicked:\n{}",
        ran.stderr
    );
    ran
}

/// Runs and expects success (and no panic).
fn ok(cmd: &mut Command) -> Ran {
    let ran = run(cmd);
    assert!(ran.success, "expected success:\n{}", ran.stderr);
    ran
}

/// Runs and expects a clean failure: exit code 1, one `error: ` message holding every
/// expected piece, no panic.
fn fails(cmd: &mut Command, expected: &[&str]) -> Ran {
    let ran = run(cmd);
    assert!(!ran.success, "expected a failure:\n{}", ran.stdout);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    assert!(ran.stderr.starts_with("error: "), "{}", ran.stderr);
    for piece in expected {
        assert!(
            ran.stderr.contains(piece),
            "stderr lacks {piece:?}:\n{}",
            ran.stderr
        );
    }
    ran
}

/// The message says its piece once: the error chain does not print the cause again.
fn said_once(ran: &Ran, piece: &str) {
    assert_eq!(
        ran.stderr.matches(piece).count(),
        1,
        "{piece:?} repeated:\n{}",
        ran.stderr
    );
}

fn script_of(input: &Path) -> recast::Script {
    let ran = ok(recast().arg("script").arg(input));
    recast::Script::from_json_str(&ran.stdout).unwrap()
}

fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks a rendered episode: chapters tile the audio, there is audio, the samples read.
fn assert_valid_episode(wav: &Path) -> Vec<f32> {
    let info = read_chapters(wav).unwrap();
    assert!(info.frames > 0);
    assert!(!info.chapters.is_empty());
    let mut at = 0;
    for chapter in &info.chapters {
        assert_eq!(chapter.start, at, "{:?}", info.chapters);
        at += chapter.frames;
    }
    assert_eq!(at, info.frames);
    let (_, samples) = read_samples(wav).unwrap();
    assert_eq!(samples.len() as u64, info.frames);
    samples
}

/// Every sentence of an episode's timing sidecar, in order.
fn sidecar_sentences(wav: &Path) -> Vec<(String, String)> {
    let timed = recast::output::TimedScript::load(&wav.with_extension("script.json")).unwrap();
    timed
        .cues()
        .map(|(turn, sentence)| (turn.speaker.clone(), sentence.text.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Transcripts

#[test]
fn empty_file_is_refused_with_a_hint() {
    for command in ["script", "render"] {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = recast();
        cmd.arg(command).arg(bad("empty.md"));
        if command == "render" {
            cmd.arg("-o").arg(dir.path().join("x.wav"));
        }
        let ran = fails(&mut cmd, &["empty.md", "the transcript is empty", "Name:"]);
        said_once(&ran, "the transcript is empty");
        assert!(file_names(dir.path()).is_empty());
    }
}

#[test]
fn whitespace_only_is_refused_as_empty() {
    let ran = fails(
        recast().arg("script").arg(bad("whitespace-only.md")),
        &["whitespace-only.md", "the transcript is empty"],
    );
    said_once(&ran, "the transcript is empty");
}

#[test]
fn emoji_only_is_refused_and_says_why() {
    let ran = fails(
        recast().arg("script").arg(bad("emoji-only.md")),
        &[
            "emoji-only.md",
            "found nothing to speak",
            "3 decoration (emoji or separator)",
        ],
    );
    said_once(&ran, "found nothing to speak");
}

/// Text without any `Name:` label is one narrator's turn, and renders.
#[test]
fn no_speaker_labels_is_read_by_the_narrator() {
    let script = script_of(&bad("no-labels.md"));
    assert_eq!(script.speakers(), ["Narrator"]);
    assert_eq!(script.chapters.len(), 1);
    assert!(
        script.chapters[0].turns[0]
            .text
            .contains("second paragraph")
    );
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("narrator.wav");
    let ran = ok(recast()
        .env("RECAST_HOME", real_data_dir())
        .arg("render")
        .arg(bad("no-labels.md"))
        .arg("-o")
        .arg(&wav)
        .args(["--rate", "8000"]));
    assert!(
        ran.stderr.contains("Narrator: en_US-joe-medium"),
        "{}",
        ran.stderr
    );
    assert_valid_episode(&wav);
}

/// `Guest:` with nothing after it is neither spoken (by the previous speaker, as its
/// text) nor dropped silently: it is listed by --explain.
#[test]
fn a_label_with_no_text_is_reported_not_spoken() {
    let input = bad("label-without-text.md");
    let script = script_of(&input);
    let texts: Vec<&str> = script.chapters[0]
        .turns
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Welcome back to the show.",
            "Are you still there?",
            "Then I will talk alone."
        ]
    );
    assert_eq!(script.speakers(), ["Host"]);
    let ran = ok(recast().args(["script", "--explain"]).arg(&input));
    for line in [5, 9, 13] {
        assert!(
            ran.stderr
                .lines()
                .any(|l| l.trim_start().starts_with(&line.to_string())
                    && l.contains("speaker label with no words")),
            "line {line} not reported:\n{}",
            ran.stderr
        );
    }
    // A label whose words follow on the next line is a label, not text.
    let dir = tempfile::tempdir().unwrap();
    let next_line = dir.path().join("next-line.md");
    std::fs::write(&next_line, "Host: Hi.\n\nGuest:\nHello there.\n").unwrap();
    let script = script_of(&next_line);
    assert_eq!(script.speakers(), ["Host", "Guest"]);
    assert_eq!(script.chapters[0].turns[1].text, "Hello there.");
}

/// 2000 characters without a full stop or comma: cut into pieces no longer than the
/// model-call bound, nothing lost, and rendered.
#[test]
fn text_without_punctuation_is_split_into_bounded_calls_and_renders() {
    let words = [
        "bread",
        "flour",
        "water",
        "salt",
        "oven",
        "morning",
        "street",
        "neighbour",
        "loaf",
        "dough",
    ];
    let mut text = String::new();
    let mut i = 7usize;
    while text.len() < 2000 {
        i = (i * 31 + 11) % 97;
        text.push_str(words[i % words.len()]);
        text.push(' ');
    }
    let text = text.trim().to_string();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("no-punctuation.md");
    std::fs::write(&input, format!("Host: {text}\n")).unwrap();
    let wav = dir.path().join("long.wav");
    ok(recast()
        .env("RECAST_HOME", real_data_dir())
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(&wav)
        .args(["--rate", "8000"]));
    assert_valid_episode(&wav);
    let pieces: Vec<String> = sidecar_sentences(&wav)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let bound = recast::text::DEFAULT_MAX_CHARS;
    assert!(pieces.len() >= 2000 / bound, "{} pieces", pieces.len());
    for piece in &pieces {
        assert!(
            piece.chars().count() <= bound,
            "{} chars: {piece}",
            piece.len()
        );
    }
    assert_eq!(pieces.join(" "), text, "words were lost or changed");
}

/// A single paragraph of 100 KB (with and without punctuation, Latin and Chinese) builds
/// its script in well under a second in release, a few in a debug build.
#[test]
fn a_hundred_kilobyte_paragraph_scripts_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let latin = "words keep coming along. and, ".repeat(3400);
    let bare = "words keep coming along and ".repeat(3600);
    let chinese: String = (0..34_000u32)
        .map(|i| char::from_u32(0x4e00 + (i * 7919) % 0x5000).unwrap())
        .collect();
    for (name, body) in [
        ("latin.md", format!("Host: {latin}\n")),
        ("bare.md", format!("Host: {bare}\n")),
        ("chinese.md", format!("主持人：{chinese}\n")),
    ] {
        let input = dir.path().join(name);
        std::fs::write(&input, body).unwrap();
        assert!(std::fs::metadata(&input).unwrap().len() >= 100_000);
        let started = Instant::now();
        let script = script_of(&input);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(10), "{name}: {took:?}");
        assert_eq!(script.chapters[0].turns.len(), 1, "{name}");
    }
}

/// Bytes that are not UTF-8 (here Latin-1 `Café`) are refused with the line and column
/// of the first one and how to convert the file, not read with replacement characters.
#[test]
fn invalid_utf8_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("latin1.md");
    std::fs::write(&input, b"Host: Hello.\n\nGuest: Caf\xe9 au lait, please.\n").unwrap();
    for command in ["script", "render"] {
        let mut cmd = recast();
        cmd.arg(command).arg(&input);
        if command == "render" {
            cmd.arg("-o").arg(dir.path().join("x.wav"));
        }
        fails(&mut cmd, &["latin1.md:3:11", "not UTF-8", "0xE9", "iconv"]);
    }
    // A script file too.
    let json = dir.path().join("script.json");
    std::fs::write(
        &json,
        b"{\"title\": \"T\", \"language\": \"en\",\n \"chapters\": [{\"title\": \"\xff\", \"turns\": []}]}",
    )
    .unwrap();
    fails(
        recast().arg("script").arg(&json),
        &["script.json:2:26", "not UTF-8"],
    );
}

/// UTF-16 with a byte-order mark (what Windows Notepad writes as "Unicode") reads like
/// the same text in UTF-8; without a BOM it is refused as binary, with a hint.
#[test]
fn utf16_with_a_bom_is_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(fixture("e2e/two-speakers.md")).unwrap();
    let expected = script_of(&fixture("e2e/two-speakers.md"));
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for unit in source.encode_utf16() {
        le.extend_from_slice(&unit.to_le_bytes());
        be.extend_from_slice(&unit.to_be_bytes());
    }
    for (name, bytes) in [("le.md", &le), ("be.md", &be)] {
        let input = dir.path().join(name);
        std::fs::write(&input, bytes).unwrap();
        assert_eq!(script_of(&input), expected, "{name}");
    }
    let no_bom = dir.path().join("no-bom.md");
    std::fs::write(&no_bom, &le[2..]).unwrap();
    fails(
        recast().arg("script").arg(&no_bom),
        &["no-bom.md", "NUL bytes", "UTF-16"],
    );
    let odd = dir.path().join("odd.md");
    std::fs::write(&odd, &le[..le.len() - 1]).unwrap();
    fails(recast().arg("script").arg(&odd), &["odd.md", "UTF-16"]);
}

#[test]
fn crlf_line_endings_parse_like_lf() {
    let dir = tempfile::tempdir().unwrap();
    let lf = std::fs::read_to_string(bad("crlf-source.md")).unwrap();
    assert!(!lf.contains('\r'));
    let crlf = dir.path().join("crlf.md");
    std::fs::write(&crlf, lf.replace('\n', "\r\n")).unwrap();
    let cr = dir.path().join("cr.md");
    std::fs::write(&cr, lf.replace('\n', "\r")).unwrap();
    let expected = ok(recast()
        .args(["script", "--explain"])
        .arg(bad("crlf-source.md")));
    for input in [&crlf, &cr] {
        let ran = ok(recast().args(["script", "--explain"]).arg(input));
        assert_eq!(ran.stdout, expected.stdout, "{}", input.display());
        assert_eq!(ran.stderr, expected.stderr, "{}", input.display());
        assert!(!ran.stdout.contains("\\r"));
    }
    let script = script_of(&crlf);
    assert_eq!(script.speakers(), ["Host", "Baker"]);
    assert_eq!(
        script.chapters[0].turns[0].text,
        "Welcome back. This line is hard wrapped in the source."
    );
}

/// Control characters, zero-width and bidi formatting characters never reach the script.
#[test]
fn control_and_zero_width_characters_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("invisible.md");
    std::fs::write(
        &input,
        "\u{feff}Host: Hel\u{200b}lo the\u{200d}re\u{2060}.\u{7} A bell\u{8}.\u{202e} Reversed \u{202c}text.\n\n\
         Guest: Fine\u{ad} \u{200e}thanks\u{feff}.\u{b}\u{c}\u{1b}\n",
    )
    .unwrap();
    let script = script_of(&input);
    assert_eq!(script.speakers(), ["Host", "Guest"]);
    let turns: Vec<&str> = script.chapters[0]
        .turns
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    assert_eq!(
        turns,
        ["Hello there. A bell. Reversed text.", "Fine thanks."]
    );
    for text in &turns {
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() || ('\u{200b}'..='\u{206f}').contains(&c)),
            "{text:?}"
        );
    }
}

/// Japanese, Korean, Arabic and emoji inside a Chinese interview: the script builds (as
/// Chinese), and what the Chinese voice cannot read is reported, by `--phonemes` and by the
/// render, not dropped silently.
#[test]
fn mixed_scripts_build_and_unreadable_pieces_are_reported() {
    let input = bad("mixed-scripts.md");
    let script = script_of(&input);
    assert_eq!(script.language, "zh");
    assert_eq!(script.speakers(), ["主持人", "嘉宾"]);
    let all: String = script.chapters[0]
        .turns
        .iter()
        .map(|t| t.text.as_str())
        .collect();
    for piece in ["ありがとう", "안녕하세요", "مرحبا", "🚀🚀", "😀😀😀"] {
        assert!(all.contains(piece), "{piece} lost from the script");
    }
    let phonemes = ok(recast().args(["script", "--phonemes"]).arg(&input));
    for piece in ["ありがとう", "안녕하세요 مرحبا", "🚀🚀"] {
        assert!(
            phonemes
                .stdout
                .lines()
                .any(|l| l.contains("skipped:") && l.contains(piece)),
            "{piece}:\n{}",
            phonemes.stdout
        );
    }
    // One short render with the Mandarin voice says what it left out.
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("mixed.wav");
    let ran = ok(recast()
        .env("RECAST_HOME", real_data_dir())
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(&wav)
        .args(["--rate", "8000", "--cast"])
        .arg(format!("主持人={ZH_VOICE}"))
        .arg("--cast")
        .arg(format!("嘉宾={ZH_VOICE}:pitch=-4")));
    assert_valid_episode(&wav);
    for piece in ["\"ありがとう\"", "\"안녕하세요\"", "\"مرحبا\"", "\"🚀🚀\""] {
        assert!(
            ran.stderr.lines().any(|l| l.starts_with("warning: ")
                && l.contains("cannot read")
                && l.contains(piece)),
            "{piece} not reported:\n{}",
            ran.stderr
        );
    }
    assert!(ran.stderr.contains("嘉宾: \"😀😀😀。\""), "{}", ran.stderr);
}

// ---------------------------------------------------------------------------------------
// Script and cast files

#[test]
fn script_files_with_unknown_fields_name_the_field_and_position() {
    fails(
        recast().arg("script").arg(bad("unknown-field.json")),
        &[
            "unknown-field.json:8:",
            "unknown field `speakr`",
            "fix the JSON",
        ],
    );
    fails(
        recast().arg("script").arg(bad("unknown-field.toml")),
        &[
            "unknown-field.toml:3:1",
            "unknown field `tittle`",
            "fix the TOML",
        ],
    );
}

#[test]
fn script_files_with_missing_fields_name_the_field_and_position() {
    fails(
        recast().arg("script").arg(bad("missing-field.json")),
        &["missing-field.json:8:", "missing field `text`"],
    );
    fails(
        recast().arg("script").arg(bad("missing-field.toml")),
        // TOML points at the table that lacks the key.
        &["missing-field.toml:7:1", "missing field `speaker`"],
    );
}

#[test]
fn script_files_with_wrong_types_name_the_value_and_position() {
    fails(
        recast().arg("script").arg(bad("wrong-type.json")),
        &[
            "wrong-type.json:8:",
            "invalid type: integer `42`, expected a string",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    fails(
        recast()
            .arg("render")
            .arg(bad("wrong-type.toml"))
            .arg("-o")
            .arg(dir.path().join("x.wav")),
        &["wrong-type.toml:6:9", "expected a sequence"],
    );
    assert!(file_names(dir.path()).is_empty());
}

/// Cast files (`--cast-file`) naming a speaker the script lacks, a voice recast does not
/// know, a setting that does not exist or a value of the wrong type.
#[test]
fn cast_files_with_unknown_speaker_voice_or_setting_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[&str]); 4] = [
        (
            "cast-unknown-speaker.toml",
            &[
                "cast-unknown-speaker.toml",
                "no speaker \"Nobody\"",
                "Baker, Host",
            ],
        ),
        (
            "cast-unknown-voice.toml",
            &[
                "cast-unknown-voice.toml",
                "unknown voice \"no-such-voice\"",
                VOICE,
            ],
        ),
        (
            "cast-unknown-setting.toml",
            &[
                "cast-unknown-setting.toml",
                "line 3",
                "unknown field `pich`",
                "`pitch`",
            ],
        ),
        (
            "cast-wrong-type.toml",
            &[
                "cast-wrong-type.toml",
                "line 3",
                "invalid type: string \"fast\"",
            ],
        ),
    ];
    for (file, expected) in cases {
        fails(
            recast()
                .env("RECAST_HOME", real_data_dir())
                .arg("render")
                .arg(fixture("e2e/two-speakers.md"))
                .arg("-o")
                .arg(dir.path().join("x.wav"))
                .arg("--cast-file")
                .arg(bad(file)),
            expected,
        );
    }
    assert!(file_names(dir.path()).is_empty());
}

// ---------------------------------------------------------------------------------------
// Damaged voices: the config (tests/cli.rs covers the model)

/// Installs the real voice into a scratch data folder from the real one, then damages its
/// config.
fn voice_with_damaged_config(damage: impl FnOnce(&Path)) -> tempfile::TempDir {
    let real = voices::locate(&Catalog::builtin(), &real_data_dir(), VOICE).unwrap();
    let data = empty_data_dir();
    ok(recast()
        .env("RECAST_HOME", data.path())
        .args(["voices", "install", VOICE, "--from"])
        .arg(&real.dir));
    let copy = voices::locate(&Catalog::builtin(), data.path(), VOICE).unwrap();
    damage(&copy.config);
    data
}

/// `render` and `say` both fail with a message that leads to a working voice, and the
/// suggested command repairs it.
fn damaged_config_is_reported(data: &Path, say_expects: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    fails(
        recast()
            .env("RECAST_HOME", data)
            .arg("render")
            .arg(fixture("e2e/two-speakers.md"))
            .arg("-o")
            .arg(dir.path().join("x.wav")),
        &[&format!("recast voices install {VOICE}")],
    );
    let mut expected = vec![VOICE, "--force"];
    expected.extend_from_slice(say_expects);
    fails(
        recast()
            .env("RECAST_HOME", data)
            .args(["say", "Hello.", "--voice", VOICE, "-o"])
            .arg(dir.path().join("x.wav")),
        &expected,
    );
    assert!(file_names(dir.path()).is_empty());
    // The advice works.
    let real = voices::locate(&Catalog::builtin(), &real_data_dir(), VOICE).unwrap();
    ok(recast()
        .env("RECAST_HOME", data)
        .args(["voices", "install", VOICE, "--force", "--from"])
        .arg(&real.dir));
    voices::locate(&Catalog::builtin(), data, VOICE).unwrap();
}

#[test]
fn a_missing_voice_config_is_reported() {
    let data = voice_with_damaged_config(|config| std::fs::remove_file(config).unwrap());
    damaged_config_is_reported(data.path(), &["onnx.json", "is missing"]);
}

#[test]
fn a_truncated_voice_config_is_reported() {
    let data = voice_with_damaged_config(|config| {
        let text = std::fs::read(config).unwrap();
        std::fs::write(config, &text[..text.len() / 2]).unwrap();
    });
    damaged_config_is_reported(data.path(), &["onnx.json", "bytes"]);
}

#[test]
fn a_voice_config_that_is_not_json_is_reported() {
    // Same size as the real one, so only parsing it can tell.
    let data = voice_with_damaged_config(|config| {
        let len = std::fs::metadata(config).unwrap().len() as usize;
        std::fs::write(config, &"not json ".repeat(len).as_bytes()[..len]).unwrap();
    });
    damaged_config_is_reported(data.path(), &["cannot read its config", "onnx.json"]);
}

// ---------------------------------------------------------------------------------------
// Damaged WAV files for `recast chapters` and `recast play`

const RATE: u32 = 8000;

fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A mono 16-bit WAV of `frames` frames of a quiet tone, with `tail` chunks after the data.
fn wav_bytes(frames: u32, tail: &[u8]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&1u16.to_le_bytes()); // mono
    fmt.extend_from_slice(&RATE.to_le_bytes());
    fmt.extend_from_slice(&(RATE * 2).to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    let pcm: Vec<u8> = (0..frames)
        .flat_map(|i| (((i as f32 / 10.0).sin() * 3000.0) as i16).to_le_bytes())
        .collect();
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", &fmt));
    body.extend(chunk(b"data", &pcm));
    body.extend_from_slice(tail);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

fn cue_chunk(points: &[(u32, u32)]) -> Vec<u8> {
    let mut body = (points.len() as u32).to_le_bytes().to_vec();
    for &(id, frame) in points {
        body.extend_from_slice(&id.to_le_bytes());
        body.extend_from_slice(&frame.to_le_bytes());
        body.extend_from_slice(b"data");
        body.extend_from_slice(&[0; 8]);
        body.extend_from_slice(&frame.to_le_bytes());
    }
    chunk(b"cue ", &body)
}

fn labels_chunk(labels: &[(u32, &str)], nul: bool) -> Vec<u8> {
    let mut body = b"adtl".to_vec();
    for &(id, title) in labels {
        let mut labl = id.to_le_bytes().to_vec();
        labl.extend_from_slice(title.as_bytes());
        if nul {
            labl.push(0);
        }
        body.extend(chunk(b"labl", &labl));
    }
    chunk(b"LIST", &body)
}

/// A folder whose `.asoundrc` makes ALSA's default device a null sink.
fn null_audio_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".asoundrc"),
        "pcm.!default { type null }\n",
    )
    .unwrap();
    home
}

fn chapters_of(wav: &Path) -> Ran {
    ok(recast().arg("chapters").arg(wav))
}

fn play(wav: &Path, home: &Path, args: &[&str]) -> Ran {
    run(recast()
        .env("HOME", home)
        .arg("play")
        .arg(wav)
        .args(args)
        .timeout(Duration::from_secs(60)))
}

/// Chapter lines of `recast chapters`: (number, start, length, title).
fn chapter_lines(listing: &str) -> Vec<Vec<String>> {
    listing
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// A file cut short: in the data (the chapter chunks after it are lost; what is there
/// plays, and its real length is shown), and in the header (refused).
#[test]
fn a_truncated_wav_is_read_as_far_as_it_goes() {
    let dir = tempfile::tempdir().unwrap();
    let home = null_audio_home();
    let full = wav_bytes(
        2 * RATE,
        &[
            cue_chunk(&[(1, 0), (2, RATE)]),
            labels_chunk(&[(1, "One"), (2, "Two")], true),
        ]
        .concat(),
    );
    let half = dir.path().join("half.wav");
    std::fs::write(&half, &full[..full.len() / 2]).unwrap();
    let listing = chapters_of(&half);
    assert!(
        listing.stdout.contains("0 chapters, 00:01.0"),
        "{}",
        listing.stdout
    );
    let played = play(&half, home.path(), &[]);
    assert!(played.success, "{}", played.stderr);
    assert!(played.stdout.contains("00:01 / 00:01"), "{}", played.stdout);
    fails(
        recast()
            .env("HOME", home.path())
            .arg("play")
            .arg(&half)
            .args(["--from", "0:01.5"]),
        &["the episode is only 00:01 long"],
    );

    let header = dir.path().join("header.wav");
    std::fs::write(&header, &full[..30]).unwrap();
    fails(
        recast().arg("chapters").arg(&header),
        &["header.wav is not a WAV file recast can read"],
    );
    let ran = fails(
        recast().env("HOME", home.path()).arg("play").arg(&header),
        &["cannot open", "header.wav", "PCM WAV"],
    );
    said_once(&ran, "Failed to read enough bytes");
    let empty = dir.path().join("empty.wav");
    std::fs::write(&empty, b"").unwrap();
    fails(
        recast().arg("chapters").arg(&empty),
        &["shorter than a WAV header"],
    );
}

#[test]
fn a_wav_without_a_cue_chunk_plays_as_one_chapter() {
    let dir = tempfile::tempdir().unwrap();
    let home = null_audio_home();
    let wav = dir.path().join("plain.wav");
    std::fs::write(&wav, wav_bytes(2 * RATE, &[])).unwrap();
    let listing = chapters_of(&wav);
    assert!(
        listing.stdout.contains("0 chapters, 00:02.0 at 8000 Hz"),
        "{}",
        listing.stdout
    );
    let played = play(&wav, home.path(), &[]);
    assert!(played.success, "{}", played.stderr);
    assert!(played.stdout.contains("[1/1] plain"), "{}", played.stdout);
    fails(
        recast()
            .env("HOME", home.path())
            .arg("play")
            .arg(&wav)
            .args(["--chapter", "2"]),
        &["no chapter 2", "1 chapter (1 \"plain\")"],
    );
}

/// Cue points past the end of the audio mark nothing: they are left out, and the chapter
/// before them ends with the audio.
#[test]
fn cue_points_past_the_end_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let home = null_audio_home();
    let wav = dir.path().join("ghost.wav");
    std::fs::write(
        &wav,
        wav_bytes(
            2 * RATE,
            &[
                cue_chunk(&[(1, 0), (2, RATE), (3, 99_999_999), (4, 2 * RATE)]),
                labels_chunk(
                    &[(1, "One"), (2, "Two"), (3, "Ghost"), (4, "At the end")],
                    true,
                ),
            ]
            .concat(),
        ),
    )
    .unwrap();
    let listing = chapters_of(&wav);
    let lines = chapter_lines(&listing.stdout);
    assert_eq!(
        lines,
        [
            ["1", "00:00.0", "00:01.0", "One"],
            ["2", "00:01.0", "00:01.0", "Two"]
        ],
        "{}",
        listing.stdout
    );
    let played = play(&wav, home.path(), &["--chapter", "2"]);
    assert!(played.success, "{}", played.stderr);
    assert!(played.stdout.contains("[2/2] Two"), "{}", played.stdout);
    fails(
        recast()
            .env("HOME", home.path())
            .arg("play")
            .arg(&wav)
            .args(["--chapter", "3"]),
        &["no chapter 3", "2 chapters"],
    );
    // A clip cut from it holds only audio that exists.
    let info = read_chapters(&wav).unwrap();
    assert!(
        info.chapters
            .iter()
            .all(|c| c.start + c.frames <= info.frames)
    );
}

/// `labl` titles without the terminating NUL (odd and even lengths) read whole.
#[test]
fn labels_without_a_nul_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let home = null_audio_home();
    let wav = dir.path().join("nonul.wav");
    std::fs::write(
        &wav,
        wav_bytes(
            2 * RATE,
            &[
                cue_chunk(&[(1, 0), (2, RATE)]),
                labels_chunk(&[(1, "Odd"), (2, "Even")], false),
            ]
            .concat(),
        ),
    )
    .unwrap();
    let titles: Vec<String> = read_chapters(&wav)
        .unwrap()
        .chapters
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, ["Odd", "Even"]);
    let listing = chapters_of(&wav);
    assert!(listing.stdout.contains("  Odd\n") && listing.stdout.contains("  Even\n"));
    let played = play(&wav, home.path(), &["--chapter", "2"]);
    assert!(played.success, "{}", played.stderr);
    assert!(played.stdout.contains("[2/2] Even"), "{}", played.stdout);
}

// ---------------------------------------------------------------------------------------
// Interrupted renders

/// A transcript of two chapters of short sentences: long enough to be killed at several
/// moments (about 10 s to render on 2 cores), short enough to render quickly.
fn interruptible_script(dir: &Path) -> PathBuf {
    let mut text = String::from("# Kill me softly\n\n## Morning\n\n");
    let lines = [
        "Host: When do you start baking?",
        "Baker: At four, before the street wakes up.",
        "Host: Every day?",
        "Baker: Every day but Sunday. The oven needs a rest too.",
        "Host: What comes first?",
        "Baker: The sourdough, because it takes the longest.",
    ];
    // Six takes of each line, every sentence marked with its take so that none is a
    // repeat (synthesised once): enough that the timed kills (5 s of synthesis between
    // them) leave sentences to synthesise for the kill in mid-synthesis, on a fast machine.
    for take in ["one", "two", "three", "four", "five", "six"] {
        for line in lines {
            let (speaker, said) = line.split_once(": ").unwrap();
            let said = said
                .replace('?', &format!(", take {take}?"))
                .replace('.', &format!(", take {take}."));
            text.push_str(&format!("{speaker}: {said}\n\n"));
        }
    }
    text.push_str("## Evening\n\n");
    let lines = [
        "Host: And when do you stop?",
        "Baker: When the last loaf is sold. Sometimes that is noon.",
        "Host: Do you ever run out?",
        "Baker: On Fridays, always. People queue for the rye.",
        "Host: Thank you for your time.",
        "Baker: Come and try the rye yourself.",
    ];
    for line in lines {
        text.push_str(line);
        text.push_str("\n\n");
    }
    let path = dir.join("interview.md");
    std::fs::write(&path, text).unwrap();
    path
}

#[derive(Clone, Copy, Debug)]
enum Signal {
    Kill,
    Int,
    Term,
}

#[derive(Clone, Copy, Debug)]
enum Moment {
    After(Duration),
    /// Once the cache holds more sentences than when the render started.
    MidSynthesis,
    /// Once the render has started writing beside the episode (mixing and mastering).
    Mixing,
}

fn cache_entries(data: &Path) -> Vec<PathBuf> {
    files_under(&data.join("cache"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pcm"))
        .collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

fn render_command(data: &Path, input: &Path, out: &Path, clips: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_recast"));
    cmd.env("RECAST_HOME", data)
        .arg("render")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--clips")
        .arg(clips)
        .args(["--rate", "8000"]);
    cmd
}

fn stop(child: &mut Child, signal: Signal) {
    let pid = child.id().to_string();
    match signal {
        Signal::Kill => child.kill().unwrap(),
        Signal::Int | Signal::Term => {
            let flag = if matches!(signal, Signal::Int) {
                "-INT"
            } else {
                "-TERM"
            };
            let status = std::process::Command::new("kill")
                .args([flag, &pid])
                .status()
                .unwrap();
            assert!(status.success());
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(!status.success(), "{signal:?} did not stop the render");
            return;
        }
        assert!(Instant::now() < deadline, "render ignored {signal:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for `moment`; false if the render ended first.
fn wait_for(moment: Moment, child: &mut Child, data: &Path, out_dir: &Path) -> bool {
    let entries_at_start = cache_entries(data).len();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let reached = match moment {
            Moment::After(d) => started.elapsed() >= d,
            Moment::MidSynthesis => cache_entries(data).len() > entries_at_start,
            Moment::Mixing => {
                let ours = format!(".recast-{}-", child.id());
                file_names(out_dir).iter().any(|n| n.starts_with(&ours))
            }
        };
        if reached {
            return true;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "{moment:?} never came"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Where a killed render works: its own cache, the interview to render, and an output
/// folder for the episode and its clips.
struct KillSite {
    data: tempfile::TempDir,
    work: tempfile::TempDir,
    input: PathBuf,
    out_dir: PathBuf,
    episode: PathBuf,
    clips: PathBuf,
}

fn kill_site() -> KillSite {
    let data = data_dir_with_own_cache();
    let work = tempfile::tempdir().unwrap();
    let input = interruptible_script(work.path());
    let out_dir = work.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    KillSite {
        data,
        episode: out_dir.join("episode.wav"),
        clips: out_dir.join("clips"),
        input,
        out_dir,
        work,
    }
}

/// Renders without interruption; returns the run and how many of its sentences were
/// synthesised, out of how many.
fn render_to_the_end(
    data: &Path,
    input: &Path,
    episode: &Path,
    clips: &Path,
) -> (Ran, usize, usize) {
    let ran = ok(&mut Command::from_std(render_command(
        data, input, episode, clips,
    )));
    let (synthesised, total) = synthesised_count(&ran.stderr);
    (ran, synthesised, total)
}

fn spawn_quiet(mut command: std::process::Command) -> Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills a render at each moment with `signal` and checks that nothing but temporary
/// files is left at the destination; then renders to the end and checks that the
/// temporary files are gone, the episode is whole and every sentence synthesised before
/// the kills is reused.
fn interrupted_renders_lose_nothing(signal: Signal, moments: &[Moment]) {
    let KillSite {
        data,
        work: _work,
        input,
        out_dir,
        episode,
        clips,
    } = kill_site();
    let mut leftovers = 0;
    for &moment in moments {
        let mut child = spawn_quiet(render_command(data.path(), &input, &episode, &clips));
        let reached = wait_for(moment, &mut child, data.path(), &out_dir);
        assert!(
            reached,
            "the render ended before {moment:?}; lengthen the script"
        );
        stop(&mut child, signal);
        // Nothing at the destination: no episode, sidecar or clip, only temporary files.
        for name in file_names(&out_dir) {
            assert!(
                name.starts_with(".recast-") || name == "clips",
                "{signal:?} at {moment:?} left {name}"
            );
            leftovers += usize::from(name.starts_with(".recast-"));
        }
        for name in file_names(&clips) {
            assert!(
                name.starts_with(".recast-"),
                "{signal:?} at {moment:?} left clip {name}"
            );
            leftovers += 1;
        }
        // Cache entries are whole or absent: the samples, then the syllable timings (JSON).
        for entry in cache_entries(data.path()) {
            let bytes = std::fs::read(&entry).unwrap();
            assert_eq!(&bytes[..4], b"RCS2");
            let count = u64::from_le_bytes(bytes[8..16].try_into().unwrap());
            let samples_end = (16 + 4 * count) as usize;
            assert!(bytes.len() >= samples_end, "{}", entry.display());
            if bytes.len() > samples_end {
                let timings: Vec<recast::synth::SpokenSyllable> =
                    serde_json::from_slice(&bytes[samples_end..])
                        .unwrap_or_else(|e| panic!("{}: {e}", entry.display()));
                assert!(!timings.is_empty());
            }
        }
    }
    eprintln!("{signal:?}: {leftovers} temporary files left in the output folder by the kills");
    // Only a process that is killed outright cannot clean up after itself.
    if !matches!(signal, Signal::Kill) {
        assert_eq!(leftovers, 0, "{signal:?} left temporary files behind");
    }
    let before = cache_entries(data.path()).len();
    assert!(
        before > 0,
        "no kill came after the first sentence was cached"
    );
    // The temporary file of a process that still runs (this one) is left alone.
    let alive = out_dir.join(format!(".recast-{}-alive.part", std::process::id()));
    std::fs::write(&alive, b"busy").unwrap();
    let (ran, synthesised, total) = render_to_the_end(data.path(), &input, &episode, &clips);
    assert_eq!(
        synthesised + before,
        total,
        "{before} sentences were cached before the kills:\n{}",
        ran.stderr
    );
    // The killed renders' temporary files are gone, the outputs are all there.
    assert!(
        alive.exists(),
        "a running process's temporary file was removed"
    );
    std::fs::remove_file(&alive).unwrap();
    let names = file_names(&out_dir);
    assert!(
        names.iter().all(|n| !n.starts_with(".recast-")),
        "temporary files survived the next render: {names:?}"
    );
    for sidecar in recast::output::sidecar_paths(&episode) {
        assert!(sidecar.exists(), "{}", sidecar.display());
    }
    assert_valid_episode(&episode);
    assert_eq!(file_names(&clips).len(), 2);
    assert!(file_names(&clips).iter().all(|n| !n.starts_with('.')));
    // A killed cache writer's temporary entry is not an entry, and `cache prune` removes it
    // once it is stale.
    let mut temporary: Vec<PathBuf> = files_under(&data.path().join("cache"))
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "pcm"))
        .collect();
    eprintln!(
        "{signal:?}: {} temporary cache entries left",
        temporary.len()
    );
    // One such file in any case, as a writer killed between write and rename leaves it.
    let shard = cache_entries(data.path())[0]
        .parent()
        .unwrap()
        .to_path_buf();
    temporary.push(shard.join(".entry-killed"));
    std::fs::write(temporary.last().unwrap(), b"RCS1").unwrap();
    for path in &temporary {
        std::fs::File::options()
            .append(true)
            .open(path)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(2 * 3600))
            .unwrap();
    }
    ok(recast()
        .env("RECAST_HOME", data.path())
        .args(["cache", "prune", "--max-size", "1G"]));
    assert!(temporary.iter().all(|p| !p.exists()));
}

/// Kills a render over and over at moments drawn at random (the seed is printed), each
/// time resuming from the cache, until a render gets to the end: no kill leaves a file at
/// the destination or loses a cached sentence, and the episode comes out complete.
#[test]
fn renders_killed_at_random_moments_resume_to_a_complete_episode() {
    let KillSite {
        data,
        work: _work,
        input,
        out_dir: _,
        episode,
        clips,
    } = kill_site();
    let mut seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    eprintln!("random kill moments, seed {seed}");
    let mut cached = 0;
    for kill in 1..=30 {
        // xorshift: enough randomness for choosing moments, no extra crate.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(200 + seed % 1500);
        let mut child = spawn_quiet(render_command(data.path(), &input, &episode, &clips));
        let started = Instant::now();
        while started.elapsed() < after && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "render {kill} failed");
            eprintln!("render {kill} finished before its kill at {after:?}");
            break;
        }
        stop(&mut child, Signal::Kill);
        // A kill after the episode was renamed into place (while clips or sidecars were
        // written) leaves it whole; before that, nothing is there.
        if episode.exists() {
            assert_valid_episode(&episode);
        }
        let now = cache_entries(data.path()).len();
        assert!(now >= cached, "kill {kill} lost cached sentences");
        cached = now;
        eprintln!("kill {kill} at {after:?}: {cached} sentences cached");
    }
    // On a busy machine the kills may all come before any render could finish: the last
    // render then completes the episode, synthesising only what was not cached yet.
    let cached = cache_entries(data.path()).len();
    let (_, synthesised, total) = render_to_the_end(data.path(), &input, &episode, &clips);
    assert_eq!(
        synthesised + cached,
        total,
        "every cached sentence was reused"
    );
    assert!(total > 0);
    assert_valid_episode(&episode);
    assert_eq!(file_names(&clips).len(), 2);
}

#[test]
fn renders_killed_with_sigkill_lose_nothing() {
    interrupted_renders_lose_nothing(
        Signal::Kill,
        &[
            Moment::After(Duration::from_millis(500)),
            Moment::After(Duration::from_millis(1500)),
            Moment::After(Duration::from_secs(3)),
            Moment::MidSynthesis,
            Moment::Mixing,
        ],
    );
}

#[test]
fn renders_interrupted_with_sigint_lose_nothing() {
    interrupted_renders_lose_nothing(
        Signal::Int,
        &[
            Moment::After(Duration::from_millis(1500)),
            Moment::MidSynthesis,
            Moment::Mixing,
        ],
    );
}

#[test]
fn renders_terminated_with_sigterm_lose_nothing() {
    interrupted_renders_lose_nothing(
        Signal::Term,
        &[
            Moment::After(Duration::from_millis(500)),
            Moment::MidSynthesis,
            Moment::Mixing,
        ],
    );
}

// ---------------------------------------------------------------------------------------
// Concurrency and reproducibility

fn short_script(dir: &Path) -> PathBuf {
    let path = dir.join("short.md");
    std::fs::write(
        &path,
        "# Twice\n\nHost: Good morning.\n\nBaker: Morning. The rye is still warm.\n\n\
         Host: I will take two.\n\nBaker: That makes the last ones.\n",
    )
    .unwrap();
    path
}

/// Two renders of one script sharing one cache, started together: both succeed, and
/// every cache entry reads back whole afterwards (a third render synthesises nothing).
#[test]
fn concurrent_renders_share_one_cache() {
    let data = data_dir_with_own_cache();
    let work = tempfile::tempdir().unwrap();
    let input = short_script(work.path());
    let spawn = |name: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_recast"));
        cmd.env("RECAST_HOME", data.path())
            .arg("render")
            .arg(&input)
            .arg("-o")
            .arg(work.path().join(format!("{name}.wav")))
            .arg("--clips")
            .arg(work.path().join("clips"))
            .args(["--rate", "8000"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("a"), spawn("b"));
    let mut counts = Vec::new();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success() && !stderr.contains("panicked"),
            "{stderr}"
        );
        counts.push(synthesised_count(&stderr));
    }
    let total = counts[0].1;
    assert!(counts[0].0 + counts[1].0 >= total, "{counts:?}");
    for name in ["a.wav", "b.wav"] {
        assert_valid_episode(&work.path().join(name));
    }
    let entries = cache_entries(data.path());
    assert_eq!(entries.len(), total);
    assert_eq!(
        files_under(&data.path().join("cache")).len(),
        total,
        "temporary files left"
    );
    let third = ok(recast()
        .env("RECAST_HOME", data.path())
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(work.path().join("c.wav"))
        .args(["--rate", "8000"]));
    assert_eq!(synthesised_count(&third.stderr), (0, total));
    assert!(
        file_names(work.path())
            .iter()
            .all(|n| !n.starts_with(".recast-"))
    );
}

/// Piper (VITS) samples noise for each sentence, so two renders with --no-cache differ;
/// with the cache the second render is identical to the first, sample for sample.
#[test]
fn cached_renders_are_identical_sample_for_sample() {
    let data = data_dir_with_own_cache();
    let work = tempfile::tempdir().unwrap();
    let input = short_script(work.path());
    let render = |name: &str, cache: bool| {
        let wav = work.path().join(name);
        let mut cmd = recast();
        cmd.env("RECAST_HOME", data.path())
            .arg("render")
            .arg(&input)
            .arg("-o")
            .arg(&wav)
            .args(["--rate", "8000"]);
        if !cache {
            cmd.arg("--no-cache");
        }
        ok(&mut cmd);
        std::fs::read(&wav).unwrap()
    };
    let fresh = [render("fresh-1.wav", false), render("fresh-2.wav", false)];
    let without = read_samples(&work.path().join("fresh-1.wav")).unwrap().1;
    let again = read_samples(&work.path().join("fresh-2.wav")).unwrap().1;
    eprintln!(
        "--no-cache twice: {} (lengths {} and {} samples)",
        if fresh[0] == fresh[1] {
            "identical"
        } else {
            "different"
        },
        without.len(),
        again.len()
    );
    let cached = [render("cached-1.wav", true), render("cached-2.wav", true)];
    assert!(cached[0] == cached[1], "renders from the cache differ");
    let first = read_samples(&work.path().join("cached-1.wav")).unwrap().1;
    let second = read_samples(&work.path().join("cached-2.wav")).unwrap().1;
    assert_eq!(first, second);
}

// ---------------------------------------------------------------------------------------
// Paths

/// Chapter titles and speaker names that look like paths or device names become clip
/// names inside the clips folder, never paths outside it.
#[test]
fn hostile_titles_and_speakers_stay_inside_the_clips_folder() {
    let work = tempfile::tempdir().unwrap();
    let long = "Long title ".repeat(28);
    assert!(long.chars().count() > 300);
    let hostile = [
        "../../etc/passwd",
        "/abs/path",
        "CON",
        "a\0b",
        long.as_str(),
    ];
    let speakers = ["../../etc/passwd", "/abs/path", "CON", "a\\0b", "NUL"];
    let script = serde_json::json!({
        "title": "Hostile names",
        "language": "en",
        "chapters": hostile.iter().zip(speakers).map(|(title, speaker)| serde_json::json!({
            "title": title,
            "turns": [{ "speaker": speaker, "text": "Hello." }],
        })).collect::<Vec<_>>(),
    });
    let input = work.path().join("hostile.json");
    std::fs::write(&input, serde_json::to_string_pretty(&script).unwrap()).unwrap();
    let out_dir = work.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let wav = out_dir.join("episode.wav");
    let clips = out_dir.join("clips");
    let mut cast = Vec::new();
    for (i, speaker) in speakers.iter().enumerate() {
        cast.push("--cast".to_string());
        cast.push(format!("{speaker}={VOICE}:pitch={}", i as i32 - 2));
    }
    ok(recast()
        .env("RECAST_HOME", real_data_dir())
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(&wav)
        .arg("--clips")
        .arg(&clips)
        .args(&cast)
        .args(["--no-announce", "--rate", "8000"]));
    assert_valid_episode(&wav);
    // Everything written is where it was asked to be.
    assert_eq!(file_names(work.path()), ["hostile.json", "out"]);
    assert_eq!(
        file_names(&out_dir),
        [
            "clips",
            "episode.chapters.json",
            "episode.script.json",
            "episode.srt",
            "episode.vtt",
            "episode.wav"
        ]
    );
    let names = file_names(&clips);
    assert_eq!(names.len(), hostile.len(), "{names:?}");
    for name in &names {
        let path = clips.join(name);
        assert!(path.is_file(), "{name}");
        assert_eq!(path.parent().unwrap(), clips);
        assert!(name.len() < 255 && name.ends_with(".wav"), "{name}");
        assert!(
            !name.contains(['/', '\\', '\0']) && !name.contains(".."),
            "{name}"
        );
    }
    assert!(names[0].starts_with("01-etc-passwd"), "{names:?}");
    // The chapter markers keep the titles (NUL as a space).
    let titles: Vec<String> = read_chapters(&wav)
        .unwrap()
        .chapters
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles[0], "../../etc/passwd");
    assert_eq!(titles[3], "a b");
    assert_eq!(titles[4], long);
    let speakers_back: Vec<String> = sidecar_sentences(&wav)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(speakers_back, speakers);
}

/// `recast render` never writes over the file it reads: not as the episode, not as a
/// sidecar next to it, however the path is spelt.
#[test]
fn render_refuses_to_overwrite_its_input() {
    let work = tempfile::tempdir().unwrap();
    let script = work.path().join("script.json");
    ok(recast()
        .arg("script")
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(&script));
    let sidecar_named = work.path().join("show.script.json");
    std::fs::copy(&script, &sidecar_named).unwrap();
    let original = std::fs::read(&script).unwrap();
    let sub = work.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let cases: [(&Path, PathBuf, &[&str]); 4] = [
        (
            &script,
            script.clone(),
            &["script.json is the input file", "episode.wav"],
        ),
        (
            &script,
            sub.join("..").join(".").join("script.json"),
            &["is the input file"],
        ),
        (
            &sidecar_named,
            work.path().join("show.wav"),
            &[
                "sidecar",
                "show.script.json",
                "is the input file",
                "--no-sidecars",
            ],
        ),
        (
            &sidecar_named,
            work.path().join("show.flac"),
            &["--no-sidecars"],
        ),
    ];
    for (input, output, expected) in cases {
        fails(
            recast()
                .env("RECAST_HOME", real_data_dir())
                .arg("render")
                .arg(input)
                .arg("-o")
                .arg(&output),
            expected,
        );
    }
    assert_eq!(std::fs::read(&script).unwrap(), original);
    assert_eq!(std::fs::read(&sidecar_named).unwrap(), original);
    let mut names = file_names(work.path());
    names.retain(|n| n != "sub");
    assert_eq!(names, ["script.json", "show.script.json"]);
}

/// `recast script interview.md -o interview.md` replaces the transcript with its script.
#[test]
fn script_refuses_to_overwrite_its_input() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("interview.md");
    std::fs::copy(fixture("e2e/two-speakers.md"), &input).unwrap();
    let original = std::fs::read(&input).unwrap();
    fails(
        recast().arg("script").arg(&input).arg("-o").arg(&input),
        &["is the input file"],
    );
    assert_eq!(std::fs::read(&input).unwrap(), original);
}

// ---------------------------------------------------------------------------------------
// Resource limits

/// A 1 MB transcript (about 20 hours of speech) builds its script in bounded time and
/// memory.
/// Writes a 1 MB English transcript; returns it and its number of turns.
fn megabyte_transcript(dir: &Path) -> (PathBuf, usize) {
    let input = dir.join("huge.md");
    let mut text = String::from("# A very long interview\n");
    let mut n = 0;
    while text.len() < 1_000_000 {
        if n % 50 == 0 {
            text.push_str(&format!("\n## Part {}\n", n / 50 + 1));
        }
        let speaker = if n % 2 == 0 { "Host" } else { "Guest" };
        text.push_str(&format!(
            "\n{speaker}: This is sentence number {n}, and it goes on for a while so the line is long. \
             Does it end with a question?\n"
        ));
        n += 1;
    }
    std::fs::write(&input, &text).unwrap();
    (input, n)
}

#[test]
fn a_megabyte_transcript_scripts_in_bounded_time_and_memory() {
    let work = tempfile::tempdir().unwrap();
    let (input, n) = megabyte_transcript(work.path());
    let output = work.path().join("huge.json");
    let started = Instant::now();
    let (ran, kb) = run_measuring_peak_rss(|cmd| {
        cmd.args(["script", "--explain"])
            .arg(&input)
            .arg("-o")
            .arg(&output);
    });
    assert!(ran.success, "{}", ran.stderr);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(30), "{took:?}");
    eprintln!("1 MB transcript: {took:?}, peak RSS {} MB", kb / 1024);
    assert!(kb < 512 * 1024, "peak RSS {kb} kB");
    let script = recast::Script::load(&output).unwrap();
    let turns: usize = script.chapters.iter().map(|c| c.turns.len()).sum();
    assert_eq!(turns, n);
}

/// A render that cannot fit in a WAV file (1 MB of text is about 20 hours of speech; at
/// 96 kHz a WAV holds 6.2) is refused before any synthesis, with what to do, in bounded
/// memory, and leaves nothing behind.
#[test]
fn a_render_too_long_for_a_wav_file_is_refused_up_front() {
    let work = tempfile::tempdir().unwrap();
    let (input, _) = megabyte_transcript(work.path());
    let episode = work.path().join("huge.wav");
    let data = data_dir_with_own_cache();
    let (ran, kb) = run_measuring_peak_rss(|cmd| {
        cmd.env("RECAST_HOME", data.path())
            .arg("render")
            .arg(&input)
            .arg("-o")
            .arg(&episode)
            .args(["--rate", "96000"]);
    });
    assert!(!ran.success);
    assert!(ran.stderr.contains("hours of audio"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("split the transcript"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("panicked"), "{}", ran.stderr);
    assert!(
        cache_entries(data.path()).is_empty(),
        "nothing was synthesised"
    );
    assert_eq!(file_names(work.path()), ["huge.md"]);
    eprintln!("1 MB render refused, peak RSS {} MB", kb / 1024);
    assert!(kb < 512 * 1024, "peak RSS {kb} kB");
}

/// Runs recast (with the arguments `args` adds) under GNU time, which scripts/setup
/// installs; returns the run, recast's own output first, and its peak RSS in kB.
fn run_measuring_peak_rss(args: impl FnOnce(&mut std::process::Command)) -> (Ran, u64) {
    let mut cmd = std::process::Command::new("/usr/bin/time");
    cmd.args(["-f", "peak-rss-kb=%M"])
        .arg(env!("CARGO_BIN_EXE_recast"));
    args(&mut cmd);
    let ran = run(&mut Command::from_std(cmd));
    let at = ran.stderr.rfind("peak-rss-kb=").unwrap_or_else(|| {
        panic!(
            "GNU time printed no peak RSS (is `time` installed?):\n{}",
            ran.stderr
        )
    });
    let kb = ran.stderr[at + 12..].trim().parse().unwrap();
    (ran, kb)
}
