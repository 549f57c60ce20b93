//! Tests that need a real NATS with JetStream (`make test` provides one: `NATS_URL`, else the
//! server on 127.0.0.1:4222, else a throwaway one; without `NATS_URL` these fail, they never
//! skip). Tests share the `DIXIE_SIGNALS` stream and tell their signals apart by wallet.

#[path = "../support/mod.rs"]
mod support;

mod signals;

use std::net::SocketAddr;

pub fn nats_url() -> String {
    std::env::var("NATS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .expect("NATS_URL is not set: run `make test` (it finds or starts a NATS)")
}

/// The address of the NATS server (for a proxy in front of it).
pub fn nats_addr() -> SocketAddr {
    let url = nats_url();
    let rest = url.split("://").nth(1).unwrap_or(&url);
    let hostport = rest.rsplit('@').next().unwrap_or(rest);
    let hostport = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:4222")
    };
    hostport.parse().expect("NATS_URL's host is an IP:port")
}
