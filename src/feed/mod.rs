//! Writes `feed.xml`, a podcast feed (RSS 2.0 with the iTunes and Podcasting 2.0 tags) for a
//! folder of rendered episodes, so that serving the folder publishes them.
//!
//! An episode is an audio file with its `NAME.script.json` beside it, as `recast render`
//! writes them: the timing sidecar gives the title, duration, language, speakers and the
//! article's link, date, author and cover; the chapters, VTT and SRT sidecars are linked when
//! present. The feed is rebuilt from the folder each time and is deterministic: running it
//! again changes nothing, and a new episode adds its item without touching the others.

mod date;
mod episode;
mod existing;
mod item;
mod people;
mod url;
mod xml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::output::{OutputError, write_atomically};

/// The file written in the episodes' folder.
pub const FEED_FILE: &str = "feed.xml";

/// What `write_feed` is told beyond the folder.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedOptions {
    /// Where the folder is served: `https://example.org/podcast/`. Enclosures, sidecars and
    /// the feed's own address are this plus their paths in the folder.
    pub base_url: String,
    /// The podcast's title; else the one the existing feed has, else the folder's name.
    pub title: Option<String>,
    /// The podcast's description; else the existing feed's, else a sentence on what it is.
    pub description: Option<String>,
}

/// What was written, for the front end to report.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedSummary {
    /// The feed file.
    pub feed: PathBuf,
    /// False when the feed already had exactly these bytes and was left alone.
    pub changed: bool,
    /// The episodes in the feed, newest first, as the feed lists them.
    pub episodes: Vec<FeedEpisode>,
    /// Audio files in the folder that are not in the feed, by path.
    pub skipped: Vec<SkippedAudio>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedEpisode {
    /// The enclosure, relative to the folder.
    pub audio: PathBuf,
    pub title: String,
    /// Not in the feed before this run.
    pub added: bool,
    /// The article's publish time as written, when it could not be read as a date; the
    /// item is then dated by the earlier feed or the file's time.
    pub unreadable_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SkippedAudio {
    /// Relative to the folder.
    pub path: PathBuf,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SkipReason {
    /// No timing sidecar beside it: a per-chapter clip, or an episode rendered with
    /// `--no-sidecars`.
    NoScript { script: PathBuf },
    /// The same episode in another format; the feed carries one enclosure per episode.
    OtherFormat { chosen: PathBuf },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::NoScript { script } => write!(
                f,
                "no {} beside it (a clip, or rendered with --no-sidecars: render it again \
                 with its sidecars to include it)",
                script.display()
            ),
            SkipReason::OtherFormat { chosen } => write!(
                f,
                "another format of {}, which the feed carries (one enclosure per episode: \
                 mp3, then m4a, m4b, opus, flac, wav)",
                chosen.display()
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    // The causes are named `error`, not `source`: the message already holds them.
    #[error(
        "base URL {url:?} {reason}; give the http(s) address the folder is served at, like \
         https://example.org/podcast/"
    )]
    BaseUrl { url: String, reason: String },
    #[error(
        "no episodes in {}: an episode is an audio file (.mp3, .m4a, .m4b, .opus, .flac or \
         .wav) with its NAME.script.json beside it, as `recast render TRANSCRIPT -o {}` \
         writes them{}",
        dir.display(),
        dir.join("NAME.mp3").display(),
        skipped_note(*skipped)
    )]
    NoEpisodes { dir: PathBuf, skipped: usize },
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot read the sidecar {path}: {reason}; render the episode again, or move its \
         audio out of the folder"
    )]
    Sidecar { path: PathBuf, reason: String },
    #[error(
        "{path} is not a feed recast can update: {reason}; move it away to write a new one \
         (episodes without a publish time are then dated by their files again)"
    )]
    ExistingFeed { path: PathBuf, reason: String },
    #[error(transparent)]
    Write(#[from] OutputError),
}

fn skipped_note(skipped: usize) -> String {
    match skipped {
        0 => String::new(),
        1 => "; the one audio file found has no script sidecar".to_string(),
        n => format!("; none of the {n} audio files found has a script sidecar"),
    }
}

