//! Turns a turn's text into speakable sentences: light normalisation, sentence splitting, and
//! splitting of over-long sentences so that no single model call gets an unbounded input.
//!
//! Nothing is silently dropped: every non-space character of a turn lands in exactly one
//! piece, and pieces with nothing speakable in them are returned as such so the caller can
//! report them.

pub mod espeak;
pub mod kokoro;
pub mod phonetic;
pub mod zh;

/// Upper bound, in characters, of the text handed to one model call. Piper's and FastSpeech2's
/// cost and memory grow with input length, and very long inputs drift in prosody.
pub const DEFAULT_MAX_CHARS: usize = 160;

/// About how long `text` takes to say, in seconds, before any voice has said it: 0.25 s a
/// Han character (Kokoro on the user's interview: 3,344 of them, 14:35 of audio with the
/// English), 0.072 s a Latin letter (joe on the English benchmark: 3,703 letters, 266 s), a
/// digit as a syllable. What the synthesis dispatch sizes a sentence's working memory by.
pub fn spoken_seconds(text: &str) -> f64 {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                0.072
            } else if c.is_ascii_digit() || (c.is_alphabetic() && !c.is_ascii()) {
                0.25
            } else {
                0.0
            }
        })
        .sum()
}

/// One piece of a turn, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    pub text: String,
    /// False when the piece holds no letter or digit (stray punctuation, emoji): it is kept
    /// for the record but not sent to a voice.
    pub speakable: bool,
}

/// Abbreviations after which a full stop does not end an English sentence (lower case).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "fig", "no",
    "inc", "ltd", "co", "corp", "dept", "approx", "u.s", "u.k", "a.m", "p.m", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "gen", "gov",
];

/// Splits text into sentences, then bounds each by `max_chars`.
pub fn sentences(text: &str, max_chars: usize) -> Vec<Sentence> {
    let max_chars = max_chars.max(8);
    split_sentences(&normalise(text))
        .into_iter()
        .flat_map(|s| bound_length(&s, max_chars))
        .map(|text| Sentence {
            speakable: is_speakable(&text),
            text,
        })
        .collect()
}

/// Splits a sentence after its first clause (at a comma, semicolon or colon), for a live
/// preview that should start speaking before a whole long sentence is synthesised. `None`
/// when the sentence is short or the first clause is too short to be said on its own (a
/// clause of at least `min_words` words, or twice as many Chinese characters, with at least
/// as much after it).
pub fn split_first_clause(sentence: &str, min_words: usize) -> Option<(String, String)> {
    let weight = |s: &str| {
        let words = s.split_whitespace().filter(|w| is_speakable(w)).count();
        let han = s.chars().filter(|&c| is_han(c)).count();
        words.max(han / 2)
    };
    let (at, mark) = sentence
        .char_indices()
        .filter(|&(_, c)| matches!(c, ',' | ';' | ':' | '，' | '、' | '；' | '：'))
        .find(|&(i, _)| weight(&sentence[..i]) >= min_words)?;
    let head = sentence[..at + mark.len_utf8()].trim();
    let tail = sentence[at + mark.len_utf8()..].trim();
    (weight(tail) >= min_words).then(|| (head.to_string(), tail.to_string()))
}

/// A Chinese (Han) character.
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

/// Normalisation shared by every voice: unify whitespace, drop zero-width characters, and
/// turn leftover markdown emphasis markers into nothing.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' => {}
            '\u{a0}' | '\u{3000}' | '\t' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn is_speakable(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

fn is_cjk_terminator(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '…' | '｡' | '!' | '?' | ';')
}

/// Closing marks that belong to the sentence they follow: `他说：“好。”` ends after `”`.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '」' | '』' | '）' | ')' | '】' | '》' | ']' | '…'
    )
}

fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            push_piece(&mut out, &mut current);
            i += 1;
            continue;
        }
        current.push(c);
        let ends = if is_cjk_terminator(c) {
            true
        } else if c == '.' {
            full_stop_ends_sentence(&chars, i)
        } else {
            false
        };
        if ends {
            // Keep runs such as "?!", "……" and closing quotes with the sentence.
            while i + 1 < chars.len()
                && (is_cjk_terminator(chars[i + 1])
                    || chars[i + 1] == '.'
                    || is_closing(chars[i + 1]))
            {
                i += 1;
                current.push(chars[i]);
            }
            push_piece(&mut out, &mut current);
        }
        i += 1;
    }
    push_piece(&mut out, &mut current);
    out
}

fn push_piece(out: &mut Vec<String>, current: &mut String) {
    let piece = current.trim();
    if !piece.is_empty() {
        out.push(piece.to_string());
    }
    current.clear();
}

/// A '.' ends a sentence unless it sits inside a number (3.5), a dotted abbreviation
/// (e.g., U.S.), an ellipsis "..." mid-flow, or follows a known abbreviation (Dr.).
fn full_stop_ends_sentence(chars: &[char], at: usize) -> bool {
    let prev = at.checked_sub(1).map(|p| chars[p]);
    let next = chars.get(at + 1).copied();
    if let (Some(p), Some(n)) = (prev, next) {
        if p.is_ascii_digit() && n.is_ascii_digit() {
            return false;
        }
        // "e.g" / "U.S": a letter directly after the dot continues the token.
        if p.is_alphanumeric() && n.is_alphanumeric() {
            return false;
        }
    }
    // The word before the dot, including inner dots ("e.g", "u.s").
    let mut start = at;
    while start > 0 && (chars[start - 1].is_ascii_alphabetic() || chars[start - 1] == '.') {
        start -= 1;
    }
    let word: String = chars[start..at].iter().collect::<String>().to_lowercase();
    if ABBREVIATIONS.contains(&word.as_str()) {
        return false;
    }
    // A single capital initial ("J. Hinton") is not an ending either.
    if word.len() == 1 && chars[start].is_ascii_uppercase() {
        return false;
    }
    // A dot must be followed by space, a quote or the end to end a sentence ("example.com").
    match next {
        None => true,
        Some(n) => n.is_whitespace() || is_closing(n) || !n.is_ascii(),
    }
}

