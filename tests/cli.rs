//! Runs the `recast` binary on fixtures written for these tests: scripts, renders with the
//! real Piper voice, chapters read back by ffprobe and by recast, clips, and bad input.

use predicates::prelude::*;
use recast::output::{read_chapters, read_samples};
use recast::voices::{self, Catalog};
use std::path::{Path, PathBuf};

mod common;
use common::{VOICE, empty_data_dir, ffmpeg_ebur128, fixture, real_data_dir, recast};

fn rms(samples: &[f32]) -> f32 {
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len().max(1) as f32).sqrt()
}

#[test]
fn script_writes_json_and_toml_that_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("e2e/two-speakers.md");
    let json = dir.path().join("s.json");
    let toml = dir.path().join("s.toml");
    recast()
        .args(["script"])
        .arg(&input)
        .arg("-o")
        .arg(&json)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "3 chapters, 6 turns, speakers: Host, Baker",
        ));
    recast()
        .args(["script", "--format", "toml"])
        .arg(&input)
        .arg("-o")
        .arg(&toml)
        .assert()
        .success();
    let from_json = recast::Script::load(&json).unwrap();
    let from_toml = recast::Script::load(&toml).unwrap();
    assert_eq!(from_json, from_toml);
    assert_eq!(from_json.chapters[1].turns[1].speaker, "Baker");
    assert!(
        from_json.chapters[1].turns[1]
            .text
            .contains("could not knead")
    );
}

#[test]
fn script_explain_lists_what_was_not_spoken() {
    recast()
        .args(["script", "--explain"])
        .arg(fixture("transcripts/interview-en-plain-labels.md"))
        .assert()
        .success()
        .stderr(predicate::str::contains("lines not turned into speech"))
        .stderr(predicate::str::is_match(r"\n\s+\d+\s+\S").unwrap());
}

