//! Fetching: the first stage, for an article given by its web address. The page is
//! downloaded as a browser would ask for it, decoded, and saved beside the episode
//! (`EPISODE.source.html`), then read as any saved page is, so a render repeated offline
//! from that copy takes the same path as the first one online.

mod charset;
mod saved;

pub use charset::CharsetSource;
use charset::PageText;
pub use saved::{default_saved_page_name, save_page, saved_page_path};

use std::time::Duration;
use ureq::ResponseExt;
use ureq::http::Uri;

/// What every fetching error ends with: the way round it that always works.
const BY_HAND: &str = "or save the page in a browser (File → Save Page As, HTML only) and pass \
                       the file instead";

/// Some servers (WeChat's among them) answer a client that does not look like a browser
/// with a page asking to open it in one.
const USER_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 \
                          (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const ACCEPT_LANGUAGE: &str = "zh-CN,zh;q=0.9,en;q=0.8";

/// How a page is fetched: how long to wait, how much to take.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Longest wait for the connection (name lookup, TCP and TLS) to be made.
    pub connect_timeout: Duration,
    /// Longest the whole fetch may take, redirects and the page's body included.
    pub timeout: Duration,
    /// The largest page taken, in bytes once decompressed.
    pub max_bytes: u64,
    pub max_redirects: u32,
    /// The page's encoding as the user names it (`--encoding`), over whatever the server or
    /// the page declares.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(60),
            max_bytes: 20 * 1024 * 1024,
            max_redirects: 10,
            encoding: None,
        }
    }
}

/// A page as fetched: its text, decoded, and where it was found.
#[derive(Debug, Clone)]
pub struct FetchedPage {
    /// The address asked for.
    pub requested: String,
    /// Where the page was found after redirects: the address the saved copy names.
    pub url: String,
    pub text: String,
    pub encoding: &'static encoding_rs::Encoding,
    pub charset: CharsetSource,
}

impl FetchedPage {
    /// `GBK (Content-Type header)`, … as `--explain` says it.
    pub fn describe_encoding(&self) -> String {
        use crate::transcript::encoding::EncodingSource;
        let how = match self.charset {
            CharsetSource::ByteOrderMark => "byte-order mark",
            CharsetSource::Header => "Content-Type header",
            CharsetSource::Meta => "<meta> charset",
            CharsetSource::Content(EncodingSource::Given) => "--encoding",
            CharsetSource::Content(EncodingSource::Detected) => "detected: nothing declared it",
            CharsetSource::Content(_) => "nothing declared it",
        };
        format!("{} ({how})", self.encoding.name())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url} is not a web address recast can fetch ({reason}); check it, {BY_HAND}")]
    BadUrl { url: String, reason: String },
    #[error(
        "recast fetches only http:// and https:// pages, not {scheme}: ({url}); pass a web \
         address, {BY_HAND}"
    )]
    NotHttp { url: String, scheme: String },
    #[error("{}; {BY_HAND}", status_message(*.status, .host, .url))]
    Status {
        url: String,
        host: String,
        status: u16,
    },
    #[error(
        "{host} did not {} within {} s; check your connection and try again, {BY_HAND}",
        if *.connecting { "accept a connection" } else { "send the page" },
        .after.as_secs_f64()
    )]
    Timeout {
        host: String,
        /// Still connecting, rather than waiting for the page.
        connecting: bool,
        after: Duration,
    },
    #[error(
        "the host name {host} could not be found: check the address and that you are online, \
         {BY_HAND}"
    )]
    HostNotFound { host: String },
    #[error("could not connect to {host} ({reason}): check that you are online, {BY_HAND}")]
    Connect { host: String, reason: String },
    #[error(
        "{url} redirected more than {limit} times without reaching a page; open it in a \
         browser to see where it leads, {BY_HAND}"
    )]
    TooManyRedirects { url: String, limit: u32 },
    #[error(
        "the page at {url} is larger than {}{}, too large for an article; {BY_HAND}",
        size(*.limit),
        .length.map(|n| format!(" ({})", size(n))).unwrap_or_default()
    )]
    TooLarge {
        url: String,
        limit: u64,
        length: Option<u64>,
    },
    #[error(
        "{url} is not a web page but {content_type}: recast reads articles as HTML pages; \
         pass the address of the article's page, {BY_HAND}"
    )]
    NotHtml { url: String, content_type: String },
    #[error("the page at {url} could not be read as text: {error}; {BY_HAND}")]
    Undecodable {
        url: String,
        error: crate::transcript::encoding::DecodeError,
    },
    #[error("fetching {url} failed: {reason}; try again, {BY_HAND}")]
    Network { url: String, reason: String },
    #[error("saving the fetched page: {0}")]
    Save(#[from] crate::output::OutputError),
}

