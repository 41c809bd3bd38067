//! HTML input (a WeChat article saved from the browser, or any web page): the page is read
//! with html5ever into the lines the markdown reader takes, so that a page and the same
//! article written as markdown give the same transcript. What the page holds that is not
//! the article (scripts, styles, images, toolbars, QR prompts) is listed with the element
//! it came from.

use super::{SkipReason, SkippedLine, TranscriptError};
use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{
    ElementFlags, NodeOrText, QuirksMode, Tracer, TreeBuilder, TreeBuilderOpts, TreeSink,
};
use html5ever::{Attribute, QualName, TokenizerResult};
use scraper::{Html, HtmlTreeSink, Node};
use std::borrow::Cow;
use std::cell::{Cell, Ref, RefCell};
use std::collections::{HashMap, HashSet};

/// Where a line of the markdown made from a page came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    /// 1-based line of the page where the element starts.
    pub line: usize,
    /// The element, as `<p class="…">`.
    pub element: String,
}

/// A page turned into markdown lines, each with its origin, and what was dropped on the
/// way.
pub(super) struct Page {
    pub lines: Vec<String>,
    pub origins: Vec<Origin>,
    pub dropped: Vec<SkippedLine>,
}

/// True when the text is an HTML page rather than markdown: it opens with a doctype or an
/// `<html>`, `<head>` or `<body>` tag (after a comment or an XML declaration at most).
pub fn looks_like_html(text: &str) -> bool {
    let mut rest = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    loop {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.split_once("-->").map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("<?xml") {
            rest = rest.split_once("?>").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let head: String = rest
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<body", "<meta "]
        .iter()
        .any(|tag| head.starts_with(tag))
}

/// Elements whose content is never text of the article.
const NOT_TEXT: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "video",
    "audio", "canvas", "button", "input", "select", "textarea", "head", "map",
];

/// Elements that open a paragraph of their own.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "tr",
    "table",
    "dd",
    "dt",
    "dl",
    "figure",
    "figcaption",
    "hr",
    "center",
    "body",
];

/// Words in an element's id or class that mark page furniture: toolbars, share and like
/// buttons, QR prompts, tags, comments, rewards, footers (WeChat's `js_toobar3`,
/// `js_pc_qr_code`, `js_tags`, `rich_media_tool`, and their likes elsewhere).
const FURNITURE: &[&str] = &[
    "qr_code",
    "qrcode",
    "qr-code",
    "toobar",
    "toolbar",
    "rich_media_tool",
    "rich_media_area_extra",
    "share",
    "like_",
    "js_like",
    "reward",
    "sponsor",
    "js_tags",
    "article-tag",
    "comment",
    "js_cmt",
    "footer",
    "recommend",
    "related",
    "profile_card",
    "subscribe",
    "advert",
    "breadcrumb",
    "navbar",
    "sidebar",
];

/// Page furniture by its tag alone.
const FURNITURE_TAGS: &[&str] = &["nav", "footer", "aside", "form"];

/// How many elements a page may hold open at once, nested one in another. html5ever checks
/// each new tag against the elements still open, so a page nested N deep takes N² steps (a
/// page of 200,000 nested `<div>`s took over a minute); with at most this many open, every
/// tag costs at most this many steps and reading stays linear in the page's size. No page
/// as a browser shows it is deeper: Chrome hangs any element past the 512th level beside
/// its parent instead of inside it.
pub(super) const MAX_OPEN_ELEMENTS: usize = 512;

/// Reads a page into markdown lines; refuses a page nested deeper than
/// [`MAX_OPEN_ELEMENTS`].
pub(super) fn to_markdown(source: &str) -> Result<Page, TranscriptError> {
    let (html, lines) = parse_with_lines(source)?;
    let mut reader = Reader {
        lines: &lines,
        out: Page {
            lines: Vec::new(),
            origins: Vec::new(),
            dropped: Vec::new(),
        },
        block: String::new(),
        block_origin: None,
        bold_depth: 0,
        bold_open_at: None,
        last_span: None,
        consumed: HashSet::new(),
    };
    let root = html.tree.root();
    let content = content_root(root);
    let chinese = source.chars().any(super::is_cjk);
    if let Some((title, origin)) = title(root, &lines, &mut reader.consumed) {
        reader.emit_paragraph(format!("# {title}"), origin);
    }
    let metadata = metadata(root, &lines, chinese, &mut reader.consumed);
    let colon = if chinese { "：" } else { ": " };
    for (key, value, origin) in &metadata {
        reader.emit(format!("{key}{colon}{value}"), origin.clone());
    }
    if let Some((_, _, origin)) = metadata.last() {
        reader.emit(String::new(), origin.clone());
    }
    let around_content: HashSet<NodeId> = content.ancestors().map(|n| n.id()).collect();
    reader.outside(root, content.id(), &around_content);
    reader.walk(content);
    reader.flush();
    Ok(reader.out)
}

