//! What the feed says about one episode: its stable GUID, its date, its description, and the
//! addresses of its audio and sidecars.

use chrono::{DateTime, FixedOffset};
use std::path::Path;
use uuid::Uuid;

use super::date;
use super::episode::Episode;
use super::existing::PreviousFeed;
use super::people::speakers;
use super::url::BaseUrl;
use super::xml::{Enclosure, Item, Transcript};

/// An item with the time it sorts by and what the summary reports about it.
pub(crate) struct DatedItem {
    pub(crate) item: Item,
    pub(crate) time: DateTime<FixedOffset>,
    /// Its GUID was not in the earlier feed.
    pub(crate) added: bool,
    /// The article's publish time, when it could not be read.
    pub(crate) unreadable_date: Option<String>,
}

/// The item's GUID: a UUIDv5 in the podcast's own namespace (its `podcast:guid`) of the
/// article's link, or of the episode's path without its extension when there is no link or
/// several episodes read the same article. So rendering again, or to another format, keeps
/// it, and two podcasts reading the same article do not share GUIDs.
pub(crate) fn guid(podcast: &Uuid, episode: &Episode, link_is_shared: bool) -> String {
    let stem = episode.audio.with_extension("");
    let stem = stem.to_string_lossy();
    let seed = match episode.script.article.link.as_deref().map(str::trim) {
        Some(link) if !link.is_empty() && !link_is_shared => format!("link:{link}"),
        Some(link) if !link.is_empty() => format!("link:{link}\nfile:{stem}"),
        _ => format!("file:{stem}"),
    };
    Uuid::new_v5(podcast, seed.as_bytes()).to_string()
}

/// The item for `episode`. Its date is the article's publish time when it has one that
/// can be read; else the one the earlier feed gave it; else the audio file's modification
/// time, which the feed then keeps.
pub(crate) fn item(
    episode: &Episode,
    guid: String,
    base: &BaseUrl,
    previous: &PreviousFeed,
) -> DatedItem {
    let script = &episode.script;
    let article = &script.article;
    let published = article
        .published
        .as_deref()
        .filter(|p| !p.trim().is_empty());
    let from_article = published.and_then(|p| date::parse_published(p, &script.language));
    let earlier = previous.dates.get(&guid).copied();
    let time = from_article
        .or(earlier)
        .unwrap_or_else(|| date::from_file_time(episode.modified));
    let url = |path: &Path| base.join(path);
    let transcript = |path: &Option<std::path::PathBuf>, mime| {
        path.as_deref().map(|path| Transcript {
            url: url(path),
            mime,
            language: script.language.clone(),
        })
    };
    let item = Item {
        title: script.title.clone(),
        pub_date: date::rfc2822(&time),
        link: non_empty(&article.link),
        description: description(episode),
        enclosure: Enclosure {
            url: url(&episode.audio),
            length: episode.length,
            mime: episode.format.mime(),
        },
        duration_seconds: script.duration.max(0.0).round() as u64,
        image: non_empty(&article.cover),
        chapters_url: episode.chapters.as_deref().map(url),
        transcripts: [
            transcript(&episode.vtt, "text/vtt"),
            transcript(&episode.srt, "application/x-subrip"),
        ]
        .into_iter()
        .flatten()
        .collect(),
        people: speakers(script),
        guid,
    };
    DatedItem {
        item,
        time,
        added: earlier.is_none(),
        unreadable_date: published
            .filter(|_| from_article.is_none())
            .map(str::to_string),
    }
}

