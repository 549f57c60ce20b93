//! The request pipeline, outermost first (contract §1.2, the part our routes need):
//! request id → security headers → CORS → body limit → access log (+ response time) →
//! metrics and request span → panic catcher and JSON errors → `/api/*` guard (identity, rate limit, allowlist, payment)
//! → router.

pub mod access_log;
pub mod allow;
pub mod body_limit;
pub mod guard;
pub mod headers;
pub mod observe;
pub mod request_id;

pub use access_log::AccessLog;
pub use allow::{AllowOn405, AllowTable};
pub use body_limit::BodyLimit;
pub use guard::{ApiGuard, is_rate_limited};
pub use headers::{Cors, CorsOrigins, SecurityHeaders};
pub use observe::Observe;
pub use request_id::{RequestId, RequestIds};
