//! What an earlier `feed.xml` settled and a new one keeps: the channel's title, description
//! and `podcast:guid`, and the date each item was first given.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, FixedOffset};

use super::FeedError;
use super::date::parse_rfc2822;
use super::xml::PODCAST_NS;

#[derive(Debug, Default)]
pub(crate) struct PreviousFeed {
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// The spec has a podcast keep its GUID for life, even when its feed moves.
    pub(crate) podcast_guid: Option<String>,
    /// Item `guid` to its `pubDate`.
    pub(crate) dates: BTreeMap<String, DateTime<FixedOffset>>,
    /// The file as it is, so that a feed with nothing new is not rewritten.
    pub(crate) bytes: Option<Vec<u8>>,
}

/// Reads `path` if it exists. A file that is there but cannot be read as RSS is an error
/// rather than something to overwrite: the dates it holds would be lost.
pub(crate) fn read(path: &Path) -> Result<PreviousFeed, FeedError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(PreviousFeed::default());
        }
        Err(error) => {
            return Err(FeedError::ExistingFeed {
                path: path.to_path_buf(),
                reason: error.to_string(),
            });
        }
    };
    let mut previous = parse(&text).map_err(|reason| FeedError::ExistingFeed {
        path: path.to_path_buf(),
        reason,
    })?;
    previous.bytes = Some(text.into_bytes());
    Ok(previous)
}

fn parse(text: &str) -> Result<PreviousFeed, String> {
    let document = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let channel = document
        .root_element()
        .children()
        .find(|n| plain(n, "channel"))
        .filter(|_| document.root_element().has_tag_name("rss"))
        .ok_or("it is not RSS (no <rss><channel>)")?;
    let text_of = |node: roxmltree::Node, name: &str| {
        node.children()
            .find(|n| plain(n, name))
            .and_then(|n| n.text())
            .map(str::to_string)
    };
    let mut dates = BTreeMap::new();
    for item in channel.children().filter(|n| plain(n, "item")) {
        let (Some(guid), Some(date)) = (text_of(item, "guid"), text_of(item, "pubDate")) else {
            continue;
        };
        if let Some(date) = parse_rfc2822(&date) {
            dates.insert(guid, date);
        }
    }
    Ok(PreviousFeed {
        title: text_of(channel, "title"),
        description: text_of(channel, "description"),
        podcast_guid: channel
            .children()
            .find(|n| n.has_tag_name((PODCAST_NS, "guid")))
            .and_then(|n| n.text())
            .map(|guid| guid.trim().to_string()),
        dates,
        bytes: None,
    })
}

/// An element of RSS itself, in no namespace: `guid`, not `podcast:guid`.
fn plain(node: &roxmltree::Node, name: &str) -> bool {
    node.is_element() && node.tag_name().namespace().is_none() && node.tag_name().name() == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_and_the_item_dates_are_read() {
        let feed = parse(
            r#"<?xml version="1.0"?>
            <rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">
              <channel>
                <title>访谈 &amp; 对话</title>
                <description>Old words</description>
                <podcast:guid>9b024349-ccf0-5f69-a609-6b82873eab3c</podcast:guid>
                <item><guid isPermaLink="false">a</guid>
                  <pubDate>Sat, 20 Jul 2024 12:18:00 +0800</pubDate></item>
                <item><guid>no-date</guid></item>
                <item><guid>bad-date</guid><pubDate>someday</pubDate></item>
              </channel>
            </rss>"#,
        )
        .unwrap();
        assert_eq!(feed.title.as_deref(), Some("访谈 & 对话"));
        assert_eq!(feed.description.as_deref(), Some("Old words"));
        assert_eq!(
            feed.podcast_guid.as_deref(),
            Some("9b024349-ccf0-5f69-a609-6b82873eab3c")
        );
        assert_eq!(feed.dates.len(), 1);
        assert_eq!(
            crate::feed::date::rfc2822(&feed.dates["a"]),
            "Sat, 20 Jul 2024 12:18:00 +0800"
        );
    }

    #[test]
    fn what_is_not_rss_is_refused() {
        assert!(
            parse("<html><body/></html>")
                .unwrap_err()
                .contains("not RSS")
        );
        assert!(parse("<rss><channel>").is_err());
    }

    #[test]
    fn a_missing_feed_is_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let feed = read(&dir.path().join("feed.xml")).unwrap();
        assert!(feed.title.is_none() && feed.dates.is_empty());
    }
}