/// The element that holds the article: WeChat's `#js_content`, else `<article>`, `<main>`
/// or `<body>`, else the whole document.
fn content_root(root: NodeRef<'_, Node>) -> NodeRef<'_, Node> {
    let find = |test: &dyn Fn(&scraper::node::Element) -> bool| {
        root.descendants()
            .find(|n| n.value().as_element().is_some_and(test))
    };
    find(&|e| e.id() == Some("js_content"))
        .or_else(|| find(&|e| e.classes().any(|c| c == "rich_media_content")))
        .or_else(|| find(&|e| e.name() == "article"))
        .or_else(|| find(&|e| e.name() == "main"))
        .or_else(|| find(&|e| e.name() == "body"))
        .unwrap_or(root)
}

/// The article's title: WeChat's `rich_media_title`, else `og:title`, else `<title>`, else
/// the first `<h1>`.
fn title(
    root: NodeRef<'_, Node>,
    lines: &HashMap<NodeId, usize>,
    consumed: &mut HashSet<NodeId>,
) -> Option<(String, Origin)> {
    let element = |test: &dyn Fn(&scraper::node::Element) -> bool| {
        root.descendants()
            .find(|n| n.value().as_element().is_some_and(test))
    };
    let from_element = |node: NodeRef<'_, Node>| {
        let text = collapse(&text_of(node));
        (!text.is_empty()).then(|| (text, origin_of(node, lines), node.id()))
    };
    let wechat = element(&|e| {
        e.id() == Some("activity-name") || e.classes().any(|c| c == "rich_media_title")
    })
    .and_then(from_element);
    let og =
        element(&|e| e.name() == "meta" && e.attr("property") == Some("og:title")).and_then(|n| {
            let text = collapse(n.value().as_element()?.attr("content")?);
            (!text.is_empty()).then(|| (text, origin_of(n, lines), n.id()))
        });
    let tag = element(&|e| e.name() == "title").and_then(from_element);
    let h1 = element(&|e| e.name() == "h1").and_then(from_element);
    let (text, origin, id) = wechat.or(og).or(tag).or(h1)?;
    consumed.insert(id);
    // The same title as an `<h1>` in the article is not said twice.
    if let Some(h1) = element(&|e| e.name() == "h1")
        && collapse(&text_of(h1)) == text
    {
        consumed.insert(h1.id());
    }
    Some((text, origin))
}

/// The metadata block: WeChat's author, account and publish time, else the page's
/// `<meta>` author and publish time; then the article's link and cover. Keys in Chinese
/// for a Chinese page.
fn metadata(
    root: NodeRef<'_, Node>,
    lines: &HashMap<NodeId, usize>,
    chinese: bool,
    consumed: &mut HashSet<NodeId>,
) -> Vec<(String, String, Origin)> {
    let key = |zh: &str, en: &str| if chinese { zh } else { en }.to_string();
    let by_id = |id: &str| {
        root.descendants()
            .find(|n| n.value().as_element().is_some_and(|e| e.id() == Some(id)))
    };
    let mut found = Vec::new();
    let mut take = |k: String, node: NodeRef<'_, Node>, consumed: &mut HashSet<NodeId>| {
        let value = collapse(&text_of(node));
        if !value.is_empty() {
            consumed.insert(node.id());
            found.push((k, value, origin_of(node, lines)));
        }
    };
    let block = by_id("meta_content");
    let author = by_id("js_author_name").or_else(|| {
        block?.descendants().find(|n| {
            n.value().as_element().is_some_and(|e| {
                e.classes().any(|c| c == "rich_media_meta_text")
                    && e.id() != Some("publish_time")
                    && !e.classes().any(|c| c == "rich_media_meta_nickname")
            })
        })
    });
    if let Some(node) = author {
        take(key("作者", "Author"), node, consumed);
    }
    if let Some(node) = by_id("js_name") {
        take(key("公众号", "Publisher"), node, consumed);
    }
    if let Some(node) = by_id("publish_time") {
        take(key("发布时间", "Published"), node, consumed);
    }
    if found.is_empty() {
        let meta = |attr: &str, value: &str| {
            root.descendants().find(|n| {
                n.value()
                    .as_element()
                    .is_some_and(|e| e.name() == "meta" && e.attr(attr) == Some(value))
            })
        };
        for (k, attr, value) in [
            (key("作者", "Author"), "name", "author"),
            (
                key("发布时间", "Published"),
                "property",
                "article:published_time",
            ),
        ] {
            if let Some(node) = meta(attr, value)
                && let Some(content) = node.value().as_element().and_then(|e| e.attr("content"))
            {
                let content = collapse(content);
                if !content.is_empty() {
                    found.push((k, content, origin_of(node, lines)));
                }
            }
        }
    }
    if let Some(block) = block {
        consumed.insert(block.id());
    }
    found.extend(link_and_cover(root, lines, chinese));
    found
}

