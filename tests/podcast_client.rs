//! A real podcast client (gPodder's `gpo`, after feedparser) subscribes to a folder that
//! `recast::serve` serves and downloads every episode; the files it gets must be the
//! served files byte for byte. Needs what scripts/setup installs: it fails, not skips,
//! without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::serving::Running;

/// An episode in the feed: its file in the served folder and its enclosure type.
struct Episode {
    file: &'static str,
    title: &'static str,
    kind: &'static str,
}

const EPISODES: [Episode; 2] = [
    Episode {
        file: "first.mp3",
        title: "The first conversation",
        kind: "audio/mpeg",
    },
    Episode {
        file: "second.m4a",
        title: "The second conversation",
        kind: "audio/mp4",
    },
];

/// A minimal RSS 2.0 podcast feed for `episodes` in `dir`, served at `base` (until
/// `recast feed` writes the real one).
fn feed_xml(base: &str, dir: &Path, episodes: &[Episode]) -> String {
    let items: String = episodes
        .iter()
        .enumerate()
        .map(|(i, episode)| {
            let length = std::fs::metadata(dir.join(episode.file)).unwrap().len();
            format!(
                r#"    <item>
      <title>{title}</title>
      <guid isPermaLink="false">recast-test-{i}</guid>
      <pubDate>Mon, 0{day} Dec 2025 10:00:00 +0000</pubDate>
      <enclosure url="{base}/{file}" length="{length}" type="{kind}"/>
    </item>
"#,
                title = episode.title,
                day = i + 1,
                file = episode.file,
                kind = episode.kind,
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
  <channel>
    <title>recast test show</title>
    <link>{base}/</link>
    <description>Two short episodes for a podcast client.</description>
    <language>en</language>
{items}  </channel>
</rss>
"#
    )
}

/// A second of a 440 Hz tone, encoded by ffmpeg into each episode's format.
fn write_episodes(dir: &Path) {
    let wav = dir.join("source.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&wav, spec).unwrap();
    for n in 0..22050 {
        let t = n as f32 / 22050.0;
        let sample = (t * 440.0 * std::f32::consts::TAU).sin() * 0.3;
        writer.write_sample((sample * 32767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
    for episode in &EPISODES {
        let status = Command::new("ffmpeg")
            .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
            .arg(&wav)
            .arg(dir.join(episode.file))
            .status()
            .expect("ffmpeg runs (scripts/setup installs it)");
        assert!(status.success(), "ffmpeg could not make {}", episode.file);
    }
    std::fs::remove_file(wav).unwrap();
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn gpodder_downloads_every_served_episode_byte_for_byte() {
    let served = tempfile::tempdir().unwrap();
    write_episodes(served.path());
    let server = Running::start(served.path());
    let base = server.url("");
    std::fs::write(
        served.path().join("feed.xml"),
        feed_xml(&base, served.path(), &EPISODES),
    )
    .unwrap();

    let downloads = tempfile::tempdir().unwrap();
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/podcast-client");
    let out = Command::new(&client)
        .arg(server.url("/feed.xml"))
        .arg(downloads.path().join("episodes"))
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "scripts/podcast-client failed (if gpo or the podcast venv is missing, run scripts/setup):\n{stdout}\n{stderr}"
    );

    let downloaded = files_under(&downloads.path().join("episodes"));
    assert_eq!(downloaded.len(), EPISODES.len(), "{downloaded:?}\n{stdout}");
    for episode in &EPISODES {
        let path = downloaded
            .iter()
            .find(|p| p.file_name().unwrap() == episode.file)
            .unwrap_or_else(|| panic!("{} not downloaded: {downloaded:?}", episode.file));
        assert!(
            stdout.contains(&format!("downloaded: {}", path.display())),
            "{stdout}"
        );
        assert!(
            std::fs::read(path).unwrap()
                == std::fs::read(served.path().join(episode.file)).unwrap(),
            "{} differs from the served file",
            episode.file
        );
    }
    // The client fetched the feed and each episode from this server, not from elsewhere.
    let log = server.stop();
    for path in ["/feed.xml", "/first.mp3", "/second.m4a"] {
        assert!(
            log.iter()
                .any(|line| line.starts_with(&format!("GET {path} "))),
            "{path} not requested: {log:?}"
        );
    }
}
