//! The arguments that say how to read a transcript, shared by `script` and `render`.

use anyhow::Result;
use recast::fetch::{self, FetchOptions};
use recast::render;
use std::path::{Path, PathBuf};

/// How to read a transcript: shared by `script` and `render`.
#[derive(clap::Args)]
pub(crate) struct InputArgs {
    /// The transcript's encoding (gb18030, gbk, big5, utf-16le, shift_jis, windows-1252, …),
    /// when detection gets it wrong [default: UTF-8 or a byte-order mark, else GB18030 or
    /// Big5 as detected].
    #[arg(long, value_name = "NAME")]
    encoding: Option<String>,
    /// Names that are always speakers when they open a paragraph with a colon, even used
    /// once (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    speakers: Vec<String>,
    /// Names that are never speakers: a paragraph they open is read as text
    /// (comma-separated).
    #[arg(long, value_name = "NAME,...", value_delimiter = ',')]
    not_speakers: Vec<String>,
}

impl InputArgs {
    pub(crate) fn options(self) -> Result<render::InputOptions> {
        Ok(render::InputOptions::new(
            self.encoding.as_deref(),
            self.speakers,
            self.not_speakers,
        )?)
    }
}

/// The file to read for INPUT: INPUT itself, or for a web address the article fetched and
/// saved at `saved_as(address)`, so that the render can be repeated offline from that file
/// and online and offline runs read the page the same way.
///
/// `--encoding` names the fetched page's encoding; the saved copy is UTF-8, so `reading`
/// no longer names one for it.
pub(crate) fn fetched_or_local(
    input: PathBuf,
    reading: &mut render::InputOptions,
    saved_as: impl FnOnce(&str) -> PathBuf,
    quiet: bool,
) -> Result<PathBuf> {
    let Some(address) = input.to_str().filter(|s| fetch::is_url(s)) else {
        return Ok(input);
    };
    let options = FetchOptions {
        encoding: reading.encoding.take(),
        ..FetchOptions::default()
    };
    let page = fetch::fetch_page(address, &options)?;
    let saved = saved_as(address);
    fetch::save_page(&page, &saved)?;
    if !quiet {
        eprintln!(
            "fetched {} ({}), saved as {}",
            page.url,
            page.describe_encoding(),
            saved.display()
        );
    }
    Ok(saved)
}

/// Where `render -o EPISODE` and `script -o SCRIPT` keep the fetched page: beside it.
pub(crate) fn saved_beside(output: &Path) -> PathBuf {
    fetch::saved_page_path(output)
}
