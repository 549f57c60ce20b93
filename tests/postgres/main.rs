//! Tests that need a real PostgreSQL (`make test` provides one; without `DATABASE_URL` these
//! fail, they never skip).

#[path = "../support/mod.rs"]
mod support;

mod app;
mod contract_pg;
mod enrich;
mod faults;
mod stream;
mod tls;
