//! The content-addressed store `<data>/voices/.shared/`: a file several voices have in
//! common (Kokoro's 92 MB model, the same for every pack) is kept there once, as
//! `<sha256>.<extension>`, and hard-linked into each voice's folder (copied where hard
//! links fail). A voice folder stays complete on its own: removing or replacing one
//! removes only its links, and the store's file is found again by its digest.

use crate::voices::digest::{CopyError, Expected, Hashed, copy_hashing};
use crate::voices::error::{VoiceError, io_err};
use crate::voices::location::shared_dir;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub(super) struct SharedStore {
    dir: PathBuf,
}

impl SharedStore {
    pub(super) fn new(data_dir: &Path) -> SharedStore {
        SharedStore {
            dir: shared_dir(data_dir),
        }
    }

    /// Where the file of this content and name is kept: `<sha256>.<extension of name>`.
    fn path_of(&self, sha256: &str, name: &str) -> PathBuf {
        match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some(ext) => self.dir.join(format!("{sha256}.{ext}")),
            None => self.dir.join(sha256),
        }
    }

    /// The stored file with the content `expected` describes (it must give a sha256),
    /// rehashed to be sure: a damaged or partial one is removed and `None` returned, so
    /// that it is made again.
    pub(super) fn find(
        &self,
        name: &str,
        expected: &Expected,
    ) -> Result<Option<(PathBuf, Hashed)>, VoiceError> {
        let Some(sha256) = &expected.sha256 else {
            return Ok(None);
        };
        let path = self.path_of(sha256, name);
        let mut file = match fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("open", &path, e)),
        };
        if expected
            .size
            .is_some_and(|size| file.metadata().map(|m| m.len()).ok() != Some(size))
        {
            let _ = fs::remove_file(&path);
            return Ok(None);
        }
        let hashed = copy_hashing(&mut file, &mut io::sink(), |_| {}).map_err(|e| match e {
            CopyError::Read(e) | CopyError::Write(e) => io_err("read", &path, e),
        })?;
        if expected.check("", name, &hashed).is_err() {
            let _ = fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some((path, hashed)))
    }

    /// Puts `staged`, whose sha256 is `sha256`, into the store under its digest, unless a
    /// file is there already. The store only ever holds whole files: a copy is made aside
    /// and renamed into place.
    pub(super) fn publish(
        &self,
        staged: &Path,
        name: &str,
        sha256: &str,
    ) -> Result<(), VoiceError> {
        fs::create_dir_all(&self.dir).map_err(|e| io_err("create", &self.dir, e))?;
        let target = self.path_of(sha256, name);
        match fs::hard_link(staged, &target) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
            Err(_) => {}
        }
        let aside = tempfile::Builder::new()
            .prefix(".adding-")
            .tempfile_in(&self.dir)
            .map_err(|e| io_err("create a temporary file in", &self.dir, e))?;
        fs::copy(staged, aside.path()).map_err(|e| io_err("copy into", aside.path(), e))?;
        aside
            .persist(&target)
            .map_err(|e| io_err("move into place", &target, e.error))?;
        Ok(())
    }
}

/// Makes `to` the same file as `from`: a hard link, or a copy where links cannot be made
/// (another file system, one without links).
pub(super) fn link_or_copy(from: &Path, to: &Path) -> Result<(), VoiceError> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| io_err(format!("copy {} to", from.display()), to, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::test_support::sha256_hex;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_published_file_is_found_by_its_digest_and_a_damaged_one_is_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SharedStore::new(tmp.path());
        let bytes = b"model bytes";
        let expected = Expected {
            size: Some(bytes.len() as u64),
            sha256: Some(sha256_hex(bytes)),
            md5: None,
        };
        assert!(store.find("m.onnx", &expected).unwrap().is_none());

        let staged = tmp.path().join("m.onnx");
        fs::write(&staged, bytes).unwrap();
        store
            .publish(&staged, "m.onnx", &sha256_hex(bytes))
            .unwrap();
        let (path, hashed) = store.find("m.onnx", &expected).unwrap().unwrap();
        assert_eq!(
            path,
            shared_dir(tmp.path()).join(format!("{}.onnx", sha256_hex(bytes)))
        );
        assert_eq!(hashed.sha256, sha256_hex(bytes));
        // Published as a link to the staged file: no second copy.
        assert_eq!(
            fs::metadata(&path).unwrap().ino(),
            fs::metadata(&staged).unwrap().ino()
        );
        // Publishing again keeps the file there.
        store
            .publish(&staged, "m.onnx", &sha256_hex(bytes))
            .unwrap();

        let linked = tmp.path().join("linked.onnx");
        link_or_copy(&path, &linked).unwrap();
        assert_eq!(fs::read(&linked).unwrap(), bytes);

        // Same size, other bytes: not the file, and removed so that it is made again.
        fs::remove_file(&staged).unwrap();
        fs::remove_file(&linked).unwrap();
        fs::write(&path, b"model bytez").unwrap();
        assert!(store.find("m.onnx", &expected).unwrap().is_none());
        assert!(!path.exists());
    }
}
