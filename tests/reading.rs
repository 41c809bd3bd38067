//! Transcripts as users have them, through the binary: saved web pages, GB18030 and Big5
//! files, `--encoding`, labels used once, `--speakers` / `--not-speakers`, and what
//! `script --explain` says about each.

use predicates::prelude::*;
use recast::output::read_chapters;

mod common;
use common::{fixture, real_data_dir, recast};

fn transcript(name: &str) -> std::path::PathBuf {
    fixture(&format!("transcripts/{name}"))
}

/// The script `recast script` prints for a file, with these extra arguments.
fn script_json(name: &str, args: &[&str]) -> serde_json::Value {
    let out = recast()
        .arg("script")
        .arg(transcript(name))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn turns(script: &serde_json::Value) -> Vec<(String, String)> {
    script["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["turns"].as_array().unwrap().clone())
        .map(|t| {
            (
                t["speaker"].as_str().unwrap().to_string(),
                t["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn explain_names_the_page_furniture_it_dropped_and_the_speakers_it_found() {
    recast()
        .args(["script", "--explain"])
        .arg(transcript("wechat-zh-saved-page.html"))
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\"title\": \"在屋顶上种出一片菜园",
        ))
        .stderr(predicate::str::contains("read as HTML, encoding UTF-8"))
        .stderr(predicate::str::contains("苏禾"))
        .stderr(predicate::str::contains("a bold label"))
        .stderr(predicate::str::contains("[<div id=\"js_pc_qr_code\""))
        .stderr(predicate::str::contains("[<script>]"))
        .stderr(predicate::str::contains("article scaffolding"));
}

/// HTML is HTML whatever the file is called.
#[test]
fn a_page_saved_without_an_html_extension_is_still_read_as_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("article.txt");
    std::fs::copy(transcript("wechat-zh-saved-page.html"), &renamed).unwrap();
    let as_txt = recast().arg("script").arg(&renamed).output().unwrap();
    let as_html = recast()
        .arg("script")
        .arg(transcript("wechat-zh-saved-page.html"))
        .output()
        .unwrap();
    assert!(as_txt.status.success());
    assert_eq!(as_txt.stdout, as_html.stdout);
}

/// A page of 200,000 nested `<div>`s (2.2 MB) took minutes to read, and from 40,000 levels
/// on the reader overflowed the main thread's stack: it is refused at once, saying where and
/// what to do instead.
#[test]
fn a_page_nested_200000_deep_is_refused_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("deep.html");
    let depth = 200_000;
    std::fs::write(
        &page,
        format!(
            "<html><body>\n<div id=js_content>\n{}<p>主持人：你好。</p>{}</div></body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        ),
    )
    .unwrap();
    recast()
        .arg("script")
        .arg(&page)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "deep.html: the page nests its elements",
        ))
        .stderr(predicate::str::contains("more than 512 deep"))
        .stderr(predicate::str::contains("<div> on line 3"))
        .stderr(predicate::str::contains(".txt or .md file"));
}

#[test]
fn legacy_chinese_encodings_are_detected_and_can_be_named() {
    recast()
        .args(["script", "--explain"])
        .arg(transcript("gb18030-zh-interview.txt"))
        .assert()
        .success()
        .stdout(predicate::str::contains("老陈"))
        .stderr(predicate::str::contains("encoding gb18030 (detected"));
    let detected = script_json("big5-zh-interview.txt", &[]);
    let named = script_json("big5-zh-interview.txt", &["--encoding", "big5"]);
    assert_eq!(detected, named);
    assert!(turns(&named).iter().any(|(s, _)| s == "林老師"));
    // Named wrongly: refused, with where and what to do, not read as nonsense.
    recast()
        .args(["script", "--encoding", "utf-8"])
        .arg(transcript("big5-zh-interview.txt"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("big5-zh-interview.txt:1:"))
        .stderr(predicate::str::contains("not valid UTF-8"))
        .stderr(predicate::str::contains("--encoding"));
    recast()
        .args(["script", "--encoding", "klingon"])
        .arg(transcript("big5-zh-interview.txt"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("not an encoding recast knows"));
}

#[test]
fn latin1_is_refused_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("cafe.md");
    std::fs::write(&latin1, b"Host: Welcome to the caf\xE9.\n\nHost: Bye.\n").unwrap();
    recast()
        .arg("script")
        .arg(&latin1)
        .assert()
        .failure()
        .stderr(predicate::str::contains("cafe.md:1:25"))
        .stderr(predicate::str::contains("--encoding"));
    recast()
        .args(["script", "--encoding", "windows-1252"])
        .arg(&latin1)
        .assert()
        .success()
        .stdout(predicate::str::contains("Welcome to the café."));
}

#[test]
fn labels_used_once_speak_in_a_dialogue_and_the_user_can_say_otherwise() {
    let dialogue = script_json("dialogue-one-time-labels.md", &[]);
    let speakers: Vec<String> = turns(&dialogue).into_iter().map(|(s, _)| s).collect();
    assert_eq!(speakers, ["甲", "乙"]);
    let overruled = script_json("dialogue-one-time-labels.md", &["--not-speakers", "甲,乙"]);
    assert!(turns(&overruled).iter().all(|(s, _)| s == "Narrator"));
    // The audience question is its own speaker's; the prose colon stays in the turn.
    let interview = script_json("interview-audience-question.md", &[]);
    let turns = turns(&interview);
    let question = turns.iter().position(|(s, _)| s == "观众提问").unwrap();
    assert_eq!(turns[question + 1].0, "王工");
    assert!(
        turns
            .iter()
            .any(|(s, t)| s == "王工" && t.contains("我的经验是："))
    );
}

#[test]
fn explain_lists_refused_prefixes_and_speakers_named_by_the_user() {
    recast()
        .args(["script", "--explain", "--speakers", "Audience member"])
        .arg(transcript("not-speaker-prefixes.md"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "label-like prefixes not taken as speakers",
        ))
        .stderr(predicate::str::contains("比如"))
        .stderr(predicate::str::contains(
            "a word that opens a note or an example",
        ));
    let forced = script_json("not-speaker-prefixes.md", &["--speakers", "比如"]);
    assert!(turns(&forced).iter().any(|(s, _)| s == "比如"));
    recast()
        .args(["script", "--speakers", "甲", "--not-speakers", "甲"])
        .arg(transcript("dialogue-one-time-labels.md"))
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "both in --speakers and in --not-speakers",
        ));
}

