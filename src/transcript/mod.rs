//! Transcript parsing: turns a markdown interview transcript into titled sections of
//! labelled paragraphs, and reports every line that is not speech.
//!
//! The parser is line based and never fails on odd input; it only returns an error when
//! nothing speakable is left. Everything it does not keep as speech (title, metadata,
//! headings, images, links, promo footers, decoration) is listed in
//! [`Transcript::skipped`] with a reason, so a caller can show the user what was dropped.
//!
//! Heuristics and their limits are documented beside the functions that implement them;
//! the main ones are the speaker-name test (`name_like`, `Builder::plain_label_accepted`),
//! the promo scoring (`promo`) and the footer pass (`Builder::drop_footer`).

pub mod encoding;
mod html;
mod labels;
mod markdown;
mod scaffolding;

pub use html::looks_like_html;
pub use labels::{LabelDecision, Refusal, SpeakerOverrides, SpeakerReason, Verdict};
pub use markdown::is_cjk;
pub(crate) use markdown::is_web_address;
use markdown::{normalize_ws, split_lines};
use serde::Serialize;
use std::fmt;
use thiserror::Error;

/// A parsed transcript: the episode title, metadata found near the top, the sections of
/// speech in order, and the lines that were not kept as speech.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Transcript {
    pub title: Option<String>,
    /// `(key, value)` pairs in source order, e.g. `("Author", "Jane Doe")`.
    pub metadata: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// Lines that are not speech, sorted by line number.
    pub skipped: Vec<SkippedLine>,
    /// Each speaker found and why; each label-like prefix refused and why. By line.
    pub labels: Vec<LabelDecision>,
}

/// A run of paragraphs under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// `None` for the intro: the text before the first heading.
    pub heading: Option<String>,
    /// 1-based line of the heading (or of the first intro paragraph).
    pub line: usize,
    pub paragraphs: Vec<Paragraph>,
}

/// One paragraph of speech. `speaker` is set when the paragraph opens with a label
/// (`**Name**：…`, `Name: …`); otherwise it continues the current speaker's turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paragraph {
    pub speaker: Option<String>,
    /// Clean text: markup removed, hard-wrapped lines joined. May be empty when a label
    /// stands alone and its words follow in the next paragraph.
    pub text: String,
    /// 1-based line where the paragraph (or its label) starts.
    pub line: usize,
}

/// A source line that is not speech.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    /// 1-based line number.
    pub line: usize,
    /// The line as written (whitespace-trimmed).
    pub text: String,
    pub reason: SkipReason,
    /// For a page: the element the line came from (`<div id="js_pc_qr_code">`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
}

/// Why a line is not speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The `# ...` line that names the episode (kept as [`Transcript::title`]).
    Title,
    /// A `Key: value` line near the top (kept in [`Transcript::metadata`]).
    Metadata,
    /// A section heading (kept as [`Section::heading`]).
    Heading,
    /// An image (`![](...)`, `<img>`).
    Image,
    /// A line holding only links or bare URLs.
    LinkOnly,
    /// HTML tags, code fences, table rows.
    Markup,
    /// Follow/like/share prompts and the article footer.
    Boilerplate,
    /// Emoji-only lines, separators, empty headings.
    Decoration,
    /// A speaker label (`Name:`) with no words after it before the next label.
    EmptyLabel,
    /// The editor's note about the text (`以下是全文整理：`, `The following transcript
    /// has been edited`), not part of the conversation.
    Scaffolding,
}

impl SkipReason {
    /// True when the line's content survives elsewhere in the [`Transcript`] (title,
    /// metadata, heading); false when it is dropped.
    pub fn is_kept_elsewhere(self) -> bool {
        matches!(
            self,
            SkipReason::Title | SkipReason::Metadata | SkipReason::Heading
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SkipReason::Title => "episode title",
            SkipReason::Metadata => "metadata",
            SkipReason::Heading => "section heading",
            SkipReason::Image => "image",
            SkipReason::LinkOnly => "link only",
            SkipReason::Markup => "markup, not text",
            SkipReason::Boilerplate => "promo / footer boilerplate",
            SkipReason::Decoration => "decoration (emoji or separator)",
            SkipReason::EmptyLabel => "speaker label with no words",
            SkipReason::Scaffolding => "article scaffolding (editor's note)",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TranscriptError {
    #[error(
        "the transcript is empty: pass a markdown or plain-text file that holds the \
         interview, e.g. paragraphs like `Name: what they said`"
    )]
    Empty,
    #[error(
        "the transcript contains NUL bytes and looks like a binary file (or UTF-16 \
         without a byte-order mark): pass the interview as UTF-8 markdown or plain text"
    )]
    Binary,
    #[error(
        "found nothing to speak in the transcript: all {skipped} non-blank lines were \
         skipped ({summary}); make sure the interview text is in plain paragraphs, \
         e.g. `Name: what they said`, not only headings, images or links"
    )]
    NoSpeech { skipped: usize, summary: String },
    #[error(
        "the page nests its elements more than {limit} deep (past that at a <{element}> \
         on line {line}), deeper than Chrome ever nests a page: copy the article's text \
         from the browser into a .txt or .md file and pass that, or pass a copy of the \
         page without the wrappers that nest it"
    )]
    TooDeep {
        limit: usize,
        line: usize,
        element: String,
    },
}

