//! Golden tests: every transcript in `tests/fixtures/transcripts/` is parsed into a script
//! whose pretty JSON must match `tests/golden/<fixture>.json`, and whose skipped-line
//! report must match `tests/golden/<fixture>.skipped.txt`.
//!
//! After an intended change, rewrite the golden files with
//! `RECAST_BLESS=1 cargo test --test golden` and review them with `git diff tests/golden`.

use recast::script::{Script, ScriptFormat, looks_like_script};
use recast::transcript;
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
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt")))
        .collect();
    files.sort();
    files
}

fn script_of(path: &Path) -> (Script, transcript::Transcript) {
    let source = std::fs::read_to_string(path).expect("fixture readable");
    let t = transcript::parse(&source)
        .unwrap_or_else(|e| panic!("{}: parse failed: {e}", path.display()));
    let script = Script::from_transcript(&t)
        .unwrap_or_else(|e| panic!("{}: script failed: {e}", path.display()));
    (script, t)
}

fn skipped_report(t: &transcript::Transcript) -> String {
    t.skipped
        .iter()
        .map(|s| format!("{:>4} {:<32} {}\n", s.line, s.reason.to_string(), s.text))
        .collect()
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
        let source = std::fs::read_to_string(&path).expect("fixture readable");
        assert!(!looks_like_script(&path, &source));
        assert!(!looks_like_script(Path::new("transcript"), &source));
    }
}
