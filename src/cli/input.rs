//! The arguments that say how to read a transcript, shared by `script` and `render`.

use anyhow::Result;
use recast::render;

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
