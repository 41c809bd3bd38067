//! The temporary folder an install is assembled in, inside `<data>/voices/`, so that an
//! install only ever appears complete: it is renamed into place at the end, or removed.

use super::ensure_voices_dir;
use crate::voices::catalog::VoiceEntry;
use crate::voices::digest::{CopyError, Expected, copy_hashing};
use crate::voices::error::{VoiceError, io_err};
use crate::voices::installed::{InstalledVoice, check_installed};
use crate::voices::location::{voice_dir, voices_dir};
use crate::voices::receipt::{RECEIPT_FILE, Receipt, ReceiptFile};
use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// A temporary folder inside `<data>/voices/` where an install is assembled; removed on
/// drop unless committed.
pub(super) struct Staging {
    dir: tempfile::TempDir,
    id: String,
}

impl Staging {
    pub(super) fn new(entry: &VoiceEntry, data_dir: &Path) -> Result<Staging, VoiceError> {
        let voices = ensure_voices_dir(data_dir)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!(".install-{}-", entry.id))
            .tempdir_in(&voices)
            .map_err(|e| io_err("create a temporary folder in", &voices, e))?;
        Ok(Staging {
            dir,
            id: entry.id.clone(),
        })
    }

    /// The folder the files are staged in.
    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `reader` into the staging folder as `name`, hashing it, and checks it
    /// against `expected`. A file that fails the check is deleted at once.
    pub(super) fn write_verified(
        &self,
        role: &str,
        name: &str,
        expected: &Expected,
        reader: &mut dyn Read,
        progress: impl FnMut(u64),
        read_error: impl FnOnce(io::Error) -> VoiceError,
    ) -> Result<ReceiptFile, VoiceError> {
        let path = self.dir.path().join(name);
        let file = fs::File::create(&path).map_err(|e| io_err("create", &path, e))?;
        let mut out = io::BufWriter::new(file);
        let result = copy_hashing(reader, &mut out, progress);
        let synced = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all());
        let outcome = match result {
            Err(CopyError::Read(e)) => Err(read_error(e)),
            Err(CopyError::Write(e)) => Err(io_err("write", &path, e)),
            Ok(hashed) => match synced {
                Err(e) => Err(io_err("write", &path, e)),
                Ok(()) => expected.check(&self.id, name, &hashed).map(|()| hashed),
            },
        };
        match outcome {
            Ok(h) => Ok(ReceiptFile {
                role: role.to_string(),
                name: name.to_string(),
                size: h.size,
                sha256: h.sha256,
                md5: h.md5,
                converted_from: None,
            }),
            Err(e) => {
                let _ = fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Writes the receipt and renames the staging folder to `<data>/voices/<id>`,
    /// replacing an earlier install.
    pub(super) fn commit(
        self,
        entry: &VoiceEntry,
        data_dir: &Path,
        source: String,
        files: Vec<ReceiptFile>,
    ) -> Result<InstalledVoice, VoiceError> {
        self.commit_with(entry, data_dir, source, files, None, None)
    }

    /// [`Staging::commit`] with the receipt's notes on a conversion.
    pub(super) fn commit_with(
        self,
        entry: &VoiceEntry,
        data_dir: &Path,
        source: String,
        files: Vec<ReceiptFile>,
        converter: Option<String>,
        check: Option<String>,
    ) -> Result<InstalledVoice, VoiceError> {
        let receipt = Receipt {
            id: entry.id.clone(),
            source,
            installed_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            recast_version: env!("CARGO_PKG_VERSION").to_string(),
            converter,
            check,
            files,
        };
        let text = toml::to_string(&receipt)
            .map_err(|e| VoiceError::Catalog(format!("cannot write the receipt: {e}")))?;
        let receipt_path = self.dir.path().join(RECEIPT_FILE);
        fs::write(&receipt_path, text).map_err(|e| io_err("write", &receipt_path, e))?;

        let target = voice_dir(data_dir, &entry.id);
        let mut old = None;
        if fs::symlink_metadata(&target).is_ok() {
            let aside = tempfile::Builder::new()
                .prefix(&format!(".old-{}-", entry.id))
                .tempdir_in(voices_dir(data_dir))
                .map_err(|e| io_err("create a temporary folder in", &voices_dir(data_dir), e))?;
            let aside_path = aside.path().join("previous");
            fs::rename(&target, &aside_path)
                .map_err(|e| io_err("move the previous install aside:", &target, e))?;
            old = Some((aside, aside_path));
        }
        if let Err(e) = fs::rename(self.dir.path(), &target) {
            if let Some((_, aside_path)) = &old {
                let _ = fs::rename(aside_path, &target);
            }
            return Err(io_err("move the new install into", &target, e));
        }
        let _ = self.dir.keep();
        drop(old); // removes the previous install
        check_installed(entry, data_dir)
    }
}
