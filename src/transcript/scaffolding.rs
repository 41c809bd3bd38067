//! Article scaffolding: the editor's lines around a conversation that are not part of it
//! ("以下是中文全文整理：", "The following transcript has been edited for clarity.").

/// Longest paragraph taken for scaffolding: the editor's notes are one short line.
const MAX_CHARS: usize = 80;

/// Chinese openings that announce the text below (`以下是…整理：`, `下面是…全文`).
const ZH_ANNOUNCE: &[&str] = &["以下是", "以下为", "下面是", "下面为", "以下内容", "下文是"];

/// What the announced text is: a transcript, a translation, a conversation.
const ZH_WHAT: &[&str] = &[
    "全文",
    "整理",
    "实录",
    "文字稿",
    "文字版",
    "对话",
    "访谈",
    "采访",
    "翻译",
    "编译",
    "正文",
    "原文",
    "内容",
];

/// Notes on how the text was edited, wherever they stand in the line.
const ZH_EDITED: &[&str] = &[
    "有删节",
    "有删减",
    "经过编辑",
    "经编辑",
    "略有删改",
    "略有删减",
    "为便于阅读",
    "全文如下",
    "内容如下",
    "整理如下",
    "未经本人审阅",
    "经本人审阅",
];

/// English phrasings of the same notes, lower case.
const EN: &[&str] = &[
    "the following transcript",
    "the following interview",
    "the following conversation",
    "the following is a transcript",
    "the following is an edited",
    "this transcript has been edited",
    "this interview has been edited",
    "this conversation has been edited",
    "has been edited for length",
    "has been edited for clarity",
    "have been edited for length",
    "edited for length and clarity",
    "edited for clarity and length",
    "lightly edited",
    "edited and condensed",
    "condensed and edited",
    "full transcript below",
    "transcript below",
    "below is a transcript",
    "below is the transcript",
    "below is an edited transcript",
];

/// Labels that open an editor's note (`编者按：…`): the note is the article's own
/// introduction, read by the narrator, and the label is not a speaker.
const NOTE_LABELS: &[&str] = &[
    "编者按",
    "编者注",
    "编按",
    "编辑按",
    "编者的话",
    "editor's note",
    "editor’s note",
    "editors' note",
];

/// A paragraph sorted sentence by sentence into what is read and what is the editor's
/// scaffolding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sifted {
    /// What introduces the episode, to be read; empty when the paragraph is all scaffolding.
    pub(crate) kept: String,
    /// The note's label and each scaffolding sentence, as written.
    pub(crate) dropped: Vec<String>,
}

/// Sorts a paragraph (cleaned, unlabelled) into the sentences to read and the editor's
/// scaffolding (`以下内容根据录音整理，有删节。`), sentence by sentence, so a note that
/// introduces the guest keeps its introduction. `None` when nothing in it is scaffolding.
///
/// `intro` says the paragraph stands before the conversation, where editor's notes stand:
/// only there, or under a note's label, is a longer paragraph sifted by the sentence; in
/// the conversation only a short paragraph that is wholly a note is, as a speaker's
/// "以下是我的三点看法" must stay.
pub(crate) fn sift(paragraph: &str, intro: bool) -> Option<Sifted> {
    let text = paragraph.trim();
    let (label, body) = match note_label(text) {
        Some((label, body)) => (Some(label), body),
        None => (None, text),
    };
    if label.is_none() && !intro {
        return is_scaffolding(text).then(|| Sifted {
            kept: String::new(),
            dropped: vec![text.to_string()],
        });
    }
    let mut kept = String::new();
    let mut dropped: Vec<String> = label.map(str::to_string).into_iter().collect();
    for sentence in sentences(body) {
        if is_scaffolding(sentence) {
            dropped.push(sentence.trim().to_string());
        } else {
            kept.push_str(sentence);
        }
    }
    let kept = kept.trim().to_string();
    if dropped.is_empty() || (label.is_some() && dropped.len() == 1 && kept.is_empty()) {
        // Nothing to drop, or a label with nothing after it: the line is read as written.
        return None;
    }
    Some(Sifted { kept, dropped })
}

/// `编者按：rest` → (`编者按：`, `rest`).
fn note_label(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(['：', ':'])?;
    let name = text[..colon].trim().trim_matches(['【', '】', '[', ']']);
    if !NOTE_LABELS.iter().any(|l| name.eq_ignore_ascii_case(l)) {
        return None;
    }
    let after = colon + text[colon..].chars().next()?.len_utf8();
    Some((&text[..after], &text[after..]))
}

