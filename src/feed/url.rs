//! The feed's addresses: the checked base URL the folder is served at, the files' URLs under
//! it, and the podcast GUID derived from the feed's own URL.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use std::path::{Component, Path};
use uuid::Uuid;

use super::FeedError;

/// The Podcasting 2.0 namespace for `podcast:guid`. The spec's examples check it:
/// `podnews.net/rss` gives `9b024349-ccf0-5f69-a609-6b82873eab3c`.
const PODCAST_GUID_NAMESPACE: Uuid = Uuid::from_u128(0xead4c236_bf58_58c6_a2c6_a6b28d128cb6);

/// Everything but RFC 3986's unreserved characters is encoded in a path segment, so that a
/// Chinese, spaced or `#`-bearing file name makes one valid URL.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An `http(s)://` address ending in exactly one `/`, to which relative paths are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl(String);

impl BaseUrl {
    pub(crate) fn parse(url: &str) -> Result<BaseUrl, FeedError> {
        let refuse = |reason: &str| FeedError::BaseUrl {
            url: url.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = url.trim();
        let rest = ["https://", "http://"]
            .iter()
            .find_map(|scheme| {
                trimmed
                    .get(..scheme.len())
                    .filter(|start| start.eq_ignore_ascii_case(scheme))
                    .map(|_| &trimmed[scheme.len()..])
            })
            .ok_or_else(|| refuse("does not start with http:// or https://"))?;
        if rest.split('/').next().unwrap_or("").is_empty() {
            return Err(refuse("has no host name"));
        }
        if trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse("contains spaces; write them as %20"));
        }
        if !trimmed.is_ascii() {
            return Err(refuse(
                "contains non-ASCII characters; write them percent-encoded (and the host in \
                 its xn-- form)",
            ));
        }
        if trimmed.contains(['?', '#']) {
            return Err(refuse(
                "has a query or fragment (? or #), which the episodes' paths cannot follow",
            ));
        }
        Ok(BaseUrl(format!("{}/", trimmed.trim_end_matches('/'))))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of a file at `relative` (a path inside the served folder).
    pub(crate) fn join(&self, relative: &Path) -> String {
        format!("{}{}", self.0, encode_path(relative))
    }

    /// Where `feed.xml` is served.
    pub(crate) fn feed_url(&self) -> String {
        self.join(Path::new(super::FEED_FILE))
    }

    /// The UUIDv5 the Podcasting 2.0 spec derives from the feed URL without its scheme and
    /// trailing slashes.
    pub(crate) fn podcast_guid(&self) -> Uuid {
        let feed = self.feed_url();
        let without_scheme = feed
            .split_once("://")
            .map_or(feed.as_str(), |(_, rest)| rest);
        Uuid::new_v5(
            &PODCAST_GUID_NAMESPACE,
            without_scheme.trim_end_matches('/').as_bytes(),
        )
    }
}

/// The path's segments percent-encoded (UTF-8, as browsers and servers expect) and joined by
/// `/`. The bytes of a file name that is not UTF-8 are encoded as they are.
pub(crate) fn encode_path(relative: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    relative
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => Some(percent_encode(name.as_bytes(), SEGMENT).to_string()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str) -> String {
        BaseUrl::parse(url).unwrap().as_str().to_string()
    }

    fn refused(url: &str) -> String {
        BaseUrl::parse(url).unwrap_err().to_string()
    }

    #[test]
    fn a_base_url_ends_in_exactly_one_slash() {
        assert_eq!(base("https://example.org"), "https://example.org/");
        assert_eq!(
            base("https://example.org/pods"),
            "https://example.org/pods/"
        );
        assert_eq!(
            base(" http://example.org/pods// "),
            "http://example.org/pods/"
        );
        assert_eq!(
            base("HTTPS://example.org:8443/a/"),
            "HTTPS://example.org:8443/a/"
        );
    }

    #[test]
    fn bad_base_urls_are_refused_with_the_reason() {
        assert!(refused("example.org/pods").contains("http:// or https://"));
        assert!(refused("ftp://example.org/").contains("http:// or https://"));
        assert!(refused("https:///pods").contains("no host"));
        assert!(refused("https://example.org/my pods").contains("%20"));
        assert!(refused("https://example.org/播客").contains("percent-encoded"));
        assert!(refused("https://example.org/?p=1").contains("query"));
        assert!(refused("").contains("example.org"), "{}", refused(""));
    }

    #[test]
    fn paths_are_joined_percent_encoded() {
        let base = BaseUrl::parse("https://example.org/pods/").unwrap();
        assert_eq!(
            base.join(Path::new("2024/访谈 第1期.mp3")),
            "https://example.org/pods/2024/%E8%AE%BF%E8%B0%88%20%E7%AC%AC1%E6%9C%9F.mp3"
        );
        assert_eq!(
            base.join(Path::new("a#b?c&d+e.mp3")),
            "https://example.org/pods/a%23b%3Fc%26d%2Be.mp3"
        );
        assert_eq!(
            base.join(Path::new("x_y-z~1.m4a")),
            "https://example.org/pods/x_y-z~1.m4a"
        );
        assert_eq!(base.feed_url(), "https://example.org/pods/feed.xml");
    }

    #[test]
    fn the_podcast_guid_follows_the_spec() {
        // The spec's examples: its feed URLs are the ones GUIDs are derived from.
        let guid = |feed: &str| Uuid::new_v5(&PODCAST_GUID_NAMESPACE, feed.as_bytes());
        assert_eq!(
            guid("podnews.net/rss").to_string(),
            "9b024349-ccf0-5f69-a609-6b82873eab3c"
        );
        assert_eq!(
            guid("mp3s.nashownotes.com/pc20rss.xml").to_string(),
            "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        );
        let http = BaseUrl::parse("http://example.org/pods").unwrap();
        let https = BaseUrl::parse("https://example.org/pods/").unwrap();
        assert_eq!(http.podcast_guid(), https.podcast_guid());
        assert_eq!(http.podcast_guid(), guid("example.org/pods/feed.xml"));
    }
}