/// `20 MB`, `64 KB`: a size as the error states it.
fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn status_message(status: u16, host: &str, url: &str) -> String {
    match status {
        404 | 410 => format!(
            "the page was not found at {host} (HTTP {status}): check the address ({url}); an \
             article that was deleted is gone from the web"
        ),
        401 | 403 | 451 => format!(
            "{host} refused to give the page (HTTP {status}): it may need a login or a \
             browser; open {url} in one"
        ),
        429 => format!("{host} asks to slow down (HTTP 429): wait a while and try again"),
        500..=599 => format!(
            "{host} failed to serve the page (HTTP {status}): the site has a problem; try \
             again later"
        ),
        _ => format!("{host} answered HTTP {status} instead of the page at {url}"),
    }
}

/// True for a string that is meant as a web address rather than a file's path:
/// `scheme://…` (any scheme, so that `ftp://…` is refused as such rather than as a file
/// that does not exist).
pub fn is_url(input: &str) -> bool {
    scheme_of(input.trim()).is_some()
}

fn scheme_of(input: &str) -> Option<&str> {
    let (scheme, rest) = input.split_once("://")?;
    // Two letters at least, so that a Windows drive (`C:`) is never a scheme.
    let valid = scheme.len() >= 2
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && !rest.is_empty()).then_some(scheme)
}

/// A web address made ready to ask for: checked to be http(s) with a host, its fragment
/// dropped (browsers never send it), and what a browser escapes (Chinese in a path,
/// spaces) escaped.
struct Target {
    uri: Uri,
    host: String,
}

impl Target {
    fn parse(input: &str) -> Result<Target, FetchError> {
        let url = input.trim();
        let bad = |reason: &str| FetchError::BadUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let scheme = scheme_of(url).ok_or_else(|| bad("it does not start with https://"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(FetchError::NotHttp {
                url: url.to_string(),
                scheme: scheme.to_ascii_lowercase(),
            });
        }
        let without_fragment = url.split_once('#').map_or(url, |(u, _)| u);
        let uri: Uri = escape(without_fragment)
            .parse()
            .map_err(|e: ureq::http::uri::InvalidUri| bad(&e.to_string()))?;
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("it names no host"))?
            .to_string();
        Ok(Target { uri, host })
    }
}

/// Percent-escapes the bytes a URI cannot hold as they are.
fn escape(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for &byte in url.as_bytes() {
        if byte > 0x7e || byte <= 0x20 || b"\"<>\\^`{|}".contains(&byte) {
            out.push_str(&format!("%{byte:02X}"));
        } else {
            out.push(byte as char);
        }
    }
    out
}

/// Fetches the page at `url`: redirects followed, gzip taken, its text decoded as a browser
/// would. Pages that are not HTML, or larger than `options.max_bytes`, are refused.
pub fn fetch_page(url: &str, options: &FetchOptions) -> Result<FetchedPage, FetchError> {
    let target = Target::parse(url)?;
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(options.connect_timeout))
        .timeout_global(Some(options.timeout))
        .max_redirects(options.max_redirects)
        // A 404 is read as a response so that its error can name the host that gave it,
        // after redirects.
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .accept(ACCEPT)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let failed = |error: ureq::Error| network_error(error, &target, url, options);
    let mut response = agent
        .get(target.uri.clone())
        .header("Accept-Language", ACCEPT_LANGUAGE)
        .call()
        .map_err(failed)?;
    let final_url = response.get_uri().to_string();
    let final_host = response
        .get_uri()
        .host()
        .unwrap_or(&target.host)
        .to_string();
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: final_url,
            host: final_host,
            status,
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type");
    let kind = content_type
        .as_deref()
        .map(page_kind)
        .unwrap_or(Kind::Unsure);
    if kind == Kind::Other {
        return Err(FetchError::NotHtml {
            url: final_url,
            content_type: content_type.unwrap_or_default(),
        });
    }
    let too_large = |length| FetchError::TooLarge {
        url: final_url.clone(),
        limit: options.max_bytes,
        length,
    };
    let length = header("content-length").and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(length) = length.filter(|&n| n > options.max_bytes) {
        return Err(too_large(Some(length)));
    }
    let bytes = response
        .body_mut()
        .with_config()
        .limit(options.max_bytes)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(None),
            other => failed(other),
        })?;
    let page = match options.encoding {
        Some(given) => {
            crate::transcript::encoding::decode(&bytes, Some(given)).map(|decoded| PageText {
                text: decoded.text,
                encoding: decoded.encoding,
                source: CharsetSource::Content(decoded.source),
            })
        }
        None => charset::decode_page(&bytes, content_type.as_deref()),
    }
    .map_err(|error| FetchError::Undecodable {
        url: final_url.clone(),
        error,
    })?;
    if kind == Kind::Unsure && !crate::transcript::looks_like_html(&page.text) {
        return Err(FetchError::NotHtml {
            url: final_url,
            content_type: content_type.unwrap_or_else(|| "no stated type".into()),
        });
    }
    Ok(FetchedPage {
        requested: url.trim().to_string(),
        url: final_url,
        text: page.text,
        encoding: page.encoding,
        charset: page.source,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Html,
    /// Plain text or bytes of no stated kind: a page when its text looks like one (some
    /// servers label every page `text/plain`).
    Unsure,
    Other,
}

fn page_kind(content_type: &str) -> Kind {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Kind::Html,
        "" | "text/plain" | "application/octet-stream" => Kind::Unsure,
        _ => Kind::Other,
    }
}

