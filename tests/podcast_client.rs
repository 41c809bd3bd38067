//! From the article's link to a podcast app, with the real neural voices and a real
//! client: an article page served on 127.0.0.1 is rendered from its address to an MP3
//! (the page saved beside it) and, offline from the saved page, to an M4A; `recast feed`
//! writes the feed; `recast serve` hosts the folder; feedparser reads the feed without an
//! error and gPodder's `gpo` subscribes and downloads every episode, byte for byte, with
//! its chapters; Ctrl-C stops the server cleanly. Needs what scripts/setup installs (the
//! voices, gpodder, the podcast venv): it fails, not skips, without them.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use common::serving::Running;

fn fixture_page() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages/spring-tea.html")
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

/// `recast serve DIR --port 0` as a child, with the base URL it printed and its stderr
/// lines still to come.
struct Serving {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
}

impl Serving {
    fn start(dir: &Path) -> Serving {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("recast"))
            .arg("serve")
            .arg(dir)
            .args(["--port", "0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("recast serve says where it serves");
        let base = first
            .split(" at ")
            .nth(1)
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        assert!(base.starts_with("http://127.0.0.1:"), "{first}");
        Serving { child, base, lines }
    }

    /// Ctrl-C: the server stops and exits 0; returns everything it printed.
    fn interrupt(mut self) -> Vec<String> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        assert!(exit.success(), "recast serve ended with {exit} on Ctrl-C");
        self.lines.try_iter().collect()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn chapter_count_in_audio(path: &Path) -> usize {
    common::ffprobe(path)["chapters"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn an_article_link_becomes_episodes_a_podcast_client_downloads_with_chapters() {
    common::real_data_dir();
    let site = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_page(), site.path().join("spring-tea.html")).unwrap();
    let article = Running::start(site.path());
    let episodes = tempfile::tempdir().unwrap();
    let dir = episodes.path();

    // Online: from the article's address.
    common::recast()
        .arg("render")
        .arg(article.url("/spring-tea.html"))
        .arg("-o")
        .arg(dir.join("spring-tea.mp3"))
        .arg("--quiet")
        .assert()
        .success();
    let saved = dir.join("spring-tea.source.html");
    assert!(
        saved.is_file(),
        "the fetched page is saved beside the episode"
    );
    article.stop();
    // Offline: again from the saved page, now that the site is gone.
    common::recast()
        .arg("render")
        .arg(&saved)
        .arg("-o")
        .arg(dir.join("spring-tea-again.m4a"))
        .arg("--quiet")
        .assert()
        .success();

    let server = Serving::start(dir);
    common::recast()
        .arg("feed")
        .arg(dir)
        .arg("--base-url")
        .arg(&server.base)
        .assert()
        .success();
    let feed = std::fs::read_to_string(dir.join("feed.xml")).unwrap();
    for expected in [
        "<itunes:image href=\"https://example.org/covers/spring-tea.jpg\"",
        "podcast:chapters",
        "type=\"text/vtt\"",
        ">老周</podcast:person>",
        "Wed, 18 Mar 2026 08:30:00 +0800",
    ] {
        assert!(
            feed.contains(expected),
            "{expected} not in the feed:\n{feed}"
        );
    }

    let downloads = tempfile::tempdir().unwrap();
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/podcast-client");
    let out = Command::new(&client)
        .arg(format!("{}feed.xml", server.base))
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
    assert_eq!(downloaded.len(), 2, "{downloaded:?}\n{stdout}");
    // The chapters the app shows: the same in the audio it downloaded as in the feed's
    // chapters file, which the server hands out too.
    let chapters_url = format!("{}spring-tea.chapters.json", server.base);
    let chapters = ureq::get(&chapters_url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let chapters: serde_json::Value = serde_json::from_str(&chapters).unwrap();
    let chapter_count = chapters["chapters"].as_array().unwrap().len();
    assert_eq!(
        chapter_count, 3,
        "the editor's note and two sections: {chapters}"
    );
    for name in ["spring-tea.mp3", "spring-tea-again.m4a"] {
        let path = downloaded
            .iter()
            .find(|p| p.file_name().unwrap() == name)
            .unwrap_or_else(|| panic!("{name} not downloaded: {downloaded:?}\n{stdout}"));
        assert!(
            std::fs::read(path).unwrap() == std::fs::read(dir.join(name)).unwrap(),
            "{name} differs from the served file"
        );
        assert_eq!(chapter_count_in_audio(path), chapter_count, "{name}");
    }

    let printed = server.interrupt();
    for path in ["/feed.xml", "/spring-tea.mp3", "/spring-tea-again.m4a"] {
        assert!(
            printed
                .iter()
                .any(|line| line.starts_with(&format!("GET {path} "))),
            "{path} not requested: {printed:?}"
        );
    }
}
