//! `/api/schedule*` (§1.5.10, D9): natural-language schedules a dNFT's owner creates, which
//! Finn's cron fires back through a signed callback.
//!
//! Creating needs the builder tier and the dNFT (Dixie also checks ownership here, where the
//! original did not); reading and cancelling are the creator's or the owner's; the callback
//! needs an HMAC signature of a fresh timestamp (D9) besides the allowlist.

use poem::web::Data;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::ApiTags;
use super::auth::BearerToken;
use super::chat::context;
use crate::core::auth::Caller;
use crate::core::clock::{iso_millis, now_iso};
use crate::core::conviction::{Conviction, Tier, require_tier};
use crate::core::families::Persistence;
use crate::core::ownership::owns;
use crate::core::ports::{CronRegistry, NonceStore, OwnershipResolver, ScheduleStore};
use crate::core::schedule::{
    CALLBACK_MAX_SKEW_SECS, CALLBACK_PATH, CallbackError, CronRegistration, Execution,
    ExecutionStatus, MAX_SCHEDULES_PER_NFT, NewSchedule, Schedule, ScheduleStatus,
    parse_expression, verify_callback,
};
use crate::core::upstream::CallContext;
use crate::http::body::JsonBody;
use crate::http::error::RouteError;
use crate::http::ids::{NftId, PlainId};
use crate::http::middleware::RequestId;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum ScheduleStatusDto {
    Pending,
    Active,
    Paused,
    Completed,
    Cancelled,
    Failed,
}

impl From<ScheduleStatus> for ScheduleStatusDto {
    fn from(s: ScheduleStatus) -> Self {
        match s {
            ScheduleStatus::Pending => ScheduleStatusDto::Pending,
            ScheduleStatus::Active => ScheduleStatusDto::Active,
            ScheduleStatus::Paused => ScheduleStatusDto::Paused,
            ScheduleStatus::Completed => ScheduleStatusDto::Completed,
            ScheduleStatus::Cancelled => ScheduleStatusDto::Cancelled,
            ScheduleStatus::Failed => ScheduleStatusDto::Failed,
        }
    }
}

/// A schedule.
#[derive(Object, Debug)]
pub struct ScheduleDto {
    pub id: String,
    #[oai(rename = "nftId")]
    pub nft_id: String,
    #[oai(rename = "ownerWallet")]
    pub owner_wallet: String,
    pub name: String,
    #[oai(rename = "cronExpression")]
    pub cron_expression: String,
    #[oai(rename = "humanReadable")]
    pub human_readable: String,
    pub status: ScheduleStatusDto,
    #[oai(rename = "finnCronId", skip_serializing_if_is_none)]
    pub finn_cron_id: Option<String>,
    pub prompt: String,
    #[oai(rename = "createdAt")]
    pub created_at: Timestamp,
    #[oai(rename = "updatedAt")]
    pub updated_at: Timestamp,
    #[oai(rename = "nextFireAt", skip_serializing_if_is_none)]
    pub next_fire_at: Option<Timestamp>,
    #[oai(rename = "lastFiredAt", skip_serializing_if_is_none)]
    pub last_fired_at: Option<Timestamp>,
    #[oai(rename = "fireCount")]
    pub fire_count: u32,
    #[oai(rename = "maxFires", skip_serializing_if_is_none)]
    pub max_fires: Option<u32>,
}

impl From<Schedule> for ScheduleDto {
    fn from(s: Schedule) -> Self {
        ScheduleDto {
            id: s.id,
            nft_id: s.nft_id,
            owner_wallet: s.owner_wallet,
            name: s.name,
            cron_expression: s.cron_expression,
            human_readable: s.human_readable,
            status: s.status.into(),
            finn_cron_id: s.finn_cron_id,
            prompt: s.prompt,
            created_at: Timestamp(s.created_at),
            updated_at: Timestamp(s.updated_at),
            next_fire_at: s.next_fire_at.map(Timestamp),
            last_fired_at: s.last_fired_at.map(Timestamp),
            fire_count: s.fire_count,
            max_fires: s.max_fires,
        }
    }
}

#[derive(Enum, Clone, Copy, Debug)]
#[oai(rename_all = "snake_case")]
pub enum ExecutionStatusDto {
    Success,
    Skipped,
}

/// One fire of a schedule's cron; `status` is `skipped` when the schedule is unknown or no longer
/// fires.
// No doc comment on `status`: see `CorpusHealth` in the health API.
#[derive(Object, Debug)]
pub struct ExecutionDto {
    #[oai(rename = "scheduleId")]
    pub schedule_id: String,
    #[oai(rename = "firedAt")]
    pub fired_at: Timestamp,
    pub status: ExecutionStatusDto,
    #[oai(rename = "messageId", skip_serializing_if_is_none)]
    pub message_id: Option<String>,
}

