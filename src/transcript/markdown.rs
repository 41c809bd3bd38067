//! The markdown (and plain-text) transcript reader: a line-based pass that keeps speech
//! and reports everything else.

use super::labels::*;
use super::scaffolding::sift;
use super::*;
use std::collections::{HashMap, HashSet};

// ---------------------------------------------------------------------------------------
// Line handling

/// Splits into lines: `\n` and `\r\n`, or bare `\r` for old Mac files. A leading BOM is
/// dropped. Line `i` of the result is source line `i + 1`.
pub(super) fn split_lines(source: &str) -> Vec<&str> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    if !source.contains('\n') && source.contains('\r') {
        return source.split('\r').collect();
    }
    source
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// Turns tabs, no-break and other odd spaces (and `&nbsp;`) into plain spaces, drops
/// zero-width characters and control characters, and trims.
pub(super) fn normalize_ws(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\t'
            | '\u{a0}'
            | '\u{3000}'
            | '\u{2000}'..='\u{200a}'
            | '\u{202f}'
            | '\u{205f}'
            | '\r' => out.push(' '),
            // Zero-width and invisible formatting characters, bidi overrides included:
            // they are not spoken, and in the script they would hide or reorder text.
            '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
            | '\u{00ad}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&#160;", " ")
        .replace("&ensp;", " ")
        .replace("&emsp;", " ");
    out.trim().to_string()
}

/// Removes block prefixes that carry no words: blockquote `>` and list bullets.
fn strip_block_prefix(s: &str) -> &str {
    let mut s = s;
    loop {
        let t = s.trim_start();
        if let Some(rest) = t.strip_prefix('>') {
            s = rest;
            continue;
        }
        for bullet in ["- ", "* ", "+ ", "• ", "· "] {
            if let Some(rest) = t.strip_prefix(bullet) {
                // `* * *` and `- - -` are separators: leave them for the decoration test.
                if rest
                    .trim()
                    .chars()
                    .all(|c| c == '*' || c == '-' || c == ' ')
                {
                    return t;
                }
                return rest.trim_start();
            }
        }
        return t;
    }
}

/// True for an `http://` or `https://` address (trimmed, any case): the links and covers
/// an article names, as opposed to text that merely mentions a site.
pub(crate) fn is_web_address(value: &str) -> bool {
    let lower = value.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Character classes used for joining lines and detecting the language.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF      // Hangul Jamo
        | 0x2E80..=0x2FDF    // radicals
        | 0x3000..=0x303F    // CJK punctuation
        | 0x3040..=0x30FF    // kana
        | 0x3100..=0x312F    // bopomofo
        | 0x3130..=0x318F    // Hangul compatibility Jamo
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF    // full-width forms
        | 0x20000..=0x2FA1F)
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2190..=0x21FF | 0xFE0F)
}

fn has_word_chars(s: &str) -> bool {
    s.chars().any(|c| c.is_alphanumeric())
}

fn is_colon(c: char) -> bool {
    c == ':' || c == '：'
}

fn starts_with_colon(s: &str) -> bool {
    s.trim_start().starts_with(is_colon)
}

/// `：text` -> `text` (one colon and the spaces around it).
fn strip_leading_colon(s: &str) -> &str {
    let s = s.trim_start();
    s.strip_prefix(is_colon).unwrap_or(s).trim_start()
}

/// Appends one hard-wrapped line to a paragraph: no space when either side of the break is
/// CJK (Chinese does not put spaces between words), one space between Latin words, and a
/// word broken at a hyphen (`self-` / `supervised`) is rejoined without a space.
fn join_wrapped(acc: &mut String, next: &str) {
    if next.is_empty() {
        return;
    }
    let (Some(last), Some(first)) = (acc.chars().last(), next.chars().next()) else {
        acc.push_str(next);
        return;
    };
    let hyphen_break = last == '-'
        && acc.chars().rev().nth(1).is_some_and(|c| c.is_alphabetic())
        && first.is_alphabetic();
    if !(is_cjk(last) || is_cjk(first) || hyphen_break) {
        acc.push(' ');
    }
    acc.push_str(next);
}

// ---------------------------------------------------------------------------------------
// Inline markup

/// What to do with links while cleaning.
#[derive(Clone, Copy, PartialEq)]
enum LinkMode {
    /// Images removed, `[text](url)` becomes `text`, `<url>` becomes `url`.
    KeepText,
    /// Images removed, links kept as written (used to test image-only lines).
    DropImagesOnly,
    /// Images, links with their text, autolinks and bare URLs all removed.
    DropAll,
}

/// Longest tag or autolink the scanner looks at, so odd input stays linear.
const MAX_TAG: usize = 1024;

/// For every `open` character, the index of its matching `close` (nesting respected).
/// Computed once per line so link scanning stays linear on odd input.
fn matching(cs: &[char], open: char, close: char) -> Vec<Option<usize>> {
    let mut result = vec![None; cs.len()];
    let mut stack = Vec::new();
    for (i, &c) in cs.iter().enumerate() {
        if c == open {
            stack.push(i);
        } else if c == close
            && let Some(o) = stack.pop()
        {
            result[o] = Some(i);
        }
    }
    result
}

/// Finds `[text](url)` starting at `open` (a `[`). Returns (index of `]`, index of `)`).
fn find_link(
    cs: &[char],
    open: usize,
    brackets: &[Option<usize>],
    parens: &[Option<usize>],
) -> Option<(usize, usize)> {
    let close = brackets[open]?;
    if cs.get(close + 1) != Some(&'(') {
        return None;
    }
    Some((close, parens[close + 1]?))
}

