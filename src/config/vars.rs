//! The table of every variable Dixie reads: `dixie --help`, the README check, and the list
//! parsing may read from.

/// One environment variable: its name, default and meaning, as `dixie --help` prints them.
pub struct VarSpec {
    pub name: &'static str,
    pub default: &'static str,
    pub help: &'static str,
}

/// Every variable Dixie reads.
pub const VARS: &[VarSpec] = &[
    VarSpec {
        name: "DIXIE_ENV",
        default: "development",
        help: "production | development | test (NODE_ENV is read when unset)",
    },
    VarSpec {
        name: "DIXIE_HOST",
        default: "127.0.0.1",
        help: "address to listen on (the container sets 0.0.0.0)",
    },
    VarSpec {
        name: "DIXIE_PORT",
        default: "3001",
        help: "TCP port, 1..65535 (0 = any free port)",
    },
    VarSpec {
        name: "PORT",
        default: "(unset)",
        help: "overrides DIXIE_PORT when set (platforms that assign the port)",
    },
    VarSpec {
        name: "LOG_LEVEL",
        default: "info",
        help: "error | warn | info | debug | trace",
    },
    VarSpec {
        name: "FINN_URL",
        default: "http://127.0.0.1:4000",
        help: "base URL of the Finn runtime (required in production)",
    },
    VarSpec {
        name: "FINN_AUTH_TOKEN",
        default: "(unset: no token sent)",
        help: "bearer token of a Finn that has one configured (required then): sent on every Finn call, never logged",
    },
    VarSpec {
        name: "FINN_WS_URL",
        default: "(FINN_URL with http→ws, https→wss)",
        help: "base URL of Finn's stream (ws:// or wss://); Dixie connects to /ws/{sessionId} on it",
    },
    VarSpec {
        name: "DIXIE_CHAT_HANDOFF_SECS",
        default: "30",
        help: "how long a streaming chat's prompt waits for the caller's stream before Dixie sends it as a message, 1..600",
    },
    VarSpec {
        name: "DIXIE_WS_MAX_STREAMS",
        default: "10000",
        help: "chat streams (WebSockets) one process holds open at most, 1..1000000",
    },
    VarSpec {
        name: "DIXIE_WS_IDLE_SECS",
        default: "300",
        help: "a chat stream with no frame either way for this long is closed (1000), 2..3600",
    },
    VarSpec {
        name: "DIXIE_WS_SEND_TIMEOUT_MS",
        default: "10000",
        help: "a chat stream whose client has not read a frame within this long is closed (1008), 100..60000",
    },
    VarSpec {
        name: "FINN_TIMEOUT_MS",
        default: "5000",
        help: "per-call timeout for Finn, 1..60000 ms",
    },
    VarSpec {
        name: "DIXIE_JWT_PRIVATE_KEY",
        default: "(generated, outside production)",
        help: "PKCS#8 PEM → ES256 with kid; anything else → HS256 secret of at least 32 bytes",
    },
    VarSpec {
        name: "DIXIE_JWT_PREVIOUS_KEY",
        default: "(unset)",
        help: "previous ES256 key (PEM) still accepted and published during a rotation",
    },
    VarSpec {
        name: "DIXIE_HS256_FALLBACK_SECRET",
        default: "(unset)",
        help: "legacy HS256 secret accepted for verification only, during the ES256 migration",
    },
    VarSpec {
        name: "DIXIE_JWT_LEGACY_HS256_SECRET",
        default: "(unset)",
        help: "upstream main's name for DIXIE_HS256_FALLBACK_SECRET (either may be set; both only with one value)",
    },
    VarSpec {
        name: "DIXIE_SIWE_DOMAINS",
        default: "(the origins in DIXIE_CORS_ORIGINS)",
        help: "comma-separated domains a SIWE message may name: host[:port] or scheme://host[:port]",
    },
    VarSpec {
        name: "DIXIE_SIWE_CHAIN_IDS",
        default: "1",
        help: "comma-separated EIP-155 chain IDs a SIWE message may name",
    },
    VarSpec {
        name: "DIXIE_SIWE_MAX_AGE_SECS",
        default: "600",
        help: "how long after its Issued At a SIWE message may log in, 30..86400",
    },
    VarSpec {
        name: "DIXIE_SIWE_NONCE_TTL_SECS",
        default: "300",
        help: "lifetime of a nonce from POST /api/auth/nonce, 30..3600",
    },
    VarSpec {
        name: "DIXIE_SIWE_REQUIRE_SERVER_NONCE",
        default: "false",
        help: "true | false: accept only nonces from POST /api/auth/nonce (false also accepts client-chosen ones, each once)",
    },
    VarSpec {
        name: "DIXIE_ADMIN_KEY",
        default: "(unset: admin API off)",
        help: "admin API key (required in production: at least 32 characters and about 128 bits of entropy)",
    },
    VarSpec {
        name: "DIXIE_CORS_ORIGINS",
        default: "http://localhost:<port>",
        help: "comma-separated allowed origins; * = any origin, without credentials",
    },
    VarSpec {
        name: "DIXIE_ALLOWLIST_PATH",
        default: "/data/allowlist.json",
        help: "allowlist file (wallets, API keys)",
    },
    VarSpec {
        name: "DIXIE_AGENT_RATE_LIMIT_RPM",
        default: "30",
        help: "agent queries per sliding minute per TBA, 1..1000000",
    },
    VarSpec {
        name: "DIXIE_AGENT_RATE_LIMIT_RPD",
        default: "1000",
        help: "agent queries per UTC day per TBA, 1..100000000",
    },
    VarSpec {
        name: "DIXIE_RATE_LIMIT_RPM",
        default: "100",
        help: "requests per minute per identity, 1..1000000000",
    },
    VarSpec {
        name: "DIXIE_SCHEDULE_CALLBACK_SECRET",
        default: "(unset: every schedule callback is refused)",
        help: "HMAC-SHA256 key Finn signs schedule callbacks with",
    },
    VarSpec {
        name: "DIXIE_CONVICTION_TIER_TTL",
        default: "300",
        help: "seconds a wallet's conviction tier is reused, 0..86400 (0 = ask Finn every request)",
    },
    VarSpec {
        name: "DIXIE_KNOWLEDGE_DIR",
        default: "(unset)",
        help: "directory of the knowledge corpus (sources.json, corpus-events.json); unset: governance reports the corpus unavailable and health omits it",
    },
    VarSpec {
        name: "DIXIE_AUTONOMOUS_BUDGET",
        default: "100000",
        help: "daily cap in micro-USD of a dNFT whose autonomous permissions nobody set, 0..10^12",
    },
    VarSpec {
        name: "DIXIE_PERSONALITY_TTL",
        default: "1800",
        help: "seconds a dNFT's personality (Finn's BEAUVOIR answer) is reused, 0..86400 (0 = ask Finn every request)",
    },
    VarSpec {
        name: "DIXIE_MEMORY_PROJECTION_TTL",
        default: "300",
        help: "seconds a dNFT's memory projection is reused as chat context, 0..86400 (0 = ask Finn every chat); Dixie's own seal and delete forget it at once",
    },
    VarSpec {
        name: "DIXIE_METRICS",
        default: "true",
        help: "true | false: Prometheus metrics at GET /metrics (false: nothing is recorded and /metrics is 404)",
    },
    VarSpec {
        name: "DIXIE_METRICS_TOKEN",
        default: "(unset: /metrics is open)",
        help: "bearer token GET /metrics asks for (401 without it)",
    },
    VarSpec {
        name: "OTEL_EXPORTER_OTLP_ENDPOINT",
        default: "(unset: no spans)",
        help: "OpenTelemetry collector base URL (OTLP/HTTP; /v1/traces is appended): a span per request and per Finn, PostgreSQL and Redis call",
    },
    VarSpec {
        name: "OTEL_EXPORTER_OTLP_PROTOCOL",
        default: "http/protobuf",
        help: "http/protobuf | http/json (gRPC is not built in: point the endpoint at the collector's HTTP port, 4318)",
    },
    VarSpec {
        name: "OTEL_BSP_SCHEDULE_DELAY",
        default: "5000",
        help: "milliseconds spans wait to be exported in a batch, 1..60000",
    },
    VarSpec {
        name: "DIXIE_X402_ENABLED",
        default: "false",
        help: "true | false: x402 payment scaffold headers",
    },
    VarSpec {
        name: "DATABASE_URL",
        default: "(unset: in-memory store)",
        help: "PostgreSQL URL; sslmode=disable|prefer|require|verify-full honoured",
    },
    VarSpec {
        name: "DIXIE_DB_POOL_MAX",
        default: "10",
        help: "PostgreSQL pool size, 1..100",
    },
    VarSpec {
        name: "DIXIE_DB_CONNECT_TIMEOUT_MS",
        default: "2000",
        help: "pool checkout / connect timeout, 100..60000 ms",
    },
    VarSpec {
        name: "DIXIE_MIGRATE_ON_START",
        default: "false",
        help: "true | false: run embedded migrations before serving",
    },
    VarSpec {
        name: "DIXIE_SHUTDOWN_GRACE_SECS",
        default: "25",
        help: "drain time for in-flight requests on SIGTERM/SIGINT, 0..300",
    },
    VarSpec {
        name: "DIXIE_DB_QUERY_TIMEOUT_MS",
        default: "5000",
        help: "longest a query may run, server-side (statement_timeout) and client-side, 100..60000 ms",
    },
    VarSpec {
        name: "DIXIE_HEADER_READ_TIMEOUT_SECS",
        default: "10",
        help: "a request's headers (and then its body) must arrive within this, 1..300 s; it also ends a kept-alive connection idle between requests, so keep it above a load balancer's idle timeout",
    },
    VarSpec {
        name: "DIXIE_IDLE_TIMEOUT_SECS",
        default: "120",
        help: "a connection with no byte either way for this long while the server waits on it is closed, 1..3600 s",
    },
    VarSpec {
        name: "DIXIE_TRUSTED_PROXY_HOPS",
        default: "0",
        help: "proxies in front of Dixie that append to X-Forwarded-For, 0..10; the client address is the hop that many from the right (0: the peer address, the header ignored)",
    },
    VarSpec {
        name: "REDIS_URL",
        default: "(unset)",
        help: "Redis shared by the replicas (redis:// or rediss://): the rate limit; unset: each process counts its own",
    },
    VarSpec {
        name: "DIXIE_RATE_LIMIT_BACKEND",
        default: "redis when REDIS_URL is set, else memory",
        help: "memory | redis: where the rate limit is counted (redis falls back to the process's own count while Redis is down)",
    },
    VarSpec {
        name: "DIXIE_REDIS_PREFIX",
        default: "dixie:",
        help: "prefix of every Redis key Dixie writes",
    },
    VarSpec {
        name: "NATS_URL",
        default: "(unset)",
        help: "accepted for deployment parity; this build does not use NATS",
    },
];

/// The text of `dixie --help`.
pub fn help_text() -> String {
    let mut out = String::from(
        "dixie — backend-for-frontend between dNFT holders' web clients and the Finn runtime\n\n\
         USAGE:\n  dixie [serve]        start the HTTP server (default)\n  \
         dixie migrate        apply the embedded PostgreSQL migrations to DATABASE_URL\n  \
         dixie healthcheck    exit 0 when this config's /api/health answers 2xx (container probe)\n  \
         dixie keygen         print a new ES256 (P-256) PKCS#8 private key PEM\n  \
         dixie openapi [json|yaml]  print the OpenAPI document\n  \
         dixie --help         this text\n\nENVIRONMENT (empty counts as unset):\n",
    );
    let width = VARS.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for var in VARS {
        out.push_str(&format!(
            "  {:width$}  {}\n  {:width$}  default: {}\n",
            var.name, var.help, "", var.default
        ));
    }
    out.push_str("\nA bad value stops startup with exit code 2 and a one-line reason.\n");
    out
}