/// Writes `dir/feed.xml` for the episodes in `dir` (see the module's documentation), newest
/// first, atomically. Items keep their GUID and date from run to run; the channel keeps the
/// title, description and `podcast:guid` of the feed already there.
pub fn write_feed(dir: &Path, options: &FeedOptions) -> Result<FeedSummary, FeedError> {
    let base = url::BaseUrl::parse(&options.base_url)?;
    let (episodes, skipped) = episode::scan(dir)?;
    if episodes.is_empty() {
        return Err(FeedError::NoEpisodes {
            dir: dir.to_path_buf(),
            skipped: skipped.len(),
        });
    }
    let feed_path = dir.join(FEED_FILE);
    let previous = existing::read(&feed_path)?;
    let podcast_guid = previous
        .podcast_guid
        .as_deref()
        .and_then(|guid| uuid::Uuid::parse_str(guid).ok())
        .unwrap_or_else(|| base.podcast_guid());

    let mut links: BTreeMap<&str, usize> = BTreeMap::new();
    for link in episodes
        .iter()
        .filter_map(|e| e.script.article.link.as_deref())
    {
        *links.entry(link.trim()).or_default() += 1;
    }
    let mut dated: Vec<(&episode::Episode, item::DatedItem)> = episodes
        .iter()
        .map(|episode| {
            let link = episode.script.article.link.as_deref().map(str::trim);
            let shared = link.is_some_and(|link| links[link] > 1);
            let guid = item::guid(&podcast_guid, episode, shared);
            (episode, item::item(episode, guid, &base, &previous))
        })
        .collect();
    // Newest first; the path settles ties so the order does not depend on the scan.
    dated.sort_by(|(a, x), (b, y)| y.time.cmp(&x.time).then_with(|| a.audio.cmp(&b.audio)));

    let channel = channel(dir, options, &base, &previous, &podcast_guid, &dated);
    let items: Vec<&xml::Item> = dated.iter().map(|(_, d)| &d.item).collect();
    let bytes = xml::render(&channel, &items);
    let changed = previous.bytes.as_ref() != Some(&bytes);
    if changed {
        write_atomically(&feed_path, |file, tmp| {
            use std::io::Write;
            file.write_all(&bytes).map_err(|error| OutputError::Write {
                path: tmp.to_path_buf(),
                error,
            })
        })?;
    }
    Ok(FeedSummary {
        feed: feed_path,
        changed,
        episodes: dated
            .into_iter()
            .map(|(episode, d)| FeedEpisode {
                audio: episode.audio.clone(),
                title: d.item.title,
                added: d.added,
                unreadable_date: d.unreadable_date,
            })
            .collect(),
        skipped,
    })
}

fn channel(
    dir: &Path,
    options: &FeedOptions,
    base: &url::BaseUrl,
    previous: &existing::PreviousFeed,
    podcast_guid: &uuid::Uuid,
    dated: &[(&episode::Episode, item::DatedItem)],
) -> xml::Channel {
    let scripts = || dated.iter().map(|(episode, _)| &episode.script);
    let language = most_common(scripts().map(|s| s.language.as_str()))
        .unwrap_or("en")
        .to_string();
    let title = options
        .title
        .clone()
        .or_else(|| previous.title.clone())
        .unwrap_or_else(|| folder_name(dir));
    let description = options
        .description
        .clone()
        .or_else(|| previous.description.clone())
        .unwrap_or_else(|| {
            if language.to_ascii_lowercase().starts_with("zh") {
                "文章与访谈，由合成语音朗读。".to_string()
            } else {
                "Articles and interviews read in synthetic voices.".to_string()
            }
        });
    // The show's author is whoever published most of what it reads.
    let author = most_common(scripts().filter_map(|s| s.article.publisher.as_deref()))
        .or_else(|| most_common(scripts().filter_map(|s| s.article.author.as_deref())))
        .map(str::to_string)
        .unwrap_or_else(|| title.clone());
    xml::Channel {
        link: base.as_str().to_string(),
        description,
        author,
        image: dated.iter().find_map(|(_, d)| d.item.image.clone()),
        podcast_guid: podcast_guid.to_string(),
        self_url: base.feed_url(),
        generator: format!("recast {}", env!("CARGO_PKG_VERSION")),
        language,
        title,
    }
}

/// The value given most often; among equals the first in sort order, so that the choice
/// does not depend on the episodes' order.
fn most_common<'a>(values: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for value in values.map(str::trim).filter(|v| !v.is_empty()) {
        *counts.entry(value).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|&(_, n)| n == best).map(|(v, _)| v)
}

fn folder_name(dir: &Path) -> String {
    let absolute = std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    absolute
        .components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .unwrap_or_else(|| "Podcast".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_common_value_wins_and_ties_are_settled_by_order() {
        assert_eq!(most_common(["en", "zh", "zh"].into_iter()), Some("zh"));
        assert_eq!(most_common(["zh", "en"].into_iter()), Some("en"));
        assert_eq!(most_common([" ", ""].into_iter()), None);
    }

    #[test]
    fn the_folder_name_titles_a_new_feed() {
        assert_eq!(folder_name(Path::new("/srv/访谈/")), "访谈");
        assert_eq!(folder_name(Path::new("/srv/pods/.")), "pods");
    }
}