#[test]
fn render_two_speakers_end_to_end_with_real_voice() {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("episode.wav");
    let clips = dir.path().join("clips");
    recast()
        .env("RECAST_HOME", &data)
        .arg("render")
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(&wav)
        .arg("--clips")
        .arg(&clips)
        .assert()
        .success()
        // The default English cast: joe for who talks most, Kokoro packs for the others.
        .stderr(predicate::str::contains("Baker: en_US-joe-medium"))
        .stderr(predicate::str::contains("Host: kokoro-jf_gongitsune"))
        .stderr(predicate::str::contains("Narrator: kokoro-jm_kumo"))
        .stderr(predicate::str::contains("real-time factor"));

    let info = read_chapters(&wav).unwrap();
    assert_eq!(info.sample_rate, 24_000);
    assert_eq!(info.channels, 1);
    let titles: Vec<&str> = info.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["One line", "The long one", "Short again"]);
    let (_, samples) = read_samples(&wav).unwrap();
    assert_eq!(samples.len() as u64, info.frames);
    let duration = samples.len() as f32 / 24_000.0;
    assert!((15.0..90.0).contains(&duration), "duration {duration}");

    // Chapters tile the episode.
    let mut expected_start = 0;
    for c in &info.chapters {
        assert_eq!(c.start, expected_start);
        expected_start += c.frames;
    }
    assert_eq!(expected_start, info.frames);

    // `recast chapters` prints every chapter with its start.
    let listing = recast().arg("chapters").arg(&wav).assert().success();
    let listing = String::from_utf8(listing.get_output().stdout.clone()).unwrap();
    for (i, c) in info.chapters.iter().enumerate() {
        let start = recast::render::format_time(std::time::Duration::from_secs_f64(
            c.start as f64 / 24_000.0,
        ));
        let line = listing
            .lines()
            .find(|l| l.ends_with(&c.title))
            .unwrap_or_else(|| panic!("no line for {} in\n{listing}", c.title));
        assert!(
            line.trim_start().starts_with(&format!("{}", i + 1)),
            "{line}"
        );
        assert!(line.contains(&start), "{line} lacks {start}");
    }

    // ffprobe agrees on every chapter.
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-of", "json"])
        .arg(&wav)
        .output()
        .expect("ffprobe runs (scripts/setup installs ffmpeg)");
    assert!(probe.status.success());
    let probe: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let probed = probe["chapters"].as_array().unwrap();
    assert_eq!(probed.len(), info.chapters.len());
    for (p, c) in probed.iter().zip(&info.chapters) {
        assert_eq!(p["tags"]["title"], c.title.as_str());
        let start: f64 = p["start_time"].as_str().unwrap().parse().unwrap();
        let end: f64 = p["end_time"].as_str().unwrap().parse().unwrap();
        assert!((start - c.start as f64 / 24_000.0).abs() < 1e-3);
        assert!((end - (c.start + c.frames) as f64 / 24_000.0).abs() < 1e-3);
    }

    // One clip per chapter, holding exactly that chapter's audio, with speech in it; the
    // long chapter is the longest and the one-line chapter the shortest.
    let mut clip_files: Vec<PathBuf> = std::fs::read_dir(&clips)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    clip_files.sort();
    let names: Vec<String> = clip_files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "01-One-line.wav",
            "02-The-long-one.wav",
            "03-Short-again.wav"
        ]
    );
    let mut lengths = Vec::new();
    for (path, c) in clip_files.iter().zip(&info.chapters) {
        let (rate, clip) = read_samples(path).unwrap();
        assert_eq!(rate, 24_000);
        let slice = &samples[c.start as usize..(c.start + c.frames) as usize];
        assert_eq!(clip.len(), slice.len());
        assert!(clip.iter().zip(slice).all(|(a, b)| (a - b).abs() < 1e-6));
        assert!(rms(&clip) > 0.01, "{} is silent", path.display());
        lengths.push(clip.len());
    }
    assert!(lengths[1] > 2 * lengths[0] && lengths[1] > 2 * lengths[2]);

    check_sidecars(&wav, &info, &samples);
    check_loudness(&wav, &samples);

    // The player reads the timing sidecar: turn navigation works on the rendered episode.
    std::fs::write(dir.path().join(".asoundrc"), "pcm.!default { type null }\n").unwrap();
    recast()
        .env("HOME", dir.path())
        .arg("play")
        .arg(&wav)
        .args(["--turn", "6"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .stdout(predicate::str::contains("[2/3] The long one"));
    recast()
        .env("HOME", dir.path())
        .arg("play")
        .arg(&wav)
        .args(["--turn", "99"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no turn 99"));
}

/// ffmpeg's meter, independent of the one recast uses, confirms the targets, and every
/// speaker ends up within 1 LU of the others.
fn check_loudness(wav: &Path, samples: &[f32]) {
    let (integrated, peak) = ffmpeg_ebur128(wav);
    assert!(
        (integrated + 16.0).abs() <= 0.5,
        "integrated {integrated} LUFS"
    );
    assert!(peak <= -1.0, "true peak {peak} dBTP");

    let timed = recast::output::TimedScript::load(&wav.with_extension("script.json")).unwrap();
    let rate = timed.sample_rate as f64;
    let dir = tempfile::tempdir().unwrap();
    let mut by_speaker: std::collections::BTreeMap<&str, Vec<f32>> = Default::default();
    for (turn, sentence) in timed.cues() {
        let (a, b) = (
            (sentence.start * rate) as usize,
            (sentence.end * rate) as usize,
        );
        by_speaker
            .entry(turn.speaker.as_str())
            .or_default()
            .extend_from_slice(&samples[a..b]);
    }
    assert_eq!(by_speaker.len(), 3, "{:?}", by_speaker.keys());
    let mut levels = Vec::new();
    for (speaker, audio) in &by_speaker {
        let path = dir.path().join(format!("{speaker}.wav"));
        recast::output::write_wav(
            &path,
            &recast::output::Episode {
                sample_rate: timed.sample_rate,
                samples: audio,
                chapters: &[],
            },
        )
        .unwrap();
        levels.push(ffmpeg_ebur128(&path).0);
    }
    let spread = levels.iter().cloned().fold(f64::MIN, f64::max)
        - levels.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread <= 1.0, "per-speaker loudness {levels:?}");
}

/// The sidecars agree with the WAV: chapters, one subtitle cue per sentence inside its
/// chapter, and no click where sentences were cut.
fn check_sidecars(wav: &Path, info: &recast::output::WavInfo, samples: &[f32]) {
    let rate = f64::from(info.sample_rate);
    let chapters: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(wav.with_extension("chapters.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(chapters["version"], "1.2.0");
    let listed = chapters["chapters"].as_array().unwrap();
    assert_eq!(listed.len(), info.chapters.len());
    for (json, mark) in listed.iter().zip(&info.chapters) {
        assert_eq!(json["title"], mark.title.as_str());
        assert!((json["startTime"].as_f64().unwrap() - mark.start as f64 / rate).abs() < 0.002);
        let end = (mark.start + mark.frames) as f64 / rate;
        assert!((json["endTime"].as_f64().unwrap() - end).abs() < 0.002);
    }
    let timed = recast::output::TimedScript::load(&wav.with_extension("script.json")).unwrap();
    let cues: Vec<_> = timed.cues().collect();
    // Announcements: the episode title and the three chapter titles, then 11 sentences.
    assert_eq!(cues.len(), 4 + 11, "{cues:#?}");
    assert_eq!(cues[0].0.speaker, "Narrator");
    assert!(cues[0].0.announcement);
    let srt = std::fs::read_to_string(wav.with_extension("srt")).unwrap();
    assert_eq!(srt.matches(" --> ").count(), cues.len());
    assert!(srt.contains("Baker: It is about twelve kilograms of flour."));
    let vtt = std::fs::read_to_string(wav.with_extension("vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT"));
    assert_eq!(vtt.matches(" --> ").count(), cues.len());
    for chapter in &timed.chapters {
        for turn in &chapter.turns {
            for s in &turn.sentences {
                assert!(chapter.start <= s.start && s.start < s.end && s.end <= chapter.end);
            }
        }
    }
    // Each cue holds its sentence's speech: between consecutive cues (away from the 20 ms
    // trim margins) there is only silence, so no speech falls outside the cue times.
    let margin_s = 0.020;
    for pair in cues.windows(2) {
        let (a, b) = (pair[0].1.end + margin_s, pair[1].1.start - margin_s);
        if b <= a {
            continue;
        }
        let gap = &samples[(a * rate) as usize..(b * rate) as usize];
        let peak = gap.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(
            peak < 0.02,
            "sound between cues at {a:.2}-{b:.2} s (peak {peak})"
        );
    }
    // Clicks: around every cut (20 ms outside each sentence's speech) the waveform moves by
    // less than 0.01 per sample (-40 dBFS): the cuts fall in faded silence.
    let margin = (0.020 * rate) as usize;
    for (_, s) in &cues {
        for cut in [
            (s.start * rate) as usize - margin,
            (s.end * rate) as usize + margin,
        ] {
            let window = &samples[cut.saturating_sub(48)..(cut + 48).min(samples.len())];
            let step = window
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0, f32::max);
            assert!(step < 0.01, "step {step} at {}", cut as f64 / rate);
        }
    }
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.wav");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "render".into(),
                fixture("e2e/empty.md").display().to_string(),
            ],
            "the transcript is empty",
        ),
        (
            vec![
                "render".into(),
                fixture("e2e/no-speech.md").display().to_string(),
            ],
            "found nothing to speak",
        ),
        (
            vec!["render".into(), "/no/such/file.md".into()],
            "does not exist",
        ),
        (
            vec![
                "render".into(),
                fixture("e2e/two-speakers.md").display().to_string(),
                "--cast".into(),
                "Host=no-such-voice".into(),
            ],
            "known voices: en_US-joe-medium",
        ),
        (
            vec![
                "render".into(),
                fixture("e2e/two-speakers.md").display().to_string(),
                "--cast".into(),
                "Nobody=en_US-joe-medium".into(),
            ],
            "Baker, Host",
        ),
        (
            vec![
                "render".into(),
                fixture("e2e/two-speakers.md").display().to_string(),
                "--cast".into(),
                "Host".into(),
            ],
            "is not SPEAKER=VOICE",
        ),
        (
            vec![
                "render".into(),
                fixture("e2e/two-speakers.md").display().to_string(),
                "--cast".into(),
                "Host=en_US-joe-medium:speed=50".into(),
            ],
            "out of range",
        ),
        (
            vec![
                "chapters".into(),
                fixture("e2e/two-speakers.md").display().to_string(),
            ],
            "not a WAV file",
        ),
        (
            vec!["voices".into(), "install".into(), "nope".into()],
            "en_US-joe-medium",
        ),
        (
            vec!["voices".into(), "info".into(), "nope".into()],
            "en_US-joe-medium",
        ),
    ];
    for (args, expected) in cases {
        let mut cmd = recast();
        cmd.args(&args);
        if args[0] == "render" {
            cmd.arg("-o").arg(&out);
        }
        cmd.assert()
            .failure()
            .code(1)
            .stderr(predicate::str::starts_with("error: "))
            .stderr(predicate::str::contains(expected))
            .stderr(predicate::str::contains("panicked").not());
        assert!(!out.exists(), "{args:?} left an output behind");
    }
}

