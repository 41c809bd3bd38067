//! `recast::serve` over real sockets, with ureq as the client: what podcast apps rely on
//! (ranges, HEAD, validators, content types) and what must never be served.

mod common;

use std::time::{Duration, Instant};

use common::serving::{Log, Running};
use recast::serve::{ServeError, Server};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

struct Answer {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
}

fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut response = request.call().unwrap();
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_vec().unwrap(),
    }
}

/// A few KB that differ at every offset, so a range off by one byte shows.
fn audio_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

const KINDS: [(&str, &str); 13] = [
    ("episode.mp3", "audio/mpeg"),
    ("episode.m4a", "audio/mp4"),
    ("book.m4b", "audio/mp4"),
    ("episode.opus", "audio/ogg"),
    ("episode.flac", "audio/flac"),
    ("episode.wav", "audio/wav"),
    ("episode.vtt", "text/vtt"),
    ("episode.srt", "application/x-subrip"),
    ("episode.chapters.json", "application/json+chapters"),
    ("episode.script.json", "application/json"),
    ("feed.xml", "application/rss+xml"),
    ("cover.jpg", "image/jpeg"),
    ("cover.png", "image/png"),
];

fn episode_folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, _)) in KINDS.iter().enumerate() {
        std::fs::write(dir.path().join(name), audio_bytes(1000 + 500 * i)).unwrap();
    }
    dir
}

#[test]
fn whole_files_and_ranges_come_back_byte_for_byte() {
    let dir = episode_folder();
    let mp3 = std::fs::read(dir.path().join("episode.mp3")).unwrap();
    let len = mp3.len();
    let server = Running::start(dir.path());
    let url = server.url("/episode.mp3");

    let whole = get(&url, &[]);
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, mp3);
    assert_eq!(whole.header("accept-ranges"), "bytes");
    assert_eq!(whole.header("content-length"), len.to_string());
    assert!(!whole.header("last-modified").is_empty());
    let etag = whole.header("etag").to_owned();

    let middle = get(&url, &[("Range", "bytes=100-199")]);
    assert_eq!(middle.status, 206);
    assert_eq!(middle.body, &mp3[100..200]);
    assert_eq!(
        middle.header("content-range"),
        format!("bytes 100-199/{len}")
    );
    assert_eq!(middle.header("content-length"), "100");

    let suffix = get(&url, &[("Range", "bytes=-10")]);
    assert_eq!(suffix.status, 206);
    assert_eq!(suffix.body, &mp3[len - 10..]);
    assert_eq!(
        suffix.header("content-range"),
        format!("bytes {}-{}/{len}", len - 10, len - 1)
    );

    let open = get(&url, &[("Range", "bytes=5-")]);
    assert_eq!(open.status, 206);
    assert_eq!(open.body, &mp3[5..]);
    assert_eq!(
        open.header("content-range"),
        format!("bytes 5-{}/{len}", len - 1)
    );

    let beyond = get(&url, &[("Range", &format!("bytes={len}-"))]);
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), format!("bytes */{len}"));

    // An app that already has the episode is told so without the bytes.
    let unchanged = get(&url, &[("If-None-Match", &etag)]);
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());

    let log = server.stop();
    assert!(
        log.contains(&"GET /episode.mp3 (bytes=100-199) 206".to_owned()),
        "{log:?}"
    );
}

#[test]
fn head_gives_the_headers_without_the_body() {
    let dir = episode_folder();
    let len = std::fs::metadata(dir.path().join("episode.m4a"))
        .unwrap()
        .len();
    let server = Running::start(dir.path());
    let mut response = agent().head(server.url("/episode.m4a")).call().unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-length"], len.to_string().as_str());
    assert_eq!(headers["content-type"], "audio/mp4");
    assert_eq!(headers["accept-ranges"], "bytes");
    assert!(response.body_mut().read_to_vec().unwrap().is_empty());
}

#[test]
fn each_kind_of_file_has_its_content_type() {
    let dir = episode_folder();
    let server = Running::start(dir.path());
    for (name, kind) in KINDS {
        let answer = get(&server.url(&format!("/{name}")), &[]);
        assert_eq!(answer.status, 200, "{name}");
        let served = answer.header("content-type");
        assert!(
            served == kind || served.starts_with(&format!("{kind};")),
            "{name}: {served}, expected {kind}"
        );
        // Ranges are typed like the whole file: apps seek in audio they already identified.
        let range = get(&server.url(&format!("/{name}")), &[("Range", "bytes=0-9")]);
        assert_eq!(range.status, 206);
        assert_eq!(range.header("content-type"), served, "{name}");
    }
}

