//! `GET /`: service identity.

use poem_openapi::{Object, OpenApi, payload::Json};

use super::ApiTags;

/// Static identity of the service.
#[derive(Object, Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ServiceInfo {
    pub service: String,
    pub status: String,
    pub version: String,
}

pub struct RootApi;

#[OpenApi]
impl RootApi {
    /// Service identity
    #[oai(
        path = "/",
        method = "get",
        tag = "ApiTags::Service",
        operation_id = "getRoot"
    )]
    async fn root(&self, _public: super::auth::Public) -> Json<ServiceInfo> {
        Json(ServiceInfo {
            service: "dixie-bff".to_owned(),
            status: "running".to_owned(),
            version: crate::VERSION.to_owned(),
        })
    }
}