#[test]
fn unwritable_or_wrong_outputs_are_refused_before_synthesis() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("e2e/two-speakers.md");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let cases = [
        (file.join("episode.wav"), "does not exist"),
        (dir.path().join("missing/episode.wav"), "does not exist"),
        (
            dir.path().join("episode.mp4"),
            "use one of .wav, .flac, .mp3",
        ),
        (dir.path().to_path_buf().join("d.wav"), ""),
    ];
    std::fs::create_dir(dir.path().join("d.wav")).unwrap();
    for (output, expected) in cases {
        let expected = if expected.is_empty() {
            "is a folder"
        } else {
            expected
        };
        recast()
            .arg("render")
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .assert()
            .failure()
            .stderr(predicate::str::contains(expected));
    }
    recast()
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("ok.wav"))
        .arg("--clips")
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is a file"));
}

#[test]
fn broken_script_files_point_at_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"title\": \"x\",\n  \"chapters\": [\n}").unwrap();
    recast()
        .arg("render")
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("x.wav"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.json"))
        .stderr(predicate::str::contains("bad.json:4:1"));
}

#[test]
fn no_installed_voice_names_the_one_to_install() {
    let data = empty_data_dir();
    let dir = tempfile::tempdir().unwrap();
    recast()
        .env("RECAST_HOME", data.path())
        .arg("render")
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(dir.path().join("x.wav"))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "recast voices install en_US-joe-medium",
        ));
    // For Chinese, the voice named is one that installs without Hugging Face.
    recast()
        .env("RECAST_HOME", data.path())
        .arg("render")
        .arg(fixture("transcripts/wechat-zh-radio-astronomy.md"))
        .arg("-o")
        .arg(dir.path().join("x.wav"))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "recast voices install zh_CN-baker",
        ));
}