/// The article's own address and its cover image, which the feed gives each episode as
/// its link and artwork. The link is the page's `og:url`, else its canonical link, else
/// the `saved from url=` comment a browser (or `recast` fetching it) writes when saving a
/// page; the cover is its `og:image`, else WeChat's `msg_cdn_url`. Only web addresses
/// count: a relative one would point nowhere once the page is saved.
fn link_and_cover(
    root: NodeRef<'_, Node>,
    lines: &HashMap<NodeId, usize>,
    chinese: bool,
) -> Vec<(String, String, Origin)> {
    let key = |zh: &str, en: &str| if chinese { zh } else { en }.to_string();
    let address = |value: &str| super::is_web_address(value).then(|| value.trim().to_string());
    let attr_of = |test: &dyn Fn(&scraper::node::Element) -> bool, attr: &str| {
        root.descendants().find_map(|n| {
            let e = n.value().as_element().filter(|e| test(e))?;
            Some((address(e.attr(attr)?)?, origin_of(n, lines)))
        })
    };
    let og = |property: &'static str| {
        move |e: &scraper::node::Element| {
            e.name() == "meta"
                && (e.attr("property") == Some(property) || e.attr("name") == Some(property))
        }
    };
    let canonical = |e: &scraper::node::Element| {
        e.name() == "link"
            && e.attr("rel").is_some_and(|rel| {
                rel.split_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"))
            })
    };
    let saved_from = || {
        root.descendants().find_map(|n| {
            let url = n
                .value()
                .as_comment()?
                .trim()
                .strip_prefix("saved from url=")?;
            // `(0042)https://…`: the count is the address's length, as browsers write it.
            let url = url
                .strip_prefix('(')
                .and_then(|rest| rest.split_once(')'))
                .map_or(url, |(_, url)| url);
            Some((address(url)?, origin_of(n, lines)))
        })
    };
    let cdn_cover = || {
        root.descendants()
            .filter(|n| n.value().as_element().is_some_and(|e| e.name() == "script"))
            .find_map(|n| Some((address(&msg_cdn_url(&text_of(n))?)?, origin_of(n, lines))))
    };
    let mut found = Vec::new();
    let link = attr_of(&og("og:url"), "content")
        .or_else(|| attr_of(&canonical, "href"))
        .or_else(saved_from);
    if let Some((url, origin)) = link {
        found.push((key("原文链接", "Source"), url, origin));
    }
    if let Some((url, origin)) = attr_of(&og("og:image"), "content").or_else(cdn_cover) {
        found.push((key("封面图链接", "Cover"), url, origin));
    }
    found
}

/// WeChat's cover image, set in a script as `var msg_cdn_url = "…";` (with `&` escaped as
/// `\x26` or `&amp;`, as WeChat's templates write it).
fn msg_cdn_url(script: &str) -> Option<String> {
    let after = script.split_once("msg_cdn_url")?.1.trim_start();
    let after = after.strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = after[1..].split_once(quote)?.0;
    Some(value.replace("\\x26", "&").replace("&amp;", "&"))
}

struct Reader<'a> {
    lines: &'a HashMap<NodeId, usize>,
    out: Page,
    /// The paragraph being gathered, in markdown (`**` for bold, `\n` for `<br>`).
    block: String,
    block_origin: Option<Origin>,
    bold_depth: usize,
    /// Where the open bold span's `**` starts in `block`.
    bold_open_at: Option<usize>,
    /// Where the last closed span opened and where its closing `**` ends: a span that
    /// opens right there continues it.
    last_span: Option<(usize, usize)>,
    /// Elements already read as the title or metadata.
    consumed: HashSet<NodeId>,
}

/// An element of the article whose children are being read.
struct Open<'t> {
    node: NodeRef<'t, Node>,
    /// The child to read next.
    next: Option<NodeRef<'t, Node>>,
    /// It opened a paragraph, to end after its children.
    block: bool,
    /// It opened a bold span, to close after its children.
    bold: bool,
}

/// The most nodes a table row's first cell may hold to be read as a speaker's name.
const NAME_CELL_NODES: usize = 64;

