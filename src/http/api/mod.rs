//! The OpenAPI surface: one API struct per area, combined into one [`OpenApiService`].

pub mod access_policy;
pub mod admin;
pub mod agent;
pub mod auth;
pub mod autonomous;
pub mod chat;
pub mod document;
pub mod enrich;
pub mod governance;
pub mod health;
pub mod identity;
pub mod learning;
pub mod memory;
pub mod metrics;
pub mod personality;
pub mod reputation;
pub mod root;
pub mod schedule;

use poem_openapi::{OpenApiService, Tags};

use crate::http::state::{Adapters, Shared};

#[derive(Tags)]
pub enum ApiTags {
    /// Service identity and health
    Service,
    /// Sign-In with Ethereum, tokens and signing keys
    Auth,
    /// Chat with the oracle through Finn
    Chat,
    /// Who the oracle is
    Identity,
    /// A dNFT's personality (BEAUVOIR) and its evolution
    Personality,
    /// What a dNFT's agent has learned (owner only)
    Learning,
    /// A dNFT's soul memory, kept by Finn (owner, delegates, access policy)
    Memory,
    /// What a dNFT's agent may do on its own, and the audit trail of every change
    Autonomous,
    /// Natural-language schedules fired by Finn's cron
    Schedule,
    /// Context for governance reviews (builder tier)
    Enrichment,
    /// Allowlist administration (admin key)
    Admin,
    /// dNFT reputation: aggregates, cohorts, event history
    Reputation,
    /// Agents (token-bound accounts): oracle queries, the corpus, priority votes. Every route
    /// takes `x-tba-address`, `x-tba-timestamp` (Unix seconds, within 300 s) and
    /// `x-tba-signature` (the TBA owner's `personal_sign` of
    /// `dixie-agent-auth:<x-tba-address>:<x-tba-timestamp>`) besides allowlisted credentials
    Agent,
}

pub type Apis<A> = (
    root::RootApi,
    health::HealthApi<A>,
    metrics::MetricsApi<A>,
    governance::GovernanceApi<A>,
    auth::AuthApi<A>,
    chat::ChatApi<A>,
    identity::IdentityApi<A>,
    personality::PersonalityApi<A>,
    learning::LearningApi<A>,
    memory::MemoryApi<A>,
    schedule::ScheduleApi<A>,
    autonomous::AutonomousApi<A>,
    enrich::EnrichApi<A>,
    reputation::ReputationApi<A>,
    agent::AgentApi<A>,
    admin::AdminApi<A>,
);

const DESCRIPTION: &str = "Dixie: backend-for-frontend between dNFT holders' web clients and \
the Finn agent runtime.\n\nEvery error, including unknown routes (404 `not_found`), wrong methods \
(405 `method_not_allowed`), unparsable bodies or parameters (400 `invalid_request`), oversize \
bodies (413 `payload_too_large`) and internal failures (500 `internal_error`, no detail), has \
the JSON body `{\"error\": \"<code>\", \"message\": \"…\"}` (schema `ErrorBody`). Every response \
carries `x-request-id`.";

pub(crate) use crate::core::auth::constant_time_eq;

/// The OpenAPI service over the given state; its spec is what `openapi/` holds.
pub fn service<A: Adapters>(state: Shared<A>) -> OpenApiService<Apis<A>, ()> {
    OpenApiService::new(
        (
            root::RootApi,
            health::HealthApi::new(state.clone()),
            metrics::MetricsApi::new(state.clone()),
            governance::GovernanceApi::new(state.clone()),
            auth::AuthApi::new(state.clone()),
            chat::ChatApi::new(state.clone()),
            identity::IdentityApi::new(state.clone()),
            personality::PersonalityApi::new(state.clone()),
            learning::LearningApi::new(state.clone()),
            memory::MemoryApi::new(state.clone()),
            schedule::ScheduleApi::new(state.clone()),
            autonomous::AutonomousApi::new(state.clone()),
            enrich::EnrichApi::new(state.clone()),
            reputation::ReputationApi::new(state.clone()),
            agent::AgentApi::new(state.clone()),
            admin::AdminApi::new(state),
        ),
        "Dixie",
        crate::VERSION,
    )
    .description(DESCRIPTION)
    // Relative: the deployment that serves the document is the one to call (Swagger UI's
    // "Try it out" and generated clients alike).
    .server(
        poem_openapi::ServerObject::new("/").description("the deployment serving this document"),
    )
    .license(
        poem_openapi::LicenseObject::new("AGPL-3.0-only")
            .url("https://www.gnu.org/licenses/agpl-3.0.html"),
    )
}
