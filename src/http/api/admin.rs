//! `/api/admin/allowlist*` (§1.5.15): read and edit the allowlist with the admin key.
//!
//! The key is `DIXIE_ADMIN_KEY`, sent as `Authorization: Bearer <key>` or as the bare header
//! value, compared in constant time. Edits are serialized, persisted atomically through the
//! `AllowlistStore`, and only then put in force: a failed write changes nothing. The first
//! entry added where no allowlist file exists creates it, which turns the allowlist on.

use poem_openapi::auth::ApiKey;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, SecurityScheme};

use super::{ApiTags, constant_time_eq};
use crate::config::Secret;
use crate::core::auth::allowlist::{Access, Allowlist, AllowlistDocument, EntryError};
use crate::core::clock::now_iso;
use crate::core::ports::AllowlistStore;
use crate::http::api::access_policy::AccessPolicyView;
use crate::http::body::JsonBody;
use crate::http::error::ErrorBody;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

#[derive(Object, Debug)]
#[oai(rename = "Allowlist")]
pub struct AllowlistDto {
    pub version: u64,
    /// EIP-55 wallets, sorted.
    pub wallets: Vec<String>,
    /// `dxk_` API keys, sorted.
    #[oai(rename = "apiKeys")]
    pub api_keys: Vec<String>,
    /// When the file was last written; absent when there is no allowlist file (an open
    /// deployment).
    #[oai(skip_serializing_if_is_none)]
    pub updated_at: Option<Timestamp>,
    // The file's informational access policy (no doc comment on a `$ref` field: it would be
    // wrapped in an `allOf` generated clients cannot read).
    #[oai(skip_serializing_if_is_none)]
    pub policy: Option<AccessPolicyView>,
}

impl From<AllowlistDocument> for AllowlistDto {
    fn from(d: AllowlistDocument) -> Self {
        AllowlistDto {
            version: d.version,
            wallets: d.wallets,
            api_keys: d.api_keys,
            updated_at: (!d.updated_at.is_empty()).then_some(Timestamp(d.updated_at)),
            policy: d.policy.as_ref().and_then(AccessPolicyView::of),
        }
    }
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    #[oai(rename = "wallet")]
    Wallet,
    #[oai(rename = "apiKey")]
    ApiKey,
}

#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct NewEntry {
    #[oai(rename = "type")]
    pub kind: EntryType,
    /// A wallet address (any case; stored EIP-55) or a `dxk_` API key.
    #[oai(validator(min_length = 1, max_length = 256))]
    pub value: String,
}

#[derive(Object, Debug)]
pub struct Edited {
    pub ok: bool,
    pub data: AllowlistDto,
}

#[derive(ApiResponse)]
pub enum AddResponse {
    /// Added (or already present); the allowlist as now stored
    #[oai(status = 201)]
    Added(Json<Edited>),
}

/// Failures of the admin routes.
#[derive(ApiResponse, Debug)]
pub enum AdminFailure {
    /// Bad body (`invalid_request`) or not an address (`invalid_address`)
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No admin key (`unauthorized`)
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// Wrong admin key, or the admin API is not configured (`forbidden`)
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Entry not in the allowlist (`not_found`)
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The allowlist could not be stored (`internal_error`; nothing changed)
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

fn fail(variant: fn(Json<ErrorBody>) -> AdminFailure, error: &str, message: &str) -> AdminFailure {
    variant(Json(ErrorBody::new(error, message)))
}

/// The admin key (`DIXIE_ADMIN_KEY`) in `Authorization`: `Bearer <key>` or the bare key. In
/// Swagger UI's Authorize dialog, paste either form.
#[derive(SecurityScheme)]
#[oai(
    rename = "AdminKey",
    ty = "api_key",
    key_in = "header",
    key_name = "Authorization"
)]
pub struct AdminKeyHeader(pub ApiKey);

/// The admin key when sent; without one the handler answers the contract's refusal (403 when
/// no key is configured, else 401).
#[derive(SecurityScheme)]
pub enum AdminKey {
    Sent(AdminKeyHeader),
    #[oai(fallback)]
    Missing,
}

impl AdminKey {
    fn value(&self) -> Option<&str> {
        match self {
            AdminKey::Sent(key) => Some(&key.0.key),
            AdminKey::Missing => None,
        }
    }