fn non_empty(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Plain text: that the voices are synthetic, whose article it was, its chapters and its
/// link. In Chinese for a Chinese episode, so it reads as the episode does.
fn description(episode: &Episode) -> String {
    let script = &episode.script;
    let article = &script.article;
    let chinese = script.language.to_ascii_lowercase().starts_with("zh");
    let (author, publisher) = (non_empty(&article.author), non_empty(&article.publisher));
    let chapters: Vec<&str> = script
        .chapters
        .iter()
        .map(|c| c.title.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let mut lines = Vec::new();
    if chinese {
        lines.push("本期由合成语音朗读一篇文章。".to_string());
        if let Some(author) = author {
            lines.push(format!("作者：{author}"));
        }
        if let Some(publisher) = publisher {
            lines.push(format!("来源：{publisher}"));
        }
        if !chapters.is_empty() {
            lines.push(format!("章节：{}", numbered(&chapters, "；")));
        }
        if let Some(link) = non_empty(&article.link) {
            lines.push(format!("原文：{link}"));
        }
    } else {
        lines.push(match (author, publisher) {
            (Some(a), Some(p)) => format!("An article by {a} ({p}), read in synthetic voices."),
            (Some(who), None) | (None, Some(who)) => {
                format!("An article by {who}, read in synthetic voices.")
            }
            (None, None) => "An article read in synthetic voices.".to_string(),
        });
        if !chapters.is_empty() {
            lines.push(format!("Chapters: {}", numbered(&chapters, "; ")));
        }
        if let Some(link) = non_empty(&article.link) {
            lines.push(format!("Original: {link}"));
        }
    }
    lines.join("\n")
}

fn numbered(titles: &[&str], separator: &str) -> String {
    titles
        .iter()
        .enumerate()
        .map(|(index, title)| format!("{}. {title}", index + 1))
        .collect::<Vec<_>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::episode::AudioFormat;
    use crate::output::{TimedChapter, TimedScript};
    use crate::script::Article;
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    fn episode(audio: &str, format: AudioFormat, article: Article, language: &str) -> Episode {
        let chapter = |title: &str| TimedChapter {
            title: title.to_string(),
            start: 0.0,
            end: 1.0,
            turns: Vec::new(),
        };
        Episode {
            audio: PathBuf::from(audio),
            format,
            length: 1234,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            script: TimedScript {
                title: "访谈".to_string(),
                language: language.to_string(),
                sample_rate: 24_000,
                duration: 61.6,
                article,
                chapters: vec![chapter("开场"), chapter(" "), chapter("问答")],
            },
            chapters: Some(PathBuf::from("ep.chapters.json")),
            srt: None,
            vtt: Some(PathBuf::from("ep.vtt")),
        }
    }

    fn linked() -> Article {
        Article {
            link: Some("https://mp.weixin.qq.com/s/abc".to_string()),
            published: Some("2024-07-20 12:18".to_string()),
            cover: Some("https://example.org/cover.jpg".to_string()),
            author: Some("李明".to_string()),
            publisher: Some("某公众号".to_string()),
        }
    }

    #[test]
    fn the_guid_follows_the_article_not_the_file() {
        let ns = Uuid::from_u128(7);
        let mp3 = episode("ep.mp3", AudioFormat::Mp3, linked(), "zh");
        let renamed = episode("other/name.m4a", AudioFormat::M4a, linked(), "zh");
        assert_eq!(guid(&ns, &mp3, false), guid(&ns, &renamed, false));
        assert_ne!(
            guid(&ns, &mp3, false),
            guid(&Uuid::from_u128(8), &mp3, false)
        );
        assert_ne!(guid(&ns, &mp3, true), guid(&ns, &renamed, true));
    }

    #[test]
    fn without_a_link_the_guid_follows_the_path_without_extension() {
        let ns = Uuid::from_u128(7);
        let unlinked = |audio, format| episode(audio, format, Article::default(), "en");
        let mp3 = unlinked("talks/ep.mp3", AudioFormat::Mp3);
        assert_eq!(
            guid(&ns, &mp3, false),
            guid(&ns, &unlinked("talks/ep.wav", AudioFormat::Wav), false)
        );
        assert_ne!(
            guid(&ns, &mp3, false),
            guid(&ns, &unlinked("talks/ep2.mp3", AudioFormat::Mp3), false)
        );
        assert_eq!(guid(&ns, &mp3, false).len(), 36);
    }

    #[test]
    fn an_item_says_what_the_episode_is() {
        let base = BaseUrl::parse("https://example.org/pods").unwrap();
        let dated = item(
            &episode("ep.mp3", AudioFormat::Mp3, linked(), "zh"),
            "g".to_string(),
            &base,
            &PreviousFeed::default(),
        );
        let item = &dated.item;
        assert_eq!(item.pub_date, "Sat, 20 Jul 2024 12:18:00 +0800");
        assert_eq!(item.duration_seconds, 62);
        assert_eq!(item.enclosure.url, "https://example.org/pods/ep.mp3");
        assert_eq!(item.enclosure.mime, "audio/mpeg");
        assert_eq!(
            item.chapters_url.as_deref(),
            Some("https://example.org/pods/ep.chapters.json")
        );
        assert_eq!(item.transcripts.len(), 1);
        assert_eq!(item.transcripts[0].mime, "text/vtt");
        assert_eq!(item.image.as_deref(), Some("https://example.org/cover.jpg"));
        assert_eq!(
            item.description,
            "本期由合成语音朗读一篇文章。\n作者：李明\n来源：某公众号\n\
             章节：1. 开场；2. 问答\n原文：https://mp.weixin.qq.com/s/abc"
        );
        assert!(dated.added && dated.unreadable_date.is_none());
    }

    #[test]
    fn without_a_publish_time_the_earlier_date_then_the_file_time() {
        let base = BaseUrl::parse("https://example.org/").unwrap();
        let article = Article {
            published: Some("sometime".to_string()),
            ..Article::default()
        };
        let plain = episode("ep.mp3", AudioFormat::Mp3, article, "en");
        let fresh = item(&plain, "g".to_string(), &base, &PreviousFeed::default());
        assert_eq!(fresh.item.pub_date, "Tue, 14 Nov 2023 22:13:20 +0000");
        assert_eq!(fresh.unreadable_date.as_deref(), Some("sometime"));
        assert_eq!(
            fresh.item.description,
            "An article read in synthetic voices.\nChapters: 1. 开场; 2. 问答"
        );
        let mut previous = PreviousFeed::default();
        let kept = date::parse_rfc2822("Mon, 01 Jan 2024 08:00:00 +0000").unwrap();
        previous.dates.insert("g".to_string(), kept);
        let again = item(&plain, "g".to_string(), &base, &previous);
        assert_eq!(again.item.pub_date, "Mon, 01 Jan 2024 08:00:00 +0000");
        assert!(!again.added);
    }
}