#[test]
fn a_damaged_voice_is_listed_as_unusable_and_says_why() {
    // Something that is not an install where the voice's folder goes.
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("voices").join(VOICE);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("installed.toml"), "id = ").unwrap();
    let why = "its installed.toml cannot be read";
    let fix = format!("recast voices install {VOICE} --force");
    recast()
        .env("RECAST_HOME", data.path())
        .args(["voices", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(format!(r"(?m)^{VOICE}\s.*\sunusable$")).unwrap())
        .stdout(predicate::str::contains(why))
        .stdout(predicate::str::contains(fix.as_str()));
    recast()
        .env("RECAST_HOME", data.path())
        .args(["voices", "info", VOICE])
        .assert()
        .success()
        .stdout(predicate::str::is_match(format!(r"(?m)^installed\s+unusable: .*{why}")).unwrap())
        .stdout(predicate::str::contains(fix.as_str()))
        .stdout(predicate::str::contains("installed    no").not());
    // A render cast with it says the same, not "not installed".
    let transcript = data.path().join("t.md");
    std::fs::write(
        &transcript,
        "A: Hello there.\n\nB: Hello.\n\nA: How are you?\n\nB: Fine.\n",
    )
    .unwrap();
    recast()
        .env("RECAST_HOME", data.path())
        .arg("render")
        .arg(&transcript)
        .arg("-o")
        .arg(data.path().join("t.wav"))
        .args([
            "--cast",
            &format!("A={VOICE}"),
            "--cast",
            &format!("B={VOICE}"),
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains(why))
        .stderr(predicate::str::contains(fix.as_str()))
        .stderr(predicate::str::contains("not installed").not());
}

/// Installs the real voice into a scratch data folder from the real one, then damages it.
fn scratch_voice(damage: impl FnOnce(&Path)) -> tempfile::TempDir {
    let real = voices::locate(&Catalog::builtin(), &real_data_dir(), VOICE).unwrap();
    let data = empty_data_dir();
    recast()
        .env("RECAST_HOME", data.path())
        .args(["voices", "install", VOICE, "--from"])
        .arg(&real.dir)
        .assert()
        .success();
    let copy = voices::locate(&Catalog::builtin(), data.path(), VOICE).unwrap();
    damage(&copy.model);
    data
}

#[test]
fn missing_or_corrupt_models_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("e2e/two-speakers.md");
    let truncated = scratch_voice(|model| {
        let f = std::fs::OpenOptions::new().write(true).open(model).unwrap();
        f.set_len(1000).unwrap();
    });
    let garbage = scratch_voice(|model| {
        // Same size, so only loading the model can tell.
        let len = std::fs::metadata(model).unwrap().len() as usize;
        std::fs::write(model, vec![0x5a; len]).unwrap();
    });
    let missing = scratch_voice(|model| std::fs::remove_file(model).unwrap());
    for data in [&truncated, &garbage, &missing] {
        recast()
            .env("RECAST_HOME", data.path())
            .arg("render")
            .arg(&input)
            .arg("-o")
            .arg(dir.path().join("x.wav"))
            .assert()
            .failure()
            .stderr(predicate::str::contains(format!(
                "recast voices install {VOICE}"
            )))
            .stderr(predicate::str::contains("panicked").not());
    }
    assert!(!dir.path().join("x.wav").exists());
}

