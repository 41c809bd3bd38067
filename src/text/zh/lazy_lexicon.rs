//! The lexicon a render reads Chinese with, loaded on first use: voices that do not read
//! through recast's Chinese front end never pay for it.

use super::{Lexicon, LexiconError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The built-in lexicon, pypinyin's phrase dictionary when `scripts/setup` installed it, and
/// the user's file on top.
pub fn load_lexicon(data_dir: &Path, user: Option<&Path>) -> Result<Lexicon, LexiconError> {
    let mut lexicon = Lexicon::standard(data_dir)?;
    if let Some(path) = user {
        lexicon.add_file(path)?;
    }
    Ok(lexicon)
}

/// [`load_lexicon`], done once, when first asked for. A thread that asks while another is
/// loading waits for that load instead of starting its own (`say` loads it beside the model).
pub struct LazyLexicon {
    data_dir: PathBuf,
    user: Option<PathBuf>,
    loaded: OnceLock<Lexicon>,
    loading: Mutex<()>,
}

impl LazyLexicon {
    pub fn new(data_dir: &Path, user: Option<&Path>) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            user: user.map(Path::to_path_buf),
            loaded: OnceLock::new(),
            loading: Mutex::new(()),
        }
    }

    pub fn get(&self) -> Result<&Lexicon, LexiconError> {
        if let Some(lexicon) = self.loaded.get() {
            return Ok(lexicon);
        }
        // A poisoned lock only means another load panicked; this one may still succeed.
        let _one_load = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lexicon) = self.loaded.get() {
            return Ok(lexicon);
        }
        let lexicon = load_lexicon(&self.data_dir, self.user.as_deref())?;
        Ok(self.loaded.get_or_init(|| lexicon))
    }
}