impl Reader<'_> {
    fn emit(&mut self, line: String, origin: Origin) {
        self.out.lines.push(line);
        self.out.origins.push(origin);
    }

    /// A line that is a paragraph of its own: it, then a blank line.
    fn emit_paragraph(&mut self, line: String, origin: Origin) {
        self.emit(line, origin.clone());
        self.emit(String::new(), origin);
    }

    fn drop(&mut self, node: NodeRef<'_, Node>, reason: SkipReason, text: String) {
        let origin = origin_of(node, self.lines);
        self.out.dropped.push(SkippedLine {
            line: origin.line,
            text,
            reason,
            element: Some(origin.element),
        });
    }

    /// Reports what lies outside the article's element (`content`, inside the elements
    /// `around_content`): page furniture, scripts and styles, except the title and
    /// metadata already read.
    fn outside(
        &mut self,
        root: NodeRef<'_, Node>,
        content: NodeId,
        around_content: &HashSet<NodeId>,
    ) {
        // A stack, not recursion, for the reason `walk` gives.
        let mut todo = vec![root];
        while let Some(node) = todo.pop() {
            if node.id() == content || self.consumed.contains(&node.id()) {
                continue;
            }
            if around_content.contains(&node.id()) {
                todo.extend(node.children().rev());
                continue;
            }
            let Some(element) = node.value().as_element() else {
                continue;
            };
            match element.name() {
                "script" | "style" | "noscript" | "template" => self.drop_markup(node),
                "img" => self.drop_image(node),
                "title" | "meta" | "link" | "base" => {}
                // The page's head: only its scripts and styles are worth a line.
                "head" => todo.extend(node.children().rev()),
                _ => self.drop_subtree(node),
            }
        }
    }

    /// Reports a script or style by the start of its text.
    fn drop_markup(&mut self, node: NodeRef<'_, Node>) {
        let text = collapse(&text_of(node));
        if !text.is_empty() {
            self.drop(node, SkipReason::Markup, shorten(&text, 60));
        }
    }

    /// Reports page furniture: the scripts, styles and images in it as such, the rest of
    /// its text in one line (unless it holds what was read as the title or metadata).
    fn drop_subtree(&mut self, node: NodeRef<'_, Node>) {
        for inner in node.descendants().skip(1) {
            if self.consumed.contains(&inner.id()) {
                continue;
            }
            match inner.value().as_element().map(|e| e.name()) {
                Some("script" | "style") => self.drop_markup(inner),
                Some("img") => self.drop_image(inner),
                _ => {}
            }
        }
        let text = collapse(&visible_text(node));
        if !text.is_empty() && !self.has_consumed_inside(node) {
            self.drop(node, SkipReason::Boilerplate, shorten(&text, 100));
        }
    }

    fn has_consumed_inside(&self, node: NodeRef<'_, Node>) -> bool {
        node.descendants().any(|d| self.consumed.contains(&d.id()))
    }

    fn drop_image(&mut self, node: NodeRef<'_, Node>) {
        let Some(e) = node.value().as_element() else {
            return;
        };
        let src = e
            .attr("data-src")
            .or_else(|| e.attr("src").filter(|s| !s.starts_with("data:")))
            .unwrap_or("");
        let alt = e.attr("alt").unwrap_or("");
        self.drop(
            node,
            SkipReason::Image,
            shorten(&format!("![{alt}]({src})"), 200),
        );
    }

    /// Reads the article's element: blocks become paragraphs, `<strong>` bold, `<br>` a
    /// line break, headings `#` lines; images and furniture are reported.
    fn walk(&mut self, root: NodeRef<'_, Node>) {
        // The elements being read are kept on a stack, not in recursive calls: however deep
        // a page nests, the thread's stack does not overflow.
        let mut open: Vec<Open<'_>> = self.enter(root).into_iter().collect();
        while let Some(top) = open.last_mut() {
            let Some(child) = top.next else {
                if let Some(done) = open.pop() {
                    self.leave(&done);
                }
                continue;
            };
            top.next = child.next_sibling();
            if top.block && self.block.is_empty() {
                // A nested block resets the origin: keep the innermost.
                self.block_origin = Some(origin_of(top.node, self.lines));
            }
            if let Some(inner) = self.enter(child) {
                open.push(inner);
            }
        }
    }

    /// Reads a node up to its children: the node whole when it is text, a heading, a
    /// dialogue row or something dropped (`None`), else what opens it, and the element
    /// whose children are to be read.
    fn enter<'t>(&mut self, node: NodeRef<'t, Node>) -> Option<Open<'t>> {
        if self.consumed.contains(&node.id()) {
            return None;
        }
        let element = match node.value() {
            Node::Text(text) => {
                self.push_text(text);
                return None;
            }
            Node::Element(element) => element,
            _ => return None,
        };
        let name = element.name();
        if NOT_TEXT.contains(&name) {
            if matches!(name, "script" | "style" | "noscript" | "template") {
                self.flush();
                self.drop_markup(node);
            }
            return None;
        }
        if name == "img" {
            self.flush();
            self.drop_image(node);
            return None;
        }
        if is_furniture(element) {
            self.flush();
            self.drop_subtree(node);
            return None;
        }
        if let Some(level) = heading_level(name) {
            self.flush();
            let text = collapse(&visible_text(node));
            if !text.is_empty() {
                let origin = origin_of(node, self.lines);
                self.emit_paragraph(format!("{} {text}", "#".repeat(level)), origin);
            }
            return None;
        }
        if name == "br" {
            self.line_break();
            return None;
        }
        if name == "tr" && self.row(node) {
            return None;
        }
        if matches!(name, "td" | "th") {
            // Cells apart, not run together.
            self.push_text(" ");
        }
        let block = BLOCKS.contains(&name);
        if block {
            self.flush();
        }
        let bold = matches!(name, "strong" | "b");
        if bold {
            self.open_bold();
        }
        Some(Open {
            node,
            next: node.first_child(),
            block,
            bold,
        })
    }

    /// Closes what [`Reader::enter`] opened, once the element's children are read.
    fn leave(&mut self, open: &Open<'_>) {
        if open.bold {
            self.close_bold();
        }
        if open.block {
            self.flush();
        }
    }

    /// Reads a table row whole when it is a header row or a turn (true); else its cells
    /// are read as any other element.
    fn row(&mut self, row: NodeRef<'_, Node>) -> bool {
        let cells = cells_of(row);
        if !cells.is_empty() && cells.iter().all(|(header, _)| *header) {
            // A header row (说话人 | 内容) names the columns, not a speaker.
            let text = collapse(&visible_text(row));
            self.flush();
            if !text.is_empty() {
                self.drop(row, SkipReason::Markup, shorten(&text, 100));
            }
            return true;
        }
        let [(false, who), (false, said)] = cells.as_slice() else {
            return false;
        };
        // A name is a few words in a few elements: a first cell of more is not read here,
        // so rows nested in it are not read once for every row around them.
        let Some(who) = visible_text_within(*who, NAME_CELL_NODES).map(|t| collapse(&t)) else {
            return false;
        };
        if who.chars().count() > 16 || super::labels::name_shape(&who).is_none() {
            return false;
        }
        let said = collapse(&visible_text(*said));
        if said.is_empty() {
            return false;
        }
        // A row of name and words is a turn, as `Name：words` would be.
        self.flush();
        let origin = origin_of(row, self.lines);
        self.emit_paragraph(format!("{who}：{said}"), origin);
        true
    }

    fn push_text(&mut self, text: &str) {
        let mut piece = collapse_keeping_edges(text);
        let at_start = self.block.is_empty()
            || self.block.ends_with('\n')
            || self
                .bold_open_at
                .is_some_and(|at| at + 2 == self.block.len());
        if at_start {
            piece = piece.trim_start().to_string();
        }
        // Source line breaks between Chinese characters are not spaces.
        if piece.starts_with(' ')
            && self.block.chars().last().is_some_and(super::is_cjk)
            && piece.chars().nth(1).is_some_and(super::is_cjk)
        {
            piece.remove(0);
        }
        if piece.is_empty() {
            return;
        }
        if self.block_origin.is_none() {
            self.block_origin = self.out.origins.last().cloned();
        }
        self.block.push_str(&piece);
    }

    fn open_bold(&mut self) {
        self.bold_depth += 1;
        if self.bold_depth == 1 {
            self.open_span();
        }
    }

    fn close_bold(&mut self) {
        self.bold_depth = self.bold_depth.saturating_sub(1);
        if self.bold_depth == 0 {
            self.end_span();
        }
    }

    /// Writes the opening `**`, or continues the span that ends the block:
    /// `<strong>a</strong><strong>b</strong>` is one span, as the markdown twin writes it.
    fn open_span(&mut self) {
        match self.last_span.take() {
            Some((at, end)) if end == self.block.len() => {
                self.block.truncate(end - 2);
                self.bold_open_at = Some(at);
            }
            _ => {
                self.bold_open_at = Some(self.block.len());
                self.block.push_str("**");
            }
        }
    }

    /// Writes the closing `**` of the open span; an empty span leaves nothing, not `****`.
    fn end_span(&mut self) {
        let Some(at) = self.bold_open_at.take() else {
            return;
        };
        let inner = &self.block[at + 2..];
        if inner.trim().is_empty() {
            let rest = inner.to_string();
            self.block.truncate(at);
            self.block.push_str(&rest);
            return;
        }
        // Spaces at the end of the span go after the marker: `**Name** text`.
        let trimmed = self.block.trim_end_matches(' ').len();
        let spaces = self.block.len() - trimmed;
        self.block.truncate(trimmed);
        self.block.push_str("**");
        self.last_span = Some((at, self.block.len()));
        self.block.push_str(&" ".repeat(spaces));
    }

    /// `<br>`: a new line, with a bold span closed before it and opened again after.
    fn line_break(&mut self) {
        let bold = self.bold_depth > 0;
        if bold {
            self.end_span();
        }
        self.block.push('\n');
        if bold {
            self.open_span();
        }
    }

    /// Ends the paragraph being gathered: its lines, then a blank line.
    fn flush(&mut self) {
        let reopen = self.bold_depth > 0;
        if reopen {
            self.end_span();
        }
        self.last_span = None;
        let block = std::mem::take(&mut self.block);
        let origin = self.block_origin.take().unwrap_or(Origin {
            line: 1,
            element: String::new(),
        });
        let mut wrote = false;
        for line in block.split('\n') {
            let line = line.trim_matches(' ');
            if line.is_empty() || line == "****" {
                continue;
            }
            self.emit(line.to_string(), origin.clone());
            wrote = true;
        }
        if wrote {
            self.emit(String::new(), origin);
        }
        if reopen {
            self.open_span();
        }
    }
}

