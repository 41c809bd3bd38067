//! A content-addressed cache of synthesised sentences, so an edited or interrupted render
//! only synthesises what changed.
//!
//! The key is a SHA-256 over everything that changes the audio: engine and voice, the
//! digests of the model files, the effective voice settings, the text, the output rate and
//! the version of the preparation steps. Entries are written to a temporary file and
//! renamed, so a killed render never leaves a half-written entry; an entry that does not
//! read back whole is treated as missing and removed, while one that cannot be read at all
//! (a permission or disk error) is reported and kept.
//!
//! Samples are stored as the machine's own f32 bytes, which are little-endian on every
//! machine recast builds for (checked at compile time in `lib.rs`), followed by where the
//! sentence's syllables are (JSON), for engines that know.

use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Entries with syllable timings after the samples; [`OLD_MAGIC`] entries have none.
const MAGIC: &[u8; 4] = b"RCS2";
const OLD_MAGIC: &[u8; 4] = b"RCS1";

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "cannot use the cache folder {path}: {error}; check the disk, or render with --no-cache"
    )]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "cannot read the cached sentence {path}: {error}; check its permissions and the disk, \
         or render with --no-cache"
    )]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Why an entry could not be used.
#[derive(Debug)]
enum EntryProblem {
    /// Its bytes are not a whole entry for this rate: it is made again.
    Damaged,
    /// Reading it failed: the file may be fine, so it stays.
    Unreadable(std::io::Error),
}

impl From<std::io::Error> for EntryProblem {
    fn from(error: std::io::Error) -> Self {
        match error.kind() {
            // A file cut short by a crash or a full disk.
            std::io::ErrorKind::UnexpectedEof => EntryProblem::Damaged,
            _ => EntryProblem::Unreadable(error),
        }
    }
}

/// Builds a cache key from the parts that determine a sentence's audio.
#[derive(Default)]
pub struct KeyBuilder {
    hasher: Sha256,
}

impl KeyBuilder {
    pub fn new(namespace: &str) -> Self {
        let mut builder = Self::default();
        builder.part(namespace);
        builder
    }

    /// Adds one part; parts are length-prefixed, so ("ab","c") and ("a","bc") differ.
    pub fn part(&mut self, value: &str) -> &mut Self {
        self.hasher.update((value.len() as u64).to_le_bytes());
        self.hasher.update(value.as_bytes());
        self
    }

    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// Entry count and size of a cache folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub entries: u64,
    pub bytes: u64,
}