/// Parses a markdown (or plain-text) transcript.
///
/// Never panics on any input; returns an error only when no speech is found.
pub fn parse(source: &str) -> Result<Transcript, TranscriptError> {
    parse_with(source, &SpeakerOverrides::default())
}

/// [`parse`], with the user's word on who is a speaker.
pub fn parse_with(
    source: &str,
    overrides: &SpeakerOverrides,
) -> Result<Transcript, TranscriptError> {
    let cleaned = clean_lines(source, split_lines(source))?;
    speech_or_error(markdown::read(&cleaned, overrides))
}

/// Parses a web page (HTML): the article in it, read as the markdown path reads the same
/// article, with every line placed at the page's line and element it came from.
///
/// Never panics. Refuses a page nested deeper than Chrome nests one
/// ([`TranscriptError::TooDeep`]): html5ever's time grows with the square of the depth.
pub fn parse_html_with(
    source: &str,
    overrides: &SpeakerOverrides,
) -> Result<Transcript, TranscriptError> {
    let page = html::to_markdown(source)?;
    let cleaned = match clean_lines(source, page.lines.iter().map(String::as_str).collect()) {
        Err(TranscriptError::Empty) if !page.dropped.is_empty() => Vec::new(),
        other => other?,
    };
    let mut t = markdown::read(&cleaned, overrides);
    let at = |line: usize| page.origins.get(line.wrapping_sub(1));
    let place = |line: &mut usize| {
        if let Some(origin) = at(*line) {
            *line = origin.line;
        }
    };
    for section in &mut t.sections {
        place(&mut section.line);
        for paragraph in &mut section.paragraphs {
            place(&mut paragraph.line);
        }
    }
    for label in &mut t.labels {
        place(&mut label.line);
    }
    for skipped in &mut t.skipped {
        if let Some(origin) = at(skipped.line) {
            skipped.element = Some(origin.element.clone());
            skipped.line = origin.line;
        }
    }
    t.skipped.extend(page.dropped);
    t.skipped.sort_by_key(|s| s.line);
    speech_or_error(t)
}

/// The lines with their whitespace cleaned; refuses a binary file and an empty one.
fn clean_lines(source: &str, lines: Vec<&str>) -> Result<Vec<String>, TranscriptError> {
    if source.contains('\0') {
        return Err(TranscriptError::Binary);
    }
    let cleaned: Vec<String> = lines.iter().map(|l| normalize_ws(l)).collect();
    if cleaned.iter().all(|l| l.is_empty()) {
        return Err(TranscriptError::Empty);
    }
    Ok(cleaned)
}

fn speech_or_error(t: Transcript) -> Result<Transcript, TranscriptError> {
    let speakable = t
        .sections
        .iter()
        .flat_map(|s| &s.paragraphs)
        .any(|p| !p.text.is_empty());
    if !speakable {
        return Err(TranscriptError::NoSpeech {
            skipped: t.skipped.len(),
            summary: summarize_reasons(&t.skipped),
        });
    }
    Ok(t)
}

fn summarize_reasons(skipped: &[SkippedLine]) -> String {
    let mut counts: Vec<(SkipReason, usize)> = Vec::new();
    for s in skipped {
        match counts.iter_mut().find(|(r, _)| *r == s.reason) {
            Some((_, n)) => *n += 1,
            None => counts.push((s.reason, 1)),
        }
    }
    if counts.is_empty() {
        return "no text lines".to_string();
    }
    counts
        .iter()
        .map(|(r, n)| format!("{n} {r}"))
        .collect::<Vec<_>>()
        .join(", ")
}
