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

/// True when a paragraph (cleaned, unlabelled, the whole of it) is the editor's note
/// about the text rather than part of the conversation.
pub(crate) fn is_scaffolding(paragraph: &str) -> bool {
    let text = paragraph.trim();
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
