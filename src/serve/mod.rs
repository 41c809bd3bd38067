//! Serves a folder of rendered episodes over HTTP, so that a podcast app on this machine or
//! the local network can subscribe to its `feed.xml`, download, seek and resume.
//!
//! [`Server::bind`] takes the address first (so the caller knows the port before anything
//! is served), then [`Server::run_until_signal`] or [`Server::run_until`] serves until told
//! to stop. Files come from the folder only: `..`, absolute paths and symlinks that lead
//! out of it are answered 404. Each request is told to the [`Reporter`] as a note; the
//! library prints nothing.

mod paths;
mod service;
mod stop;
mod types;

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::time::Duration;

use crate::report::Reporter;
pub use stop::Stopper;

/// Where the server listens unless told otherwise: this machine only.
pub const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// The port the server listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8080;

/// How long requests under way may run on after a stop: long enough to finish a feed or a
/// short range, short enough that Ctrl-C feels immediate while an app downloads an episode.
const GRACE: Duration = Duration::from_secs(3);

/// Why the folder cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot serve {}: {source}", dir.display())]
    Folder { dir: PathBuf, source: io::Error },
    #[error(
        "cannot serve {}: it is not a folder; give the folder that holds the episodes and feed.xml",
        dir.display()
    )]
    NotAFolder { dir: PathBuf },
    #[error(
        "port {} on {} is already in use (another `recast serve`?): choose another with --port, or --port 0 for any free one",
        addr.port(), addr.ip()
    )]
    PortInUse { addr: SocketAddr },
    #[error(
        "cannot listen on {addr}: {} is not an address of this machine; leave --host out to serve this machine only, or use 0.0.0.0 for every network it is on",
        addr.ip()
    )]
    AddressNotAvailable { addr: SocketAddr },
    #[error(
        "cannot listen on {addr}: not allowed (ports below 1024 need privileges); choose another with --port"
    )]
    NotAllowed { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: io::Error },
    #[error("the server stopped: {source}")]
    Serving { source: io::Error },
}

/// A folder of episodes with a socket bound for it, ready to serve.
#[derive(Debug)]
pub struct Server {
    root: PathBuf,
    listener: TcpListener,
    addr: SocketAddr,
    stopper: Stopper,
}

impl Server {
    /// Checks `dir` and binds `addr` (port 0: any free port). Nothing is served until one of
    /// the run functions is called; connections that arrive before then wait.
    pub fn bind(dir: impl AsRef<Path>, addr: SocketAddr) -> Result<Server, ServeError> {
        let dir = dir.as_ref();
        let root = dir.canonicalize().map_err(|source| ServeError::Folder {
            dir: dir.to_owned(),
            source,
        })?;
        if !root.is_dir() {
            return Err(ServeError::NotAFolder {
                dir: dir.to_owned(),
            });
        }
        let listener = TcpListener::bind(addr).map_err(|source| match source.kind() {
            io::ErrorKind::AddrInUse => ServeError::PortInUse { addr },
            io::ErrorKind::AddrNotAvailable => ServeError::AddressNotAvailable { addr },
            io::ErrorKind::PermissionDenied => ServeError::NotAllowed { addr },
            _ => ServeError::Listen { addr, source },
        })?;
        let listen_error = |source| ServeError::Listen { addr, source };
        let addr = listener.local_addr().map_err(listen_error)?;
        // tokio takes over the socket only in `run`, and requires it non-blocking.
        listener.set_nonblocking(true).map_err(listen_error)?;
        Ok(Server {
            root,
            listener,
            addr,
            stopper: Stopper::new(),
        })
    }

    /// The address actually bound: with port 0, the port the system chose.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The served folder, symlinks resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether only this machine can connect. When not, anyone on the network can read the
    /// folder, which the caller may want to say.
    pub fn is_loopback(&self) -> bool {
        self.addr.ip().is_loopback()
    }

    /// The URL of `file` in the folder, e.g. `url("feed.xml")`. With an unspecified host
    /// (0.0.0.0) the URL names that address; other machines reach the server at one of this
    /// machine's own addresses instead.
    pub fn url(&self, file: &str) -> String {
        format!("http://{}/{}", self.addr, file.trim_start_matches('/'))
    }

    /// A handle that stops the server from any thread.
    pub fn stopper(&self) -> Stopper {
        self.stopper.clone()
    }

    /// Serves until `shutdown` completes or the [`Stopper`] fires, then lets requests under
    /// way finish for a few seconds and returns. Blocks the calling thread (the server runs
    /// on a runtime of its own); `reporter` hears of every request, on this thread.
    pub fn run_until(
        self,
        shutdown: impl Future<Output = ()>,
        reporter: &dyn Reporter,
    ) -> Result<(), ServeError> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| ServeError::Serving { source })?
            .block_on(self.serve(shutdown, reporter))
    }

    /// Serves until Ctrl-C (SIGINT), SIGTERM or the [`Stopper`]; a stop this way is a
    /// normal end (`Ok`), so the command can exit 0.
    pub fn run_until_signal(self, reporter: &dyn Reporter) -> Result<(), ServeError> {
        // Signal handlers need the runtime, so they are installed inside it; if one cannot
        // be, serving on is better than refusing, and the Stopper still works.
        self.run_until(
            async {
                if stop::signalled().await.is_err() {
                    std::future::pending::<()>().await;
                }
            },
            reporter,
        )
    }

    async fn serve(
        self,
        shutdown: impl Future<Output = ()>,
        reporter: &dyn Reporter,
    ) -> Result<(), ServeError> {
        let serving = |source| ServeError::Serving { source };
        let listener = tokio::net::TcpListener::from_std(self.listener).map_err(serving)?;
        // Requests are handled on tasks that cannot borrow the reporter; their log lines
        // come here, to be told on the caller's thread.
        let (log, mut lines) = tokio::sync::mpsc::unbounded_channel();
        let (drain, drained) = tokio::sync::oneshot::channel::<()>();
        let server = axum::serve(listener, service::router(&self.root, log))
            .with_graceful_shutdown(async {
                let _ = drained.await;
            })
            .into_future();
        let mut server = pin!(server);
        let stopper = self.stopper;
        let mut stop = pin!(async {
            tokio::select! {
                () = shutdown => {}
                () = stopper.stopped() => {}
            }
        });

        let ended = loop {
            tokio::select! {
                ended = &mut server => break Some(ended),
                Some(line) = lines.recv() => reporter.note(&line),
                () = &mut stop => break None,
            }
        };
        let ended = match ended {
            Some(ended) => ended,
            None => {
                let _ = drain.send(());
                let mut grace = pin!(tokio::time::sleep(GRACE));
                loop {
                    tokio::select! {
                        ended = &mut server => break ended,
                        Some(line) = lines.recv() => reporter.note(&line),
                        // Connections still open are dropped with the runtime.
                        () = &mut grace => break Ok(()),
                    }
                }
            }
        };
        while let Ok(line) = lines.try_recv() {
            reporter.note(&line);
        }
        ended.map_err(serving)
    }
}
