//! Voices whose files are downloaded one by one over http(s), and Piper's voices.json for
//! the digests of those the catalog defers to it.

use super::InstallOptions;
use super::staging::Staging;
use crate::voices::catalog::{VoiceEntry, url_dir};
use crate::voices::digest::resolve_expected;
use crate::voices::error::VoiceError;
use crate::voices::installed::InstalledVoice;
use std::fs;
use std::io;
use std::path::Path;

pub(super) fn make_agent(opts: &InstallOptions<'_>) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_recv_response(Some(opts.connect_timeout))
        .user_agent(concat!("recast/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

fn http_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        ureq::Error::HostNotFound => "the host name could not be resolved".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => "the connection was refused".into(),
            _ => format!("network error: {io}"),
        },
        other => other.to_string(),
    }
}

/// GET `url`: a reader of the body and its length if the server gave it, or why not.
pub(super) fn open_url(
    agent: &ureq::Agent,
    url: &str,
) -> Result<(impl io::Read + use<>, Option<u64>), String> {
    let resp = agent.get(url).call().map_err(|e| http_reason(&e))?;
    let length = resp
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    Ok((resp.into_body().into_reader(), length))
}

/// Installs a voice whose files are downloaded one by one; each download is a task of the
/// reporter, counted in bytes.
pub(super) fn install_http(
    entry: &VoiceEntry,
    data_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    let agent = make_agent(opts);
    let files_by_hand = entry
        .source
        .files()
        .iter()
        .map(|(_, f)| f.from.clone())
        .collect::<Vec<_>>()
        .join(" and ");
    let download_err = |url: &str, reason: String| VoiceError::Download {
        id: entry.id.clone(),
        url: url.to_string(),
        reason,
        files: files_by_hand.clone(),
        dir: data_dir.join("downloads").join(&entry.id),
    };
    let expected = resolve_expected(entry, || load_voices_json(None, opts))?;
    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), exp) in entry.source.files().into_iter().zip(&expected) {
        let url = spec.from.as_str();
        let (mut reader, length) = open_url(&agent, url).map_err(|e| download_err(url, e))?;
        let length = length.or(exp.size);
        opts.reporter.start(&format!("Downloading {url}"), length);
        opts.reporter.advance(0, Some(spec.file_name()));
        let rec = staging.write_verified(
            role,
            spec.file_name(),
            exp,
            &mut reader,
            |n| opts.reporter.advance(n, None),
            |e| download_err(url, format!("the transfer broke off: {e}")),
        );
        opts.reporter.finish();
        records.push(rec?);
    }
    staging.commit(
        entry,
        data_dir,
        url_dir(&entry.source.model().from).to_string(),
        records,
    )
}

