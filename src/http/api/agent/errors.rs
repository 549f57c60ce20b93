//! The failures of each agent route, as the spec lists them.

use crate::http::error::route_errors;

const UNAUTHORIZED: &str = "TBA headers missing, malformed, outside the 300 s window, or a signature Finn refuses (`unauthorized`); no credentials for the allowlist";
const TIER: &str = "Not allowlisted, or the TBA owner's tier below the route's (`forbidden`; a tier denial adds `actual_tier`, `required_tier`, `denial_codes`, `evaluation_gap`)";
const FINN: &str = "Finn could not verify the TBA or answer: unreachable or failing (`upstream_error`), breaker open (`circuit_open`) or unavailable (`service_unavailable`)";

route_errors!(
    /// The failures of the agent reads.
    AgentReadFailure,
    [(401, UNAUTHORIZED), (403, TIER), (503, FINN)]
);

route_errors!(
    /// The failures of `GET /api/agent/self-knowledge`.
    SelfKnowledgeFailure,
    [
        (401, UNAUTHORIZED),
        (403, TIER),
        (500, "Unexpected failure (`internal_error`)"),
        (
            503,
            "No knowledge corpus is configured or readable (`not_available`), the vote store is down (`service_unavailable`), or Finn could not verify the TBA",
        ),
    ]
);

route_errors!(
    /// The failures of `GET /api/agent/knowledge/priorities`.
    PrioritiesFailure,
    [
        (401, UNAUTHORIZED),
        (403, "Not allowlisted (`forbidden`)"),
        (500, "Unexpected failure (`internal_error`)"),
        (503, "The vote store is down (`service_unavailable`), or Finn could not verify the TBA"),
    ]
);

route_errors!(
    /// The failures of `POST /api/agent/query`.
    QueryFailure,
    [
        (400, "Invalid body (`invalid_request`)"),
        (401, UNAUTHORIZED),
        (
            402,
            "`maxCostMicroUsd` below the 6 600 µUSD estimate (`budget_exceeded`), or Finn's usage limit (`usage_limit`)",
        ),
        (403, TIER),
        (
            429,
            "Over the TBA's per-minute or per-day limit (`rate_limited`, with `retry_after` and `Retry-After`: until the oldest query leaves the minute, or until the next UTC midnight), or Finn's (`rate_limited`)",
        ),
        (500, "Unexpected failure (`internal_error`)"),
        (502, "Finn: provider unavailable (`service_unavailable`)"),
        (
            503,
            "Finn could not verify the TBA or answer: unreachable (`upstream_error`), breaker open (`circuit_open`) or oracle model unavailable (`service_unavailable`); any other Finn error status is passed through as `upstream_error`",
        ),
    ]
);

route_errors!(
    /// The failures of `POST /api/agent/knowledge/priorities/vote`.
    VoteFailureReply,
    [
        (
            400,
            "Invalid body: `sourceId` missing or not in the corpus, `priority` not 1..5 (`invalid_request`)",
        ),
        (401, UNAUTHORIZED),
        (403, TIER),
        (500, "Unexpected failure (`internal_error`)"),
        (503, "The vote store is down (`service_unavailable`), or Finn could not verify the TBA"),
    ]
);

route_errors!(
    /// The failures of `POST /api/agent/schedule`.
    AgentScheduleFailure,
    [
        (
            400,
            "Invalid body (`invalid_request`), or an expression that does not parse (`parse_error`)",
        ),
        (401, UNAUTHORIZED),
        (402, "Finn: usage limit reached (`usage_limit`)"),
        (
            403,
            "The TBA's owner does not hold the dNFT, or a tier below architect (`forbidden`)",
        ),
        (502, "Finn: provider unavailable (`service_unavailable`)"),
        (
            503,
            "Finn unreachable (`upstream_error`) or breaker open (`circuit_open`); any other Finn error status is passed through as `upstream_error`",
        ),
    ]
);