/// A folder of cached sentences: `<dir>/<first two hex digits>/<key>.pcm`.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.dir.join(shard).join(format!("{key}.pcm"))
    }

    /// The cached samples for `key` at `rate`, if present and whole; a damaged entry is
    /// removed and counts as missing. Reading an entry marks it as recently used, for
    /// pruning.
    pub fn lookup(&self, key: &str, rate: u32) -> Result<Option<Vec<f32>>, CacheError> {
        let path = self.path(key);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(CacheError::Unreadable {
                    path,
                    error: source,
                });
            }
        };
        match read_entry(BufReader::new(file), rate) {
            Ok((samples, _)) => {
                let _ = File::options()
                    .append(true)
                    .open(&path)
                    .and_then(|f| f.set_modified(SystemTime::now()));
                Ok(Some(samples))
            }
            Err(EntryProblem::Damaged) => {
                let _ = std::fs::remove_file(&path);
                Ok(None)
            }
            Err(EntryProblem::Unreadable(source)) => Err(CacheError::Unreadable {
                path,
                error: source,
            }),
        }
    }

    /// [`Cache::lookup`] for callers to whom an unreadable entry is as good as a missing one.
    pub fn get(&self, key: &str, rate: u32) -> Option<Vec<f32>> {
        self.lookup(key, rate).ok().flatten()
    }

    /// [`Cache::get`], with where the sentence's syllables are (seconds from its first
    /// sample; empty if its engine does not know), from one read of the entry.
    pub fn get_timed(
        &self,
        key: &str,
        rate: u32,
    ) -> Option<(Vec<f32>, Vec<crate::synth::SpokenSyllable>)> {
        let (samples, timings) = File::open(self.path(key))
            .ok()
            .and_then(|f| read_entry(BufReader::new(f), rate).ok())?;
        Some((
            samples,
            serde_json::from_slice(&timings).unwrap_or_default(),
        ))
    }

    /// Stores `samples` and where their syllables are under `key`, atomically.
    pub fn put(
        &self,
        key: &str,
        rate: u32,
        samples: &[f32],
        syllables: &[crate::synth::SpokenSyllable],
    ) -> Result<(), CacheError> {
        let path = self.path(key);
        let shard = path.parent().expect("entries live in a shard folder");
        let io = |source| CacheError::Io {
            path: shard.to_path_buf(),
            error: source,
        };
        std::fs::create_dir_all(shard).map_err(io)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".entry-")
            .tempfile_in(shard)
            .map_err(io)?;
        {
            let mut out = BufWriter::new(tmp.as_file_mut());
            out.write_all(MAGIC).map_err(io)?;
            out.write_all(&rate.to_le_bytes()).map_err(io)?;
            out.write_all(&(samples.len() as u64).to_le_bytes())
                .map_err(io)?;
            out.write_all(bytemuck::cast_slice(samples)).map_err(io)?;
            if !syllables.is_empty() {
                let timings = serde_json::to_vec(syllables).expect("syllables serialise");
                out.write_all(&timings).map_err(io)?;
            }
            out.flush().map_err(io)?;
        }
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(())
    }

    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let mut found = Vec::new();
        for shard in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            for entry in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "pcm")
                    && let Ok(meta) = entry.metadata()
                {
                    let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    found.push((path, meta.len(), used));
                }
            }
        }
        found
    }

    pub fn stats(&self) -> CacheStats {
        let entries = self.entries();
        CacheStats {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|(_, len, _)| len).sum(),
        }
    }

    /// Removes the least recently used entries until the cache holds at most `max_bytes`,
    /// and any temporary files a killed writer left behind. Returns what was removed.
    pub fn prune(&self, max_bytes: u64) -> Result<CacheStats, CacheError> {
        let mut entries = self.entries();
        entries.sort_by_key(|(_, _, used)| *used);
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        let mut removed = CacheStats::default();
        for (path, len, _) in entries {
            if total <= max_bytes {
                break;
            }
            std::fs::remove_file(&path).map_err(|source| CacheError::Io {
                path: path.clone(),
                error: source,
            })?;
            total -= len;
            removed.entries += 1;
            removed.bytes += len;
        }
        for shard in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            for entry in std::fs::read_dir(shard.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let stale = entry.file_name().to_string_lossy().starts_with(".entry-")
                    && entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 3600));
                if stale {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(removed)
    }
}

/// An entry's samples and the bytes of its syllable timings (empty when it has none).
fn read_entry(mut reader: impl Read, rate: u32) -> Result<(Vec<f32>, Vec<u8>), EntryProblem> {
    let mut header = [0u8; 16];
    reader.read_exact(&mut header)?;
    let (magic, rest) = header.split_at(4);
    let (entry_rate, count) = rest.split_at(4);
    let entry_rate = u32::from_le_bytes(entry_rate.try_into().expect("4 bytes"));
    if (magic != MAGIC && magic != OLD_MAGIC) || entry_rate != rate {
        return Err(EntryProblem::Damaged);
    }
    let count = u64::from_le_bytes(count.try_into().expect("8 bytes"));
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    let sample_bytes = count.saturating_mul(4);
    let whole = if magic == OLD_MAGIC {
        bytes.len() as u64 == sample_bytes
    } else {
        bytes.len() as u64 >= sample_bytes
    };
    if !whole {
        return Err(EntryProblem::Damaged);
    }
    let timings = bytes.split_off(sample_bytes as usize);
    Ok((bytemuck::pod_collect_to_vec(&bytes), timings))
}

