//! The run-time pieces every engine needs: the ONNX Runtime library, loaded once per
//! process, and espeak-ng's data folder.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What can go wrong finding or loading the run-time libraries.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime was not found (looked in: {searched}). Run `scripts/setup`, or point \
         ORT_DYLIB_PATH at a libonnxruntime.so of version 1.24 or newer"
    )]
    Missing { searched: String },
    #[error("cannot load ONNX Runtime from {path}: {reason}. Reinstall it with `scripts/setup`")]
    Load { path: PathBuf, reason: String },
    #[error(
        "espeak-ng data was not found (looked in: {searched}). Run `scripts/setup`, or set \
         PIPER_ESPEAKNG_DATA_DIRECTORY to the folder that holds `espeak-ng-data`"
    )]
    EspeakDataMissing { searched: String },
    #[error(
        "espeak-ng has not been pointed at its data: set PIPER_ESPEAKNG_DATA_DIRECTORY to the \
         folder that holds `espeak-ng-data` (`scripts/setup` puts one in recast's data folder; \
         the recast binary sets the variable itself when it starts)"
    )]
    EspeakNotPointed,
}

/// Where ONNX Runtime was loaded from.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub onnxruntime: PathBuf,
}

static RUNTIME: OnceLock<Result<Runtime, RuntimeError>> = OnceLock::new();

/// Loads ONNX Runtime, once per process; every later call returns the first outcome.
pub fn init_runtime(data_dir: &Path) -> Result<Runtime, RuntimeError> {
    load_once(&RUNTIME, || find_onnxruntime(data_dir))
}

/// Keeps the first outcome typed, so that a caller after a failure is told the same
/// reason as the first one.
fn load_once(
    cell: &OnceLock<Result<Runtime, RuntimeError>>,
    find: impl FnOnce() -> Result<PathBuf, RuntimeError>,
) -> Result<Runtime, RuntimeError> {
    cell.get_or_init(|| {
        let onnxruntime = find()?;
        ort::init_from(&onnxruntime)
            .map_err(|e| RuntimeError::Load {
                path: onnxruntime.clone(),
                reason: e.to_string(),
            })?
            .with_name("recast")
            .commit();
        // ort forwards the runtime's log to `tracing` at the verbose level, and formatting
        // those messages tripled the time to load a Piper model (1.2 s -> 3.7 s here).
        if let Ok(environment) = ort::environment::Environment::current() {
            environment.set_log_level(ort::logging::LogLevel::Error);
            super::session::share_one_arena(&environment);
        }
        Ok(Runtime { onnxruntime })
    })
    .clone()
}

/// Names the ONNX Runtime library in use (its file name carries the version), or "" before
/// [`init_runtime`].
pub(crate) fn runtime_tag() -> String {
    match RUNTIME.get() {
        Some(Ok(runtime)) => runtime
            .onnxruntime
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// The only way espeak-rs takes a data folder (besides the working directory and the
/// executable's own folder).
const ESPEAK_ENV: &str = "PIPER_ESPEAKNG_DATA_DIRECTORY";

/// Points espeak-ng at its data for the rest of the process, unless espeak-rs already finds
/// it by itself. Returns the folder that holds `espeak-ng-data`.
///
/// # Safety
///
/// It may set an environment variable, which is undefined behaviour while any other thread
/// reads or writes the environment (C libraries such as ALSA call `getenv`). Call it before
/// the process starts any thread: the binary does it first thing in `main`.
pub unsafe fn point_espeak_at_data(data_dir: &Path) -> Result<PathBuf, RuntimeError> {
    let found = find_espeak_data(data_dir)?;
    if espeak_finds_its_data().is_none() {
        // SAFETY: the caller guarantees that no other thread is running.
        unsafe { std::env::set_var(ESPEAK_ENV, &found) };
    }
    Ok(found)
}

/// Checks that espeak-rs will find its data when it first runs, without touching the
/// environment: engines that phonemise with espeak-ng call this when they load.
pub(crate) fn espeak_ready() -> Result<(), RuntimeError> {
    espeak_finds_its_data()
        .map(|_| ())
        .ok_or(RuntimeError::EspeakNotPointed)
}

/// The folder espeak-rs will take its data from, looking where it looks (its variable, the
/// working directory, the executable's folder), if it finds one.
fn espeak_finds_its_data() -> Option<PathBuf> {
    let has_data = |dir: &Path| dir.join("espeak-ng-data/phontab").is_file();
    let from_env = std::env::var_os(ESPEAK_ENV).map(PathBuf::from);
    let cwd = std::env::current_dir().ok();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    [from_env, cwd, exe_dir]
        .into_iter()
        .flatten()
        .find(|dir| has_data(dir))
}

fn find_onnxruntime(data_dir: &Path) -> Result<PathBuf, RuntimeError> {
    let mut candidates = Vec::new();
    if let Some(path) = std::env::var_os("ORT_DYLIB_PATH") {
        candidates.push(PathBuf::from(path));
    }
    let runtime_dir = data_dir.join("runtime");
    candidates.extend(libraries_in(&runtime_dir));
    for dir in ["/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu"] {
        candidates.extend(libraries_in(Path::new(dir)));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| RuntimeError::Missing {
            searched: format!(
                "$ORT_DYLIB_PATH, {}, /usr/local/lib, /usr/lib",
                runtime_dir.display()
            ),
        })
}

fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = crate::voices::entries_named(dir, "libonnxruntime.so");
    // The newest version first (a data folder may still hold the one an older setup
    // fetched); an unversioned name, often a dangling dev symlink, last.
    found.sort_by_key(|p| std::cmp::Reverse(library_version(p)));
    found
}

/// The version in a name like `libonnxruntime.so.1.32.0`, as numbers.
fn library_version(path: &Path) -> Vec<u32> {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("libonnxruntime.so."))
        .map(|v| v.split('.').map_while(|p| p.parse().ok()).collect())
        .unwrap_or_default()
}