/// Splits a sentence longer than `max` characters at clause marks (，、；：, ;:), then at
/// spaces, then anywhere, keeping every character.
fn bound_length(sentence: &str, max: usize) -> Vec<String> {
    if sentence.chars().count() <= max {
        return vec![sentence.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for clause in split_keeping(sentence, |c| {
        matches!(c, '，' | '、' | '；' | '：' | ',' | ';' | ':')
    }) {
        let len = clause.chars().count();
        if current_len + len > max && current_len > 0 {
            pieces.push(std::mem::take(&mut current));
            current_len = 0;
        }
        if len > max {
            for part in split_by_length(&clause, max) {
                pieces.push(part);
            }
        } else {
            current.push_str(&clause);
            current_len += len;
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn split_keeping(text: &str, is_mark: impl Fn(char) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if is_mark(c) {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Last resort for a clause with no punctuation: cut at the last space before the limit, or
/// at the limit itself (CJK text has no spaces).
fn split_by_length(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut end = (start + max).min(chars.len());
        if end < chars.len()
            && let Some(space) = (start + max / 2..end).rev().find(|&i| chars[i] == ' ')
        {
            end = space + 1;
        }
        out.push(chars[start..end].iter().collect());
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoken_seconds_follow_the_script_of_the_text() {
        let english = spoken_seconds("Hello there, friend.");
        assert!((english - 16.0 * 0.072).abs() < 1e-9, "{english}");
        let chinese = spoken_seconds("我们今天聊一聊。");
        assert!((chinese - 7.0 * 0.25).abs() < 1e-9, "{chinese}");
        assert!((spoken_seconds("2017年") - 1.25).abs() < 1e-9);
        assert_eq!(spoken_seconds("… —"), 0.0);
    }

    fn texts(text: &str) -> Vec<String> {
        sentences(text, DEFAULT_MAX_CHARS)
            .into_iter()
            .map(|s| s.text)
            .collect()
    }

    fn squash(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn chinese_terminators_split() {
        assert_eq!(
            texts("我出生在俄罗斯。你呢？真的！好；嗯……然后呢"),
            [
                "我出生在俄罗斯。",
                "你呢？",
                "真的！",
                "好；",
                "嗯……",
                "然后呢"
            ]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(
            texts("他说：“这很有趣。”然后走了。"),
            ["他说：“这很有趣。”", "然后走了。"]
        );
        assert_eq!(
            texts("He said \"yes.\" Then left."),
            ["He said \"yes.\"", "Then left."]
        );
    }

    #[test]
    fn full_stops_in_numbers_and_abbreviations_do_not_split() {
        assert_eq!(
            texts("GPT-3.5 came out. Dr. Smith and Mr. Jones met at 3.30 p.m. today. Next!"),
            [
                "GPT-3.5 came out.",
                "Dr. Smith and Mr. Jones met at 3.30 p.m. today.",
                "Next!"
            ]
        );
        assert_eq!(
            texts("See e.g. the U.S. case. Done."),
            ["See e.g. the U.S. case.", "Done."]
        );
        assert_eq!(
            texts("Visit example.com today."),
            ["Visit example.com today."]
        );
        assert_eq!(texts("I met J. Hinton there."), ["I met J. Hinton there."]);
    }

    #[test]
    fn paragraph_breaks_split() {
        assert_eq!(texts("第一段\n第二段"), ["第一段", "第二段"]);
    }

    #[test]
    fn long_sentences_are_bounded_and_nothing_is_lost() {
        let long = "这是一个很长的句子，".repeat(40) + "没有结束";
        let pieces = sentences(&long, 50);
        assert!(pieces.len() > 5);
        assert!(pieces.iter().all(|p| p.text.chars().count() <= 50));
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(squash(&joined), squash(&long));

        let no_marks = "字".repeat(130);
        let pieces = sentences(&no_marks, 50);
        assert_eq!(pieces.len(), 3);
        assert_eq!(
            pieces.iter().map(|p| p.text.chars().count()).sum::<usize>(),
            130
        );

        let words = "word ".repeat(100);
        let pieces = sentences(&words, 60);
        assert!(pieces.iter().all(|p| p.text.chars().count() <= 60));
        assert!(pieces.iter().all(|p| !p.text.starts_with("ord")));
        assert_eq!(
            squash(&pieces.iter().map(|p| p.text.clone()).collect::<String>()),
            squash(&words)
        );
    }

    #[test]
    fn unspeakable_pieces_are_kept_and_flagged() {
        let pieces = sentences("好的。……👇👇\n。", 100);
        assert!(pieces.iter().any(|p| !p.speakable));
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(squash(&joined), squash("好的。……👇👇。"));
    }

    #[test]
    fn odd_input_never_panics() {
        for input in [
            "",
            " ",
            ".",
            "...",
            "。。。",
            "a.",
            ".a",
            "\n\n",
            "3.",
            "e.g.",
            "’”",
        ] {
            let pieces = sentences(input, 10);
            let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
            assert_eq!(squash(&joined), squash(input), "input {input:?}");
        }
    }

    #[test]
    fn a_long_sentence_splits_after_its_first_full_clause() {
        let (head, tail) = split_first_clause(
            "The kettle clicked off in the next room, and she poured the tea by the window.",
            4,
        )
        .unwrap();
        assert_eq!(head, "The kettle clicked off in the next room,");
        assert_eq!(tail, "and she poured the tea by the window.");
        // "Well," is too short to be said alone: the next comma is taken.
        let (head, _) = split_first_clause(
            "Well, the rain had stopped at last, and the street shone.",
            4,
        )
        .unwrap();
        assert_eq!(head, "Well, the rain had stopped at last,");
        let (head, tail) =
            split_first_clause("我们今天聊一聊这种模型，它为什么会这么有效。", 4).unwrap();
        assert_eq!(
            (head.as_str(), tail.as_str()),
            ("我们今天聊一聊这种模型，", "它为什么会这么有效。")
        );
        assert_eq!(split_first_clause("No comma in this one at all.", 4), None);
        assert_eq!(
            split_first_clause("A long first clause of words, then one.", 4),
            None
        );
    }
}
