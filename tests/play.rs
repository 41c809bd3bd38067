//! `recast play` on WAVs written by the tests: into the device-free player, and without a
//! sound card, where the only message is recast's.

use recast::output::{self, ChapterMark, Episode};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod common;
use common::recast;

/// A two-second tone in two chapters, at 8 kHz.
fn short_episode(dir: &Path) -> PathBuf {
    let rate = 8000;
    let samples: Vec<f32> = (0..2 * rate)
        .map(|i| 0.3 * (i as f32 * 0.1).sin())
        .collect();
    let chapters = [
        ChapterMark {
            title: "One".into(),
            start: 0,
            frames: u64::from(rate),
        },
        ChapterMark {
            title: "Two".into(),
            start: u64::from(rate),
            frames: u64::from(rate),
        },
    ];
    let path = dir.join("short.wav");
    output::write_wav(
        &path,
        &Episode {
            sample_rate: rate,
            samples: &samples,
            chapters: &chapters,
        },
    )
    .unwrap();
    path
}

/// A `recast play` that finds no sound card on any machine: no ALSA configuration, and a
/// home without an `.asoundrc`.
fn play_without_a_card(home: &Path, wav: &Path) -> assert_cmd::Command {
    let mut cmd = recast();
    cmd.env_remove("RECAST_AUDIO_DEVICE")
        .env("ALSA_CONFIG_PATH", "/dev/null")
        .env("HOME", home)
        .arg("play")
        .arg(wav)
        .timeout(Duration::from_secs(60));
    cmd
}

/// `RECAST_AUDIO_DEVICE=null`, as `render --play` and `say --play` honour it: the episode
/// plays to its end in real time, with stdin not a terminal, on a machine without a card.
#[test]
fn play_runs_into_the_null_device_in_real_time() {
    let dir = tempfile::tempdir().unwrap();
    let wav = short_episode(dir.path());
    let started = Instant::now();
    let out = play_without_a_card(dir.path(), &wav)
        .env("RECAST_AUDIO_DEVICE", "null")
        .assert()
        .success()
        .get_output()
        .clone();
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("[1/2] One"), "{stdout}");
    assert!(stdout.contains("[2/2] Two  00:02 / 00:02"), "{stdout}");
}

fn alsa_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("ALSA lib"))
        .collect()
}

/// Without a sound card the error is recast's alone: alsa-lib's own messages (eight lines
/// with the system's configuration) are not printed.
#[test]
fn no_sound_card_gives_recasts_message_and_no_alsa_noise() {
    let dir = tempfile::tempdir().unwrap();
    let wav = short_episode(dir.path());
    let home = tempfile::tempdir().unwrap();
    let out = play_without_a_card(home.path(), &wav)
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no audio output device"), "{stderr}");
    assert_eq!(alsa_lines(&stderr), Vec::<&str>::new(), "{stderr}");

    // With the system's own ALSA configuration: on a machine without a card (CI, this
    // one) it fails the same way; on one with a card it plays. Either way alsa is quiet.
    let out = recast()
        .env_remove("RECAST_AUDIO_DEVICE")
        .env("HOME", home.path())
        .arg("play")
        .arg(&wav)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(alsa_lines(&stderr), Vec::<&str>::new(), "{stderr}");
    if !out.status.success() {
        assert!(stderr.contains("no audio output device"), "{stderr}");
    }
}