/// Piper's voices.json: `local` if it is a file, else downloaded from
/// `opts.voices_json_url`. The error says why it cannot be had.
pub(super) fn load_voices_json(
    local: Option<&Path>,
    opts: &InstallOptions<'_>,
) -> Result<serde_json::Value, String> {
    if let Some(path) = local.filter(|p| p.is_file()) {
        let text =
            fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        return serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()));
    }
    let agent = make_agent(opts);
    let url = &opts.voices_json_url;
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| format!("downloading {url}: {}", http_reason(&e)))?;
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("downloading {url}: {}", http_reason(&e)))?;
    serde_json::from_str(&text).map_err(|e| format!("{url} is not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recording::Recording;
    use crate::voices::test_support::*;
    use crate::voices::*;
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Serves `routes` (path -> body) on 127.0.0.1 for at most `max_requests` connections.
    /// Returns the base URL and a counter of requests served.
    fn serve(routes: HashMap<String, Vec<u8>>, max_requests: usize) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(max_requests) {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                counter.fetch_add(1, Ordering::SeqCst);
                let (status, body) = match routes.get(&path) {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        (base, count)
    }

    fn routes(id: &str, model: &[u8], config: &[u8]) -> HashMap<String, Vec<u8>> {
        HashMap::from([
            (format!("/en/test/{id}.onnx"), model.to_vec()),
            (format!("/en/test/{id}.onnx.json"), config.to_vec()),
        ])
    }

    #[test]
    fn install_over_http() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let (base, count) = serve(routes("net-voice", MODEL_BYTES, CONFIG_BYTES), 10);
        let entry = http_entry("net-voice", &base);
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();

        let reporter = Recording::default();
        let opts = InstallOptions {
            reporter: &reporter,
            ..InstallOptions::quiet()
        };
        let v = install(&entry, &data, &opts).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Each download is a task of the reporter, counted in bytes and named by its file.
        let said = reporter.lines();
        let model_url = format!("{base}/en/test/net-voice.onnx");
        let model = said
            .iter()
            .position(|l| {
                *l == format!(
                    "start: Downloading {model_url} (Some({}))",
                    MODEL_BYTES.len()
                )
            })
            .unwrap_or_else(|| panic!("{said:?}"));
        assert_eq!(said[model + 1], "advance: 0 net-voice.onnx", "{said:?}");
        let end = model + said[model..].iter().position(|l| l == "finish").unwrap();
        let bytes: u64 = said[model + 2..end]
            .iter()
            .map(|l| l["advance: ".len()..].trim().parse::<u64>().unwrap())
            .sum();
        assert_eq!(bytes, MODEL_BYTES.len() as u64, "{said:?}");
        assert!(
            said[end + 1].starts_with(&format!("start: Downloading {model_url}.json")),
            "{said:?}"
        );
        assert_eq!(said.last().unwrap(), "finish");
        assert_eq!(fs::read(&v.model).unwrap(), MODEL_BYTES);
        assert_eq!(fs::read(&v.config).unwrap(), CONFIG_BYTES);
        assert_eq!(v.receipt.source, format!("{base}/en/test"));
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        assert_eq!(locate(&catalog, &data, "net-voice").unwrap(), v);

        // Idempotent: no new request.
        install(&entry, &data, &InstallOptions::quiet()).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Forced: downloads again and replaces the folder atomically.
        let opts = InstallOptions {
            force: true,
            ..InstallOptions::quiet()
        };
        let v2 = install(&entry, &data, &opts).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 4);
        assert_eq!(v2.dir, v.dir);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn a_corrupt_download_is_discarded() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut bad = MODEL_BYTES.to_vec();
        bad.truncate(10);
        let (base, _) = serve(routes("net-voice", &bad, CONFIG_BYTES), 10);
        let entry = http_entry("net-voice", &base);
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(
            matches!(err, VoiceError::DigestMismatch { what: "size", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("net-voice.onnx"));
        assert!(!voice_dir(&data, "net-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        // A 404 names the URL.
        let entry = http_entry("other-voice", &base);
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::Download { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("HTTP 404") && msg.contains("/en/test/other-voice.onnx"),
            "{msg}"
        );
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn an_unreachable_host_gives_an_offline_error() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = http_entry("net-voice", "http://127.0.0.1:1");
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::Download { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("http://127.0.0.1:1/en/test/net-voice.onnx"),
            "{msg}"
        );
        assert!(msg.contains("offline"), "{msg}");
        assert!(
            msg.contains("recast voices install net-voice --from"),
            "{msg}"
        );
        assert!(
            msg.contains(&data.join("downloads/net-voice").display().to_string()),
            "{msg}"
        );
        assert!(!voice_dir(&data, "net-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    fn voices_json(base_key: &str, config: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "xx-voice": {
                "key": "xx-voice",
                "files": {
                    format!("{base_key}/net-voice.onnx.json"): {
                        "size_bytes": config.len(),
                        "md5_digest": md5_hex(config),
                    }
                }
            }
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn digests_from_voices_json() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut r = routes("net-voice", MODEL_BYTES, CONFIG_BYTES);
        r.insert("/voices.json".into(), voices_json("en/test", CONFIG_BYTES));
        r.insert(
            "/bad/voices.json".into(),
            voices_json("en/test", b"other bytes"),
        );
        let (base, count) = serve(r, 20);
        let mut entry = http_entry("net-voice", &base);
        if let Source::Http(h) = &mut entry.source {
            h.config = FileSpec {
                from: h.config.from.clone(),
                size: None,
                sha256: None,
                md5: None,
                digest_from: Some(DigestFrom::VoicesJson),
                name: None,
            };
        }
        Catalog::from_entries(vec![entry.clone()]).unwrap();

        // Wrong digest in voices.json: the config is refused.
        let opts = InstallOptions {
            voices_json_url: format!("{base}/bad/voices.json"),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, &data, &opts).unwrap_err();
        assert!(matches!(err, VoiceError::DigestMismatch { .. }), "{err}");
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let opts = InstallOptions {
            voices_json_url: format!("{base}/voices.json"),
            ..InstallOptions::quiet()
        };
        let before = count.load(Ordering::SeqCst);
        let v = install(&entry, &data, &opts).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), before + 3);
        assert_eq!(v.receipt.files[1].md5, md5_hex(CONFIG_BYTES));

        // voices.json unreachable: a clear error, nothing installed.
        let data2 = tmp.path().join("data2");
        let opts = InstallOptions {
            voices_json_url: "http://127.0.0.1:1/voices.json".into(),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, &data2, &opts).unwrap_err();
        assert!(matches!(err, VoiceError::DigestUnavailable { .. }), "{err}");
        assert!(err.to_string().contains("voices.json"), "{err}");

        // Offline with a voices.json next to the files: `--from` works.
        let src = tmp.path().join("src");
        write_files(
            &src,
            &[
                ("net-voice.onnx", MODEL_BYTES),
                ("net-voice.onnx.json", CONFIG_BYTES),
                ("voices.json", &voices_json("en/test", CONFIG_BYTES)),
            ],
        );
        install_from_dir(&entry, &data2, &src, &opts).unwrap();
    }
}
