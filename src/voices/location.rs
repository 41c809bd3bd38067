//! Where recast keeps its data (voices, the runtime, the cache), where each voice lives
//! in it, and where the files voices share are kept.

use super::error::VoiceError;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};

/// recast's data folder: `$RECAST_HOME`, else `$XDG_DATA_HOME/recast`, else
/// `$HOME/.local/share/recast`.
pub fn data_dir() -> Result<PathBuf, VoiceError> {
    data_dir_from(
        std::env::var_os("RECAST_HOME"),
        std::env::var_os("XDG_DATA_HOME"),
        std::env::var_os("HOME"),
    )
}

/// [`data_dir`] from explicit values of `RECAST_HOME`, `XDG_DATA_HOME` and `HOME`.
/// Empty values count as unset; a relative `XDG_DATA_HOME` is ignored (as the XDG spec says).
pub(crate) fn data_dir_from(
    recast_home: Option<OsString>,
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, VoiceError> {
    let set = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(p) = set(recast_home) {
        return Ok(p);
    }
    if let Some(p) = set(xdg_data_home).filter(|p| p.is_absolute()) {
        return Ok(p.join("recast"));
    }
    if let Some(p) = set(home) {
        return Ok(p.join(".local").join("share").join("recast"));
    }
    Err(VoiceError::NoDataDir)
}

/// `<data>/voices`.
pub fn voices_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("voices")
}

/// `<data>/voices/<id>`, where the voice is (or would be) installed.
pub fn voice_dir(data_dir: &Path, id: &str) -> PathBuf {
    voices_dir(data_dir).join(id)
}

/// `<data>/voices/.shared`: files several voices have in common, kept once under their
/// sha256 and hard-linked into each voice's folder.
pub fn shared_dir(data_dir: &Path) -> PathBuf {
    voices_dir(data_dir).join(SHARED_DIR)
}

/// The name of [`shared_dir`] inside `<data>/voices`.
pub(crate) const SHARED_DIR: &str = ".shared";

/// The entries of `dir` whose names start with `prefix`; none if `dir` cannot be read.
pub(crate) fn entries_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(|n| n.starts_with(prefix))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_precedence() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(
            data_dir_from(s("/r"), s("/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/r")
        );
        assert_eq!(
            data_dir_from(None, s("/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/xdg/recast")
        );
        assert_eq!(
            data_dir_from(s(""), s(""), s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/recast")
        );
        // A relative XDG_DATA_HOME is invalid per the spec and ignored.
        assert_eq!(
            data_dir_from(None, s("rel/xdg"), s("/home/u")).unwrap(),
            PathBuf::from("/home/u/.local/share/recast")
        );
        let err = data_dir_from(None, None, None).unwrap_err();
        assert!(matches!(err, VoiceError::NoDataDir));
        assert!(err.to_string().contains("RECAST_HOME"));
        assert_eq!(
            voice_dir(Path::new("/d"), "v1"),
            PathBuf::from("/d/voices/v1")
        );
    }
}
