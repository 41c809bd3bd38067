//! The checks every catalog entry passes when the catalog is read: ids, names, digests,
//! and that engine, phonemes, style pack and source agree.

use super::{CONVERTERS, EngineKind, PhonemeKind, Source, VoiceEntry, embedded_converter, is_hex};
use crate::voices::receipt::RECEIPT_FILE;

pub(super) fn validate_entry(v: &VoiceEntry) -> Result<(), String> {
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
    validate_languages(v)?;
    validate_kokoro(v)?;
    if let Source::PypiParts(p) = &v.source {
        p.validate()?;
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
            // Its pieces were checked above; its model's `from` is a name, not an origin.
            Source::PypiParts(_) => {}
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

fn validate_languages(v: &VoiceEntry) -> Result<(), String> {
    for (i, l) in v.also_speaks.iter().enumerate() {
        if l.trim().is_empty() {
            return Err("`also_speaks` lists an empty language".into());
        }
        if *l == v.language {
            return Err(format!(
                "`also_speaks` lists `{l}`, the voice's own `language`"
            ));
        }
        if v.also_speaks[..i].contains(l) {
            return Err(format!("`also_speaks` lists `{l}` twice"));
        }
    }
    Ok(())
}

/// Kokoro voices, and only they, read Kokoro's symbols and have a style pack in a styles
/// file.
fn validate_kokoro(v: &VoiceEntry) -> Result<(), String> {
    let kokoro = v.engine == EngineKind::Kokoro;
    if kokoro != (v.phonemes == PhonemeKind::Kokoro) {
        return Err(format!(
            "the {} engine cannot read {} phonemes",
            v.engine, v.phonemes
        ));
    }
    if kokoro != v.source.styles().is_some() {
        return Err(if kokoro {
            "a Kokoro voice needs a styles file (a `pypi-parts` source)".into()
        } else {
            format!(
                "only Kokoro voices have a styles file, not {} ones",
                v.engine
            )
        });
    }
    match &v.pack {
        None if kokoro => Err("a Kokoro voice needs its `pack`".into()),
        Some(_) if !kokoro => Err("only Kokoro voices have a `pack`".into()),
        Some(pack)
            if pack.is_empty()
                || !pack
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) =>
        {
            Err(format!(
                "the pack `{pack}` must be ASCII letters, digits, `_` or `-`"
            ))
        }
        _ => Ok(()),
    }
}
