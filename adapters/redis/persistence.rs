//! The persistence family with the chat-stream stores on Redis when it is configured: a ticket
//! or a parked prompt is then seen by every replica at once, and PostgreSQL keeps none. While
//! Redis does not answer, the family's own stores take over (logged once per transition).

use super::{Redis, RedisHandoffStore, RedisTicketStore};
use crate::core::chat::ParkedPrompt;
use crate::core::error::PortError;
use crate::core::families::Persistence;
use crate::core::ports::{PromptHandoff, TicketStore};

/// `shared` when there is one and it answers, else `local`. Reads ask `local` too when
/// `shared` has nothing, so that what was written there during an outage is still found.
#[derive(Clone)]
pub struct Fallback<R, L> {
    shared: Option<R>,
    local: L,
}

impl<L: TicketStore> TicketStore for Fallback<RedisTicketStore, L> {
    async fn issue(
        &self,
        digest: &str,
        wallet: &str,
        now: i64,
        expires_at: i64,
        max_outstanding: u32,
    ) -> Result<bool, PortError> {
        if let Some(shared) = &self.shared
            && let Ok(issued) = shared
                .issue(digest, wallet, now, expires_at, max_outstanding)
                .await
        {
            return Ok(issued);
        }
        self.local
            .issue(digest, wallet, now, expires_at, max_outstanding)
            .await
    }

    async fn redeem(&self, digest: &str, now: i64) -> Result<Option<String>, PortError> {
        if let Some(shared) = &self.shared
            && let Ok(Some(wallet)) = shared.redeem(digest, now).await
        {
            return Ok(Some(wallet));
        }
        self.local.redeem(digest, now).await
    }
}

impl<L: PromptHandoff> PromptHandoff for Fallback<RedisHandoffStore, L> {
    async fn park(&self, prompt: &ParkedPrompt) -> Result<(), PortError> {
        if let Some(shared) = &self.shared
            && shared.park(prompt).await.is_ok()
        {
            return Ok(());
        }
        self.local.park(prompt).await
    }

    async fn take_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> Result<Option<ParkedPrompt>, PortError> {
        if let Some(shared) = &self.shared
            && let Ok(Some(prompt)) = shared.take_for_stream(session_id, wallet, now).await
        {
            return Ok(Some(prompt));
        }
        self.local.take_for_stream(session_id, wallet, now).await
    }

    async fn take(&self, id: &str) -> Result<Option<ParkedPrompt>, PortError> {
        if let Some(shared) = &self.shared
            && let Ok(Some(prompt)) = shared.take(id).await
        {
            return Ok(Some(prompt));
        }
        self.local.take(id).await
    }
}

/// The family `D` with its tickets and handoffs on `redis` first (none: `D`'s alone).
pub struct WithRedis<D: Persistence> {
    db: D,
    tickets: Fallback<RedisTicketStore, D::Tickets>,
    handoffs: Fallback<RedisHandoffStore, D::Handoffs>,
}

impl<D: Persistence> WithRedis<D> {
    pub fn new(db: D, redis: Option<Redis>) -> Self {
        WithRedis {
            tickets: Fallback {
                shared: redis.clone().map(RedisTicketStore::new),
                local: db.tickets().clone(),
            },
            handoffs: Fallback {
                shared: redis.map(RedisHandoffStore::new),
                local: db.handoffs().clone(),
            },
            db,
        }
    }
}

impl<D: Persistence> Persistence for WithRedis<D> {
    type Reputation = D::Reputation;
    type Nonces = D::Nonces;
    type Schedules = D::Schedules;
    type Tickets = Fallback<RedisTicketStore, D::Tickets>;
    type Handoffs = Fallback<RedisHandoffStore, D::Handoffs>;
    type Autonomous = D::Autonomous;
    type Votes = D::Votes;

    fn reputation(&self) -> &Self::Reputation {
        self.db.reputation()
    }
    fn nonces(&self) -> &Self::Nonces {
        self.db.nonces()
    }
    fn schedules(&self) -> &Self::Schedules {
        self.db.schedules()
    }
    fn tickets(&self) -> &Self::Tickets {
        &self.tickets
    }
    fn handoffs(&self) -> &Self::Handoffs {
        &self.handoffs
    }
    fn autonomous(&self) -> &Self::Autonomous {
        self.db.autonomous()
    }
    fn votes(&self) -> &Self::Votes {
        self.db.votes()
    }
}
