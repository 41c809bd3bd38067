//! `feed::write_feed` on a folder of real rendered-episode files: a WAV written here, an MP3
//! and an M4A made from it by ffmpeg, and the sidecars `output::write_sidecars` writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use recast::feed::{FeedError, FeedOptions, SkipReason, write_feed};
use recast::output::{TimedChapter, TimedScript, TimedSentence, TimedTurn, write_sidecars};
use recast::script::Article;

const BASE: &str = "https://pods.example.org/recast";
const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";
const ITUNES_NS: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

fn options() -> FeedOptions {
    FeedOptions {
        base_url: BASE.to_string(),
        title: None,
        description: None,
    }
}

/// A second and a half of a quiet tone: real audio every decoder reads.
fn write_wav(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..24_000 {
        let sample = (n as f32 * 220.0 * std::f32::consts::TAU / 16_000.0).sin() * 6000.0;
        writer.write_sample(sample as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// `path` (an .mp3 or .m4a) encoded by ffmpeg from a fresh WAV.
fn write_encoded(path: &Path) {
    let wav = path.with_extension("source.wav");
    write_wav(&wav);
    let status = Command::new("ffmpeg")
        .args(["-y", "-loglevel", "error", "-i"])
        .arg(&wav)
        .arg(path)
        .status()
        .expect("ffmpeg runs (scripts/setup installs ffmpeg)");
    assert!(
        status.success(),
        "ffmpeg could not write {}",
        path.display()
    );
    std::fs::remove_file(wav).unwrap();
}

/// A turn of a fixture: speaker, whether it is an announcement, its one sentence.
type Turn<'a> = (&'a str, bool, &'a str);

/// A timing sidecar: each chapter's title and turns, a sentence every 1.25 s lasting 1 s.
fn timed(
    title: &str,
    language: &str,
    article: Article,
    chapters: &[(&str, &[Turn])],
) -> TimedScript {
    let mut clock = 0.0;
    let chapters = chapters
        .iter()
        .map(|(title, turns)| {
            let start = clock;
            let turns = turns
                .iter()
                .map(|(speaker, announcement, text)| {
                    let sentence = TimedSentence {
                        text: text.to_string(),
                        start: clock,
                        end: clock + 1.0,
                        syllables: Vec::new(),
                    };
                    clock += 1.25;
                    TimedTurn {
                        speaker: speaker.to_string(),
                        voice: "test-voice".to_string(),
                        announcement: *announcement,
                        start: sentence.start,
                        end: sentence.end,
                        sentences: vec![sentence],
                    }
                })
                .collect();
            TimedChapter {
                title: title.to_string(),
                start,
                end: clock,
                turns,
            }
        })
        .collect();
    TimedScript {
        title: title.to_string(),
        language: language.to_string(),
        sample_rate: 16_000,
        duration: clock + 0.4,
        article,
        chapters,
    }
}

fn chinese_episode() -> TimedScript {
    timed(
        "修车铺里的二十年",
        "zh",
        Article {
            link: Some("https://mp.weixin.qq.com/s/fixture-repair-shop".to_string()),
            published: Some("2024年7月20日 12:18".to_string()),
            cover: Some("https://img.example.org/repair.jpg".to_string()),
            author: Some("林晓".to_string()),
            publisher: Some("城市手艺人".to_string()),
        },
        &[
            (
                "开场",
                &[
                    ("Narrator", true, "开场"),
                    ("主持人", false, "今天我们去了一家开了二十年的修车铺。"),
                    ("王师傅", false, "欢迎，随便坐。"),
                ],
            ),
            (
                "手艺",
                &[
                    ("Narrator", true, "手艺"),
                    ("主持人", false, "最难修的是什么？"),
                    ("王师傅", false, "老车的变速箱，零件不好找。"),
                ],
            ),
        ],
    )
}

fn english_episode() -> TimedScript {
    timed(
        "Bread at Four in the Morning",
        "en",
        Article {
            link: Some("https://example.org/articles/night-bakery".to_string()),
            published: Some("2024-08-01T09:00:00+00:00".to_string()),
            cover: None,
            author: Some("Sam Ortiz".to_string()),
            publisher: None,
        },
        &[(
            "The night shift",
            &[
                ("Interviewer", false, "When does your day start?"),
                ("Dana", false, "Around three, before the ovens are warm."),
                ("Narrator", false, "She laughs."),
            ],
        )],
    )
}

fn plain_episode(title: &str) -> TimedScript {
    timed(
        title,
        "zh",
        Article::default(),
        &[("全文", &[("嘉宾", false, "这是一段没有原文链接的笔记。")])],
    )
}

/// Writes the audio at `dir/audio` and all four sidecars beside it.
fn render(dir: &Path, audio: &str, script: &TimedScript) -> PathBuf {
    let path = dir.join(audio);
    if audio.ends_with(".wav") {
        write_wav(&path);
    } else {
        write_encoded(&path);
    }
    write_sidecars(&path, script).unwrap();
    path
}

/// The folder the tests publish: a Chinese MP3 with a space in its name, an English M4A that
/// was also rendered as WAV, a WAV in a subfolder whose only sidecar is its script, and
/// chapter clips without sidecars.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    render(dir.path(), "修车铺 第1期.mp3", &chinese_episode());
    render(dir.path(), "bakery.m4a", &english_episode());
    write_wav(&dir.path().join("bakery.wav"));
    let notes = render(dir.path(), "notes/随笔.wav", &plain_episode("随笔"));
    let [chapters, srt, vtt, _] = recast::output::sidecar_paths(&notes);
    for sidecar in [chapters, srt, vtt] {
        std::fs::remove_file(sidecar).unwrap();
    }
    write_wav(&dir.path().join("clips/01-开场.wav"));
    dir
}

fn read_feed(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("feed.xml")).unwrap()
}

/// Each `<item>…</item>` of the feed's text by its GUID, as written.
fn items_by_guid(xml: &str) -> BTreeMap<String, String> {
    let document = roxmltree::Document::parse(xml).unwrap();
    document
        .descendants()
        .filter(|n| is(n, ("", "item")))
        .map(|item| {
            let guid = child_text(item, "guid").to_string();
            (guid, xml[item.range()].to_string())
        })
        .collect()
}

/// Whether `node` is the element `(namespace, name)`; "" is no namespace.
fn is(node: &roxmltree::Node, (namespace, name): (&str, &str)) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace().unwrap_or("") == namespace
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: (&str, &str)) -> roxmltree::Node<'a, 'i> {
    node.children()
        .find(|n| is(n, name))
        .unwrap_or_else(|| panic!("no {name:?} in {:?}", node.tag_name()))
}