#[test]
fn say_writes_speech() {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("say.wav");
    recast()
        .env("RECAST_HOME", &data)
        .args(["say", "Testing one two three.", "--voice", VOICE, "-o"])
        .arg(&wav)
        .assert()
        .success();
    let (rate, samples) = read_samples(&wav).unwrap();
    assert_eq!(rate, 24_000);
    let seconds = samples.len() as f32 / rate as f32;
    assert!((0.8..5.0).contains(&seconds), "{seconds} s");
    assert!(rms(&samples) > 0.02);
}

/// Settings no engine can honour are refused, naming the setting and its range, before a
/// voice is looked for (so an empty data folder does not matter).
#[test]
fn say_refuses_out_of_range_settings() {
    let data = tempfile::tempdir().unwrap();
    let wav = data.path().join("say.wav");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--pitch", "300", "-o"],
            "`pitch` is 300, out of range: use -12 to 12 semitones",
        ),
        (
            &["--speed", "nan", "-o"],
            "`speed` is NaN, out of range: use 0.25 to 4",
        ),
        (
            &["--formant", "-20", "--play"],
            "`formant` is -20, out of range: use -12 to 12 semitones",
        ),
    ];
    for (settings, expected) in cases {
        let mut cmd = recast();
        cmd.env("RECAST_HOME", data.path())
            .env("RECAST_AUDIO_DEVICE", "null")
            .args(["say", "Hello there.", "--voice", VOICE])
            .args(settings);
        if settings.last() == Some(&"-o") {
            cmd.arg(&wav);
        }
        cmd.assert()
            .failure()
            .code(1)
            .stderr(predicate::str::starts_with(format!(
                "error: say --voice {VOICE}: {expected}"
            )));
        assert!(!wav.exists());
    }
}