/// Rewrites markdown links/images, HTML tags and autolinks according to `mode`.
fn rewrite_links(s: &str, mode: LinkMode) -> String {
    let cs: Vec<char> = s.chars().collect();
    let has_links = s.contains("](");
    let (brackets, parens) = if has_links {
        (matching(&cs, '[', ']'), matching(&cs, '(', ')'))
    } else {
        (Vec::new(), Vec::new())
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        let is_img = c == '!' && cs.get(i + 1) == Some(&'[');
        if has_links && (c == '[' || is_img) {
            let open = if is_img { i + 1 } else { i };
            if let Some((close, end)) = find_link(&cs, open, &brackets, &parens) {
                let text: String = cs[open + 1..close].iter().collect();
                if !is_img {
                    match mode {
                        LinkMode::KeepText => out.push_str(&rewrite_links(&text, mode)),
                        LinkMode::DropImagesOnly => {
                            let inner = rewrite_links(&text, mode);
                            if has_word_chars(&inner) {
                                out.extend(&cs[i..=end]);
                            }
                        }
                        LinkMode::DropAll => {}
                    }
                }
                i = end + 1;
                continue;
            }
        }
        if c == '<'
            && let Some(end) = find_tag(&cs, i)
        {
            let tag: String = cs[i + 1..end].iter().collect();
            let lower = tag.to_ascii_lowercase();
            if lower.starts_with("http://") || lower.starts_with("https://") {
                // An autolink: its URL is text unless links are being dropped.
                if mode != LinkMode::DropAll {
                    out.push_str(&tag);
                }
            } else if mode == LinkMode::DropImagesOnly {
                if !lower.starts_with("img") {
                    out.extend(&cs[i..=end]);
                }
            } else {
                out.push(' ');
            }
            i = end + 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    if mode == LinkMode::DropAll {
        out = remove_bare_urls(&out);
    }
    out
}

/// Finds the `>` closing an HTML tag, comment or autolink opened at `open`.
fn find_tag(cs: &[char], open: usize) -> Option<usize> {
    let next = *cs.get(open + 1)?;
    if !(next.is_ascii_alphabetic() || next == '/' || next == '!') {
        return None;
    }
    let limit = cs.len().min(open + MAX_TAG);
    for (j, &c) in cs.iter().enumerate().take(limit).skip(open + 1) {
        match c {
            '>' => return Some(j),
            '<' => return None,
            _ => {}
        }
    }
    None
}

fn remove_bare_urls(s: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `s`.
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let patterns = ["http://", "https://", "www."];
    // Next absolute position of each pattern at or after `pos`, refreshed only when
    // passed, so many URLs on one line stay linear.
    let mut next: Vec<Option<usize>> = patterns.iter().map(|p| lower.find(p)).collect();
    let mut pos = 0;
    while pos < s.len() {
        for (n, p) in next.iter_mut().zip(patterns) {
            if n.is_some_and(|n| n < pos) {
                *n = lower[pos..].find(p).map(|i| i + pos);
            }
        }
        let Some(offset) = next.iter().flatten().min().map(|&n| n - pos) else {
            break;
        };
        out.push_str(&s[pos..pos + offset]);
        let tail = &s[pos + offset..];
        let end = tail
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || is_cjk(c) || matches!(c, ')' | ']' | '>' | '"'))
            .map_or(tail.len(), |(i, _)| i);
        pos += offset + end;
    }
    out.push_str(&s[pos..]);
    out
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Removes markdown emphasis markers (`**`, `__`, `*`, `_`, `~~`) and code backticks,
/// keeping underscores inside words (`snake_case`), lone `*` between spaces or digits
/// (`2 * 3`) and backslash-escaped characters.
fn strip_emphasis(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c == '\\' && cs.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(cs[i + 1]);
            i += 2;
            continue;
        }
        if c == '*' || c == '_' || c == '~' || c == '`' {
            let mut j = i;
            while j < cs.len() && cs[j] == c {
                j += 1;
            }
            let run = j - i;
            let prev = if i > 0 { Some(cs[i - 1]) } else { None };
            let next = cs.get(j).copied();
            let space = |x: Option<char>| x.is_none_or(char::is_whitespace);
            let word = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
            let keep = match c {
                '*' if run == 1 => {
                    (space(prev) && space(next))
                        || (prev.is_some_and(|p| p.is_ascii_digit())
                            && next.is_some_and(|n| n.is_ascii_digit()))
                }
                '*' => false,
                '_' => (word(prev) && word(next)) || (space(prev) && space(next)),
                '~' => run == 1,
                _ => false, // backticks
            };
            if keep {
                out.extend(&cs[i..j]);
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The speakable text of a line: links become their text, images, tags and emphasis
/// markers go, entities are decoded and runs of spaces collapsed.
pub(super) fn clean_inline(s: &str) -> String {
    let s = rewrite_links(s, LinkMode::KeepText);
    let s = strip_emphasis(&s);
    collapse_spaces(&decode_entities(&s))
}

// ---------------------------------------------------------------------------------------
// Line classification

/// `# Title` … `###### Title` (a space after the hashes, as in CommonMark).
fn atx_heading(s: &str) -> Option<(usize, String)> {
    let level = s.chars().take_while(|&c| c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &s[level..];
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    Some((level, clean_inline(text)))
}

/// Image-only, link-only or markup-only lines.
fn media_reason(s: &str) -> Option<SkipReason> {
    let lower = s.to_ascii_lowercase();
    let has_image = s.contains("![") || lower.contains("<img");
    let has_link = s.contains("](")
        || lower.contains("http://")
        || lower.contains("https://")
        || lower.contains("www.");
    if has_image && !has_word_chars(&rewrite_links(s, LinkMode::DropImagesOnly)) {
        return Some(SkipReason::Image);
    }
    if (has_image || has_link) && !has_word_chars(&rewrite_links(s, LinkMode::DropAll)) {
        return Some(if has_image && !has_link_outside_images(s) {
            SkipReason::Image
        } else {
            SkipReason::LinkOnly
        });
    }
    let has_tag = s.contains('<') && s.contains('>');
    if has_tag && !has_word_chars(&rewrite_links(s, LinkMode::KeepText)) {
        return Some(SkipReason::Markup);
    }
    // Table rows and table rules.
    if s.len() > 1 && s.starts_with('|') && s.ends_with('|') {
        return Some(SkipReason::Markup);
    }
    None
}

fn has_link_outside_images(s: &str) -> bool {
    let without = rewrite_links(s, LinkMode::DropImagesOnly);
    without.contains("](") || without.contains("http") || without.contains("www.")
}

/// Returns the position of the first colon (ASCII or full-width) in `s` with the parts
/// before and after it.
pub(super) fn split_colon(s: &str) -> Option<(&str, &str)> {
    let (i, c) = s.char_indices().find(|&(_, c)| is_colon(c))?;
    Some((&s[..i], &s[i + c.len_utf8()..]))
}

/// Metadata keys recognised near the top of an article (compared case-insensitively).
const METADATA_KEYS: &[&str] = &[
    "文章作者",
    "作者",
    "原作者",
    "撰文",
    "文",
    "编辑",
    "责编",
    "责任编辑",
    "编译",
    "翻译",
    "译者",
    "校对",
    "整理",
    "排版",
    "出品",
    "来源",
    "出处",
    "发布时间",
    "发布日期",
    "发表时间",
    "发表于",
    "日期",
    "发布地",
    "发布地点",
    "原文链接",
    "原文地址",
    "原文",
    "链接",
    "封面图链接",
    "封面",
    "封面图",
    "公众号",
    "标题",
    "标签",
    "字数",
    "阅读时间",
    "预计阅读时间",
    "author",
    "authors",
    "by",
    "written by",
    "date",
    "published",
    "published on",
    "publish date",
    "published at",
    "updated",
    "last updated",
    "source",
    "original",
    "original link",
    "original url",
    "link",
    "url",
    "cover",
    "cover image",
    "cover url",
    "location",
    "publisher",
    "translator",
    "translated by",
    "editor",
    "edited by",
    "tags",
    "title",
    "podcast",
    "episode",
    "reading time",
    "word count",
];

/// A `Key: value` line is metadata when the key is a known metadata key, or when it is a
/// short name and the value is a URL (`Podcast page: https://…`).
fn metadata_entry(s: &str) -> Option<(String, String)> {
    let (key, value) = split_colon(s)?;
    let key = clean_inline(key);
    let value = value.trim();
    if value.is_empty() || key.is_empty() {
        return None;
    }
    let lower = key.to_lowercase();
    let known = METADATA_KEYS.contains(&lower.as_str());
    let url_value = {
        let v = value.to_ascii_lowercase();
        v.starts_with("http://") || v.starts_with("https://") || v.starts_with("www.")
    };
    if known || (url_value && name_like(&key).is_some()) {
        // Keep URLs as written; clean markup from other values.
        let value = if url_value {
            value.to_string()
        } else {
            clean_inline(value)
        };
        return Some((key, value));
    }
    None
}

/// A bold label: `**Name**：text`, `**Name** ：text`, `**Name：**text` (or `__…__`).
struct BoldLabel {
    name: String,
    rest: String,
    /// The colon sits inside the bold span (`**Name：**`).
    colon_inside: bool,
}

fn bold_label(s: &str) -> Option<BoldLabel> {
    let marker = if s.starts_with("**") {
        "**"
    } else if s.starts_with("__") {
        "__"
    } else {
        return None;
    };
    let body = &s[2..];
    let close = body.find(marker)?;
    let inner = body[..close].trim();
    let after = &body[close + 2..];
    let (name, rest, colon_inside) = if let Some(name) = inner.strip_suffix(is_colon) {
        (name, after, true)
    } else if starts_with_colon(after) {
        let after = after.trim_start();
        let colon_len = after.chars().next().map_or(0, char::len_utf8);
        (inner, &after[colon_len..], false)
    } else {
        return None;
    };
    let name = name_like(name)?;
    // A closing marker left over from `**Name**：**text**` is removed by the cleaner.
    Some(BoldLabel {
        name,
        rest: clean_inline(rest),
        colon_inside,
    })
}

/// True when every word on the line sits inside `**…**` (or `__…__`) spans:
/// `**Heading**`, `**转发****在看**`.
fn all_bold(s: &str) -> bool {
    for marker in ["**", "__"] {
        if !s.starts_with(marker) || !s.ends_with(marker) || s.len() < 2 * marker.len() + 1 {
            continue;
        }
        let parts: Vec<&str> = s.split(marker).collect();
        if parts.len() % 2 == 1 && parts.iter().step_by(2).all(|p| p.trim().is_empty()) {
            return true;
        }
    }
    false
}

/// A bold line is a heading when it is short and does not end like a sentence.
fn heading_like(cleaned: &str) -> bool {
    cleaned.chars().count() <= 50 && !cleaned.ends_with(['。', '.', '，', ',', '；', ';', '、'])
}

/// Words that only appear in follow/like/share prompts. Lowercase; Latin ones match at
/// word boundaries.
const PROMO_STRONG: &[&str] = &[
    "星标",
    "设为星标",
    "置顶",
    "点赞",
    "点个赞",
    // WeChat's buttons named in quotes: 点个「赞」和「在看」.
    "「赞」",
    "「在看」",
    "“在看”",
    "点个在看",
    "点亮",
    "扫码",
    "二维码",
    "长按识别",
    "长按",
    "阅读原文",
    "一键三连",
    "好内容不错过",
    "欢迎关注",
    "关注我们",
    "关注公众号",
    "点击关注",
    "点击上方",
    "点击下方",
    "转发给",
    "分享给",
    "转发分享",
    "分享转发",
    "转载请",
    "未经授权",
    "感谢阅读",
    "谢谢阅读",
    "商务合作",
    "加群",
    "进群",
    "入群",
    "订阅",
    "subscribe",
    "like and share",
    "like & share",
    "follow us",
    "share this",
    "share it",
    "sign up",
    "newsletter",
    "click the link",
    "link in bio",
    "thanks for reading",
    "thank you for reading",
    "leave a comment",
    "hit the bell",
    "rate and review",
    "all rights reserved",
    "patreon",
    "become a member",
];

/// Words that hint at a prompt but also occur in speech; they only count together.
const PROMO_WEAK: &[&str] = &[
    "在看",
    "关注",
    "转发",
    "分享",
    "赞",
    "告诉我",
    "留言",
    "评论",
    "收藏",
    "朋友圈",
    "share",
    "follow",
    "comment",
    "like",
    "support",
];

fn contains_promo_word(lower: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return lower.contains(word);
    }
    // Latin words: match whole words only.
    lower.match_indices(word).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// Prompt signals found on a line.
#[derive(Debug, Default, Clone, Copy)]
struct Promo {
    strong: u32,
    weak: u32,
    /// Emoji on the line, or the whole line is bold.
    decorated: u32,
}

impl Promo {
    /// 2 per strong word, 1 per weak word, 1 for emoji, 1 when the whole line is bold.
    fn score(self) -> u32 {
        2 * self.strong + self.weak + self.decorated
    }
}

/// Measures how much a cleaned line looks like a follow/like/share prompt. A standalone
/// line needs a score of 3 (and must be short) to be dropped anywhere; a trailing
/// paragraph needs 2 including a strong word or decoration (see `Builder::drop_footer`).
///
/// Limit: a short unlabelled line of real speech made of several prompt words
/// (`请大家点赞关注`) is dropped too.
fn promo(cleaned: &str, bold: bool) -> Promo {
    let lower = cleaned.to_lowercase();
    let mut p = Promo::default();
    let mut strong_hit: Vec<&str> = Vec::new();
    for w in PROMO_STRONG {
        if contains_promo_word(&lower, w)
            && !strong_hit.iter().any(|h| h.contains(w) || w.contains(h))
        {
            strong_hit.push(w);
            p.strong += 1;
        }
    }
    for w in PROMO_WEAK {
        if contains_promo_word(&lower, w) && !strong_hit.iter().any(|h| h.contains(w)) {
            p.weak += 1;
        }
    }
    if cleaned.chars().any(is_emoji) {
        p.decorated += 1;
    }
    if bold {
        p.decorated += 1;
    }
    p
}

fn is_footer_promo(p: Promo) -> bool {
    p.score() >= 2 && (p.strong > 0 || p.decorated > 0)
}

/// A standalone line that is only a promo prompt (anywhere in the document).
fn is_promo_line(cleaned: &str, bold: bool) -> bool {
    cleaned.chars().count() <= 60 && promo(cleaned, bold).score() >= 3
}

/// Lines that open an article footer once speech has begun (`—END—`, `往期推荐`).
const FOOTER_MARKERS: &[&str] = &[
    "end",
    "the end",
    "完",
    "全文完",
    "往期推荐",
    "推荐阅读",
    "往期回顾",
    "相关阅读",
    "延伸阅读",
    "热门推荐",
    "精彩推荐",
    "更多阅读",
    "related",
    "related articles",
    "related posts",
    "read more",
    "further reading",
    "recommended reading",
    "more from us",
];

fn is_footer_marker(cleaned: &str) -> bool {
    let core = cleaned
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    FOOTER_MARKERS.contains(&core.as_str())
}

// ---------------------------------------------------------------------------------------
// The builder

struct RawPara {
    speaker: Option<String>,
    text: String,
    line: usize,
    /// (line number, source text) of every line in the paragraph, for reporting.
    source: Vec<(usize, String)>,
}

struct RawSection {
    heading: Option<String>,
    line: usize,
    paragraphs: Vec<RawPara>,
}

/// Reads cleaned lines (line `i` is source line `i + 1`) into a transcript, which may hold
/// no speech.
pub(super) fn read(lines: &[String], overrides: &SpeakerOverrides) -> Transcript {
    let mut builder = Builder::new(lines, overrides);
    builder.run();
    builder.drop_footer();
    builder.finish()
}

struct Builder<'a> {
    lines: &'a [String],
    title: Option<String>,
    metadata: Vec<(String, String)>,
    sections: Vec<RawSection>,
    skipped: Vec<SkippedLine>,
    current: Option<RawPara>,
    /// A `**Name**` line whose text starts on the next non-blank line with a colon.
    pending_label: Option<(String, usize)>,
    /// Still in the title/metadata block at the top.
    header_zone: bool,
    footer_started: bool,
    in_fence: bool,
    /// Names of plain-label candidates and how often each occurs.
    candidate_counts: HashMap<String, usize>,
    /// Names used in bold labels anywhere in the document.
    bold_names: HashSet<String>,
    overrides: &'a SpeakerOverrides,
    /// Some name labels turns by a rule other than "used once": a name used once may then
    /// label a turn too (an audience question in an interview).
    established: bool,
    /// Most paragraphs open with a label: a name used once labels a turn (`甲：… 乙：…`).
    dialogue: bool,
    labels: Vec<LabelDecision>,
}

impl<'a> Builder<'a> {
    fn new(lines: &'a [String], overrides: &'a SpeakerOverrides) -> Self {
        let mut candidate_counts = HashMap::new();
        let mut bold_names = HashSet::new();
        // Paragraph openings, and how many of them are labels of a name's shape.
        let (mut openings, mut labelled) = (0usize, 0usize);
        for (i, line) in lines.iter().enumerate() {
            let body = strip_block_prefix(line);
            let opens = !line.is_empty() && (i == 0 || lines[i - 1].is_empty());
            let prose = atx_heading(line).is_some()
                || media_reason(body).is_some()
                || metadata_entry(body).is_some();
            if opens && !prose {
                openings += 1;
            }
            if let Some(b) = bold_label(body) {
                if !overrides.is_listed_not_speaker(&b.name) {
                    bold_names.insert(b.name);
                    labelled += usize::from(opens);
                }
            } else if all_bold(body) {
                if next_nonblank(lines, i).is_some_and(starts_with_colon)
                    && let Some(name) = name_like(&clean_inline(body))
                {
                    bold_names.insert(name);
                }
            } else if let Some((name, _)) = plain_label_candidate(&clean_inline(body)) {
                if opens && !prose && refused_word(&name).is_none() {
                    labelled += 1;
                }
                *candidate_counts.entry(name).or_insert(0) += 1;
            }
        }
        let established = !bold_names.is_empty()
            || candidate_counts.iter().any(|(name, &count)| {
                refused_word(name).is_none()
                    && !overrides.is_listed_not_speaker(name)
                    && (count >= 2 || is_role_name(name) || is_proper_latin_name(name))
            })
            || candidate_counts
                .keys()
                .any(|name| overrides.is_listed_speaker(name));
        let dialogue = labelled >= 2 && labelled * 5 >= openings * 3;
        Builder {
            lines,
            title: None,
            metadata: Vec::new(),
            sections: Vec::new(),
            skipped: Vec::new(),
            current: None,
            pending_label: None,
            header_zone: true,
            footer_started: false,
            in_fence: false,
            candidate_counts,
            bold_names,
            overrides,
            established,
            dialogue,
            labels: Vec::new(),
        }
    }

    /// Whether `name`, opening a line with a colon and words, labels a turn. `None`: not
    /// a decision worth reporting (a prefix in the middle of a paragraph).
    ///
    /// A name is a speaker when the user lists it, when it is used in bold, labels two
    /// paragraphs or more, is a role word or a full Latin name; used once, when it opens a
    /// paragraph, has a name's shape (≤ 8 Chinese characters, no prose words, capitalised
    /// Latin words) and the transcript has other labelled turns or is a dialogue.
    ///
    /// Limit: in a transcript without blank lines between turns, a name used once on a
    /// line inside a paragraph is not a speaker.
    fn judge_label(&self, name: &str, opens_paragraph: bool) -> Option<Verdict> {
        if self.overrides.is_listed_not_speaker(name) {
            return Some(Verdict::Refused(Refusal::ListedNotSpeaker));
        }
        if self.overrides.is_listed_speaker(name) {
            return Some(Verdict::Speaker(SpeakerReason::Listed));
        }
        if let Some(refusal) = refused_word(name) {
            return opens_paragraph.then_some(Verdict::Refused(refusal));
        }
        if let Some(reason) = self.established_reason(name) {
            return Some(Verdict::Speaker(reason));
        }
        if !opens_paragraph {
            return None;
        }
        if let Some(refusal) = one_time_refusal(name) {
            return Some(Verdict::Refused(refusal));
        }
        Some(if self.established {
            Verdict::Speaker(SpeakerReason::OnceAmongLabelledTurns)
        } else if self.dialogue {
            Verdict::Speaker(SpeakerReason::OnceInDialogue)
        } else {
            Verdict::Refused(Refusal::NoOtherLabels)
        })
    }

    /// The rule other than "used once" that makes `name` a speaker, if one does.
    fn established_reason(&self, name: &str) -> Option<SpeakerReason> {
        let count = self.candidate_counts.get(name).copied().unwrap_or(0);
        if self.bold_names.contains(name) {
            Some(SpeakerReason::Bold)
        } else if count >= 2 {
            Some(SpeakerReason::Repeated(count))
        } else if is_role_name(name) {
            Some(SpeakerReason::Role)
        } else if is_proper_latin_name(name) {
            Some(SpeakerReason::FullName)
        } else {
            None
        }
    }

    /// Notes a decision for `--explain`: a speaker once (where first found), a refusal at
    /// every line.
    fn note_label(&mut self, name: &str, line: usize, verdict: Verdict) {
        let seen = matches!(verdict, Verdict::Speaker(_))
            && self
                .labels
                .iter()
                .any(|d| d.name == name && matches!(d.verdict, Verdict::Speaker(_)));
        if !seen {
            self.labels.push(LabelDecision {
                name: name.to_string(),
                line,
                verdict,
            });
        }
    }

    fn skip(&mut self, line: usize, reason: SkipReason) {
        self.skipped.push(SkippedLine {
            line,
            text: self.lines[line - 1].clone(),
            reason,
            element: None,
        });
    }

    /// No speaker has spoken yet: editor's notes stand here.
    fn before_conversation(&self) -> bool {
        let labelled = |p: &RawPara| p.speaker.is_some();
        !self.current.as_ref().is_some_and(labelled)
            && !self
                .sections
                .iter()
                .any(|s| s.paragraphs.iter().any(labelled))
    }

    fn has_speech(&self) -> bool {
        self.current.is_some() || self.sections.iter().any(|s| !s.paragraphs.is_empty())
    }

    fn flush(&mut self) {
        if let Some(p) = self.current.take() {
            if self.sections.is_empty() {
                self.sections.push(RawSection {
                    heading: None,
                    line: p.line,
                    paragraphs: Vec::new(),
                });
            }
            if let Some(s) = self.sections.last_mut() {
                s.paragraphs.push(p);
            }
        }
    }

    fn start_section(&mut self, heading: String, line: usize) {
        self.flush();
        self.pending_label = None;
        self.header_zone = false;
        self.sections.push(RawSection {
            heading: Some(heading),
            line,
            paragraphs: Vec::new(),
        });
        self.skip(line, SkipReason::Heading);
    }

    fn start_paragraph(&mut self, speaker: Option<String>, text: String, line: usize) {
        self.flush();
        self.header_zone = false;
        self.current = Some(RawPara {
            speaker,
            text,
            line,
            source: vec![(line, self.lines[line - 1].clone())],
        });
    }

    fn add_text(&mut self, text: &str, line: usize) {
        match &mut self.current {
            Some(p) => {
                join_wrapped(&mut p.text, text);
                p.source.push((line, self.lines[line - 1].clone()));
            }
            None => self.start_paragraph(None, text.to_string(), line),
        }
    }

    fn run(&mut self) {
        for idx in 0..self.lines.len() {
            self.line(idx);
        }
        self.flush();
    }

    fn line(&mut self, idx: usize) {
        let n = idx + 1;
        let lines: &'a [String] = self.lines;
        let raw = &lines[idx];
        if self.in_fence {
            if raw.starts_with("```") || raw.starts_with("~~~") {
                self.in_fence = false;
            }
            self.skip(n, SkipReason::Markup);
            return;
        }
        if raw.is_empty() {
            self.flush();
            return;
        }
        if self.footer_started {
            self.skip(n, SkipReason::Boilerplate);
            return;
        }
        if raw.starts_with("```") || raw.starts_with("~~~") {
            self.flush();
            self.in_fence = true;
            self.skip(n, SkipReason::Markup);
            return;
        }
        if let Some((level, text)) = atx_heading(raw) {
            self.flush();
            if self.title.is_none() && level == 1 && !self.has_speech() && self.sections.is_empty()
            {
                if has_word_chars(&text) {
                    self.title = Some(text);
                    self.skip(n, SkipReason::Title);
                } else {
                    self.skip(n, SkipReason::Decoration);
                }
            } else if !has_word_chars(&text) {
                self.skip(n, SkipReason::Decoration);
            } else if self.has_speech() && is_promo_line(&text, true) {
                self.skip(n, SkipReason::Boilerplate);
            } else {
                self.start_section(text, n);
            }
            return;
        }
        let body = strip_block_prefix(raw);
        if let Some(reason) = media_reason(body) {
            self.flush();
            self.skip(n, reason);
            return;
        }
        if self.header_zone
            && let Some(entry) = metadata_entry(body)
        {
            self.metadata.push(entry);
            self.skip(n, SkipReason::Metadata);
            return;
        }
        // The words of a `**Name**` line arrive here, after a colon.
        if let Some((name, label_line)) = self.pending_label.take()
            && starts_with_colon(body)
        {
            let text = clean_inline(strip_leading_colon(body));
            self.start_paragraph(Some(name), text, label_line);
            if let Some(p) = &mut self.current {
                p.source.push((n, raw.clone()));
            }
            return;
        }
        let cleaned = clean_inline(body);
        if !has_word_chars(&cleaned) {
            self.flush();
            self.skip(n, SkipReason::Decoration);
            return;
        }
        if self.has_speech() && is_footer_marker(&cleaned) {
            self.flush();
            self.footer_started = true;
            self.skip(n, SkipReason::Boilerplate);
            return;
        }

        if self.current.is_none()
            && self.lines.get(idx + 1).is_none_or(|l| l.is_empty())
            && bold_label(body).is_none()
            && let Some(sifted) = sift(&cleaned, self.before_conversation())
        {
            if sifted.kept.is_empty() {
                self.skip(n, SkipReason::Scaffolding);
                return;
            }
            for text in sifted.dropped {
                self.skipped.push(SkippedLine {
                    line: n,
                    text,
                    reason: SkipReason::Scaffolding,
                    element: None,
                });
            }
            // What introduces the episode stays, unlabelled: the narrator reads it.
            self.add_text(&sifted.kept, n);
            return;
        }
        let bold = all_bold(body);
        if let Some(label) = bold_label(body)
            && !self.overrides.is_listed_not_speaker(&label.name)
        {
            let next_is_text = self
                .lines
                .get(idx + 1)
                .is_some_and(|l| !l.is_empty() && atx_heading(l).is_none() && !all_bold(l));
            if label.rest.is_empty() && label.colon_inside && bold && !next_is_text {
                // `**Part one:**` alone: a heading that ends with a colon.
                self.start_section(cleaned.trim_end_matches(is_colon).to_string(), n);
            } else {
                self.note_label(&label.name, n, Verdict::Speaker(SpeakerReason::Bold));
                self.start_paragraph(Some(label.name), label.rest, n);
            }
            return;
        }
        if bold {
            if is_promo_line(&cleaned, true) {
                self.flush();
                self.skip(n, SkipReason::Boilerplate);
                return;
            }
            if next_nonblank(self.lines, idx).is_some_and(starts_with_colon)
                && let Some(name) = name_like(&cleaned)
            {
                self.flush();
                self.header_zone = false;
                self.note_label(&name, n, Verdict::Speaker(SpeakerReason::Bold));
                self.pending_label = Some((name, n));
                return;
            }
            if heading_like(&cleaned) {
                self.start_section(cleaned, n);
                return;
            }
        }
        if let Some((name, text)) = plain_label_candidate(&cleaned) {
            let opens_paragraph = self.current.is_none();
            match self.judge_label(&name, opens_paragraph) {
                Some(verdict @ Verdict::Speaker(_)) => {
                    self.note_label(&name, n, verdict);
                    self.start_paragraph(Some(name), text, n);
                    return;
                }
                Some(verdict) => self.note_label(&name, n, verdict),
                None => {}
            }
        }
        // `Name:` alone on its line: a label whose words follow on the next lines (or
        // never come, see `finish`), not words of the previous turn.
        if let Some((name, rest)) = split_colon(&cleaned)
            && rest.trim().is_empty()
            && let Some(name) = name_like(name)
            && let Some(verdict @ Verdict::Speaker(_)) = self.judge_label(&name, false)
        {
            self.note_label(&name, n, verdict);
            self.start_paragraph(Some(name), String::new(), n);
            return;
        }
        if is_promo_line(&cleaned, bold) {
            self.flush();
            self.skip(n, SkipReason::Boilerplate);
            return;
        }
        // Ordinary text. A stray leading colon (label lost) is dropped.
        let text = if starts_with_colon(&cleaned) {
            strip_leading_colon(&cleaned).trim().to_string()
        } else {
            cleaned
        };
        if text.is_empty() {
            self.skip(n, SkipReason::Decoration);
            return;
        }
        self.add_text(&text, n);
    }

    /// Drops the article footer: trailing unlabelled paragraphs (≤ 150 characters) after
    /// the last turn that look like prompts, and trailing empty sections whose heading
    /// looks like one. In this position a weaker signal suffices than mid-text: a promo
    /// score of 2 that includes a strong prompt word or decoration (bold, emoji), so
    /// `subscribe now` goes but `我们会继续关注和分享。` stays.
    ///
    /// Limit: stops at the first trailing paragraph that does not look like a prompt, so
    /// a prompt followed by ordinary closing text (e.g. an author bio) stays speech.
    fn drop_footer(&mut self) {
        loop {
            let Some(section) = self.sections.last_mut() else {
                return;
            };
            if section.paragraphs.is_empty() {
                let heading = section.heading.clone().unwrap_or_default();
                let line = section.line;
                if section.heading.is_some() && is_footer_promo(promo(&heading, true)) {
                    self.sections.pop();
                    if let Some(s) = self
                        .skipped
                        .iter_mut()
                        .find(|s| s.line == line && s.reason == SkipReason::Heading)
                    {
                        s.reason = SkipReason::Boilerplate;
                    }
                    continue;
                }
                return;
            }
            let total: usize = self.sections.iter().map(|s| s.paragraphs.len()).sum();
            let Some(section) = self.sections.last_mut() else {
                return;
            };
            let Some(p) = section.paragraphs.last() else {
                return;
            };
            let len = p.text.chars().count();
            let bold = p.source.iter().all(|(_, l)| all_bold(l));
            let footer = p.speaker.is_none()
                && total > 1
                && len <= 150
                && is_footer_promo(promo(&p.text, bold));
            if !footer {
                return;
            }
            if let Some(p) = section.paragraphs.pop() {
                for (line, text) in p.source {
                    self.skipped.push(SkippedLine {
                        line,
                        text,
                        reason: SkipReason::Boilerplate,
                        element: None,
                    });
                }
            }
        }
    }

    fn finish(mut self) -> Transcript {
        // A label whose words never came (the next paragraph has its own label, or there
        // is none) has nothing to say: report it instead of keeping an empty turn.
        for section in &mut self.sections {
            let mut paragraphs = std::mem::take(&mut section.paragraphs)
                .into_iter()
                .peekable();
            while let Some(p) = paragraphs.next() {
                let words_follow = paragraphs.peek().is_some_and(|next| next.speaker.is_none());
                if p.speaker.is_some() && p.text.is_empty() && !words_follow {
                    for (line, text) in p.source {
                        self.skipped.push(SkippedLine {
                            line,
                            text,
                            reason: SkipReason::EmptyLabel,
                            element: None,
                        });
                    }
                } else {
                    section.paragraphs.push(p);
                }
            }
        }
        self.skipped.sort_by_key(|s| s.line);
        self.labels.sort_by_key(|d| d.line);
        Transcript {
            title: self.title,
            metadata: self.metadata,
            sections: self
                .sections
                .into_iter()
                .map(|s| Section {
                    heading: s.heading,
                    line: s.line,
                    paragraphs: s
                        .paragraphs
                        .into_iter()
                        .map(|p| Paragraph {
                            speaker: p.speaker,
                            text: p.text,
                            line: p.line,
                        })
                        .collect(),
                })
                .collect(),
            skipped: self.skipped,
            labels: self.labels,
        }
    }
}

fn next_nonblank(lines: &[String], idx: usize) -> Option<&str> {
    lines
        .iter()
        .skip(idx + 1)
        .find(|l| !l.is_empty())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Transcript {
        parse(src).unwrap_or_else(|e| panic!("parse failed: {e}\n---\n{src}"))
    }

    type Outline = Vec<(Option<String>, Vec<(Option<String>, String)>)>;

    /// (heading, [(speaker, text)]) for every section.
    fn outline(t: &Transcript) -> Outline {
        t.sections
            .iter()
            .map(|s| {
                (
                    s.heading.clone(),
                    s.paragraphs
                        .iter()
                        .map(|p| (p.speaker.clone(), p.text.clone()))
                        .collect(),
                )
            })
            .collect()
    }

    fn paras(t: &Transcript) -> Vec<(Option<&str>, &str)> {
        t.sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| (p.speaker.as_deref(), p.text.as_str()))
            .collect()
    }

    fn reasons(t: &Transcript) -> Vec<(usize, SkipReason)> {
        t.skipped.iter().map(|s| (s.line, s.reason)).collect()
    }

    #[test]
    fn title_and_metadata_become_title_and_metadata() {
        let t = parse_ok(
            "# 一次采访：标题里有冒号\n\n文章作者: 某某\n发布时间：2024-01-01 08:00\n\
             Source: https://example.com/a\n发布地: 上海\n\n正文第一段。\n\n作者：这一行在正文之后，是话。\n",
        );
        assert_eq!(t.title.as_deref(), Some("一次采访：标题里有冒号"));
        assert_eq!(
            t.metadata,
            vec![
                ("文章作者".to_string(), "某某".to_string()),
                ("发布时间".to_string(), "2024-01-01 08:00".to_string()),
                ("Source".to_string(), "https://example.com/a".to_string()),
                ("发布地".to_string(), "上海".to_string()),
            ]
        );
        assert_eq!(
            reasons(&t),
            vec![
                (1, SkipReason::Title),
                (3, SkipReason::Metadata),
                (4, SkipReason::Metadata),
                (5, SkipReason::Metadata),
                (6, SkipReason::Metadata),
            ]
        );
        // Metadata is only recognised at the top; later the line is speech.
        assert_eq!(paras(&t)[1].1, "作者：这一行在正文之后，是话。");
    }

    #[test]
    fn short_key_with_url_value_is_metadata_at_the_top() {
        let t = parse_ok(
            "Podcast page: https://example.com/ep1\nCover image: https://x.y/z.jpg\n\nHello there.",
        );
        assert_eq!(t.metadata.len(), 2);
        assert_eq!(t.metadata[0].0, "Podcast page");
    }

    #[test]
    fn images_and_link_only_lines_are_dropped_and_reported() {
        let t = parse_ok(
            "Intro text.\n\n![](https://img.example/a.png)  \n\n[![cover](https://i/x.png)](https://l/y)\n\
             <img src=\"x.png\">\n\nhttps://example.com/only-a-url\n\n[阅读全文](https://example.com)\n\n\
             See [the paper](https://example.com/p) for details.\n",
        );
        assert_eq!(
            reasons(&t),
            vec![
                (3, SkipReason::Image),
                (5, SkipReason::Image),
                (6, SkipReason::Image),
                (8, SkipReason::LinkOnly),
                (10, SkipReason::LinkOnly),
            ]
        );
        assert_eq!(
            paras(&t),
            vec![(None, "Intro text."), (None, "See the paper for details.")]
        );
    }

    #[test]
    fn bold_lines_and_atx_headings_start_sections_after_an_intro() {
        let t = parse_ok(
            "# Title\n\nBefore any heading.\n\n**第一部分**\n\nA: one\n\n## Second part\n\nA: two\n\n\
             ### Third\n\nA: three\n\n**第四部分：冒号在里面**\n\nA: four\n",
        );
        let headings: Vec<Option<&str>> = t.sections.iter().map(|s| s.heading.as_deref()).collect();
        assert_eq!(
            headings,
            vec![
                None,
                Some("第一部分"),
                Some("Second part"),
                Some("Third"),
                Some("第四部分：冒号在里面")
            ]
        );
        assert_eq!(t.sections[0].paragraphs[0].text, "Before any heading.");
        assert_eq!(t.sections[1].line, 5);
        assert_eq!(t.sections[4].paragraphs[0].speaker.as_deref(), Some("A"));
    }

    #[test]
    fn no_intro_section_when_text_starts_with_a_heading() {
        let t = parse_ok("# T\n\n## One\n\nHost: hi\n");
        assert_eq!(t.sections.len(), 1);
        assert_eq!(t.sections[0].heading.as_deref(), Some("One"));
    }

    #[test]
    fn bold_label_on_its_own_line_takes_the_colon_line_that_follows() {
        let t = parse_ok(
            "**话题**\n\n**Ilya**\n：是的，\n我同意。\n\n**主持人**\n\n：空行之后也可以。\n",
        );
        assert_eq!(
            outline(&t),
            vec![(
                Some("话题".to_string()),
                vec![
                    (Some("Ilya".to_string()), "是的，我同意。".to_string()),
                    (Some("主持人".to_string()), "空行之后也可以。".to_string()),
                ]
            )]
        );
        // The paragraph starts at the label line.
        assert_eq!(t.sections[0].paragraphs[0].line, 3);
        // A bold line NOT followed by a colon line is a heading, even if it is a name.
        let t = parse_ok("**Ilya**\n\nIlya: text\n");
        assert_eq!(t.sections[0].heading.as_deref(), Some("Ilya"));
    }

    #[test]
    fn every_label_form_is_recognised() {
        let t = parse_ok(
            "**甲**：一\n\n**甲** ：二\n\n**甲：**三\n\n**Bob:** four\n\n__Bob__: five\n\n\
             甲：六\n\nBob: seven\n\nBob:eight\n\n**甲**：**九**\n\n【甲】：十\n\n\
             Ilya Sutskever（OpenAI）：十一\n\nIlya Sutskever: twelve\n",
        );
        let got: Vec<(Option<&str>, &str)> = paras(&t);
        assert_eq!(
            got,
            vec![
                (Some("甲"), "一"),
                (Some("甲"), "二"),
                (Some("甲"), "三"),
                (Some("Bob"), "four"),
                (Some("Bob"), "five"),
                (Some("甲"), "六"),
                (Some("Bob"), "seven"),
                (Some("Bob"), "eight"),
                (Some("甲"), "九"),
                (Some("甲"), "十"),
                (Some("Ilya Sutskever"), "十一"),
                (Some("Ilya Sutskever"), "twelve"),
            ]
        );
    }

    #[test]
    fn bold_label_with_empty_text_continues_on_the_next_line() {
        let t = parse_ok("**主持人**：\n问题在下一行？\n\n**嘉宾：**\n回答也在下一行。\n");
        assert_eq!(
            paras(&t),
            vec![
                (Some("主持人"), "问题在下一行？"),
                (Some("嘉宾"), "回答也在下一行。")
            ]
        );
    }

    #[test]
    fn bold_colon_line_without_following_text_is_a_heading() {
        let t = parse_ok("**第一部分：**\n\n**主持人**：你好。\n");
        assert_eq!(t.sections[0].heading.as_deref(), Some("第一部分"));
        assert_eq!(paras(&t), vec![(Some("主持人"), "你好。")]);
    }

    #[test]
    fn plain_colons_in_prose_are_not_labels() {
        let t = parse_ok(
            "以下为对话全文：\n\n注意：本文有删节。\n\n他说：这很重要。\n\n\
             会议定在 12:30 开始。\n\nhttps://example.com 是网址，不是标签。\n\n\
             这是一个很长的句子，里面也有一个冒号：但是名字太长了，不能算标签。\n\n\
             The short version: it works.\n\nNote: lightly edited.\n",
        );
        assert!(
            paras(&t).iter().all(|(s, _)| s.is_none()),
            "{:?}",
            paras(&t)
        );
        // The editor's notes are scaffolding, not speech.
        assert_eq!(paras(&t)[0].1, "他说：这很重要。");
        let scaffolding: Vec<usize> = t
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::Scaffolding)
            .map(|s| s.line)
            .collect();
        assert_eq!(scaffolding, [1, 3, 15]);
    }

    #[test]
    fn a_name_used_once_speaks_among_labelled_turns_or_in_a_dialogue() {
        let interview = "**主持人**：欢迎。\n\n**王工**：谢谢。\n\n观众提问：电器进水怎么办？\n\n\
                         **王工**：先断电。我的经验是：别急着开机。\n";
        let t = parse_ok(interview);
        assert_eq!(paras(&t)[2], (Some("观众提问"), "电器进水怎么办？"));
        assert_eq!(paras(&t)[3].0, Some("王工"));
        let dialogue = parse_ok("# 豆浆\n\n甲：来一碗。\n\n乙：好嘞。\n");
        assert_eq!(
            paras(&dialogue),
            vec![(Some("甲"), "来一碗。"), (Some("乙"), "好嘞。")]
        );
        // Once, in prose with no other labels: text.
        let prose = parse_ok("今天天气很好。\n\n小王：他早就到了。\n\n我们出发吧。\n");
        assert!(paras(&prose).iter().all(|(s, _)| s.is_none()));
        assert_eq!(
            prose.labels[0].verdict,
            Verdict::Refused(Refusal::NoOtherLabels)
        );
    }

    #[test]
    fn the_user_decides_who_speaks() {
        let overrides = SpeakerOverrides {
            speakers: vec!["小王".into()],
            not_speakers: vec!["主持人".into()],
        };
        let t = super::super::parse_with(
            "今天天气很好。\n\n小王：他早就到了。\n\n主持人：欢迎。\n",
            &overrides,
        )
        .unwrap();
        assert_eq!(
            paras(&t),
            vec![
                (None, "今天天气很好。"),
                (Some("小王"), "他早就到了。"),
                (None, "主持人：欢迎。")
            ]
        );
    }

    #[test]
    fn plain_label_needs_repetition_a_role_a_bold_use_or_a_full_name() {
        // A single unknown one-word name is not trusted…
        let t = parse_ok("Intro.\n\nMeanwhile: the lab moved.\n");
        assert_eq!(paras(&t)[1].0, None);
        // …but a repeated one, a role word, a name also used in bold, or a full name is.
        let t = parse_ok("Ana: hi\n\nBo: yes\n\nAna: bye\n\nBo: ok\n");
        assert_eq!(
            paras(&t).iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![Some("Ana"), Some("Bo"), Some("Ana"), Some("Bo")]
        );
        let t = parse_ok("主持人：你好\n\nHost: hello\n\nQ: why?\n\nA: because.\n");
        assert!(paras(&t).iter().all(|p| p.0.is_some()));
        let t = parse_ok("**Ilya**：一\n\nIlya：二\n\nSam Altman: three\n");
        assert_eq!(
            paras(&t).iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![Some("Ilya"), Some("Ilya"), Some("Sam Altman")]
        );
    }

    #[test]
    fn labels_start_paragraphs_without_blank_lines() {
        let t = parse_ok("Ana: first\nBo: second\nstill Bo\nAna: third\nBo: fourth\n");
        assert_eq!(
            paras(&t),
            vec![
                (Some("Ana"), "first"),
                (Some("Bo"), "second still Bo"),
                (Some("Ana"), "third"),
                (Some("Bo"), "fourth"),
            ]
        );
    }

    #[test]
    fn unlabelled_paragraphs_have_no_speaker() {
        let t = parse_ok("Host: one\n\ntwo\n\nBo: three\n\nBo: four\n");
        assert_eq!(
            paras(&t),
            vec![
                (Some("Host"), "one"),
                (None, "two"),
                (Some("Bo"), "three"),
                (Some("Bo"), "four")
            ]
        );
    }

    #[test]
    fn wrapped_lines_join_without_space_at_cjk_and_with_one_between_latin() {
        let t = parse_ok(
            "她在20岁时见过Grace\nHopper本人\nAI\n似乎\n（radio\ntelescope）\n\n\
             A long line that\nwraps here and a self-\nsupervised model.\n",
        );
        assert_eq!(
            paras(&t),
            vec![
                (
                    None,
                    "她在20岁时见过Grace Hopper本人AI似乎（radio telescope）"
                ),
                (
                    None,
                    "A long line that wraps here and a self-supervised model."
                ),
            ]
        );
    }

    #[test]
    fn emphasis_markers_are_removed_but_not_from_words() {
        let t = parse_ok(
            "This is **bold**, *italic*, _under_, __strong__, ~~gone~~ and `code`.\n\n\
             snake_case and __init__ and 2 * 3 and 2*3 and a \\*literal\\* star.\n\n\
             中文**加粗**和*斜体*。\n",
        );
        assert_eq!(
            paras(&t),
            vec![
                (None, "This is bold, italic, under, strong, gone and code."),
                (
                    None,
                    "snake_case and init and 2 * 3 and 2*3 and a *literal* star."
                ),
                (None, "中文加粗和斜体。"),
            ]
        );
    }

    #[test]
    fn odd_whitespace_is_trimmed_and_whitespace_lines_separate_paragraphs() {
        let t = parse_ok(
            "第一段\u{a0}\u{3000}  \n  \t \n&nbsp;\n第二段&nbsp;&nbsp;\n\u{200b}\n第三段\t结尾",
        );
        assert_eq!(
            paras(&t),
            vec![(None, "第一段"), (None, "第二段"), (None, "第三段 结尾")]
        );
    }

    #[test]
    fn footer_promos_are_dropped_but_speech_about_following_is_kept() {
        let src = "**话题**\n\n**Ilya**：我们一直很关注安全问题，也会继续关注。\n\n\
                   **主持人**：请大家点赞。\n\n我们很关注这个。\n\n  \n\n\
                   **⭐星标某某号，每周更新不迷路**⭐****\n\n**别忘了****转发****和****在看**\n\n\
                   ![](https://x/qr.png)\n\n👇👇\n";
        let t = parse_ok(src);
        assert_eq!(
            paras(&t),
            vec![
                (Some("Ilya"), "我们一直很关注安全问题，也会继续关注。"),
                (Some("主持人"), "请大家点赞。"),
                (None, "我们很关注这个。"),
            ]
        );
        assert_eq!(
            reasons(&t)[1..],
            [
                (11, SkipReason::Boilerplate),
                (13, SkipReason::Boilerplate),
                (15, SkipReason::Image),
                (17, SkipReason::Decoration),
            ]
        );
    }

    #[test]
    fn english_footer_and_end_markers_are_dropped() {
        let t = parse_ok(
            "Guest: hi\n\nHost: hello, please share your thoughts.\n\n* * *\n\n\
             Thanks for reading! Subscribe for more.\n\nLike and share 👇\n",
        );
        assert_eq!(paras(&t).len(), 2);
        assert_eq!(
            reasons(&t),
            vec![
                (5, SkipReason::Decoration),
                (7, SkipReason::Boilerplate),
                (9, SkipReason::Boilerplate)
            ]
        );
        let t =
            parse_ok("Guest: hi\n\n—END—\n\n往期推荐\n\n**一篇别的文章**\n\n正文不会到这里。\n");
        assert_eq!(paras(&t), vec![(Some("Guest"), "hi")]);
        assert!(
            t.skipped
                .iter()
                .all(|s| s.reason == SkipReason::Boilerplate)
        );
        assert_eq!(t.skipped.len(), 4);
    }

    #[test]
    fn trailing_promo_paragraph_is_footer_even_below_the_standalone_threshold() {
        // Score 2 (one strong word): not dropped mid-text, dropped at the end.
        let t = parse_ok("Ana: hi\n\nsubscribe now\n\nAna: more\n\nsubscribe now\n");
        assert_eq!(
            paras(&t),
            vec![
                (Some("Ana"), "hi"),
                (None, "subscribe now"),
                (Some("Ana"), "more")
            ]
        );
        assert_eq!(reasons(&t), vec![(7, SkipReason::Boilerplate)]);
        // Weak words alone (no strong word, no decoration) stay speech even at the end.
        let t = parse_ok("Ana: hi\n\nAna: 好的。\n\n我们会继续关注和分享。\n");
        assert_eq!(paras(&t)[2], (None, "我们会继续关注和分享。"));
    }

    #[test]
    fn decoration_lines_are_reported() {
        let t = parse_ok("text\n\n---\n\n***\n\n===\n\n🎉🎉🎉\n\n· · ·\n\n#\n\n> \n\nmore text\n");
        assert_eq!(
            reasons(&t),
            vec![
                (3, SkipReason::Decoration),
                (5, SkipReason::Decoration),
                (7, SkipReason::Decoration),
                (9, SkipReason::Decoration),
                (11, SkipReason::Decoration),
                (13, SkipReason::Decoration),
                (15, SkipReason::Decoration),
            ]
        );
    }

    #[test]
    fn markup_code_fences_and_tables_are_reported() {
        let t = parse_ok(
            "<div align=\"center\">\n\n```\nlet x = 1;\n```\n\n| a | b |\n\nspeech <br> here\n",
        );
        assert_eq!(
            reasons(&t),
            vec![
                (1, SkipReason::Markup),
                (3, SkipReason::Markup),
                (4, SkipReason::Markup),
                (5, SkipReason::Markup),
                (7, SkipReason::Markup),
            ]
        );
        assert_eq!(paras(&t), vec![(None, "speech here")]);
    }

    #[test]
    fn lists_and_quotes_keep_their_words() {
        let t = parse_ok("> Ana: quoted speech\n> Ana: again\n\n- first item\n- second item\n");
        assert_eq!(
            paras(&t),
            vec![
                (Some("Ana"), "quoted speech"),
                (Some("Ana"), "again"),
                (None, "first item second item"),
            ]
        );
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long_line = "很长的句子，".repeat(50_000);
        // Pathological lines that would be quadratic with naive scanning.
        let many_brackets = "[".repeat(20_000) + &"](".repeat(5_000) + &"<".repeat(10_000);
        let many_urls = "see http://a.b/c ".repeat(5_000);
        let inputs: Vec<String> = vec![
            many_urls,
            String::new(),
            " \n\t\n\u{3000}\n".into(),
            "![](a.png)\n\n![](b.png)\n".into(),
            "**未闭合的粗体\n".into(),
            "**Ilya：未闭合的标签\n\n**Ilya**：一\n".into(),
            "**\n****\n** **\n__\n".into(),
            "# 标题\r\n\r\n**主持人**：你好\r\n".into(),
            "\u{feff}# 标题\n\n正文".into(),
            "\tindented\twith\ttabs\t\n".into(),
            "old mac\rline endings\r".into(),
            long_line.clone(),
            many_brackets,
            "：\n:\n：：：\n::\n".into(),
            "**Ilya**\n".into(),
            "**Ilya**\n：\n".into(),
            "#\n##\n#######\n# \n".into(),
            "`\n```\nnever closed".into(),
            "\\\n\\*\n*\n_\n~\n".into(),
            "😀\u{200d}😀\n\u{fe0f}\n".into(),
            "a\u{0}b".into(),
            "[x](\n![y](\n<\n<a\n".into(),
            "é\u{301}: combining: marks\n".into(),
        ];
        for input in &inputs {
            let _ = parse(input);
        }
        assert_eq!(parse(""), Err(TranscriptError::Empty));
        assert_eq!(parse(" \n\t\n\u{3000}\n"), Err(TranscriptError::Empty));
        assert!(matches!(
            parse("![](a.png)\n\n![](b.png)\n"),
            Err(TranscriptError::NoSpeech { skipped: 2, .. })
        ));
        assert_eq!(parse("a\u{0}b"), Err(TranscriptError::Binary));
        assert_eq!(
            paras(&parse_ok("**未闭合的粗体\n")),
            vec![(None, "未闭合的粗体")]
        );
        // Unterminated bold on a label line still finds the label when the name is known.
        assert_eq!(
            paras(&parse_ok("**Ilya：未闭合的标签\n\n**Ilya**：一\n"))[0],
            (Some("Ilya"), "未闭合的标签")
        );
        let crlf = parse_ok("# 标题\r\n\r\n**主持人**：你好\r\n");
        assert_eq!(crlf.title.as_deref(), Some("标题"));
        assert_eq!(paras(&crlf), vec![(Some("主持人"), "你好")]);
        let bom = parse_ok("\u{feff}# 标题\n\n正文");
        assert_eq!(bom.title.as_deref(), Some("标题"));
        assert_eq!(
            paras(&parse_ok("old mac\rline endings\r")),
            vec![(None, "old mac line endings")]
        );
        assert_eq!(
            paras(&parse_ok("\tindented\twith\ttabs\t\n"))[0].1,
            "indented with tabs"
        );
        assert_eq!(
            parse_ok(&long_line).sections[0].paragraphs[0].text.len(),
            long_line.len()
        );
    }

    #[test]
    fn errors_say_what_is_wrong_and_what_to_do() {
        let msg = parse("").unwrap_err().to_string();
        assert!(msg.contains("empty") && msg.contains("pass"), "{msg}");
        let msg = parse("# Only a title\n\n![](x.png)\n")
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("1 episode title") && msg.contains("1 image"),
            "{msg}"
        );
        assert!(msg.contains("make sure"), "{msg}");
    }

    #[test]
    fn skip_reasons_display_short_human_text() {
        assert_eq!(
            SkipReason::Boilerplate.to_string(),
            "promo / footer boilerplate"
        );
        assert_eq!(SkipReason::LinkOnly.to_string(), "link only");
        assert!(SkipReason::Metadata.is_kept_elsewhere());
        assert!(!SkipReason::Image.is_kept_elsewhere());
    }

    #[test]
    fn skipped_lines_are_sorted_and_keep_their_text() {
        let t = parse_ok("# T\n\n![](a.png)\n\ntext\n\n👇\n");
        let lines: Vec<usize> = t.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![1, 3, 7]);
        assert_eq!(t.skipped[1].text, "![](a.png)");
    }
}
