//! The end-to-end suite's clients: an OpenAPI-generated one ([`api`]) and a test wallet.

pub mod browser;
pub mod session;
pub mod target;
pub mod wallet;

/// The client progenitor generates from the committed `openapi/openapi.json`.
#[allow(clippy::all, dead_code, unused_imports)]
pub mod api {
    progenitor::generate_api!(spec = "../../openapi/openapi.json");
}
