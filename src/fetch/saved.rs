//! The fetched page's copy on disk, and its name: beside the episode, or in the current
//! folder when there is no episode to sit beside.

use super::{FetchError, FetchedPage};
use crate::output::{self, OutputError};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the saved copy's name ends with.
const SUFFIX: &str = ".source.html";

/// Saves `page` at `path` (atomically) for offline runs: as UTF-8 with a byte-order mark,
/// which outranks the charset the page declares, since the server's header that may have
/// named it is not kept; and opening with the comment browsers write when they save a
/// page, `<!-- saved from url=(0042)https://… -->`, naming where it was found.
pub fn save_page(page: &FetchedPage, path: &Path) -> Result<(), FetchError> {
    output::write_atomically(path, |file, tmp| {
        let written = file
            .write_all(b"\xEF\xBB\xBF")
            .and_then(|()| file.write_all(saved_from_comment(&page.url).as_bytes()))
            .and_then(|()| file.write_all(page.text.as_bytes()));
        written.map_err(|error| OutputError::Write {
            path: tmp.to_path_buf(),
            error,
        })
    })?;
    Ok(())
}

/// The comment's count is the address's length in four digits, as browsers write it.
fn saved_from_comment(url: &str) -> String {
    // A fetched address holds no `>`, but the comment must close where it should whatever
    // it is given.
    let url = url.replace('>', "%3E");
    format!("<!-- saved from url=({:04}){url} -->\n", url.len())
}

/// Where the page fetched for the episode at `output` is kept: `out/episode.mp3` →
/// `out/episode.source.html`.
pub fn saved_page_path(output: &Path) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "episode".into());
    output.with_file_name(format!("{stem}{SUFFIX}"))
}

/// A name in the current folder for the page fetched from `url` when there is no episode
/// to name it after (`recast script URL` printing to standard output): the host and the
/// last part of the path, sanitised as a file name, and a digest of the address when it
/// has a query, since WeChat's `…/s?__biz=…&mid=…` addresses differ only there.
/// `https://mp.weixin.qq.com/s/Ab_C` → `mp-weixin-qq-com-Ab-C.source.html`.
pub fn default_saved_page_name(url: &str) -> PathBuf {
    let url = url.trim();
    let without_fragment = url.split_once('#').map_or(url, |(u, _)| u);
    let after_scheme = without_fragment
        .split_once("://")
        .map_or(without_fragment, |(_, rest)| rest);
    let (location, query) = after_scheme
        .split_once('?')
        .map_or((after_scheme, None), |(l, q)| (l, Some(q)));
    let (authority, path) = location.split_once('/').unwrap_or((location, ""));
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let last = path.rsplit('/').find(|part| !part.is_empty()).unwrap_or("");
    let last = last.rsplit_once('.').map_or(last, |(stem, _)| stem);
    let mut name = output::safe_file_stem(&format!("{host} {last}"));
    if name == "chapter" {
        name = "page".into();
    }
    if query.is_some_and(|q| !q.is_empty()) {
        let digest = Sha256::digest(without_fragment.as_bytes());
        name.push('-');
        name.push_str(&hex::encode(&digest[..4]));
    }
    PathBuf::from(format!("{name}{SUFFIX}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_copy_sits_beside_the_episode() {
        assert_eq!(
            saved_page_path(Path::new("out/episode.mp3")),
            Path::new("out/episode.source.html")
        );
        assert_eq!(
            saved_page_path(Path::new("访谈")),
            Path::new("访谈.source.html")
        );
        assert_eq!(
            saved_page_path(Path::new("a/b.c.flac")),
            Path::new("a/b.c.source.html")
        );
    }

    #[test]
    fn a_default_name_is_made_safe_from_the_address() {
        assert_eq!(
            default_saved_page_name("https://mp.weixin.qq.com/s/Ab_C-d"),
            Path::new("mp-weixin-qq-com-Ab-C-d.source.html")
        );
        assert_eq!(
            default_saved_page_name("http://example.org/"),
            Path::new("example-org.source.html")
        );
        let a = default_saved_page_name("https://mp.weixin.qq.com/s?__biz=1&mid=2#rd");
        let b = default_saved_page_name("https://mp.weixin.qq.com/s?__biz=1&mid=3");
        assert_ne!(a, b);
        assert!(
            a.to_string_lossy().starts_with("mp-weixin-qq-com-s-"),
            "{a:?}"
        );
        for hostile in [
            "https://x/../../etc/passwd",
            "https://../..",
            "https://a/%2e%2e%2f",
            "https:///",
            "https://h/\u{0}\n/..",
            "",
        ] {
            let name = default_saved_page_name(hostile);
            assert_eq!(name.components().count(), 1, "{hostile:?} → {name:?}");
            let text = name.to_string_lossy();
            assert!(text.ends_with(SUFFIX) && !text.starts_with('.'), "{text}");
            assert!(!text.contains(['/', '\\', '\0', '\n']), "{text}");
        }
    }

    #[test]
    fn the_comment_names_the_address_and_its_length() {
        assert_eq!(
            saved_from_comment("https://example.org/a"),
            "<!-- saved from url=(0021)https://example.org/a -->\n"
        );
        assert!(saved_from_comment("https://e/-->x").contains("-%3Ex -->"));
    }
}
