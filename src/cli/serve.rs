//! `recast serve`: serves a folder of episodes and its feed over HTTP until Ctrl-C, and
//! says where a podcast app finds the feed.

use super::reporter::TerminalReporter;
use anyhow::Result;
use recast::feed::FEED_FILE;
use recast::serve::{self, Server};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct ServeCommand {
    /// The folder of episodes and their feed (`recast feed DIR --base-url URL` writes
    /// DIR/feed.xml).
    dir: PathBuf,
    /// The address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 (or this
    /// machine's address) lets phones on the local network subscribe.
    #[arg(long, default_value_t = serve::DEFAULT_HOST)]
    host: IpAddr,
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = serve::DEFAULT_PORT)]
    port: u16,
}

impl ServeCommand {
    pub(crate) fn run(self) -> Result<()> {
        let server = Server::bind(&self.dir, SocketAddr::new(self.host, self.port))?;
        let base = base_url(server.local_addr());
        eprintln!("serving {} at {base}", self.dir.display());
        if !server.is_loopback() {
            eprintln!(
                "note: anyone on the network can download these files while this runs; \
                 press Ctrl-C to stop"
            );
        }
        let feed = server.root().join(FEED_FILE);
        match std::fs::read_to_string(&feed) {
            Ok(text) if text.contains(&base) => eprintln!("podcast feed: {base}{FEED_FILE}"),
            Ok(_) => eprintln!(
                "warning: {} addresses its episodes elsewhere, not at {base}: a podcast app \
                 would not find them; run `recast feed {} --base-url {base}`",
                feed.display(),
                self.dir.display()
            ),
            Err(_) => eprintln!(
                "warning: {} has no {FEED_FILE} yet: run `recast feed {} --base-url {base}` \
                 for podcast apps to subscribe to",
                self.dir.display(),
                self.dir.display()
            ),
        }
        let reporter = TerminalReporter::bytes();
        server.run_until_signal(&reporter)?;
        eprintln!("stopped");
        Ok(())
    }
}

/// The address a podcast app uses: the one listened on, or for the unspecified address
/// (0.0.0.0, `::`) the address this machine has on its network, which apps can reach.
fn base_url(listening: SocketAddr) -> String {
    let mut shown = listening;
    if listening.ip().is_unspecified()
        && let Some(ip) = network_address(listening.ip())
    {
        shown.set_ip(ip);
    }
    format!("http://{shown}/")
}

/// This machine's address on its default route: connecting a UDP socket picks the route
/// without sending anything.
fn network_address(family: IpAddr) -> Option<IpAddr> {
    let (bind, probe) = match family {
        IpAddr::V4(_) => ("0.0.0.0:0", "192.0.2.1:9"),
        IpAddr::V6(_) => ("[::]:0", "[2001:db8::1]:9"),
    };
    let socket = UdpSocket::bind(bind).ok()?;
    socket.connect(probe).ok()?;
    Some(socket.local_addr().ok()?.ip()).filter(|ip| !ip.is_unspecified())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loopback_address_is_shown_as_it_is() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(base_url(addr), "http://127.0.0.1:8080/");
    }

    #[test]
    fn the_unspecified_address_is_shown_as_the_machines_own() {
        let addr: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        match network_address(addr.ip()) {
            Some(ip) => assert_eq!(base_url(addr), format!("http://{ip}:8080/")),
            // A machine without a route has no address to show but the one listened on.
            None => assert_eq!(base_url(addr), "http://0.0.0.0:8080/"),
        }
    }
}
