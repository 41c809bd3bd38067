//! Fetching an article by its address, against a server on 127.0.0.1 that answers with
//! canned responses: a redirect, a gzip body, GBK pages named by the header alone or by a
//! `<meta>`, a 404, a server that never answers, pages too large, a PDF. The saved copy
//! reads back through `load_input` to the script the live page gives.

mod common;

use flate2::Compression;
use flate2::write::GzEncoder;
use recast::fetch::{self, FetchError, FetchOptions, FetchedPage};
use recast::render::{InputOptions, load_input};
use recast::script::Script;
use recast::transcript::{SpeakerOverrides, parse_html_with};
use std::collections::HashMap;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TEAHOUSE: &str = "<!DOCTYPE html>
<html><head><title>老街茶馆的三十年：和店主老周聊聊</title></head>
<body><article>
<h1>老街茶馆的三十年：和店主老周聊聊</h1>
<p>老周的茶馆开在老街拐角，门口那棵槐树比茶馆还老。</p>
<p><strong>主持人：</strong>茶馆刚开张的时候，一壶茶卖多少钱？</p>
<p><strong>老周：</strong>五毛钱一壶，续水不要钱。那时候来的都是街坊，下棋的、听书的，一坐就是一下午。</p>
<p><strong>主持人：</strong>现在呢？</p>
<p><strong>老周：</strong>年轻人多了，有人带着电脑来写东西。我还是那句话，续水不要钱。</p>
</article></body></html>
";

const WORKSHOP: &str = "<!DOCTYPE html>
<html><head><title>Fixing Bicycles in the Rain</title>
<meta property=\"og:url\" content=\"https://example.org/workshop/rain\">
<link rel=\"canonical\" href=\"https://example.org/canonical/rain\">
<meta property=\"og:image\" content=\"https://example.org/img/wheel.jpg\">
</head><body><main>
<p><b>Host:</b> How many bikes come in after a wet weekend?</p>
<p><b>Mara:</b> About twice as many. Chains rust faster than people expect.</p>
<p><b>Host:</b> What should riders do first?</p>
<p><b>Mara:</b> Dry the chain, then oil it. Nothing else matters as much.</p>
</main></body></html>
";

/// What the test server does on a path.
#[derive(Clone)]
enum Reply {
    /// These bytes, head and body, then the connection closes.
    Raw(Vec<u8>),
    /// A head without a length, then this many bytes of filler, as a page that goes on.
    Endless(usize),
    /// Accepts, reads the request, and never answers.
    Hang,
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    Reply::Raw([head.as_bytes(), body].concat())
}

fn html(body: &[u8], content_type: &str) -> Reply {
    response("200 OK", &[("Content-Type", content_type)], body)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// The heads of the requests a test server was sent.
type Requests = Arc<Mutex<Vec<String>>>;

/// Serves the routes that `routes` makes for the server's base URL, one thread a
/// connection, for as long as the test runs.
fn serve(routes: impl FnOnce(&str) -> HashMap<String, Reply>) -> String {
    serve_recording(routes).0
}

fn serve_recording(routes: impl FnOnce(&str) -> HashMap<String, Reply>) -> (String, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let routes = routes(&base);
    let requests = Requests::default();
    let recorded = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let routes = routes.clone();
            let recorded = recorded.clone();
            std::thread::spawn(move || answer(stream, &routes, &recorded));
        }
    });
    (base, requests)
}

fn answer(mut stream: TcpStream, routes: &HashMap<String, Reply>, requests: &Requests) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let Some(text) = common::read_request_head(&mut stream) else {
        return;
    };
    requests.lock().unwrap().push(text.clone());
    let path = text.split_whitespace().nth(1).unwrap_or("/");
    match routes.get(path) {
        Some(Reply::Raw(bytes)) => {
            let _ = stream.write_all(bytes);
        }
        Some(Reply::Endless(size)) => {
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html><body>",
            );
            let filler = [b'x'; 4096];
            let mut sent = 0;
            while sent < *size && stream.write_all(&filler).is_ok() {
                sent += filler.len();
            }
        }
        Some(Reply::Hang) => std::thread::sleep(Duration::from_secs(30)),
        None => {
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
            );
        }
    }
}

fn options() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        ..FetchOptions::default()
    }
}

fn live_script(page: &FetchedPage) -> Script {
    Script::from_transcript(&parse_html_with(&page.text, &SpeakerOverrides::default()).unwrap())
        .unwrap()
}

/// Saves the page as the CLI does and reads the copy back as any saved page.
fn saved_script(page: &FetchedPage) -> (Script, String) {
    let dir = tempfile::tempdir().unwrap();
    let saved = fetch::saved_page_path(&dir.path().join("episode.mp3"));
    assert_eq!(saved, dir.path().join("episode.source.html"));
    fetch::save_page(page, &saved).unwrap();
    let bytes = std::fs::read(&saved).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let loaded = load_input(&saved, &InputOptions::default()).unwrap();
    assert_eq!(loaded.format, "HTML");
    (loaded.script, text)
}