/// Parses sizes such as `500M`, `2G`, `750k`, `1048576` (bytes; binary multiples).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size; write e.g. 500M, 2G or 1048576"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        other => return Err(format!("unknown size unit {other:?}; use K, M, G or T")),
    };
    Ok((value * multiplier as f64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_depend_on_every_part_and_its_boundaries() {
        let key = |parts: &[&str]| {
            let mut k = KeyBuilder::new("t");
            for p in parts {
                k.part(p);
            }
            k.finish()
        };
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["x"]).len(), 64);
    }

    #[test]
    fn entries_round_trip_and_damage_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let key = KeyBuilder::new("t").finish();
        assert!(cache.get(&key, 24000).is_none());
        cache.put(&key, 24000, &[0.5, -0.25, 0.0], &[]).unwrap();
        assert_eq!(cache.get(&key, 24000).unwrap(), vec![0.5, -0.25, 0.0]);
        // Another rate is a miss.
        assert!(cache.get(&key, 16000).is_none());
        cache.put(&key, 24000, &[0.5, -0.25, 0.0], &[]).unwrap();
        // A truncated entry is a miss, and is removed.
        let path = cache.path(&key);
        let len = std::fs::metadata(&path).unwrap().len();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 2)
            .unwrap();
        assert!(cache.get(&key, 24000).is_none());
        assert!(!path.exists());
    }

    #[test]
    fn syllable_timings_come_back_with_their_entry() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let key = KeyBuilder::new("timed").finish();
        let timings = vec![crate::synth::SpokenSyllable {
            text: "好".into(),
            reading: "hao3".into(),
            tone: 3,
            start: 0.25,
            end: 0.5,
        }];
        cache.put(&key, 24000, &[0.5, -0.25], &timings).unwrap();
        assert_eq!(cache.get(&key, 24000).unwrap(), vec![0.5, -0.25]);
        assert_eq!(cache.get_timed(&key, 24000).unwrap().1, timings);
        // An entry written before timings existed reads as samples without them.
        let old = cache.path(&key);
        let mut bytes = OLD_MAGIC.to_vec();
        bytes.extend_from_slice(&24000u32.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&0.75f32.to_le_bytes());
        std::fs::write(&old, bytes).unwrap();
        assert_eq!(cache.get(&key, 24000).unwrap(), vec![0.75]);
        assert!(cache.get_timed(&key, 24000).unwrap().1.is_empty());
    }

    /// A reader that fails as a file without read permission does.
    struct Forbidden;

    impl Read for Forbidden {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::PermissionDenied.into())
        }
    }

    #[test]
    fn an_entry_that_cannot_be_read_is_not_called_damaged() {
        assert!(matches!(
            read_entry(Forbidden, 24000),
            Err(EntryProblem::Unreadable(e)) if e.kind() == std::io::ErrorKind::PermissionDenied
        ));
        assert!(matches!(
            read_entry(&b"RCS1"[..], 24000),
            Err(EntryProblem::Damaged)
        ));
        // An entry the cache cannot read is reported, and left where it is.
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let key = KeyBuilder::new("t").finish();
        let path = cache.path(&key);
        std::fs::create_dir_all(&path).unwrap();
        match cache.lookup(&key, 24000) {
            Err(CacheError::Unreadable { path: named, .. }) => assert_eq!(named, path),
            other => panic!("expected an unreadable entry, got {other:?}"),
        }
        assert!(path.exists());
    }

    #[test]
    fn prune_keeps_the_most_recently_used() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let keys: Vec<String> = (0..4)
            .map(|i| KeyBuilder::new(&i.to_string()).finish())
            .collect();
        for (i, key) in keys.iter().enumerate() {
            cache.put(key, 8000, &vec![0.0; 100], &[]).unwrap();
            let when = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1000 + i as u64);
            File::options()
                .append(true)
                .open(cache.path(key))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        let entry_size = cache.stats().bytes / 4;
        assert_eq!(cache.stats().entries, 4);
        let removed = cache.prune(2 * entry_size).unwrap();
        assert_eq!(removed.entries, 2);
        assert!(cache.get(&keys[0], 8000).is_none());
        assert!(cache.get(&keys[3], 8000).is_some());
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("500M").unwrap(), 500 << 20);
        assert_eq!(parse_size("1.5G").unwrap(), 3 << 29);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5Q").is_err());
    }
}
