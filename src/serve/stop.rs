//! How a running server is told to stop: a handle any thread can fire, and the terminal's
//! Ctrl-C or a service manager's SIGTERM.

use std::sync::Arc;

use tokio::sync::watch;

/// Stops the [`Server`](super::Server) it came from; clone it freely, fire it from any
/// thread, before or while the server runs.
#[derive(Clone, Debug)]
pub struct Stopper(Arc<watch::Sender<bool>>);

impl Stopper {
    pub(crate) fn new() -> Self {
        Stopper(Arc::new(watch::Sender::new(false)))
    }

    /// Asks the server to stop: it finishes the requests under way (for a few seconds at
    /// most) and its run function returns.
    pub fn stop(&self) {
        // A watch keeps the value, so a stop before the server waits is not lost.
        self.0.send_replace(true);
    }

    /// Completes once [`stop`](Self::stop) has been called.
    pub(crate) async fn stopped(&self) {
        let mut receiver = self.0.subscribe();
        // The sender lives in `self`, so waiting cannot fail.
        let _ = receiver.wait_for(|stopped| *stopped).await;
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub(crate) async fn signalled() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}
