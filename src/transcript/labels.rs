//! Speaker labels: which words before a colon name a speaker, and why a prefix is not one.

use super::is_cjk;
use super::markdown::{clean_inline, split_colon};
use serde::Serialize;
use std::fmt;

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
    "audience member",
    "audience question",
    "caller",
    "观众提问",
    "现场观众",
    "听众",
    "网友",
    "读者",
    "读者提问",
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

/// Why a label-like prefix is not taken as a speaker, for `--explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// A word that introduces a note or an example in prose (`注`, `比如`, `Note`).
    NotASpeakerWord,
    /// Named with `--not-speakers`.
    ListedNotSpeaker,
    /// Introduces a quote in prose (`他说`, `she said`).
    QuoteIntroduction,
    /// Used once and longer than a name (more than 8 Chinese characters).
    TooLongForOneTime,
    /// Used once and holds words a name does not (`我的经验是`).
    ProseWords,
    /// Used once and not capitalised like a name (`The short version`).
    NotCapitalised,
    /// Used once, in a text with no other labelled turns that is not a dialogue.
    NoOtherLabels,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::NotASpeakerWord => "a word that opens a note or an example, not a name",
            Refusal::ListedNotSpeaker => "named with --not-speakers",
            Refusal::QuoteIntroduction => "introduces a quote (… said:)",
            Refusal::TooLongForOneTime => "used once and longer than a name (over 8 characters)",
            Refusal::ProseWords => "used once and reads like prose, not a name",
            Refusal::NotCapitalised => "used once and not capitalised like a name",
            Refusal::NoOtherLabels => {
                "used once, and the text has no other labelled turns and is not a dialogue"
            }
        })
    }
}

/// Why a name is taken as a speaker, for `--explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerReason {
    /// Written in bold (`**Name**：`).
    Bold,
    /// Labels this many paragraphs.
    Repeated(usize),
    /// A role word (`主持人`, `Host`, `Q`).
    Role,
    /// Two or three capitalised words (`Sam Altman`).
    FullName,
    /// Named with `--speakers`.
    Listed,
    /// Labels one paragraph, in a transcript with other labelled turns.
    OnceAmongLabelledTurns,
    /// Labels one paragraph of a text that is a dialogue throughout.
    OnceInDialogue,
}

impl fmt::Display for SpeakerReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpeakerReason::Bold => f.write_str("a bold label"),
            SpeakerReason::Repeated(n) => write!(f, "labels {n} paragraphs"),
            SpeakerReason::Role => f.write_str("a role word (主持人, Host, Q, …)"),
            SpeakerReason::FullName => f.write_str("a full name (capitalised words)"),
            SpeakerReason::Listed => f.write_str("named with --speakers"),
            SpeakerReason::OnceAmongLabelledTurns => {
                f.write_str("labels one paragraph, among other labelled turns")
            }
            SpeakerReason::OnceInDialogue => {
                f.write_str("labels one paragraph of a text that is all dialogue")
            }
        }
    }
}

/// What was decided about one label-like prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Speaker(SpeakerReason),
    Refused(Refusal),
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Speaker(why) => why.fmt(f),
            Verdict::Refused(why) => why.fmt(f),
        }
    }
}

/// A speaker found (at the line of its first label), or a label-like prefix refused (at
/// each line it opens).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelDecision {
    pub name: String,
    pub line: usize,
    pub verdict: Verdict,
}

/// What the user says about speakers, over what the text's shape says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpeakerOverrides {
    /// Always speakers when they open a paragraph with a colon (`--speakers`).
    pub speakers: Vec<String>,
    /// Never speakers (`--not-speakers`).
    pub not_speakers: Vec<String>,
}

impl SpeakerOverrides {
    fn lists(list: &[String], name: &str) -> bool {
        list.iter().any(|n| n.trim().eq_ignore_ascii_case(name))
    }

    pub(crate) fn is_listed_speaker(&self, name: &str) -> bool {
        Self::lists(&self.speakers, name)
    }

    pub(crate) fn is_listed_not_speaker(&self, name: &str) -> bool {
        Self::lists(&self.not_speakers, name)
    }
}

/// Most Chinese characters in a name that labels a single paragraph.
const ONE_TIME_MAX_CJK: usize = 8;

/// Characters of prose that names written once almost never hold: pronouns, particles,
/// copulas and common verbs (`我的经验是`, `他们都说过`).
const PROSE_CHARS: &str = "的了是在我你他她它这那就都很也还把被给对从向让要会能没说过吗呢吧啊么";