fn turns(script: &Script) -> Vec<(String, String)> {
    script
        .chapters
        .iter()
        .flat_map(|c| &c.turns)
        .map(|t| (t.speaker.clone(), t.text.clone()))
        .collect()
}

#[test]
fn a_redirected_page_is_saved_with_its_final_address_and_reads_back_the_same() {
    let base = serve(|base| {
        HashMap::from([
            (
                "/s?id=7".to_string(),
                response(
                    "301 Moved Permanently",
                    &[("Location", &format!("{base}/articles/teahouse"))],
                    b"",
                ),
            ),
            (
                "/articles/teahouse".to_string(),
                html(TEAHOUSE.as_bytes(), "text/html; charset=utf-8"),
            ),
        ])
    });
    let page = fetch::fetch_page(&format!("{base}/s?id=7#comments"), &options()).unwrap();
    let final_url = format!("{base}/articles/teahouse");
    assert_eq!(page.url, final_url);
    assert_eq!(page.requested, format!("{base}/s?id=7#comments"));
    assert_eq!(page.text, TEAHOUSE);

    let (saved, text) = saved_script(&page);
    let comment = format!(
        "\u{feff}<!-- saved from url=({:04}){final_url} -->\n",
        final_url.len()
    );
    assert!(text.starts_with(&comment), "{}", &text[..120]);
    let live = live_script(&page);
    assert_eq!(saved.title, live.title);
    assert_eq!(saved.title, "老街茶馆的三十年：和店主老周聊聊");
    assert_eq!(turns(&saved), turns(&live));
    assert_eq!(turns(&saved).len(), 5);
    // The page names no address of its own: the saved copy's comment is its link.
    assert_eq!(saved.article().link.as_deref(), Some(final_url.as_str()));
    assert_eq!(
        saved.metadata.get("原文链接").map(String::as_str),
        Some(final_url.as_str())
    );
    assert!(
        turns(&saved).iter().all(|(_, text)| !text.contains(&base)),
        "{:?}",
        turns(&saved)
    );
}

#[test]
fn a_gzip_page_is_unpacked_and_its_own_link_and_cover_are_kept() {
    let (base, requests) = serve_recording(|_| {
        HashMap::from([(
            "/workshop".to_string(),
            response(
                "200 OK",
                &[
                    ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Encoding", "gzip"),
                ],
                &gzip(WORKSHOP.as_bytes()),
            ),
        )])
    });
    let page = fetch::fetch_page(&format!("{base}/workshop"), &options()).unwrap();
    assert_eq!(page.text, WORKSHOP);
    // Asked for as a browser asks: some servers give anything else a page saying to
    // open the article in a browser.
    let head = requests.lock().unwrap()[0].to_ascii_lowercase();
    for header in [
        "user-agent: mozilla/5.0",
        "accept: text/html",
        "accept-language: zh-cn",
        "accept-encoding: gzip",
    ] {
        assert!(head.contains(header), "{header} in {head}");
    }
    let (saved, _) = saved_script(&page);
    let live = live_script(&page);
    assert_eq!(saved.title, "Fixing Bicycles in the Rain");
    assert_eq!(turns(&saved), turns(&live));
    assert_eq!(turns(&saved)[1].0, "Mara");
    // og:url outranks the canonical link and the saved-from comment, online and offline.
    let article = saved.article();
    assert_eq!(
        article.link.as_deref(),
        Some("https://example.org/workshop/rain")
    );
    assert_eq!(
        article.cover.as_deref(),
        Some("https://example.org/img/wheel.jpg")
    );
    assert_eq!(live.article(), article);
}

#[test]
fn gbk_pages_read_right_whether_the_header_or_a_meta_names_the_charset() {
    let with_meta = TEAHOUSE.replace("<head>", "<head><meta charset=\"gbk\">");
    let base = serve(|_| {
        HashMap::from([
            (
                "/header".to_string(),
                html(&gbk(TEAHOUSE), "text/html; charset=gbk"),
            ),
            ("/meta".to_string(), html(&gbk(&with_meta), "text/html")),
        ])
    });
    let page = fetch::fetch_page(&format!("{base}/header"), &options()).unwrap();
    assert_eq!(page.text, TEAHOUSE);
    assert_eq!(page.charset, fetch::CharsetSource::Header);
    assert!(page.describe_encoding().starts_with("GBK"));
    // The copy no longer depends on the header: it is UTF-8 with a byte-order mark.
    let (saved, _) = saved_script(&page);
    assert_eq!(turns(&saved), turns(&live_script(&page)));
    assert!(turns(&saved)[2].1.contains("续水不要钱"));

    let page = fetch::fetch_page(&format!("{base}/meta"), &options()).unwrap();
    assert_eq!(page.text, with_meta);
    assert_eq!(page.charset, fetch::CharsetSource::Meta);
    let (saved_meta, _) = saved_script(&page);
    assert_eq!(turns(&saved_meta), turns(&saved));
}

