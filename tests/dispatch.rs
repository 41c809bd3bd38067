//! The synthesis dispatch in a real render: sentences run on every worker while their
//! working memory fits the budget, and two very long ones never run together past it.

mod common;

use common::{real_data_dir, recast};

/// "at most N sentences in synthesis at once, needing ~X MB of working memory (budget B MB)"
fn peak_of(summary: &str) -> (usize, u64, u64) {
    let number_after = |marker: &str| -> u64 {
        let at = summary
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker:?}: {summary}"));
        summary[at + marker.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or_else(|_| panic!("no number after {marker:?}: {summary}"))
    };
    (
        number_after("at most ") as usize,
        number_after("needing ~"),
        number_after("(budget "),
    )
}

#[test]
fn two_very_long_sentences_and_a_thousand_short_ones_stay_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let long = |topic: &str| {
        // About 500 characters in one sentence: clauses joined by commas, no full stop.
        let clause = format!("the {topic} kept going over the hills and along the river");
        let mut text = clause.clone();
        while text.len() < 500 {
            text.push_str(", and ");
            text.push_str(&clause);
        }
        text + "."
    };
    let mut transcript = format!("Host: {}\n\nGuest: {}\n\n", long("road"), long("train"));
    for i in 0..1000 {
        let who = if i % 2 == 0 { "Host" } else { "Guest" };
        transcript.push_str(&format!("{who}: Number {i}.\n\n"));
    }
    let input = dir.path().join("long-and-short.md");
    std::fs::write(&input, transcript).unwrap();
    // joe needs ~18 MB a second of audio: each long sentence (~430 letters, ~31 s) ~560 MB,
    // a short one ~17 MB. A budget of 800 MB holds one long one and short ones, never both
    // long ones.
    let out = recast()
        .env("RECAST_HOME", real_data_dir())
        .arg("render")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join("out.wav"))
        .args([
            "--no-cache",
            "--no-announce",
            "--max-chars",
            "600",
            "--jobs",
            "2",
        ])
        .args(["--threads", "1", "--max-memory", "800"])
        .args([
            "--cast",
            "Host=en_US-joe-medium",
            "--cast",
            "Guest=en_US-joe-medium",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("synthesised 1002 of 1002 sentences"),
        "{stderr}"
    );
    let (at_once, peak, budget) = peak_of(&stderr);
    assert_eq!(budget, 800);
    assert_eq!(at_once, 2, "both workers ran together: {stderr}");
    assert!(peak <= budget, "{peak} MB in synthesis at once: {stderr}");
    assert!(
        peak > 560,
        "a long sentence ran beside a short one: {peak} MB"
    );
}