impl From<Execution> for ExecutionDto {
    fn from(e: Execution) -> Self {
        ExecutionDto {
            schedule_id: e.schedule_id,
            fired_at: Timestamp(e.fired_at),
            status: match e.status {
                ExecutionStatus::Success => ExecutionStatusDto::Success,
                ExecutionStatus::Skipped => ExecutionStatusDto::Skipped,
            },
            message_id: e.message_id,
        }
    }
}

/// `POST /api/schedule` body. `nftId`, `nlExpression` and `prompt` are required.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct CreateSchedule {
    #[oai(rename = "nftId")]
    pub nft_id: Option<String>,
    /// e.g. `every morning`, `daily at 7pm`, `every 6 hours`, `weekly on friday`,
    /// `every day at 08:30`
    #[oai(rename = "nlExpression", validator(max_length = 200))]
    pub nl_expression: Option<String>,
    #[oai(validator(max_length = 10000))]
    pub prompt: Option<String>,
    /// Defaults to the expression
    #[oai(validator(max_length = 200))]
    pub name: Option<String>,
    /// Complete the schedule after this many fires
    #[oai(rename = "maxFires", validator(minimum(value = "1")))]
    pub max_fires: Option<u32>,
}

#[derive(Object, Debug)]
pub struct ParsedDto {
    #[oai(rename = "cronExpression")]
    pub cron_expression: String,
    #[oai(rename = "humanReadable")]
    pub human_readable: String,
    #[oai(rename = "nextFireAt")]
    pub next_fire_at: Option<Timestamp>,
}

#[derive(Object, Debug)]
pub struct Created {
    pub parsed: ParsedDto,
    pub schedule: ScheduleDto,
    /// True when Finn did not confirm the cron: the schedule stays `pending`
    #[oai(rename = "needsConfirmation")]
    pub needs_confirmation: bool,
}

#[derive(ApiResponse, Debug)]
pub enum CreateReply {
    /// Created (`active`, or `pending` with `needsConfirmation` when Finn did not register it)
    #[oai(status = 201)]
    Created(Json<Created>),
}

#[derive(Object, Debug)]
pub struct ScheduleList {
    #[oai(rename = "nftId")]
    pub nft_id: String,
    pub schedules: Vec<ScheduleDto>,
    pub count: u32,
}

#[derive(Object, Debug)]
pub struct Cancelled {
    /// Always `cancelled`
    pub status: String,
    #[oai(rename = "scheduleId")]
    pub schedule_id: String,
}

#[derive(Object, Debug)]
pub struct ExecutionList {
    #[oai(rename = "scheduleId")]
    pub schedule_id: String,
    /// The latest executions (at most 50), oldest first
    pub executions: Vec<ExecutionDto>,
    pub count: u32,
}

/// `POST /api/schedule/callback` body (sent by Finn's cron).
#[derive(Object, Debug)]
pub struct CallbackBody {
    #[oai(rename = "scheduleId")]
    pub schedule_id: Option<String>,
    #[oai(rename = "messageId", validator(max_length = 256))]
    pub message_id: Option<String>,
}

pub struct ScheduleApi<A: Adapters> {
    state: Shared<A>,
}

fn wallet_of(ctx: &CallContext) -> Result<&str, RouteError> {
    ctx.wallet
        .as_deref()
        .ok_or_else(|| RouteError::unauthorized("Wallet required"))
}

impl<A: Adapters> ScheduleApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        ScheduleApi { state }
    }

    /// `Ok` when `wallet` owns `nft_id` (one of its dNFTs, §16), as the `OwnershipResolver`
    /// reports it; Finn's outage is its own error (503), not a refusal.
    async fn require_holder(
        &self,
        ctx: &CallContext,
        wallet: &str,
        nft_id: &str,
    ) -> Result<(), RouteError> {
        let holdings = self.state.finn.holdings(ctx, wallet).await?;
        if owns(&holdings, wallet, nft_id) {
            Ok(())
        } else {
            Err(RouteError::forbidden("Not authorized for this NFT"))
        }
    }
}

