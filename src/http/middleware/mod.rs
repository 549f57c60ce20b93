//! Request pipeline, outermost first: request id → access log → panic catcher → router.

pub mod access_log;
pub mod request_id;

pub use access_log::AccessLog;
pub use request_id::{RequestId, RequestIds};
