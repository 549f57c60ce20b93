//! [`PromptHandoff`] on PostgreSQL: one row per parked prompt; every take is one
//! `DELETE … RETURNING`, so a prompt is taken once across replicas. Rows whose deliverer never
//! came (its replica died) are purged an hour after they expired.

use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

use super::pool::PgPool;
use super::purge::PurgeTurn;
use super::store::db_err;
use crate::core::chat::ParkedPrompt;
use crate::core::error::PortError;
use crate::core::ports::PromptHandoff;

/// Seconds past expiry after which an undelivered row (its deliverer died) is dropped.
const ABANDONED_AFTER: i64 = 3600;

const COLUMNS: &str = "id, session_id, wallet, prompt, message_id, expires_at";

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    session_id: String,
    #[diesel(sql_type = Text)]
    wallet: String,
    #[diesel(sql_type = Text)]
    prompt: String,
    #[diesel(sql_type = Text)]
    message_id: String,
    #[diesel(sql_type = BigInt)]
    expires_at: i64,
}

impl From<Row> for ParkedPrompt {
    fn from(r: Row) -> Self {
        ParkedPrompt {
            id: r.id,
            session_id: r.session_id,
            wallet: r.wallet,
            prompt: r.prompt,
            message_id: r.message_id,
            expires_at: r.expires_at,
        }
    }
}

type TakeQuery<'a> =
    diesel::query_builder::BoxedSqlQuery<'a, diesel::pg::Pg, diesel::query_builder::SqlQuery>;

#[derive(Clone)]
pub struct PostgresPromptHandoff {
    pool: PgPool,
    parked: PurgeTurn,
}

impl PostgresPromptHandoff {
    pub fn new(pool: PgPool) -> Self {
        PostgresPromptHandoff {
            pool,
            parked: PurgeTurn::default(),
        }
    }

    /// Runs a `DELETE … RETURNING` of at most one row.
    async fn taken(&self, query: TakeQuery<'_>) -> Result<Option<ParkedPrompt>, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                query
                    .get_results::<Row>(&mut conn)
                    .await
                    .map(|mut rows| rows.pop().map(ParkedPrompt::from))
                    .map_err(db_err)
            })
            .await
    }
}

impl PromptHandoff for PostgresPromptHandoff {
    async fn park(&self, p: &ParkedPrompt) -> Result<(), PortError> {
        // Rows that expired an hour before this one will are past any deliverer.
        let abandoned = p.expires_at - ABANDONED_AFTER;
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(format!(
                    "INSERT INTO chat_handoffs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
                ))
                .bind::<Text, _>(&p.id)
                .bind::<Text, _>(&p.session_id)
                .bind::<Text, _>(&p.wallet)
                .bind::<Text, _>(&p.prompt)
                .bind::<Text, _>(&p.message_id)
                .bind::<BigInt, _>(p.expires_at)
                .execute(&mut conn)
                .await
                .map_err(db_err)?;
                if self.parked.due() {
                    let purged = diesel::sql_query(
                        "DELETE FROM chat_handoffs WHERE id IN \
                         (SELECT id FROM chat_handoffs WHERE expires_at < $1 LIMIT 1000)",
                    )
                    .bind::<BigInt, _>(abandoned)
                    .execute(&mut conn)
                    .await;
                    if let Err(e) = purged {
                        tracing::warn!(event = "handoff_purge_failed", detail = %e);
                    }
                }
                Ok(())
            })
            .await
    }

    async fn take_for_stream(
        &self,
        session_id: &str,
        wallet: &str,
        now: i64,
    ) -> Result<Option<ParkedPrompt>, PortError> {
        let query = diesel::sql_query(format!(
            "DELETE FROM chat_handoffs WHERE id = (SELECT id FROM chat_handoffs \
             WHERE session_id = $1 AND wallet = $2 AND expires_at >= $3 \
             ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING {COLUMNS}"
        ))
        .into_boxed()
        .bind::<Text, _>(session_id.to_owned())
        .bind::<Text, _>(wallet.to_owned())
        .bind::<BigInt, _>(now);
        self.taken(query).await
    }

    async fn take(&self, id: &str) -> Result<Option<ParkedPrompt>, PortError> {
        let query = diesel::sql_query(format!(
            "DELETE FROM chat_handoffs WHERE id = $1 RETURNING {COLUMNS}"
        ))
        .into_boxed()
        .bind::<Text, _>(id.to_owned());
        self.taken(query).await
    }
}