    /// Whether the sent key (`Bearer <key>` or bare, in constant time) is `admin`.
    pub fn check(&self, admin: &Secret) -> KeyCheck {
        let Some(value) = self.value().map(str::trim).filter(|v| !v.is_empty()) else {
            return KeyCheck::Missing;
        };
        let key = crate::http::middleware::guard::bearer_token(value).unwrap_or(value);
        if constant_time_eq(key.as_bytes(), admin.expose().as_bytes()) {
            KeyCheck::Valid
        } else {
            KeyCheck::Wrong
        }
    }
}

/// What an admin key check found.
pub enum KeyCheck {
    Missing,
    Wrong,
    Valid,
}

pub struct AdminApi<A: Adapters> {
    state: Shared<A>,
}

impl<A: Adapters> AdminApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        AdminApi { state }
    }

    fn authorize(&self, auth: &AdminKey) -> Result<(), AdminFailure> {
        let Some(admin) = self.state.settings.admin_key.as_ref() else {
            return Err(fail(
                AdminFailure::Forbidden,
                "forbidden",
                "Admin API not configured",
            ));
        };
        match auth.check(admin) {
            KeyCheck::Valid => Ok(()),
            KeyCheck::Missing => Err(fail(
                AdminFailure::Unauthorized,
                "unauthorized",
                "Admin key required",
            )),
            KeyCheck::Wrong => Err(fail(
                AdminFailure::Forbidden,
                "forbidden",
                "Invalid admin key",
            )),
        }
    }

    fn current(&self) -> Allowlist {
        match &*self.state.access() {
            Access::Open => Allowlist::default(),
            Access::Restricted(list) => list.clone(),
        }
    }

    /// Stores `list` and puts it in force; on failure nothing changes.
    async fn commit(&self, mut list: Allowlist) -> Result<Edited, AdminFailure> {
        list.updated_at = now_iso();
        self.state.allowlist.save(&list).await.map_err(|e| {
            tracing::error!(event = "allowlist_save_failed", detail = %e);
            fail(
                AdminFailure::Internal,
                "internal_error",
                "Internal server error",
            )
        })?;
        let data = list.document().into();
        self.state.set_access(Access::Restricted(list));
        Ok(Edited { ok: true, data })
    }
}

#[OpenApi(tag = "ApiTags::Admin")]
impl<A: Adapters> AdminApi<A> {
    /// Read the allowlist (admin key)
    #[oai(
        path = "/api/admin/allowlist",
        method = "get",
        operation_id = "getAllowlist"
    )]
    async fn get(&self, auth: AdminKey) -> Result<Json<AllowlistDto>, AdminFailure> {
        self.authorize(&auth)?;
        Ok(Json(self.current().document().into()))
    }

    /// Add a wallet or an API key (admin key)
    #[oai(
        path = "/api/admin/allowlist",
        method = "post",
        operation_id = "addAllowlistEntry"
    )]
    async fn add(
        &self,
        auth: AdminKey,
        body: JsonBody<NewEntry>,
    ) -> Result<AddResponse, AdminFailure> {
        self.authorize(&auth)?;
        let _edits = self.state.allowlist_edits.lock().await;
        let mut list = self.current();
        let added = match body.kind {
            EntryType::Wallet => list.add_wallet(&body.value),
            EntryType::ApiKey => list.add_api_key(&body.value),
        }
        .map_err(|e| match e {
            EntryError::InvalidAddress => fail(
                AdminFailure::BadRequest,
                "invalid_address",
                "Invalid Ethereum address",
            ),
            EntryError::InvalidApiKey => {
                fail(AdminFailure::BadRequest, "invalid_request", &e.to_string())
            }
        })?;
        let edited = if added {
            self.commit(list).await?
        } else {
            Edited {
                ok: true,
                data: list.document().into(),
            }
        };
        Ok(AddResponse::Added(Json(edited)))
    }

    /// Remove a wallet (any case) or an API key (admin key)
    #[oai(
        path = "/api/admin/allowlist/:entry",
        method = "delete",
        operation_id = "removeAllowlistEntry"
    )]
    async fn remove(
        &self,
        auth: AdminKey,
        #[oai(validator(max_length = 256))] entry: Path<String>,
    ) -> Result<Json<Edited>, AdminFailure> {
        self.authorize(&auth)?;
        let _edits = self.state.allowlist_edits.lock().await;
        let mut list = self.current();
        if !list.remove(&entry) {
            return Err(fail(
                AdminFailure::NotFound,
                "not_found",
                "Entry not found in allowlist",
            ));
        }
        Ok(Json(self.commit(list).await?))
    }
}
