//! Sizes and digests: hashing a file while it is copied, what each file must measure (from
//! the catalog, or Piper's voices.json where the catalog defers to it), and the check.

use super::catalog::{DigestFrom, FileSpec, VoiceEntry, is_hex};
use super::error::VoiceError;
use md5::Md5;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};

/// Piper's index of published voices, with the size and md5 of every file.
pub(crate) const PIPER_VOICES_JSON_URL: &str =
    "https://huggingface.co/rhasspy/piper-voices/resolve/main/voices.json";

/// What a copy measured of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Hashed {
    pub(super) size: u64,
    pub(super) sha256: String,
    pub(super) md5: String,
}

/// What a file must measure; a `None` is not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Expected {
    pub(super) size: Option<u64>,
    pub(super) sha256: Option<String>,
    pub(super) md5: Option<String>,
}

impl Expected {
    /// What the catalog says of the file.
    pub(super) fn of(spec: &FileSpec) -> Expected {
        Expected {
            size: spec.size,
            sha256: spec.sha256.clone(),
            md5: spec.md5.clone(),
        }
    }

    fn has_digest(&self) -> bool {
        self.sha256.is_some() || self.md5.is_some()
    }

    pub(super) fn check(&self, id: &str, file: &str, actual: &Hashed) -> Result<(), VoiceError> {
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
pub(super) enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// Copies `reader` into `writer`, hashing on the way; `progress` gets each chunk's length.
pub(super) fn copy_hashing(
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

/// A writer that hashes what goes through it: a file assembled from several pieces, each
/// hashed on its own by [`copy_hashing`], is hashed whole on the way.
pub(super) struct HashingWriter<W: Write> {
    inner: W,
    sha: Sha256,
    md5: Md5,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub(super) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            sha: Sha256::new(),
            md5: Md5::new(),
            size: 0,
        }
    }

    /// The writer back, and what went through it.
    pub(super) fn finish(self) -> (W, Hashed) {
        let hashed = Hashed {
            size: self.size,
            sha256: hex::encode(self.sha.finalize()),
            md5: hex::encode(self.md5.finalize()),
        };
        (self.inner, hashed)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        self.md5.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
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

/// The expected size and digests of each file (in the order of `Source::files`), taking Piper's voices.json
/// into account for files marked `digest_from = "voices.json"`. `load_index` reads that
/// index (from a file next to the voice's, or the network); it is called at most once, and
/// only if a file needs it.
pub(super) fn resolve_expected(
    entry: &VoiceEntry,
    load_index: impl Fn() -> Result<serde_json::Value, String>,
) -> Result<Vec<Expected>, VoiceError> {
    let files = entry.source.files();
    let mut index: Option<Result<serde_json::Value, String>> = None;
    let mut out = Vec::with_capacity(files.len());
    for (_, spec) in &files {
        let mut exp = Expected::of(spec);
        if spec.digest_from == Some(DigestFrom::VoicesJson) {
            let index = index.get_or_insert_with(&load_index);
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
        out.push(exp);
    }
    Ok(out)
}
