//! Reading a render's input: the file's bytes decoded to text (UTF-8, UTF-16 with a
//! byte-order mark, detected GB18030 or Big5, or the encoding named with `--encoding`), then
//! read as a script file, or parsed as a transcript (markdown, or a saved web page).

use super::RenderError;
use crate::script::{self, Script, ScriptError, ScriptFormat};
use crate::transcript::encoding::{self, DecodeError};
use crate::transcript::{self, LabelDecision, SkippedLine, SpeakerOverrides};
use std::path::{Path, PathBuf};

/// How to read an input, as the user asks (`--encoding`, `--speakers`, `--not-speakers`).
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    pub encoding: Option<&'static encoding_rs::Encoding>,
    pub speakers: SpeakerOverrides,
}

impl InputOptions {
    /// Options from the command line: an encoding label (`gbk`, `big5`, `utf-16le`, …) and
    /// lists of names. An unknown label is refused with examples.
    pub fn new(
        encoding: Option<&str>,
        speakers: Vec<String>,
        not_speakers: Vec<String>,
    ) -> Result<Self, RenderError> {
        let encoding = match encoding {
            Some(label) => Some(
                encoding_rs::Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                    RenderError::Config(format!(
                        "--encoding {label}: not an encoding recast knows; use a WHATWG label \
                         such as utf-8, gb18030, gbk, big5, utf-16le, shift_jis, windows-1252"
                    ))
                })?,
            ),
            None => None,
        };
        let clean = |names: Vec<String>| -> Vec<String> {
            names
                .into_iter()
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect()
        };
        let speakers = SpeakerOverrides {
            speakers: clean(speakers),
            not_speakers: clean(not_speakers),
        };
        if let Some(both) = speakers
            .speakers
            .iter()
            .find(|n| speakers.not_speakers.contains(n))
        {
            return Err(RenderError::Config(format!(
                "{both} is given both in --speakers and in --not-speakers; keep it in one"
            )));
        }
        Ok(Self { encoding, speakers })
    }
}

/// A transcript or a script file, loaded as a script, with what reading it decided: the
/// transcript lines that were not turned into speech, the speakers found and the prefixes
/// refused, the encoding.
pub struct LoadedInput {
    pub script: Script,
    pub skipped: Vec<SkippedLine>,
    pub labels: Vec<LabelDecision>,
    /// The encoding, as `--explain` says it (`GB18030 (detected: …)`).
    pub encoding: String,
    /// `markdown`, `HTML` or `script`.
    pub format: &'static str,
}

/// Fetches the article at `address` and saves it at `saved` (`EPISODE.source.html`), so that
/// online and offline runs read the same saved page and a run can be repeated without the
/// network. Returns the saved page and the options to read it with: `--encoding` named the
/// fetched page's encoding, and the saved copy is UTF-8.
pub fn fetch_input(
    address: &str,
    options: &InputOptions,
    saved: &Path,
    reporter: &dyn crate::report::Reporter,
) -> Result<(PathBuf, InputOptions), RenderError> {
    let fetching = crate::fetch::FetchOptions {
        encoding: options.encoding,
        ..Default::default()
    };
    let page = crate::fetch::fetch_page(address, &fetching).map_err(Box::new)?;
    crate::fetch::save_page(&page, saved).map_err(Box::new)?;
    reporter.note(&format!(
        "fetched {} ({}), saved as {}",
        page.url,
        page.describe_encoding(),
        saved.display()
    ));
    let reading = InputOptions {
        encoding: None,
        ..options.clone()
    };
    Ok((saved.to_path_buf(), reading))
}

/// Reads INPUT: a script written by `recast script` (JSON or TOML), or a transcript.
pub fn load_input(path: &Path, options: &InputOptions) -> Result<LoadedInput, RenderError> {
    let bytes = std::fs::read(path).map_err(|error| RenderError::ReadInput {
        path: path.to_path_buf(),
        error,
    })?;
    let decoded = encoding::decode(&bytes, options.encoding).map_err(|e| decode_error(path, e))?;
    let described = decoded.describe();
    let text = decoded.text;
    if script::looks_like_script(path, &text) {
        let format = ScriptFormat::from_path(path)
            .or_else(|| ScriptFormat::sniff(&text))
            .ok_or_else(|| ScriptError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        return Ok(LoadedInput {
            script: Script::parse_str(&text, format, &path.display().to_string())?,
            skipped: Vec::new(),
            labels: Vec::new(),
            encoding: described,
            format: "script",
        });
    }
    let html = matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("html" | "htm" | "xhtml")
    ) || transcript::looks_like_html(&text);
    let parsed = if html {
        transcript::parse_html_with(&text, &options.speakers)
    } else {
        transcript::parse_with(&text, &options.speakers)
    }
    .map_err(|error| RenderError::Transcript {
        path: path.to_path_buf(),
        error,
    })?;
    let script = Script::from_transcript(&parsed)?;
    Ok(LoadedInput {
        script,
        skipped: parsed.skipped,
        labels: parsed.labels,
        encoding: described,
        format: if html { "HTML" } else { "markdown" },
    })
}

fn decode_error(path: &Path, error: DecodeError) -> RenderError {
    match error {
        DecodeError::BadUtf16(reason) => RenderError::BadUtf16 {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        },
        other => {
            let (line, column) = other.position().unwrap_or((1, 1));
            RenderError::Undecodable {
                path: path.to_path_buf(),
                line,
                column,
                error: other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_encoding_label_is_refused_with_examples() {
        let err = InputOptions::new(Some("klingon"), vec![], vec![]).unwrap_err();
        assert!(err.to_string().contains("gb18030"), "{err}");
        let ok = InputOptions::new(Some(" GBK "), vec![" 甲 ".into(), "".into()], vec![]).unwrap();
        assert_eq!(ok.encoding, Some(encoding_rs::GBK));
        assert_eq!(ok.speakers.speakers, vec!["甲".to_string()]);
        let both = InputOptions::new(None, vec!["A".into()], vec!["A".into()]).unwrap_err();
        assert!(both.to_string().contains("both"), "{both}");
    }
}