fn children<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    name: (&str, &str),
) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| is(n, name)).collect()
}

fn has(node: roxmltree::Node, name: (&str, &str)) -> bool {
    node.children().any(|n| is(&n, name))
}

fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    child(node, ("", name)).text().unwrap_or("")
}

#[test]
fn the_feed_lists_every_episode_with_its_files() {
    let dir = folder();
    let summary = write_feed(dir.path(), &options()).unwrap();
    assert!(summary.changed);
    assert_eq!(summary.feed, dir.path().join("feed.xml"));

    let xml = read_feed(dir.path());
    let document = roxmltree::Document::parse(&xml).unwrap();
    let rss = document.root_element();
    assert_eq!(rss.attribute("version"), Some("2.0"));
    let channel = child(rss, ("", "channel"));

    // The channel.
    let dir_name = dir.path().file_name().unwrap().to_str().unwrap();
    assert_eq!(child_text(channel, "title"), dir_name);
    assert_eq!(child_text(channel, "link"), format!("{BASE}/"));
    assert!(!child_text(channel, "description").is_empty());
    assert_eq!(child_text(channel, "language"), "zh");
    assert!(child_text(channel, "generator").starts_with("recast "));
    let atom = child(channel, (ATOM_NS, "link"));
    assert_eq!(atom.attribute("rel"), Some("self"));
    assert_eq!(atom.attribute("href"), Some(&*format!("{BASE}/feed.xml")));
    assert_eq!(
        child(channel, (ITUNES_NS, "author")).text(),
        Some("城市手艺人")
    );
    assert_eq!(
        child(channel, (ITUNES_NS, "explicit")).text(),
        Some("false")
    );
    assert_eq!(
        child(channel, (ITUNES_NS, "image")).attribute("href"),
        Some("https://img.example.org/repair.jpg")
    );
    let podcast_guid = uuid::Uuid::new_v5(
        &uuid::Uuid::parse_str("ead4c236-bf58-58c6-a2c6-a6b28d128cb6").unwrap(),
        b"pods.example.org/recast/feed.xml",
    );
    assert_eq!(
        child(channel, (PODCAST_NS, "guid")).text(),
        Some(&*podcast_guid.to_string())
    );

    // The items, newest first: the notes are dated by their file (today), then the English
    // article (August), then the Chinese one (July).
    let items = children(channel, ("", "item"));
    let titles: Vec<_> = items.iter().map(|i| child_text(*i, "title")).collect();
    assert_eq!(
        titles,
        ["随笔", "Bread at Four in the Morning", "修车铺里的二十年"]
    );
    let listed: Vec<_> = summary.episodes.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(listed, titles);
    assert!(summary.episodes.iter().all(|e| e.added));
    let (notes, bakery, repair) = (items[0], items[1], items[2]);

    let enclosure = |item: roxmltree::Node| {
        let e = child(item, ("", "enclosure"));
        (
            e.attribute("url").unwrap().to_string(),
            e.attribute("length").unwrap().parse::<u64>().unwrap(),
            e.attribute("type").unwrap().to_string(),
        )
    };
    let size = |path: &str| std::fs::metadata(dir.path().join(path)).unwrap().len();
    assert_eq!(
        enclosure(repair),
        (
            format!("{BASE}/%E4%BF%AE%E8%BD%A6%E9%93%BA%20%E7%AC%AC1%E6%9C%9F.mp3"),
            size("修车铺 第1期.mp3"),
            "audio/mpeg".to_string()
        )
    );
    assert_eq!(
        enclosure(bakery),
        (
            format!("{BASE}/bakery.m4a"),
            size("bakery.m4a"),
            "audio/x-m4a".to_string()
        )
    );
    assert_eq!(
        enclosure(notes),
        (
            format!("{BASE}/notes/%E9%9A%8F%E7%AC%94.wav"),
            size("notes/随笔.wav"),
            "audio/wav".to_string()
        )
    );

    // Dates: the article's, in its zone (Chinese local time when it names none).
    assert_eq!(
        child_text(repair, "pubDate"),
        "Sat, 20 Jul 2024 12:18:00 +0800"
    );
    assert_eq!(
        child_text(bakery, "pubDate"),
        "Thu, 01 Aug 2024 09:00:00 +0000"
    );
    let notes_time = std::fs::metadata(dir.path().join("notes/随笔.wav"))
        .unwrap()
        .modified()
        .unwrap();
    let notes_date = chrono::DateTime::parse_from_rfc2822(child_text(notes, "pubDate")).unwrap();
    let notes_age = notes_time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - notes_date.timestamp();
    assert_eq!(notes_age, 0, "dated by the file");

    // Durations: the timing sidecar's, in whole seconds.
    let duration = |item| child(item, (ITUNES_NS, "duration")).text().unwrap();
    assert_eq!(duration(repair), "8"); // 6 sentences × 1.25 s + 0.4 s
    assert_eq!(duration(bakery), "4"); // 3 × 1.25 + 0.4
    assert_eq!(duration(notes), "2"); // 1.25 + 0.4 = 1.65
    for item in &items {
        assert_eq!(
            child(*item, (ITUNES_NS, "episodeType")).text(),
            Some("full")
        );
    }

    // GUIDs: distinct, not permalinks.
    let guids: Vec<_> = items.iter().map(|i| child_text(*i, "guid")).collect();
    assert_eq!(
        guids
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3
    );
    for item in &items {
        assert_eq!(
            child(*item, ("", "guid")).attribute("isPermaLink"),
            Some("false")
        );
    }

    // Links, covers and descriptions.
    assert_eq!(
        child_text(repair, "link"),
        "https://mp.weixin.qq.com/s/fixture-repair-shop"
    );
    assert!(!has(notes, ("", "link")));
    assert_eq!(
        child(repair, (ITUNES_NS, "image")).attribute("href"),
        Some("https://img.example.org/repair.jpg")
    );
    assert!(!has(bakery, (ITUNES_NS, "image")));
    let description = child_text(repair, "description");
    for part in ["林晓", "城市手艺人", "1. 开场", "2. 手艺", "合成语音"] {
        assert!(description.contains(part), "{part} in {description}");
    }
    let description = child_text(bakery, "description");
    assert!(description.contains("Sam Ortiz"), "{description}");
    assert!(description.contains("1. The night shift"), "{description}");

    // Chapters and transcripts, where the sidecars exist.
    let chapters = child(repair, (PODCAST_NS, "chapters"));
    assert_eq!(
        chapters.attribute("url"),
        Some(&*format!(
            "{BASE}/%E4%BF%AE%E8%BD%A6%E9%93%BA%20%E7%AC%AC1%E6%9C%9F.chapters.json"
        ))
    );
    assert_eq!(
        chapters.attribute("type"),
        Some("application/json+chapters")
    );
    let transcripts: Vec<_> = children(bakery, (PODCAST_NS, "transcript"))
        .into_iter()
        .map(|t| {
            (
                t.attribute("url").unwrap(),
                t.attribute("type").unwrap(),
                t.attribute("language").unwrap(),
                t.attribute("rel").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        transcripts,
        [
            (&*format!("{BASE}/bakery.vtt"), "text/vtt", "en", "captions"),
            (
                &*format!("{BASE}/bakery.srt"),
                "application/x-subrip",
                "en",
                "captions"
            ),
        ]
    );
    assert!(!has(notes, (PODCAST_NS, "chapters")));
    assert!(!has(notes, (PODCAST_NS, "transcript")));

    // People: the speakers in order, without recast's narrator.
    let people = |item| {
        children(item, (PODCAST_NS, "person"))
            .into_iter()
            .map(|p| (p.text().unwrap(), p.attribute("role").unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(people(repair), [("主持人", "host"), ("王师傅", "guest")]);
    assert_eq!(people(bakery), [("Interviewer", "host"), ("Dana", "guest")]);
    assert_eq!(people(notes), [("嘉宾", "guest")]);

    // What was left out, and why.
    let skipped: Vec<_> = summary
        .skipped
        .iter()
        .map(|s| (s.path.to_str().unwrap(), &s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "bakery.wav",
                &SkipReason::OtherFormat {
                    chosen: PathBuf::from("bakery.m4a")
                }
            ),
            (
                "clips/01-开场.wav",
                &SkipReason::NoScript {
                    script: PathBuf::from("clips/01-开场.script.json")
                }
            ),
        ]
    );
}

#[test]
fn running_again_keeps_every_item_and_adds_the_new_one() {
    let dir = folder();
    write_feed(dir.path(), &options()).unwrap();
    let first = read_feed(dir.path());

    // Nothing new: the same bytes, and the file is not rewritten.
    let summary = write_feed(dir.path(), &options()).unwrap();
    assert!(!summary.changed);
    assert!(summary.episodes.iter().all(|e| !e.added));
    assert_eq!(read_feed(dir.path()), first);

    // The undated notes rendered again, to another format too: their date and GUID stay.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    render(dir.path(), "notes/随笔.mp3", &plain_episode("随笔"));
    // A new episode, and the Chinese one re-rendered to M4A as well.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    render(dir.path(), "新一期.m4a", &plain_episode("新一期"));
    render(dir.path(), "修车铺 第1期.m4a", &chinese_episode());
    let summary = write_feed(dir.path(), &options()).unwrap();
    assert!(summary.changed);
    let added: Vec<_> = summary
        .episodes
        .iter()
        .filter(|e| e.added)
        .map(|e| e.title.as_str())
        .collect();
    assert_eq!(added, ["新一期"]);
    let second = read_feed(dir.path());

    let before = items_by_guid(&first);
    let after = items_by_guid(&second);
    assert_eq!(after.len(), 4);
    for (guid, item) in &before {
        let kept = &after[guid];
        if item.contains("随笔") {
            // Its enclosure is now the MP3; everything else is as it was.
            let old_date = item.split("<pubDate>").nth(1).unwrap();
            assert!(kept.contains(&old_date[..old_date.find('<').unwrap()]));
            assert!(kept.contains("%E9%9A%8F%E7%AC%94.mp3\""), "{kept}");
        } else {
            assert_eq!(kept, item, "an old item changed");
        }
    }
    let new = after
        .iter()
        .find(|(guid, _)| !before.contains_key(*guid))
        .unwrap()
        .1;
    assert!(new.contains("<title>新一期</title>"), "{new}");
    assert!(second.find("新一期").unwrap() < second.find("随笔").unwrap());

    // And once more: nothing changes.
    let summary = write_feed(dir.path(), &options()).unwrap();
    assert!(!summary.changed);
    assert_eq!(read_feed(dir.path()), second);
}

#[test]
fn the_feed_keeps_its_title_and_takes_a_given_one() {
    let dir = folder();
    let named = FeedOptions {
        title: Some("手艺人 & Friends".to_string()),
        description: Some("Conversations <read aloud>".to_string()),
        ..options()
    };
    write_feed(dir.path(), &named).unwrap();
    write_feed(dir.path(), &options()).unwrap();
    let xml = read_feed(dir.path());
    assert!(xml.contains("<title>手艺人 &amp; Friends</title>"), "{xml}");
    assert!(xml.contains("<description>Conversations &lt;read aloud&gt;</description>"));
}

#[test]
fn a_folder_without_episodes_is_refused_with_what_an_episode_is() {
    let dir = tempfile::tempdir().unwrap();
    let error = write_feed(dir.path(), &options()).unwrap_err();
    assert!(matches!(error, FeedError::NoEpisodes { skipped: 0, .. }));
    let message = error.to_string();
    assert!(message.contains("NAME.script.json"), "{message}");
    assert!(message.contains("recast render"), "{message}");

    write_wav(&dir.path().join("clips/01-a.wav"));
    let message = write_feed(dir.path(), &options()).unwrap_err().to_string();
    assert!(message.contains("has no script sidecar"), "{message}");
    assert!(!dir.path().join("feed.xml").exists());
}

#[test]
fn a_bad_base_url_or_sidecar_is_refused() {
    let dir = folder();
    let bad = FeedOptions {
        base_url: "pods.example.org".to_string(),
        ..options()
    };
    let message = write_feed(dir.path(), &bad).unwrap_err().to_string();
    assert!(message.contains("http:// or https://"), "{message}");

    std::fs::write(dir.path().join("bakery.script.json"), "{ not json").unwrap();
    let error = write_feed(dir.path(), &options()).unwrap_err();
    let FeedError::Sidecar { path, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(path, &dir.path().join("bakery.script.json"));
    assert!(error.to_string().contains("render the episode again"));
}