/// English words that open prose before a colon (`The short version:`, `My answer:`) and
/// not names.
const ENGLISH_PROSE_WORDS: &[&str] = &[
    "the", "a", "an", "my", "our", "your", "his", "her", "their", "this", "that", "these", "those",
    "here", "there", "what", "why", "how", "when", "one", "is", "are", "was", "it", "its", "and",
    "or", "but", "of", "to", "in", "on", "for", "with", "so", "short", "long",
];

/// The name in `raw` (the part before a colon, markup included) when it has the shape of
/// one: at most 12 CJK characters or 3 Latin words (≤ 4 tokens, ≤ 32 characters in all),
/// no sentence punctuation, at least one letter. A parenthetical role is dropped
/// (`Ilya（OpenAI）` -> `Ilya`), as are `【】` around the name. `None` for anything else:
/// such a prefix is not label-like at all.
pub(crate) fn name_shape(raw: &str) -> Option<String> {
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
    Some(name)
}

/// Why a name of the right shape is still no speaker's, whatever how often it is used: a
/// prose word such as `注意`/`Note`, or a quote introduction such as `他说`.
pub(crate) fn refused_word(name: &str) -> Option<Refusal> {
    let lower = name.to_lowercase();
    if NOT_NAMES.contains(&lower.as_str()) {
        return Some(Refusal::NotASpeakerWord);
    }
    if SPEECH_VERB_ENDINGS
        .iter()
        .any(|e| lower.ends_with(e) && lower.len() > e.trim().len())
    {
        return Some(Refusal::QuoteIntroduction);
    }
    None
}

/// Why a name used only once does not look like a name, if it does not.
pub(crate) fn one_time_refusal(name: &str) -> Option<Refusal> {
    let cjk = name.chars().filter(|&c| is_cjk(c)).count();
    if cjk > ONE_TIME_MAX_CJK {
        return Some(Refusal::TooLongForOneTime);
    }
    if name.chars().any(|c| PROSE_CHARS.contains(c)) {
        return Some(Refusal::ProseWords);
    }
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .collect();
    if words
        .first()
        .is_some_and(|w| w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
    {
        return Some(Refusal::NotCapitalised);
    }
    if words
        .iter()
        .any(|w| ENGLISH_PROSE_WORDS.contains(&w.to_ascii_lowercase().as_str()))
    {
        return Some(Refusal::ProseWords);
    }
    None
}

/// The speaker name if `raw` is shaped like a name and is not a prose word (see
/// [`name_shape`], [`refused_word`]).
pub(crate) fn name_like(raw: &str) -> Option<String> {
    name_shape(raw).filter(|name| refused_word(name).is_none())
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
    Some((name_shape(name)?, text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_used_once_must_look_like_names() {
        for name in ["甲", "观众提问", "Sam", "Audience member", "李老师"] {
            assert_eq!(one_time_refusal(name), None, "{name}");
        }
        assert_eq!(
            one_time_refusal("我们当时最担心的一件事"),
            Some(Refusal::TooLongForOneTime)
        );
        assert_eq!(one_time_refusal("我的经验是"), Some(Refusal::ProseWords));
        assert_eq!(
            one_time_refusal("The short version"),
            Some(Refusal::ProseWords)
        );
        assert_eq!(
            one_time_refusal("bottom line"),
            Some(Refusal::NotCapitalised)
        );
    }

    #[test]
    fn prose_words_are_refused_whatever_their_count() {
        assert_eq!(refused_word("注"), Some(Refusal::NotASpeakerWord));
        assert_eq!(refused_word("Note"), Some(Refusal::NotASpeakerWord));
        assert_eq!(refused_word("他说"), Some(Refusal::QuoteIntroduction));
        assert_eq!(refused_word("主持人"), None);
        assert_eq!(name_like("备注"), None);
        assert_eq!(name_like("Ilya（OpenAI）").as_deref(), Some("Ilya"));
    }

    #[test]
    fn listed_names_match_ignoring_ascii_case_and_spaces() {
        let overrides = SpeakerOverrides {
            speakers: vec!["Guest".into()],
            not_speakers: vec![" 甲 ".into()],
        };
        assert!(overrides.is_listed_speaker("guest"));
        assert!(overrides.is_listed_not_speaker("甲"));
        assert!(!overrides.is_listed_speaker("甲"));
    }
}