/// ALSA configured with no devices at all: the same on every machine.
#[test]
fn play_without_an_audio_device_fails_cleanly() {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("say.wav");
    recast()
        .env("RECAST_HOME", &data)
        .args(["say", "Hello.", "--voice", VOICE, "-o"])
        .arg(&wav)
        .assert()
        .success();
    recast()
        .env("ALSA_CONFIG_PATH", "/dev/null")
        .env("HOME", dir.path())
        .arg("play")
        .arg(&wav)
        .assert()
        .failure()
        .stderr(predicate::str::contains("no audio output device"))
        .stderr(predicate::str::contains("panicked").not());
    recast()
        .arg("play")
        .arg(&wav)
        .args(["--chapter", "9"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("chapter 9"));
}

/// ALSA's null device swallows audio (faster than real time): playback runs to the end.
#[test]
fn play_runs_through_a_null_device() {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("say.wav");
    recast()
        .env("RECAST_HOME", &data)
        .args([
            "say",
            "Hello there. This is a preview.",
            "--voice",
            VOICE,
            "-o",
        ])
        .arg(&wav)
        .assert()
        .success();
    std::fs::write(dir.path().join(".asoundrc"), "pcm.!default { type null }\n").unwrap();
    recast()
        .env("HOME", dir.path())
        .arg("play")
        .arg(&wav)
        .args(["--from", "0:01"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success()
        .stdout(predicate::str::contains("00:0"));
}

/// `render --play` plays while it synthesises, in real time into the device-free player, and
/// writes the same complete episode; with no device at all it still writes the episode.
#[test]
fn render_play_previews_while_rendering_and_still_writes_the_episode() {
    let data = data_dir_with_own_cache();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("played.wav");
    let started = std::time::Instant::now();
    let out = recast()
        .env("RECAST_HOME", data.path())
        .env("RECAST_AUDIO_DEVICE", "null")
        .arg("render")
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(&wav)
        .arg("--play")
        .timeout(std::time::Duration::from_secs(300))
        .assert()
        .success()
        .stderr(predicate::str::contains("first audio reached the player"))
        .get_output()
        .clone();
    let (synthesised, total) = synthesised_count(&out.stderr);
    assert_eq!(
        synthesised, total,
        "a cold cache: everything was synthesised"
    );
    let reader = hound::WavReader::open(&wav).unwrap();
    let seconds = reader.duration() as f64 / f64::from(reader.spec().sample_rate);
    // Played in real time: the run cannot end before the episode has been heard.
    assert!(
        started.elapsed().as_secs_f64() >= seconds * 0.95,
        "{:?} for {seconds} s of audio",
        started.elapsed()
    );

    let again = dir.path().join("no-device.wav");
    recast()
        .env("RECAST_HOME", data.path())
        .env("ALSA_CONFIG_PATH", "/dev/null")
        .env("HOME", dir.path())
        .arg("render")
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(&again)
        .arg("--play")
        .assert()
        .success()
        .stderr(predicate::str::contains("could not play the episode"))
        .stderr(predicate::str::contains("no audio output device"));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&wav).unwrap(),
        "the same episode, from the cache"
    );
}

/// `say --play` starts with the first clause of a long first sentence and says it all.
#[test]
fn say_play_speaks_through_the_device_free_player() {
    recast()
        .env("RECAST_HOME", real_data_dir())
        .env("RECAST_AUDIO_DEVICE", "null")
        .args([
            "say",
            "The kettle clicked off in the next room, and she poured the tea by the window. Then it rained.",
            "--voice",
            VOICE,
            "--play",
        ])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .stderr(predicate::str::contains("first audio reached the player"));
}

/// A data folder sharing the real runtime and voices but with a cache of its own.
fn data_dir_with_own_cache() -> tempfile::TempDir {
    let real = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    for part in ["runtime", "voices"] {
        std::os::unix::fs::symlink(real.join(part), dir.path().join(part)).unwrap();
    }
    dir
}

fn synthesised_count(stderr: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(stderr);
    let at = text.find("synthesised ").expect("summary line") + "synthesised ".len();
    let words: Vec<&str> = text[at..].split_whitespace().collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

#[test]
fn a_second_render_synthesises_only_the_edited_turn() {
    let data = data_dir_with_own_cache();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.json");
    recast()
        .args(["script"])
        .arg(fixture("e2e/two-speakers.md"))
        .arg("-o")
        .arg(&script)
        .assert()
        .success();
    let render = |out: &str| {
        let output = recast()
            .env("RECAST_HOME", data.path())
            .arg("render")
            .arg(&script)
            .arg("-o")
            .arg(dir.path().join(out))
            .assert()
            .success();
        synthesised_count(&output.get_output().stderr)
    };
    let (cold, total) = render("one.wav");
    assert_eq!(cold, total);
    // Edit one turn of two sentences.
    let mut edited = recast::Script::load(&script).unwrap();
    edited.chapters[1].turns[2].text = "Thirty loaves is a lot. Who eats them all?".into();
    std::fs::write(&script, edited.to_json()).unwrap();
    let (warm, total_after) = render("two.wav");
    assert_eq!(total_after, total + 1);
    assert_eq!(warm, 2, "only the edited turn is synthesised");

    let stats = recast()
        .env("RECAST_HOME", data.path())
        .args(["cache", "stats"])
        .assert()
        .success();
    let stats = String::from_utf8_lossy(&stats.get_output().stdout).into_owned();
    assert!(
        stats.contains(&format!("{} sentences", total + 2)),
        "{stats}"
    );
    recast()
        .env("RECAST_HOME", data.path())
        .args(["cache", "prune", "--max-size", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "removed {} sentences",
            total + 2
        )));
    // Without the cache everything is synthesised and nothing is kept.
    let output = recast()
        .env("RECAST_HOME", data.path())
        .arg("render")
        .arg(&script)
        .arg("--no-cache")
        .arg("-o")
        .arg(dir.path().join("three.wav"))
        .assert()
        .success();
    let (fresh, _) = synthesised_count(&output.get_output().stderr);
    assert_eq!(fresh, total_after);
    recast()
        .env("RECAST_HOME", data.path())
        .args(["cache", "stats"])
        .assert()
        .success()
        .stdout(predicate::str::contains(": 0 sentences"));
}

#[test]
fn phonemes_show_readings_and_a_user_lexicon_changes_them() {
    let input = fixture("transcripts/wechat-zh-radio-astronomy.md");
    let shown = recast()
        .args(["script", "--phonemes"])
        .arg(&input)
        .assert()
        .success();
    let shown = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    assert!(shown.contains("normalized: "), "{shown}");
    // The default Chinese cast is Kokoro's: its symbols, with the pinyin they came from,
    // for every sentence, under the voice that reads it.
    assert!(shown.contains("(kokoro-jm_kumo)] "), "{shown}");
    assert!(shown.contains("phonemes:   "), "{shown}");
    assert!(shown.contains("望远镜 wang4 yuan3 jing4"), "{shown}");
    // A word the user wants read differently.
    let dir = tempfile::tempdir().unwrap();
    let lexicon = dir.path().join("lexicon.txt");
    std::fs::write(&lexicon, "望远镜 = wang4 yuan3 jing1\n").unwrap();
    let changed = recast()
        .args(["script", "--phonemes", "--lexicon"])
        .arg(&lexicon)
        .arg(&input)
        .assert()
        .success();
    let changed = String::from_utf8_lossy(&changed.get_output().stdout).into_owned();
    assert!(
        changed.contains("望远镜 wang4 yuan3 jing1 (user lexicon"),
        "{changed}"
    );
    assert!(!shown.contains("望远镜 wang4 yuan3 jing1"));
    // A broken lexicon names the file and line.
    std::fs::write(&lexicon, "望远镜 = wang4 yuan3 jing1\n好 = hao9\n").unwrap();
    recast()
        .args(["script", "--phonemes", "--lexicon"])
        .arg(&lexicon)
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicate::str::contains("lexicon.txt:2"));
}
