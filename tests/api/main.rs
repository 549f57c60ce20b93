//! Black-box tests of the running app (port 0), plus build-rule checks.

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod agent;
mod asyncapi;
mod auth;
mod autonomous;
mod chat;
mod contract_memory;
mod enrich;
mod errors;
mod finn_adapter;
mod governance;
mod hardening;
mod health;
mod identity;
mod learning;
mod memory;
mod metrics;
mod openapi;
mod otel;
mod personality;
mod pipeline;
mod purity;
mod reputation;
mod schedule;
mod siwe;
mod startup;
mod stream;
mod trace;