/// The cells of a table row: (is a header cell, the cell).
fn cells_of(row: NodeRef<'_, Node>) -> Vec<(bool, NodeRef<'_, Node>)> {
    row.children()
        .filter_map(|cell| {
            let name = cell.value().as_element()?.name();
            matches!(name, "td" | "th").then_some((name == "th", cell))
        })
        .collect()
}

fn heading_level(name: &str) -> Option<usize> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

fn is_furniture(element: &scraper::node::Element) -> bool {
    if FURNITURE_TAGS.contains(&element.name()) {
        return true;
    }
    let marks = element
        .id()
        .into_iter()
        .chain(element.classes())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>();
    marks
        .iter()
        .any(|mark| FURNITURE.iter().any(|word| mark.contains(word)))
}

/// All the text under a node, scripts and styles included.
fn text_of(node: NodeRef<'_, Node>) -> String {
    node.descendants()
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text a reader would see under a node: without scripts and styles.
fn visible_text(node: NodeRef<'_, Node>) -> String {
    visible_text_within(node, usize::MAX).unwrap_or_default()
}

/// [`visible_text`], or `None` when the node holds more than `max_nodes` nodes.
fn visible_text_within(node: NodeRef<'_, Node>, max_nodes: usize) -> Option<String> {
    let mut out = String::new();
    let mut seen = 0usize;
    // The element whose inside is not read (a script, a style, a `<br>`), while in it.
    let mut hidden: Option<NodeId> = None;
    // Edges rather than recursion, one buffer rather than a string per level: text nested
    // deep is copied once, and the thread's stack does not overflow.
    for edge in node.traverse() {
        match edge {
            Edge::Open(n) if n.id() == node.id() => {}
            Edge::Open(_) if hidden.is_some() => {}
            Edge::Open(n) => {
                seen += 1;
                if seen > max_nodes {
                    return None;
                }
                match n.value() {
                    Node::Text(t) => out.push_str(t),
                    Node::Element(e) if NOT_TEXT.contains(&e.name()) => hidden = Some(n.id()),
                    Node::Element(e) if e.name() == "br" => {
                        out.push(' ');
                        hidden = Some(n.id());
                    }
                    Node::Element(_) => out.push(' '),
                    _ => {}
                }
            }
            Edge::Close(n) if hidden == Some(n.id()) => hidden = None,
            Edge::Close(n) if hidden.is_none() && n.id() != node.id() && n.value().is_element() => {
                out.push(' ');
            }
            Edge::Close(_) => {}
        }
    }
    Some(out)
}

/// Whitespace runs as one space, trimmed; none between two Chinese characters.
fn collapse(text: &str) -> String {
    let spaced = collapse_keeping_edges(text);
    let chars: Vec<char> = spaced.trim().chars().collect();
    let mut out = String::with_capacity(spaced.len());
    for (i, &c) in chars.iter().enumerate() {
        let between_cjk = c == ' '
            && i > 0
            && super::is_cjk(chars[i - 1])
            && chars.get(i + 1).is_some_and(|&n| super::is_cjk(n));
        if !between_cjk {
            out.push(c);
        }
    }
    out
}

/// Whitespace runs (no-break spaces included) as one space.
fn collapse_keeping_edges(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{a0}' {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut s: String = text.chars().take(max).collect();
    s.push('…');
    s
}

/// `<p class="a b">`, `<div id="js_content">`: an element as `--explain` names it.
fn describe(element: &scraper::node::Element) -> String {
    let mut s = format!("<{}", element.name());
    if let Some(id) = element.id() {
        s.push_str(&format!(" id=\"{}\"", shorten(id, 40)));
    }
    let classes: Vec<&str> = element.classes().take(3).collect();
    if !classes.is_empty() {
        s.push_str(&format!(" class=\"{}\"", shorten(&classes.join(" "), 60)));
    }
    s.push('>');
    s
}

/// The line and description of a node's element (its parent's, for text).
fn origin_of(node: NodeRef<'_, Node>, lines: &HashMap<NodeId, usize>) -> Origin {
    let element =
        std::iter::successors(Some(node), |n| n.parent()).find(|n| n.value().is_element());
    match element {
        Some(e) => Origin {
            line: lines.get(&e.id()).copied().unwrap_or(1),
            element: e.value().as_element().map(describe).unwrap_or_default(),
        },
        None => Origin {
            line: 1,
            element: String::new(),
        },
    }
}

/// Parses a page, noting the source line where each element starts; refuses a page that
/// holds more than [`MAX_OPEN_ELEMENTS`] open at once.
fn parse_with_lines(source: &str) -> Result<(Html, HashMap<NodeId, usize>), TranscriptError> {
    let sink = LineSink {
        inner: HtmlTreeSink::new(Html::new_document()),
        line: Cell::new(1),
        lines: RefCell::new(HashMap::new()),
    };
    // html5ever's `parse_document`, with a guard between its tokenizer and tree builder.
    let guard = DepthGuard {
        builder: TreeBuilder::new(sink, TreeBuilderOpts::default()),
        too_deep: RefCell::new(None),
    };
    let tokenizer = Tokenizer::new(guard, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(source));
    loop {
        // Not done: a script ended, a `<meta>` named an encoding, or the guard stopped.
        let done = matches!(tokenizer.feed(&input), TokenizerResult::Done);
        if let Some((line, element)) = tokenizer.sink.too_deep.take() {
            return Err(TranscriptError::TooDeep {
                limit: MAX_OPEN_ELEMENTS,
                line,
                element,
            });
        }
        if done {
            break;
        }
    }
    tokenizer.end();
    Ok(tokenizer.sink.builder.sink.finish())
}

/// Passes the tokens to the tree builder, and stops the tokenizer once the builder holds
/// more than [`MAX_OPEN_ELEMENTS`] open.
struct DepthGuard {
    builder: TreeBuilder<NodeId, LineSink>,
    /// The line and tag of the start tag that went past the limit.
    too_deep: RefCell<Option<(usize, String)>>,
}

impl DepthGuard {
    /// The elements the tree builder holds: its open elements and the formatting elements
    /// it would open again (the lists it searches for each tag), its head and its form.
    /// Counting them costs no more than the search the tag has just made.
    fn held(&self) -> usize {
        struct Count(Cell<usize>);
        impl Tracer for Count {
            type Handle = NodeId;
            fn trace_handle(&self, _: &NodeId) {
                self.0.set(self.0.get() + 1);
            }
        }
        let count = Count(Cell::new(0));
        self.builder.trace_handles(&count);
        // Not the document, which is never searched.
        count.0.get().saturating_sub(1)
    }
}

impl TokenSink for DepthGuard {
    type Handle = NodeId;

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<NodeId> {
        // Only a start tag adds elements (text reopens formatting elements, but those are
        // already counted, and the next start tag sees them).
        let start = match &token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag => Some(tag.name.to_string()),
            _ => None,
        };
        let result = self.builder.process_token(token, line);
        if let Some(element) = start
            && self.held() > MAX_OPEN_ELEMENTS
        {
            let line = usize::try_from(line).unwrap_or(usize::MAX);
            *self.too_deep.borrow_mut() = Some((line, element));
            // Suspends the tokenizer as a script would: the rest of the page is not read.
            return TokenSinkResult::Script(self.builder.sink.get_document());
        }
        result
    }

    fn end(&self) {
        self.builder.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.builder
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// scraper's tree builder, plus the line each element starts on (html5ever reports lines
/// to the sink; scraper does not keep them).
struct LineSink {
    inner: HtmlTreeSink,
    line: Cell<u64>,
    lines: RefCell<HashMap<NodeId, usize>>,
}

impl TreeSink for LineSink {
    type Output = (Html, HashMap<NodeId, usize>);
    type Handle = NodeId;
    type ElemName<'a> = Ref<'a, QualName>;

    fn finish(self) -> Self::Output {
        (self.inner.finish(), self.lines.into_inner())
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }

    fn get_document(&self) -> NodeId {
        self.inner.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a NodeId) -> Ref<'a, QualName> {
        self.inner.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> NodeId {
        let id = self.inner.create_element(name, attrs, flags);
        let line = usize::try_from(self.line.get()).unwrap_or(usize::MAX);
        self.lines.borrow_mut().insert(id, line);
        id
    }

    fn create_comment(&self, text: StrTendril) -> NodeId {
        self.inner.create_comment(text)
    }

    fn create_pi(&self, target: StrTendril, data: StrTendril) -> NodeId {
        self.inner.create_pi(target, data)
    }

    fn append(&self, parent: &NodeId, child: NodeOrText<NodeId>) {
        self.inner.append(parent, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &NodeId,
        prev_element: &NodeId,
        child: NodeOrText<NodeId>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn get_template_contents(&self, target: &NodeId) -> NodeId {
        self.inner.get_template_contents(target)
    }

    fn same_node(&self, x: &NodeId, y: &NodeId) -> bool {
        self.inner.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &NodeId, new_node: NodeOrText<NodeId>) {
        self.inner.append_before_sibling(sibling, new_node);
    }

    fn add_attrs_if_missing(&self, target: &NodeId, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }

    fn remove_from_parent(&self, target: &NodeId) {
        self.inner.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &NodeId, new_parent: &NodeId) {
        self.inner.reparent_children(node, new_parent);
    }

    fn set_current_line(&self, line_number: u64) {
        self.line.set(line_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript::{SpeakerOverrides, TranscriptError, parse_html_with};

    fn turns(html: &str) -> Vec<(Option<String>, String)> {
        parse_html_with(html, &SpeakerOverrides::default())
            .unwrap()
            .sections
            .iter()
            .flat_map(|s| &s.paragraphs)
            .map(|p| (p.speaker.clone(), p.text.clone()))
            .collect()
    }

    #[test]
    fn pages_are_told_from_markdown_by_how_they_start() {
        assert!(looks_like_html("<!DOCTYPE html><html>"));
        assert!(looks_like_html(
            "\u{feff}<!-- saved from url -->\n<html lang=zh>"
        ));
        assert!(looks_like_html("<?xml version=\"1.0\"?><html>"));
        assert!(!looks_like_html("# Title\n\n<img src=x>"));
        assert!(!looks_like_html("主持人：<b>你好</b>"));
    }

    fn metadata_of(html: &str) -> Vec<(String, String)> {
        parse_html_with(html, &SpeakerOverrides::default())
            .unwrap()
            .metadata
    }

    fn spoken(html: &str) -> String {
        turns(html)
            .into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("\n")
    }

    const ARTICLE_EN: &str = "<body><p><b>Ada:</b> The kettle is on.</p>\
        <p><b>Ben:</b> Then we have time for one question.</p></body></html>";

    #[test]
    fn the_link_is_og_url_then_canonical_then_the_saved_from_comment() {
        let saved = "<!-- saved from url=(0027)https://example.org/saved/1 -->\n<html><head>";
        let canonical = "<link rel=\"alternate canonical\" href=\"https://example.org/canon\">";
        let og = "<meta property=\"og:url\" content=\"https://example.org/og?a=1&amp;b=2\">";
        let link = |page: String| {
            metadata_of(&page)
                .into_iter()
                .find(|(k, _)| k == "Source")
                .map(|(_, v)| v)
        };
        let page = |head: &str| format!("{saved}{head}</head>{ARTICLE_EN}");
        assert_eq!(
            link(page(&format!("{canonical}{og}"))).as_deref(),
            Some("https://example.org/og?a=1&b=2")
        );
        assert_eq!(
            link(page(canonical)).as_deref(),
            Some("https://example.org/canon")
        );
        assert_eq!(
            link(page("")).as_deref(),
            Some("https://example.org/saved/1")
        );
        // A relative canonical link points nowhere once the page is saved.
        let relative = "<link rel=canonical href=\"/canon\">";
        assert_eq!(
            link(page(relative)).as_deref(),
            Some("https://example.org/saved/1")
        );
        assert_eq!(link(format!("<html><head></head>{ARTICLE_EN}")), None);
        // The comment as Chrome writes it, after the doctype, and without a count.
        let chrome = format!(
            "<!DOCTYPE html>\n<!-- saved from url=https://example.org/c -->\n<html><head></head>{ARTICLE_EN}"
        );
        assert_eq!(link(chrome).as_deref(), Some("https://example.org/c"));
    }

    #[test]
    fn the_cover_is_og_image_else_wechats_msg_cdn_url() {
        let script = "<script>var msg_cdn_url = \"https://img.example.cn/c/0?wx_fmt=jpeg\\x26amp;from=1\";\
            var other = 1;</script>";
        let og = "<meta property=\"og:image\" content=\"https://img.example.cn/og.png\">";
        let page = format!(
            "<html><head>{og}{script}</head><body><p><b>主持人：</b>今天聊聊种菜。</p>\
             <p><b>嘉宾：</b>好的，从浇水说起。</p></body></html>"
        );
        let metadata = metadata_of(&page);
        assert!(
            metadata.contains(&("封面图链接".into(), "https://img.example.cn/og.png".into())),
            "{metadata:?}"
        );
        let page = page.replace(og, "");
        let metadata = metadata_of(&page);
        assert!(
            metadata.contains(&(
                "封面图链接".into(),
                "https://img.example.cn/c/0?wx_fmt=jpeg&from=1".into()
            )),
            "{metadata:?}"
        );
        assert!(!spoken(&page).contains("img.example.cn"));
    }

    #[test]
    fn link_and_cover_are_metadata_not_speech() {
        let page = format!(
            "<!-- saved from url=(0024)https://example.org/talk -->\n<html><head>\
             <meta property=\"og:image\" content=\"https://example.org/cover.jpg\"></head>{ARTICLE_EN}"
        );
        let metadata = metadata_of(&page);
        assert_eq!(
            metadata,
            [
                ("Source".to_string(), "https://example.org/talk".to_string()),
                (
                    "Cover".to_string(),
                    "https://example.org/cover.jpg".to_string()
                ),
            ]
        );
        let text = spoken(&page);
        assert!(!text.contains("example.org"), "{text}");
        assert_eq!(turns(&page).len(), 2);
    }

    #[test]
    fn a_table_of_names_and_words_is_a_dialogue() {
        let page = "<html><body><table>\
            <tr><th>说话人</th><th>内容</th></tr>\
            <tr><td>主持人</td><td>欢迎来到节目。</td></tr>\
            <tr><td>嘉宾</td><td>谢谢<b>邀请</b>。</td></tr>\
            <tr><td>主持人</td><td>我们开始吧。</td></tr>\
            <tr><td>嘉宾</td><td>好的。</td></tr>\
            </table></body></html>";
        let turns = turns(page);
        assert_eq!(turns[0], (Some("主持人".into()), "欢迎来到节目。".into()));
        assert_eq!(turns[1], (Some("嘉宾".into()), "谢谢邀请。".into()));
        assert_eq!(turns.len(), 4);
    }

    #[test]
    fn bold_spans_breaks_and_empty_strongs_become_markdown() {
        let page = "<html><body>\
            <p><strong><span>Dana</span></strong><strong>:</strong> Hello <strong></strong>there.</p>\
            <p><strong>Omar:</strong> One line<br>and the next.</p>\
            <p><strong>Dana:</strong> Bye.</p><p><strong>Omar:</strong> Bye.</p>\
            </body></html>";
        let turns = turns(page);
        assert_eq!(turns[0], (Some("Dana".into()), "Hello there.".into()));
        assert_eq!(
            turns[1],
            (Some("Omar".into()), "One line and the next.".into())
        );
    }

    /// A dialogue inside `depth` levels of `open` … `close`, starting on line 4.
    fn nested(open: &str, close: &str, depth: usize) -> String {
        format!(
            "<html>\n<body>\n<div id=js_content>\n{}<p>主持人：你好。</p><p>嘉宾：谢谢。</p>\
             <p>主持人：再见。</p><p>嘉宾：再见。</p>{}</div></body></html>",
            open.repeat(depth),
            close.repeat(depth)
        )
    }

    #[test]
    fn a_page_nested_deeper_than_a_browser_nests_is_refused_saying_where() {
        // 20,000 levels took seconds and 40,000 overflowed the stack; html5ever's time
        // grows with the square of the depth.
        for (open, close) in [
            ("<div>", "</div>"),
            ("<span>", "</span>"),
            ("<b>", "</b>"),
            ("<table><tr><td>", "</td></tr></table>"),
        ] {
            let page = nested(open, close, 20_000);
            let error = parse_html_with(&page, &SpeakerOverrides::default()).unwrap_err();
            let TranscriptError::TooDeep { limit, line, .. } = &error else {
                panic!("{open}: {error}");
            };
            assert_eq!((*limit, *line), (MAX_OPEN_ELEMENTS, 4), "{open}");
            let message = error.to_string();
            assert!(message.contains("more than 512 deep"), "{message}");
            assert!(message.contains("on line 4"), "{message}");
            assert!(message.contains(".txt or .md file"), "{message}");
        }
    }

    #[test]
    fn a_page_nested_as_deep_as_a_browser_nests_is_read() {
        let dialogue = [
            (Some("主持人".into()), "你好。".into()),
            (Some("嘉宾".into()), "谢谢。".into()),
            (Some("主持人".into()), "再见。".into()),
            (Some("嘉宾".into()), "再见。".into()),
        ];
        for (open, close, depth) in [
            ("<div>", "</div>", 400),
            ("<section><span>", "</span></section>", 200),
            ("<table><tr><td>", "</td></tr></table>", 80),
            // Each paragraph closes the one before: many, but never deep.
            ("<p>", "", 20_000),
        ] {
            let page = nested(open, close, depth);
            assert_eq!(turns(&page), dialogue, "{open} × {depth}");
        }
    }
}
