//! Speaker labels: which words before a colon name a speaker, and why a prefix is not one.

use super::is_cjk;
use super::markdown::{clean_inline, split_colon};

/// Words that are followed by a colon in ordinary prose and are never speaker names.
pub(crate) const NOT_NAMES: &[&str] = &[
    "注意",
    "注",
    "提示",
    "备注",
    "说明",
    "注释",
    "编者按",
    "编者注",
    "按",
    "译者注",
    "译注",
    "总结",
    "结论",
    "背景",
    "例如",
    "比如",
    "譬如",
    "另外",
    "首先",
    "其次",
    "然后",
    "最后",
    "总之",
    "重点",
    "要点",
    "原因",
    "结果",
    "答案",
    "目标",
    "时间",
    "地点",
    "地址",
    "来源",
    "摘要",
    "导读",
    "前言",
    "简介",
    "关键词",
    "标签",
    "日期",
    "作者",
    "链接",
    "原文",
    "问题",
    "提醒",
    "特别提醒",
    "温馨提示",
    "声明",
    "免责声明",
    "举例",
    "比方说",
    "换句话说",
    "也就是说",
    "简而言之",
    "事实上",
    "其实",
    "所以",
    "因此",
    "但是",
    "不过",
    "而且",
    "那么",
    "以下",
    "如下",
    "附",
    "附录",
    "参考",
    "参考资料",
    "图",
    "图片",
    "视频",
    "音频",
    "来源于",
    "note",
    "notes",
    "nb",
    "ps",
    "p.s",
    "p.s.",
    "update",
    "updated",
    "edit",
    "edited",
    "example",
    "examples",
    "e.g",
    "e.g.",
    "i.e",
    "i.e.",
    "warning",
    "tip",
    "tips",
    "disclaimer",
    "editor's note",
    "summary",
    "source",
    "sources",
    "related",
    "see also",
    "important",
    "caution",
    "hint",
    "reminder",
    "background",
    "context",
    "bottom line",
    "result",
    "results",
    "conclusion",
    "in short",
    "http",
    "https",
    "ftp",
    "mailto",
    "step",
    "figure",
    "fig",
    "table",
    "image",
    "photo",
    "video",
    "audio",
    "transcript",
];

/// Label words that name a role; accepted as speakers even when they appear only once.
const ROLE_NAMES: &[&str] = &[
    "主持人",
    "嘉宾",
    "记者",
    "采访者",
    "受访者",
    "访谈者",
    "提问者",
    "提问",
    "问",
    "答",
    "观众",
    "旁白",
    "主播",
    "q",
    "a",
    "host",
    "co-host",
    "cohost",
    "guest",
    "interviewer",
    "interviewee",
    "moderator",
    "audience",
    "narrator",
    "question",
    "answer",
    "reporter",
];

/// Endings that mark a quote introduction in prose (`他说：…`, `she said: …`).
const SPEECH_VERB_ENDINGS: &[&str] = &[
    "说",
    "道",
    "表示",
    "指出",
    "认为",
    "提到",
    "问道",
    "写道",
    "回答",
    "称",
    "强调",
    "介绍",
    " said",
    " says",
    " asked",
    " asks",
    " wrote",
    " writes",
    " notes",
    " noted",
    " added",
    " adds",
    " explains",
    " explained",
    " replied",
    " replies",
];

/// Characters that never occur in a speaker name (sentence punctuation, quotes, markup).
const NOT_IN_NAMES: &str = "。，、；！？!?;,\"“”「」『』《》<>/\\|=+*#@$%^&{}[]~`:：…";

/// Returns the speaker name if `raw` (the part before a colon, markup included) looks
/// like a name: at most 12 CJK characters or 3 Latin words (≤ 4 tokens, ≤ 32 characters
/// in all), no sentence punctuation, at least one letter, not a prose word such as
/// `注意`/`Note`, not a quote introduction such as `他说`. A parenthetical role is
/// dropped (`Ilya（OpenAI）` -> `Ilya`), as are `【】` around the name.
pub(crate) fn name_like(raw: &str) -> Option<String> {
    if raw.chars().nth(64).is_some() {
        return None;
    }
    let mut name = clean_inline(raw);
    if let Some(inner) = name.strip_prefix('【').and_then(|n| n.strip_suffix('】')) {
        name = inner.trim().to_string();
    }
    // Drop a trailing parenthetical: "Ilya (OpenAI)" / "李明（主持人）".
    for (open, close) in [('(', ')'), ('（', '）')] {
        if name.ends_with(close)
            && let Some(pos) = name.rfind(open)
        {
            let base = name[..pos].trim();
            if !base.is_empty() {
                name = base.to_string();
            }
        }
    }
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 32 {
        return None;
    }
    if name
        .chars()
        .any(|c| NOT_IN_NAMES.contains(c) || c == '(' || c == '（')
    {
        return None;
    }
    if !name.chars().any(char::is_alphabetic) {
        return None;
    }
    let cjk = name.chars().filter(|&c| is_cjk(c)).count();
    let tokens: Vec<&str> = name.split_whitespace().collect();
    let latin_words = tokens
        .iter()
        .filter(|t| t.chars().any(|c| c.is_ascii_alphabetic()))
        .count();
    if cjk > 12 || latin_words > 3 || tokens.len() > 4 {
        return None;
    }
    let lower = name.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) {
        return None;
    }
    if SPEECH_VERB_ENDINGS
        .iter()
        .any(|e| lower.ends_with(e) && lower.len() > e.trim().len())
    {
        return None;
    }
    Some(name)
}

pub(crate) fn is_role_name(name: &str) -> bool {
    ROLE_NAMES.contains(&name.to_lowercase().as_str())
}

/// Two or three capitalised Latin words, e.g. `Sam Altman`: a name even if it labels a
/// single paragraph.
pub(crate) fn is_proper_latin_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    (2..=3).contains(&words.len())
        && words.iter().all(|w| {
            w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_alphabetic() || matches!(c, '.' | '-' | '\''))
        })
}

/// A candidate `Name: text` / `Name：text` on a cleaned line: `(name, text)`. The text
/// after the colon must not be empty, and an ASCII colon must not start `//` (URLs).
pub(crate) fn plain_label_candidate(cleaned: &str) -> Option<(String, String)> {
    let (name, rest) = split_colon(cleaned)?;
    if rest.starts_with("//") {
        return None;
    }
    let text = rest.trim();
    if text.is_empty() {
        return None;
    }
    Some((name_like(name)?, text.to_string()))
}