/// The sentences of a paragraph as slices that together make it up: each ends after its
/// terminal punctuation (。！？!?…; or `.` before a space) and any closing quotes or
/// brackets after it.
fn sentences(text: &str) -> Vec<&str> {
    const CLOSERS: &[char] = &['”', '’', '"', '\'', '）', ')', '】', ']', '」', '』', '》'];
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends = match c {
            '。' | '！' | '？' | '!' | '?' | '；' | ';' => true,
            '.' => chars.peek().is_none_or(|(_, next)| next.is_whitespace()),
            _ => false,
        };
        if !ends {
            continue;
        }
        let mut end = at + c.len_utf8();
        while let Some(&(next_at, next)) = chars.peek() {
            if CLOSERS.contains(&next) || matches!(next, '。' | '！' | '？' | '!' | '?' | '.' | '…')
            {
                end = next_at + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        // Spaces after a sentence belong to it, so the pieces rejoin as written.
        while let Some(&(next_at, next)) = chars.peek() {
            if next.is_whitespace() {
                end = next_at + next.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        out.push(&text[start..end]);
        start = end;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// True when a paragraph or sentence (cleaned, unlabelled, the whole of it) is the
/// editor's note about the text rather than part of the conversation.
pub(crate) fn is_scaffolding(paragraph: &str) -> bool {
    let text = paragraph
        .trim()
        .trim_start_matches(['（', '(', '【', '['])
        .trim_end_matches(['）', ')', '】', ']']);
    if text.is_empty() || text.chars().count() > MAX_CHARS {
        return false;
    }
    let announces =
        ZH_ANNOUNCE.iter().any(|a| text.starts_with(a)) && ZH_WHAT.iter().any(|w| text.contains(w));
    if announces || ZH_EDITED.iter().any(|e| text.contains(e)) {
        return true;
    }
    let lower = text.to_lowercase();
    EN.iter().any(|p| lower.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_notes_are_scaffolding() {
        for note in [
            "以下是中文全文整理：",
            "以下为对话实录，有删节。",
            "下面是访谈全文：",
            "（本文经过编辑，为便于阅读略有删改）",
            "The following transcript has been edited for length and clarity.",
            "This interview has been lightly edited and condensed.",
            "Full transcript below.",
        ] {
            assert!(is_scaffolding(note), "{note}");
        }
    }

    #[test]
    fn a_note_that_introduces_the_guest_keeps_its_introduction() {
        let sifted = sift(
            "编者按：本期我们请来一位种了二十年茶的茶农，聊聊山里的春天。以下内容根据录音整理，有删节。",
            true,
        )
        .expect("part of it is scaffolding");
        assert_eq!(
            sifted.kept,
            "本期我们请来一位种了二十年茶的茶农，聊聊山里的春天。"
        );
        assert_eq!(
            sifted.dropped,
            ["编者按：", "以下内容根据录音整理，有删节。"]
        );

        let sifted = sift(
            "Editor's note: Our guest keeps bees on a city roof. This transcript has been edited for clarity.",
            true,
        )
        .unwrap();
        assert_eq!(sifted.kept, "Our guest keeps bees on a city roof.");
        assert_eq!(sifted.dropped.len(), 2);
    }

    #[test]
    fn a_note_that_is_all_scaffolding_keeps_nothing() {
        let sifted = sift("以下是对话实录。（有删节）", true).unwrap();
        assert_eq!(sifted.kept, "");
        assert_eq!(sifted.dropped, ["以下是对话实录。", "（有删节）"]);
    }

    #[test]
    fn introductions_without_scaffolding_are_left_alone() {
        assert_eq!(sift("本期嘉宾是一位养蜂人。她住在城里。", true), None);
        // A note's label is not a speaker: the note is read by the narrator.
        let sifted = sift("编者按：本期嘉宾是一位养蜂人。", true).unwrap();
        assert_eq!(sifted.kept, "本期嘉宾是一位养蜂人。");
        assert_eq!(sifted.dropped, ["编者按："]);
        assert_eq!(sift("编者按：", true), None);
    }

    #[test]
    fn in_the_conversation_only_a_whole_short_note_is_scaffolding() {
        let long_turn = format!(
            "{}以下内容有删节的部分我们下次再聊。",
            "我们先说春天的茶。".repeat(10)
        );
        assert_eq!(sift(&long_turn, false), None);
        assert!(sift(&long_turn, true).is_some());
        assert!(sift("以下为对话实录，有删节。", false).is_some());
    }

    #[test]
    fn sentences_rejoin_as_written() {
        for text in [
            "第一句。“第二句！”第三句？没有句号",
            "One. Two? Three!  Four",
            "3.5 percent is not a sentence end.",
        ] {
            assert_eq!(sentences(text).concat(), text);
        }
        assert_eq!(sentences("3.5 percent. Next").len(), 2);
    }

    #[test]
    fn conversation_is_not_scaffolding() {
        for line in [
            "以下是我的三点看法：第一，慢一点。",
            "下面我们聊聊天气。",
            "我们接下来会整理一份清单。",
            "The following year we moved to Toronto.",
            "I edited the film myself.",
            // Long paragraphs are speech, whatever they say.
            &"以下是全文整理，".repeat(12),
        ] {
            assert!(!is_scaffolding(line), "{line}");
        }
    }
}
