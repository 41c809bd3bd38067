//! Every output format carries its chapters and tags: ffprobe, an independent reader,
//! lists the same chapter titles and times as the WAV.

use recast::output::{self, ChapterMark, Episode, Tags};
use std::path::Path;

fn probe(path: &Path) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_chapters",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("ffprobe runs (scripts/setup installs ffmpeg)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn chapters_and_tags_survive_every_format() {
    let rate = 24_000;
    // Nine seconds of a tone whose pitch changes per chapter.
    let samples: Vec<f32> = (0..rate * 9)
        .map(|i| {
            let hz = 200.0 + 100.0 * (i / (rate * 3)) as f32;
            0.3 * (2.0 * std::f32::consts::PI * hz * i as f32 / rate as f32).sin()
        })
        .collect();
    let chapters = [
        ChapterMark {
            title: "引言".into(),
            start: 0,
            frames: 3 * rate as u64,
        },
        ChapterMark {
            title: "Storm season".into(),
            start: 3 * rate as u64,
            frames: 3 * rate as u64,
        },
        ChapterMark {
            title: "卷积神经网络与ImageNet的突破".into(),
            start: 6 * rate as u64,
            frames: 3 * rate as u64,
        },
    ];
    let episode = Episode {
        sample_rate: rate as u32,
        samples: &samples,
        chapters: &chapters,
    };
    let tags = Tags {
        title: "Bread on Mondays".into(),
        artist: "Host, Baker".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    for extension in ["wav", "flac", "mp3", "m4a", "m4b", "opus"] {
        let path = dir.path().join(format!("episode.{extension}"));
        output::write_episode(&path, &episode, &tags).unwrap();
        let probed = probe(&path);
        let listed = probed["chapters"].as_array().unwrap();
        assert_eq!(listed.len(), 3, "{extension}: {probed}");
        for (json, mark) in listed.iter().zip(&chapters) {
            assert_eq!(json["tags"]["title"], mark.title.as_str(), "{extension}");
            let start: f64 = json["start_time"].as_str().unwrap().parse().unwrap();
            let expected = mark.start as f64 / f64::from(rate as u32);
            assert!(
                (start - expected).abs() < 0.01,
                "{extension}: {start} vs {expected}"
            );
        }
        let duration: f64 = probed["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (duration - 9.0).abs() < 0.1,
            "{extension}: duration {duration}"
        );
        if extension != "wav" {
            // Ogg keeps its comments on the stream, the other containers on the file.
            let format_tags = &probed["format"]["tags"];
            let stream_tags = &probed["streams"][0]["tags"];
            let title = [format_tags, stream_tags]
                .iter()
                .find_map(|t| t["title"].as_str().or(t["TITLE"].as_str()));
            assert_eq!(
                title,
                Some("Bread on Mondays"),
                "{extension}: {format_tags}"
            );
        }
    }
    // Nothing but the episodes is left in the folder: no temporary files.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 6, "{names:?}");
}