fn network_error(
    error: ureq::Error,
    target: &Target,
    url: &str,
    options: &FetchOptions,
) -> FetchError {
    let host = target.host.clone();
    match error {
        ureq::Error::Timeout(which) => {
            use ureq::Timeout;
            let connecting = matches!(which, Timeout::Resolve | Timeout::Connect);
            FetchError::Timeout {
                host,
                connecting,
                after: if connecting {
                    options.connect_timeout.min(options.timeout)
                } else {
                    options.timeout
                },
            }
        }
        ureq::Error::HostNotFound => FetchError::HostNotFound { host },
        ureq::Error::ConnectionFailed => FetchError::Connect {
            host,
            reason: "the connection failed".into(),
        },
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => FetchError::Connect {
                host,
                reason: "the connection was refused".into(),
            },
            std::io::ErrorKind::TimedOut => FetchError::Timeout {
                host,
                connecting: false,
                after: options.timeout,
            },
            _ => FetchError::Network {
                url: url.to_string(),
                reason: format!("network error: {io}"),
            },
        },
        ureq::Error::TooManyRedirects => FetchError::TooManyRedirects {
            url: url.to_string(),
            limit: options.max_redirects,
        },
        ureq::Error::BadUri(reason) => FetchError::BadUrl {
            url: url.to_string(),
            reason,
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => FetchError::Connect {
            host,
            reason: format!("no secure connection could be made: {error}"),
        },
        other => FetchError::Network {
            url: url.to_string(),
            reason: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("https://mp.weixin.qq.com/s/AbC"));
        assert!(is_url("  HTTP://example.org "));
        assert!(is_url("ftp://example.org/a.html"));
        assert!(!is_url("out/episode.html"));
        assert!(!is_url("C://Users/a.html"));
        assert!(!is_url("https://"));
        assert!(!is_url("访谈.md"));
    }

    #[test]
    fn addresses_are_checked_and_escaped_before_asking() {
        let t = Target::parse("https://example.org/访谈 一/?q=茶#part2").unwrap();
        assert_eq!(t.host, "example.org");
        assert_eq!(
            t.uri.to_string(),
            "https://example.org/%E8%AE%BF%E8%B0%88%20%E4%B8%80/?q=%E8%8C%B6"
        );
        let err = Target::parse("file:///home/a.html").err().unwrap();
        assert!(matches!(err, FetchError::NotHttp { .. }), "{err}");
        assert!(err.to_string().contains("Save Page As"), "{err}");
        for bad in [
            "https://",
            "http:///path",
            "nonsense",
            "https://exa mple.org:99999/",
        ] {
            let err = Target::parse(bad).err();
            assert!(
                matches!(err, Some(FetchError::BadUrl { .. })),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn only_pages_are_taken() {
        assert_eq!(page_kind("text/html; charset=gbk"), Kind::Html);
        assert_eq!(page_kind("Application/XHTML+XML"), Kind::Html);
        assert_eq!(page_kind("text/plain"), Kind::Unsure);
        assert_eq!(page_kind("application/pdf"), Kind::Other);
        assert_eq!(page_kind("image/jpeg"), Kind::Other);
    }

    #[test]
    fn an_unreachable_host_says_so() {
        let options = FetchOptions {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(2),
            ..FetchOptions::default()
        };
        let err = fetch_page("http://127.0.0.1:1/a", &options).unwrap_err();
        assert!(matches!(err, FetchError::Connect { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains("127.0.0.1"), "{message}");
        assert!(message.contains("Save Page As"), "{message}");
    }
}
