//! A `recast serve` server run on a thread for a test, over a folder the test fills.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;

use recast::report::Reporter;
use recast::serve::{ServeError, Server, Stopper};

/// Keeps every request line the server reports.
#[derive(Default)]
pub struct Log(Mutex<Vec<String>>);

impl Reporter for Log {
    fn note(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}

/// How a server's run ended, and the requests it logged.
type Served = (Result<(), ServeError>, Vec<String>);

/// A server on its own thread; dropping it stops the server.
pub struct Running {
    addr: SocketAddr,
    stopper: Stopper,
    thread: Option<JoinHandle<Served>>,
}

impl Running {
    /// Binds 127.0.0.1:0 for `dir` and serves it on a thread until stopped.
    pub fn start(dir: &Path) -> Running {
        let server = Server::bind(dir, "127.0.0.1:0".parse().unwrap()).unwrap();
        let (addr, stopper) = (server.local_addr(), server.stopper());
        let thread = std::thread::spawn(move || {
            let log = Log::default();
            let ended = server.run_until(std::future::pending(), &log);
            (ended, log.0.into_inner().unwrap())
        });
        Running {
            addr,
            stopper,
            thread: Some(thread),
        }
    }

    /// The server's URL for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server and returns what it logged.
    pub fn stop(mut self) -> Vec<String> {
        self.stopper.stop();
        let (ended, log) = self.thread.take().unwrap().join().unwrap();
        ended.unwrap();
        log
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stopper.stop();
    }
}