#[OpenApi(tag = "ApiTags::Schedule")]
impl<A: Adapters> ScheduleApi<A> {
    /// Create a schedule from a natural-language expression
    ///
    /// Needs the builder conviction tier and the dNFT. At most 50 schedules per dNFT (every
    /// status counts). The cron is registered with Finn; when Finn does not confirm, the
    /// schedule stays `pending` and `needsConfirmation` is true.
    #[oai(
        path = "/api/schedule",
        method = "post",
        operation_id = "createSchedule"
    )]
    async fn create(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        conviction: Data<&Conviction>,
        request_id: Data<&RequestId>,
        body: JsonBody<CreateSchedule>,
    ) -> Result<CreateReply, RouteError> {
        let ctx = context(&caller, &request_id);
        let wallet = wallet_of(&ctx)?;
        require_tier(conviction.tier, Tier::Builder)
            .map_err(|denial| RouteError::Denied(Box::new(denial)))?;
        let body = body.0;
        let (Some(nft_id), Some(expression), Some(prompt)) =
            (body.nft_id, body.nl_expression, body.prompt)
        else {
            return Err(RouteError::bad_request(
                "invalid_request",
                "Required: nftId, nlExpression, prompt",
            ));
        };
        if !crate::core::ownership::valid_nft_id(&nft_id) {
            return Err(RouteError::bad_request(
                "invalid_request",
                "Invalid nftId format",
            ));
        }
        if prompt.trim().is_empty() || expression.trim().is_empty() {
            return Err(RouteError::bad_request(
                "invalid_request",
                "Required: nftId, nlExpression, prompt",
            ));
        }
        self.require_holder(&ctx, wallet, &nft_id).await?;
        let Some(parsed) = parse_expression(&expression) else {
            return Err(RouteError::bad_request(
                "parse_error",
                format!("Could not parse schedule expression: {expression:?}"),
            ));
        };
        let now = time::OffsetDateTime::now_utc();
        let next_fire_at = iso_millis(now + time::Duration::seconds(60));
        let schedule = Schedule::create(
            NewSchedule {
                id: format!("sched-{}", uuid::Uuid::new_v4().simple()),
                nft_id,
                owner_wallet: wallet.to_owned(),
                name: body.name.filter(|n| !n.trim().is_empty()),
                expression,
                parsed,
                prompt,
                max_fires: body.max_fires,
            },
            &iso_millis(now),
            next_fire_at,
        );
        let store = self.state.db.schedules();
        if !store.create(&schedule, MAX_SCHEDULES_PER_NFT).await? {
            return Err(RouteError::bad_request(
                "limit_exceeded",
                format!("A dNFT may have at most {MAX_SCHEDULES_PER_NFT} schedules"),
            ));
        }
        let registration = CronRegistration {
            schedule_id: schedule.id.clone(),
            nft_id: schedule.nft_id.clone(),
            cron: schedule.cron_expression.clone(),
            callback_url: CALLBACK_PATH.to_owned(),
            prompt: schedule.prompt.clone(),
        };
        let schedule = match self.state.finn.register_cron(&ctx, &registration).await {
            Ok(cron_id) => store
                .update(&schedule.id, |s| s.activate(&cron_id, &now_iso()))
                .await?
                .unwrap_or(schedule),
            Err(err) => {
                tracing::warn!(event = "cron_registration_failed", schedule_id = %schedule.id, detail = %err);
                schedule
            }
        };
        let needs_confirmation = schedule.status == ScheduleStatus::Pending;
        Ok(CreateReply::Created(Json(Created {
            parsed: ParsedDto {
                cron_expression: schedule.cron_expression.clone(),
                human_readable: schedule.human_readable.clone(),
                next_fire_at: schedule.next_fire_at.clone().map(Timestamp),
            },
            schedule: schedule.into(),
            needs_confirmation,
        })))
    }

    /// A dNFT's schedules (holder only)
    #[oai(
        path = "/api/schedule/:id",
        method = "get",
        operation_id = "listSchedules"
    )]
    async fn list(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        /// The dNFT id (plain, or canonical `collection:tokenId`)
        id: Path<NftId>,
    ) -> Result<Json<ScheduleList>, RouteError> {
        let ctx = context(&caller, &request_id);
        self.require_holder(&ctx, wallet_of(&ctx)?, &id).await?;
        let schedules: Vec<ScheduleDto> = self
            .state
            .db
            .schedules()
            .list_for_nft(&id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(ScheduleList {
            nft_id: id.0.0,
            count: schedules.len() as u32,
            schedules,
        }))
    }

    /// Cancel a schedule (its creator only)
    #[oai(
        path = "/api/schedule/:id",
        method = "delete",
        operation_id = "cancelSchedule"
    )]
    async fn cancel(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        /// The schedule id
        id: Path<PlainId>,
    ) -> Result<Json<Cancelled>, RouteError> {
        let ctx = context(&caller, &request_id);
        let wallet = wallet_of(&ctx)?;
        let not_found = || RouteError::not_found("Schedule not found or not owned by this wallet");
        let store = self.state.db.schedules();
        match store.get(&id).await? {
            Some(s) if s.owned_by(wallet) => {}
            _ => return Err(not_found()),
        }
        let cancelled = store
            .update(&id, |s| s.cancel(&now_iso()))
            .await?
            .ok_or_else(not_found)?;
        if let Some(cron_id) = &cancelled.finn_cron_id
            && let Err(err) = self.state.finn.cancel_cron(&ctx, cron_id).await
        {
            tracing::warn!(event = "cron_cancel_failed", schedule_id = %cancelled.id, detail = %err);
        }
        Ok(Json(Cancelled {
            status: "cancelled".to_owned(),
            schedule_id: id.0.0,
        }))
    }

    /// A schedule's latest executions (holder of its dNFT only)
    #[oai(
        path = "/api/schedule/:id/history",
        method = "get",
        operation_id = "getScheduleHistory"
    )]
    async fn history(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
        request_id: Data<&RequestId>,
        /// The schedule id
        id: Path<PlainId>,
    ) -> Result<Json<ExecutionList>, RouteError> {
        let ctx = context(&caller, &request_id);
        let wallet = wallet_of(&ctx)?;
        let store = self.state.db.schedules();
        let schedule = store
            .get(&id)
            .await?
            .ok_or_else(|| RouteError::not_found("Schedule not found"))?;
        self.require_holder(&ctx, wallet, &schedule.nft_id).await?;
        let executions: Vec<ExecutionDto> = store
            .history(&id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        Ok(Json(ExecutionList {
            schedule_id: id.0.0,
            count: executions.len() as u32,
            executions,
        }))
    }

    /// Finn's cron fired a schedule
    ///
    /// `x-callback-signature` is the lowercase hex HMAC-SHA256, under
    /// `DIXIE_SCHEDULE_CALLBACK_SECRET`, of `<scheduleId>:<x-callback-timestamp>`; the
    /// timestamp is Unix seconds (or milliseconds) within 5 minutes of now. Each signed
    /// callback counts once: the same signature again answers 401. The caller must
    /// also pass the allowlist (an allowlisted `dxk_` key). An unknown or finished schedule
    /// answers a `skipped` execution.
    #[oai(
        path = "/api/schedule/callback",
        method = "post",
        operation_id = "scheduleCallback"
    )]
    async fn callback(
        &self,
        _auth: BearerToken,
        #[oai(name = "x-callback-signature")] signature: Header<Option<String>>,
        #[oai(name = "x-callback-timestamp")] timestamp: Header<Option<String>>,
        body: JsonBody<CallbackBody>,
    ) -> Result<Json<ExecutionDto>, RouteError> {
        let Some(schedule_id) = body.0.schedule_id else {
            return Err(RouteError::bad_request(
                "invalid_request",
                "Required: scheduleId",
            ));
        };
        let (Some(signature), Some(timestamp)) = (signature.0, timestamp.0) else {
            return Err(RouteError::unauthorized("Missing callback signature"));
        };
        let secret = self
            .state
            .settings
            .callback_secret
            .as_ref()
            .map_or(&[][..], |s| s.expose().as_bytes());
        let now = time::OffsetDateTime::now_utc();
        let sent_at = verify_callback(
            secret,
            &schedule_id,
            &timestamp,
            &signature,
            now.unix_timestamp(),
        )
        .map_err(|err| {
            tracing::warn!(event = "schedule_callback_refused", reason = %err);
            RouteError::unauthorized(match err {
                CallbackError::Stale => "Stale callback timestamp",
                CallbackError::NoSecret | CallbackError::BadSignature => {
                    "Invalid callback signature"
                }
            })
        })?;
        // A signature is good for one fire: a replay within the freshness window is refused.
        let first = self
            .state
            .db
            .nonces()
            .claim(
                &format!("schedule-callback:{signature}"),
                now.unix_timestamp(),
                sent_at + CALLBACK_MAX_SKEW_SECS + 1,
            )
            .await?;
        if !first {
            tracing::warn!(event = "schedule_callback_replayed", schedule_id = %schedule_id);
            return Err(RouteError::unauthorized("Callback signature already used"));
        }
        let fired_at = iso_millis(now);
        let message_id = body.0.message_id;
        let recorded = if crate::http::ids::plain_id(&schedule_id) {
            self.state
                .db
                .schedules()
                .record_fire(&schedule_id, |s| s.fire(&fired_at, message_id.clone()))
                .await?
        } else {
            None
        };
        let execution = recorded.unwrap_or(Execution {
            schedule_id,
            fired_at,
            status: ExecutionStatus::Skipped,
            message_id,
        });
        Ok(Json(execution.into()))
    }
}