/// The folder that *contains* `espeak-ng-data` (what espeak-rs wants).
fn find_espeak_data(data_dir: &Path) -> Result<PathBuf, RuntimeError> {
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::var_os(ESPEAK_ENV) {
        candidates.push(PathBuf::from(dir));
    }
    candidates.push(data_dir.to_path_buf());
    if let Ok(exe) = std::env::current_exe() {
        // A cargo build keeps espeak-rs-sys's generated data next to the binary's folder:
        // target/<profile>/build/espeak-rs-sys-*/out/share. Test binaries live one level
        // deeper, in target/<profile>/deps.
        for dir in exe.ancestors().skip(1).take(2) {
            candidates.push(dir.to_path_buf());
            let mut built: Vec<PathBuf> =
                crate::voices::entries_named(&dir.join("build"), "espeak-rs-sys-")
                    .into_iter()
                    .map(|p| p.join("out/share"))
                    .collect();
            built.sort();
            candidates.extend(built);
        }
    }
    let searched = candidates
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    candidates
        .into_iter()
        .find(|p| p.join("espeak-ng-data/phontab").is_file())
        .ok_or(RuntimeError::EspeakDataMissing { searched })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_load_keeps_its_reason_for_every_caller() {
        let cell = OnceLock::new();
        let missing = || {
            Err(RuntimeError::Missing {
                searched: "/nowhere".into(),
            })
        };
        for _ in 0..2 {
            match load_once(&cell, missing) {
                Err(RuntimeError::Missing { searched }) => assert_eq!(searched, "/nowhere"),
                other => panic!("expected the first failure again, got {other:?}"),
            }
        }
    }

    #[test]
    fn espeak_errors_name_espeak() {
        let missing = RuntimeError::EspeakDataMissing {
            searched: "/nowhere".into(),
        };
        let text = missing.to_string();
        assert!(text.starts_with("espeak-ng data was not found"), "{text}");
        assert!(!text.contains("ONNX Runtime"), "{text}");
    }

    #[test]
    fn onnxruntime_lookup_names_where_it_looked() {
        let empty = tempfile::tempdir().unwrap();
        let found = libraries_in(empty.path());
        assert!(found.is_empty());
        std::fs::create_dir(empty.path().join("runtime")).unwrap();
        for name in [
            "libonnxruntime.so",
            "libonnxruntime.so.1.9.0",
            "libonnxruntime.so.1.32.0",
            "libonnxruntime.so.1.24.4",
        ] {
            std::fs::write(empty.path().join("runtime").join(name), b"").unwrap();
        }
        let found = libraries_in(&empty.path().join("runtime"));
        let names: Vec<_> = found.iter().map(|p| p.file_name().unwrap()).collect();
        assert_eq!(
            names,
            [
                "libonnxruntime.so.1.32.0",
                "libonnxruntime.so.1.24.4",
                "libonnxruntime.so.1.9.0",
                "libonnxruntime.so"
            ]
        );
    }
}
