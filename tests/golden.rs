//! Golden tests: every transcript in `tests/fixtures/transcripts/` (markdown, plain text in
//! any encoding recast detects, saved web pages) is read as `recast script` reads it into a
//! script whose pretty JSON must match `tests/golden/<fixture>.json`, and whose report
//! (encoding, speakers found and prefixes refused with why, lines not spoken with why and
//! the element they came from) must match `tests/golden/<fixture>.skipped.txt`.
//!
//! After an intended change, rewrite the golden files with
//! `RECAST_BLESS=1 cargo test --test golden` and review them with `git diff tests/golden`.

use recast::render::{InputOptions, LoadedInput, load_input};
use recast::script::{Script, ScriptFormat, looks_like_script};
use recast::transcript::Verdict;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/transcripts")
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/transcripts exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("md" | "txt" | "html")
            )
        })
        .collect();
    files.sort();
    files
}

fn script_of(path: &Path) -> (Script, LoadedInput) {
    let loaded = load_input(path, &InputOptions::default())
        .unwrap_or_else(|e| panic!("{}: reading failed: {e}", path.display()));
    (loaded.script.clone(), loaded)
}

fn skipped_report(loaded: &LoadedInput) -> String {
    let mut report = format!("read as {}, encoding {}\n", loaded.format, loaded.encoding);
    for d in &loaded.labels {
        let verdict = match d.verdict {
            Verdict::Speaker(why) => format!("speaker: {why}"),
            Verdict::Refused(why) => format!("not a speaker: {why}"),
        };
        report.push_str(&format!("{:>4} label {} -- {verdict}\n", d.line, d.name));
    }
    for s in &loaded.skipped {
        report.push_str(&format!(
            "{:>4} {:<32} {}",
            s.line,
            s.reason.to_string(),
            s.text
        ));
        if let Some(element) = &s.element {
            report.push_str(&format!("  [{element}]"));
        }
        report.push('\n');
    }
    report
}

/// Compares `actual` with the golden file, or rewrites it when `RECAST_BLESS=1`.
/// Returns a description of the mismatch, if any.
fn check_golden(golden: &Path, actual: &str) -> Option<String> {
    if std::env::var("RECAST_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(golden, actual).expect("golden file writable");
        return None;
    }
    let expected = match std::fs::read_to_string(golden) {
        Ok(s) => s,
        Err(_) => {
            return Some(format!(
                "{} is missing; create it with `RECAST_BLESS=1 cargo test --test golden`",
                golden.display()
            ));
        }
    };
    if expected == actual {
        return None;
    }
    let (exp_lines, act_lines): (Vec<&str>, Vec<&str>) =
        (expected.lines().collect(), actual.lines().collect());
    let first = (0..exp_lines.len().max(act_lines.len()))
        .find(|&i| exp_lines.get(i) != act_lines.get(i))
        .unwrap_or(0);
    Some(format!(
        "{} differs from the output, first at line {}:\n  expected: {}\n  actual:   {}\n\
         ({} expected lines, {} actual). If the change is intended, run \
         `RECAST_BLESS=1 cargo test --test golden` and review `git diff tests/golden`.",
        golden.display(),
        first + 1,
        exp_lines.get(first).unwrap_or(&"<end of file>"),
        act_lines.get(first).unwrap_or(&"<end of file>"),
        exp_lines.len(),
        act_lines.len(),
    ))
}

#[test]
fn fixtures_match_golden_files() {
    let files = fixtures();
    assert!(
        files.len() >= 3,
        "expected at least 3 fixtures, found {files:?}"
    );
    let mut failures = Vec::new();
    for path in &files {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 name");
        // A page and its markdown twin share a stem.
        let stem = match path.extension().and_then(|e| e.to_str()) {
            Some("html") => format!("{stem}-html"),
            _ => stem.to_string(),
        };
        let (script, t) = script_of(path);
        let json_golden = golden_dir().join(format!("{stem}.json"));
        failures.extend(check_golden(&json_golden, &script.to_json()));
        let skipped_golden = golden_dir().join(format!("{stem}.skipped.txt"));
        failures.extend(check_golden(&skipped_golden, &skipped_report(&t)));
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn golden_scripts_load_back_and_round_trip() {
    for path in fixtures() {
        let (script, _) = script_of(&path);
        let json = script.to_json();
        assert_eq!(Script::from_json_str(&json).expect("json loads"), script);
        let toml = script.to_toml().expect("toml writes");
        assert_eq!(
            Script::from_toml_str(&toml).expect("toml loads"),
            script,
            "{}",
            path.display()
        );
        assert!(looks_like_script(Path::new("x.json"), &json));
        assert_eq!(ScriptFormat::sniff(&json), Some(ScriptFormat::Json));
        assert_eq!(ScriptFormat::sniff(&toml), Some(ScriptFormat::Toml));
        let bytes = std::fs::read(&path).expect("fixture readable");
        let source = String::from_utf8_lossy(&bytes);
        assert!(!looks_like_script(&path, &source));
        assert!(!looks_like_script(Path::new("transcript"), &source));
    }
}

/// A WeChat article saved from the browser and the same article written as markdown read
/// as one script: title, metadata, chapters from bold-only paragraphs, turns from
/// `<strong>` labels (colon inside or outside, split over two spans), paragraphs joined.
#[test]
fn a_saved_wechat_page_and_its_markdown_twin_give_the_same_script() {
    let dir = fixtures_dir();
    let (page, read_page) = script_of(&dir.join("wechat-zh-saved-page.html"));
    let (twin, read_twin) = script_of(&dir.join("wechat-zh-saved-page.md"));
    assert_eq!(read_page.format, "HTML");
    assert_eq!(read_twin.format, "markdown");
    assert_eq!(page.to_json(), twin.to_json());
    assert_eq!(page.chapters.len(), 4);
    assert_eq!(page.speakers(), ["Narrator", "主持人", "苏禾"]);
    // What the page holds besides the article is listed with its element.
    let dropped = |element: &str| {
        read_page
            .skipped
            .iter()
            .any(|s| s.element.as_deref().is_some_and(|e| e.contains(element)))
    };
    for element in [
        "<script",
        "<style",
        "js_toobar3",
        "js_pc_qr_code",
        "js_tags",
        "<img",
    ] {
        assert!(dropped(element), "{element} is not listed as dropped");
    }
}

/// A GB18030 file and a Big5 file read as the text they hold, and say so.
#[test]
fn gb18030_and_big5_transcripts_are_detected() {
    let dir = fixtures_dir();
    let (gb, read_gb) = script_of(&dir.join("gb18030-zh-interview.txt"));
    assert!(
        read_gb.encoding.starts_with("gb18030"),
        "{}",
        read_gb.encoding
    );
    // 喆 is in GBK but not in GB2312: the file is read as GBK's superset.
    assert!(gb.metadata.values().any(|v| v.contains('喆')));
    assert_eq!(gb.speakers(), ["记者", "老陈"]);
    let (big5, read_big5) = script_of(&dir.join("big5-zh-interview.txt"));
    assert!(
        read_big5.encoding.starts_with("Big5"),
        "{}",
        read_big5.encoding
    );
    assert_eq!(big5.speakers(), ["主持人", "林老師"]);
}