/// A saved page renders to an episode whose chapters are the article's sections, in the
/// real neural voices.
#[test]
fn a_saved_page_renders_with_its_sections_as_chapters() {
    let data = real_data_dir();
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("page.wav");
    recast()
        .env("RECAST_HOME", &data)
        .arg("render")
        .arg(transcript("wechat-zh-saved-page.html"))
        .arg("-o")
        .arg(&wav)
        .args(["--no-sidecars", "--quiet"])
        .assert()
        .success();
    let info = read_chapters(&wav).unwrap();
    let titles: Vec<&str> = info.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "引言",
            "从一只泡沫箱开始",
            "土、虫子和邻居",
            "收获之外的东西"
        ]
    );
    let seconds = info.frames as f64 / f64::from(info.sample_rate);
    assert!((60.0..600.0).contains(&seconds), "{seconds} s");
}

/// A page saved in GBK (as older Chinese sites serve them) reads as the UTF-8 page does.
#[test]
fn a_page_in_gbk_reads_as_the_same_page_in_utf8() {
    let page = std::fs::read_to_string(transcript("wechat-zh-saved-page.html")).unwrap();
    let page = page.replace("charset=\"utf-8\"", "charset=\"gbk\"");
    let (gbk, _, unmappable) = encoding_rs::GB18030.encode(&page);
    assert!(!unmappable);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("page.htm");
    std::fs::write(&saved, &gbk).unwrap();
    let from_gbk = recast().arg("script").arg(&saved).output().unwrap();
    assert!(from_gbk.status.success());
    let from_utf8 = script_json("wechat-zh-saved-page.html", &[]);
    let from_gbk: serde_json::Value = serde_json::from_slice(&from_gbk.stdout).unwrap();
    assert_eq!(from_gbk, from_utf8);
}
