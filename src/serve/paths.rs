//! Keeps every file the server opens inside the served folder, symlinks included.
//!
//! The file service already refuses `..`, encoded or not, and absolute paths; what it does
//! not refuse is a symlink inside the folder that points out of it (a link to `~/.ssh`
//! would serve the keys). So the service opens files only through [`Contained`], which
//! resolves every path to its real location first and treats anything outside the
//! folder's real location as not there.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use tower_http::services::fs::{Backend, TokioBackend, TokioFile};

/// A file system view of one folder: paths whose real location lies outside it do not
/// exist.
#[derive(Clone, Debug)]
pub(crate) struct Contained {
    /// Canonical: symlinks in the folder's own path resolved, so prefixes compare.
    root: Arc<Path>,
}

impl Contained {
    /// `root` must already be canonical (see [`std::fs::canonicalize`]).
    pub(crate) fn new(root: &Path) -> Self {
        Contained { root: root.into() }
    }

    /// The real path of `path` when it lies inside the folder; `NotFound` otherwise, so
    /// that a refused path looks exactly like a missing one from outside.
    pub(crate) async fn resolve(&self, path: &Path) -> io::Result<PathBuf> {
        let real = tokio::fs::canonicalize(path).await?;
        if real.starts_with(&self.root) {
            Ok(real)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                "outside the served folder",
            ))
        }
    }
}

type Boxed<T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send>>;

// The file is opened by its resolved path, not the requested one, so a link changed between
// the check and the open cannot redirect it; only a folder on the resolved path being
// swapped for a link in that instant could, which needs write access to the folder.
impl Backend for Contained {
    type File = TokioFile;
    type Metadata = std::fs::Metadata;
    type OpenFuture = Boxed<TokioFile>;
    type MetadataFuture = Boxed<std::fs::Metadata>;

    fn open(&self, path: PathBuf) -> Self::OpenFuture {
        let this = self.clone();
        Box::pin(async move { TokioBackend.open(this.resolve(&path).await?).await })
    }

    fn metadata(&self, path: PathBuf) -> Self::MetadataFuture {
        let this = self.clone();
        Box::pin(async move { TokioBackend.metadata(this.resolve(&path).await?).await })
    }
}

#[cfg(test)]
mod tests {
    use super::Contained;
    use std::io::ErrorKind;
    use std::path::Path;

    fn resolve(contained: &Contained, path: &Path) -> std::io::Result<std::path::PathBuf> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(contained.resolve(path))
    }

    #[test]
    fn files_inside_resolve_and_links_out_do_not() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "key").unwrap();
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().canonicalize().unwrap();
        std::fs::write(root.join("a.mp3"), "mp3").unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("away")).unwrap();
        std::os::unix::fs::symlink(root.join("a.mp3"), root.join("sub/alias.mp3")).unwrap();
        let contained = Contained::new(&root);

        assert_eq!(
            resolve(&contained, &root.join("a.mp3")).unwrap(),
            root.join("a.mp3")
        );
        // A link that stays inside is as good as the file it names.
        assert_eq!(
            resolve(&contained, &root.join("sub/alias.mp3")).unwrap(),
            root.join("a.mp3")
        );
        for refused in ["link", "away/secret", "sub/../../x", "missing.mp3"] {
            let error = resolve(&contained, &root.join(refused)).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::NotFound, "{refused}");
        }
    }

    #[test]
    fn a_folder_that_shares_a_name_prefix_is_outside() {
        let parent = tempfile::tempdir().unwrap();
        let parent = parent.path().canonicalize().unwrap();
        std::fs::create_dir(parent.join("show")).unwrap();
        std::fs::create_dir(parent.join("show-private")).unwrap();
        std::fs::write(parent.join("show-private/x"), "x").unwrap();
        std::os::unix::fs::symlink(parent.join("show-private/x"), parent.join("show/x")).unwrap();
        let contained = Contained::new(&parent.join("show"));
        assert!(resolve(&contained, &parent.join("show/x")).is_err());
    }
}