#[test]
fn nothing_outside_the_folder_is_served() {
    let outside = tempfile::tempdir().unwrap();
    let secret = b"the private key".to_vec();
    std::fs::write(outside.path().join("secret"), &secret).unwrap();
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("secret"), &secret).unwrap();
    let dir = parent.path().join("show");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("episode.mp3"), audio_bytes(2000)).unwrap();
    std::fs::create_dir(dir.join("season1")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret"), dir.join("leak.mp3")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.join("away")).unwrap();
    // A link that stays inside the folder is fine.
    std::os::unix::fs::symlink(dir.join("episode.mp3"), dir.join("season1/alias.mp3")).unwrap();
    let server = Running::start(&dir);

    let refused = [
        "/../secret",
        "/season1/../../secret",
        "/%2e%2e/secret",
        "/%2E%2E/secret",
        "/season1/%2e%2e/%2e%2e/secret",
        "/..%2fsecret",
        "/%2Fetc%2Fpasswd",
        "//etc/passwd",
        "/leak.mp3",
        "/away/secret",
        "/missing.mp3",
        // A folder is not a file, and its listing is nobody's business.
        "/season1/",
        "/season1",
        "/",
    ];
    for path in refused {
        let answer = get(&server.url(path), &[]);
        assert!(
            answer.status == 404 || answer.status == 403,
            "{path}: {}",
            answer.status
        );
        assert_ne!(answer.body, secret, "{path}");
    }
    let alias = get(&server.url("/season1/alias.mp3"), &[]);
    assert_eq!(alias.status, 200);
    assert_eq!(alias.body, std::fs::read(dir.join("episode.mp3")).unwrap());

    // The server saw the paths as sent: the client did not tidy the dots away.
    let log = server.stop();
    for path in ["/../secret", "/%2e%2e/secret", "/season1/../../secret"] {
        assert!(
            log.contains(&format!("GET {path} 404")),
            "{path} not in {log:?}"
        );
    }
}

#[test]
fn the_run_function_returns_when_its_shutdown_future_completes() {
    let dir = episode_folder();
    let server = Server::bind(dir.path(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let url = server.url("feed.xml");
    let (fire, fired) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        server.run_until(
            async {
                let _ = fired.await;
            },
            &Log::default(),
        )
    });
    assert_eq!(get(&url, &[]).status, 200);
    let asked = Instant::now();
    fire.send(()).unwrap();
    thread.join().unwrap().unwrap();
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    // The port is closed once the run function has returned.
    assert!(agent().get(&url).call().is_err());
}

#[test]
fn a_stopper_fired_before_the_server_runs_is_not_lost() {
    let dir = episode_folder();
    let server = Server::bind(dir.path(), "127.0.0.1:0".parse().unwrap()).unwrap();
    server.stopper().stop();
    server
        .run_until(std::future::pending(), &Log::default())
        .unwrap();
}

#[test]
fn the_address_is_known_before_serving_and_a_taken_port_says_so() {
    let dir = episode_folder();
    let first = Server::bind(dir.path(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = first.local_addr();
    assert_ne!(addr.port(), 0);
    assert!(first.is_loopback());
    assert_eq!(
        first.url("feed.xml"),
        format!("http://127.0.0.1:{}/feed.xml", addr.port())
    );
    let error = Server::bind(dir.path(), addr).unwrap_err();
    assert!(matches!(error, ServeError::PortInUse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("already in use") && message.contains("--port"),
        "{message}"
    );
}

#[test]
fn a_missing_folder_or_a_file_is_refused_before_binding() {
    let dir = episode_folder();
    let addr = "127.0.0.1:0".parse().unwrap();
    let missing = Server::bind(dir.path().join("nope"), addr).unwrap_err();
    assert!(matches!(missing, ServeError::Folder { .. }), "{missing:?}");
    let file = Server::bind(dir.path().join("feed.xml"), addr).unwrap_err();
    assert!(matches!(file, ServeError::NotAFolder { .. }), "{file:?}");
}

/// In a child process (this test binary run again) so that the signal reaches only it.
#[test]
fn ctrl_c_or_sigterm_stops_the_server_cleanly() {
    const CHILD: &str = "RECAST_TEST_SERVE_UNTIL_SIGNAL";
    if let Some(dir) = std::env::var_os(CHILD) {
        // A server that ignores the signal fails the test instead of hanging it.
        std::thread::spawn(|| {
            std::thread::sleep(Duration::from_secs(30));
            std::process::exit(3);
        });
        let server = Server::bind(dir, "127.0.0.1:0".parse().unwrap()).unwrap();
        println!("serving {}", server.local_addr());
        server.run_until_signal(&Log::default()).unwrap();
        println!("stopped");
        return;
    }
    for signal in ["-INT", "-TERM"] {
        let dir = episode_folder();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "ctrl_c_or_sigterm_stops_the_server_cleanly"])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let addr = loop {
            let mut line = String::new();
            assert_ne!(
                std::io::BufRead::read_line(&mut stdout, &mut line).unwrap(),
                0
            );
            // libtest prints the test's name on the same line first.
            if let Some((_, addr)) = line.trim().split_once("serving ") {
                break addr.to_owned();
            }
        };
        // Once it has answered, the server is running, and so are its signal handlers.
        assert_eq!(get(&format!("http://{addr}/feed.xml"), &[]).status, 200);
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
        assert!(status.success(), "{signal}: {status:?}\n{rest}");
        assert!(rest.contains("stopped"), "{signal}: {rest}");
    }
}

#[test]
fn a_stop_during_a_slow_download_does_not_wait_for_it() {
    let dir = tempfile::tempdir().unwrap();
    // Larger than the socket buffers, so the server is still sending when it is stopped.
    std::fs::write(dir.path().join("long.wav"), vec![7u8; 32 << 20]).unwrap();
    let server = Running::start(dir.path());
    let mut response = agent().get(server.url("/long.wav")).call().unwrap();
    let mut start = [0u8; 1024];
    std::io::Read::read_exact(&mut response.body_mut().as_reader(), &mut start).unwrap();
    let asked = Instant::now();
    server.stop();
    assert!(
        asked.elapsed() < Duration::from_secs(10),
        "{:?}",
        asked.elapsed()
    );
}