/// A server that labels a GBK page as windows-1252 (in which any bytes are text, so the
/// page reads as wrong characters, not as an error): `--encoding gbk` reads it right, and so does
/// `recast script URL --encoding gbk`, whose saved copy (UTF-8) is then read as UTF-8.
#[test]
fn an_encoding_the_user_names_wins_over_a_wrong_header() {
    let body = gbk(TEAHOUSE);
    let base = serve(|_| {
        HashMap::from([(
            "/mislabelled".to_string(),
            html(&body, "text/html; charset=windows-1252"),
        )])
    });
    let address = format!("{base}/mislabelled");
    let as_declared = fetch::fetch_page(&address, &options()).unwrap();
    assert_ne!(as_declared.text, TEAHOUSE, "the mislabel must matter");
    let named = FetchOptions {
        encoding: Some(encoding_rs::GBK),
        ..options()
    };
    let page = fetch::fetch_page(&address, &named).unwrap();
    assert_eq!(page.text, TEAHOUSE);
    assert_eq!(page.describe_encoding(), "GBK (--encoding)");

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("teahouse.json");
    common::recast()
        .args(["script", &address, "--encoding", "gbk", "-o"])
        .arg(&script)
        .assert()
        .success();
    let written = std::fs::read_to_string(&script).unwrap();
    assert!(written.contains("续水不要钱"), "{written}");
    assert!(dir.path().join("teahouse.source.html").is_file());
}

#[test]
fn a_missing_page_names_the_status_and_the_host() {
    let base = serve(|_| HashMap::new());
    let err = fetch::fetch_page(&format!("{base}/gone"), &options()).unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 404, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("404"), "{message}");
    assert!(message.contains("not found at 127.0.0.1"), "{message}");
    assert!(message.contains("Save Page As"), "{message}");
}

#[test]
fn a_server_that_never_answers_times_out_when_told() {
    let base = serve(|_| HashMap::from([("/slow".to_string(), Reply::Hang)]));
    let options = FetchOptions {
        timeout: Duration::from_secs(2),
        ..options()
    };
    let start = Instant::now();
    let err = fetch::fetch_page(&format!("{base}/slow"), &options).unwrap_err();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1900) && took < Duration::from_secs(4),
        "{took:?}"
    );
    assert!(
        matches!(
            err,
            FetchError::Timeout {
                connecting: false,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("127.0.0.1") && message.contains("2 s"),
        "{message}"
    );
}

#[test]
fn pages_that_are_too_large_are_refused_before_they_fill_memory() {
    let base = serve(|_| {
        HashMap::from([
            (
                "/declared".to_string(),
                Reply::Raw(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 50000000\r\n\
                      Connection: close\r\n\r\n<html>"
                        .to_vec(),
                ),
            ),
            ("/endless".to_string(), Reply::Endless(50_000_000)),
        ])
    });
    let options = FetchOptions {
        max_bytes: 64 * 1024,
        ..options()
    };
    let err = fetch::fetch_page(&format!("{base}/declared"), &options).unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::TooLarge {
                length: Some(50_000_000),
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("larger than 64 KB (48 MB), too large"),
        "{message}"
    );
    let start = Instant::now();
    let err = fetch::fetch_page(&format!("{base}/endless"), &options).unwrap_err();
    assert!(
        matches!(err, FetchError::TooLarge { length: None, .. }),
        "{err:?}"
    );
    // It stopped at the limit rather than reading the 50 MB.
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn what_is_not_a_page_is_refused_by_its_type() {
    let base = serve(|base| {
        HashMap::from([
            (
                "/report.pdf".to_string(),
                response(
                    "200 OK",
                    &[("Content-Type", "application/pdf")],
                    b"%PDF-1.7",
                ),
            ),
            (
                "/notes.txt".to_string(),
                response(
                    "200 OK",
                    &[("Content-Type", "text/plain")],
                    "主持人：你好。".as_bytes(),
                ),
            ),
            (
                "/plain-page".to_string(),
                response(
                    "200 OK",
                    &[("Content-Type", "text/plain")],
                    TEAHOUSE.as_bytes(),
                ),
            ),
            (
                "/loop".to_string(),
                response("302 Found", &[("Location", &format!("{base}/loop"))], b""),
            ),
        ])
    });
    let err = fetch::fetch_page(&format!("{base}/report.pdf"), &options()).unwrap_err();
    assert!(matches!(err, FetchError::NotHtml { .. }), "{err:?}");
    assert!(err.to_string().contains("application/pdf"), "{err}");
    let err = fetch::fetch_page(&format!("{base}/notes.txt"), &options()).unwrap_err();
    assert!(matches!(err, FetchError::NotHtml { .. }), "{err:?}");
    // A page served as plain text is still a page.
    let page = fetch::fetch_page(&format!("{base}/plain-page"), &options()).unwrap();
    assert_eq!(page.text, TEAHOUSE);
    let err = fetch::fetch_page(&format!("{base}/loop"), &options()).unwrap_err();
    assert!(
        matches!(err, FetchError::TooManyRedirects { limit: 10, .. }),
        "{err:?}"
    );
    let err = fetch::fetch_page("ftp://127.0.0.1/a.html", &options()).unwrap_err();
    assert!(matches!(err, FetchError::NotHttp { .. }), "{err:?}");
}
