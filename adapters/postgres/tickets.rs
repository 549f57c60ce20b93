//! [`TicketStore`] on PostgreSQL: one row per outstanding ticket, by digest.
//!
//! `issue` counts and inserts under a transaction-scoped advisory lock on the wallet, so the
//! per-wallet limit holds across replicas; it also drops the wallet's expired rows. `redeem`
//! is one `DELETE … RETURNING`. Expired rows of other wallets are purged every so often.

use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};

use super::pool::PgPool;
use super::purge::PurgeTurn;
use super::store::db_err;
use crate::core::error::PortError;
use crate::core::ports::TicketStore;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(diesel::QueryableByName)]
struct Redeemed {
    #[diesel(sql_type = Text)]
    wallet: String,
    #[diesel(sql_type = BigInt)]
    expires_at: i64,
}

#[derive(Clone)]
pub struct PostgresTicketStore {
    pool: PgPool,
    issued: PurgeTurn,
}

impl PostgresTicketStore {
    pub fn new(pool: PgPool) -> Self {
        PostgresTicketStore {
            pool,
            issued: PurgeTurn::default(),
        }
    }

    async fn purge(&self, now: i64) -> Result<usize, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(
                    "DELETE FROM ws_tickets WHERE digest IN \
                     (SELECT digest FROM ws_tickets WHERE expires_at <= $1 LIMIT 1000)",
                )
                .bind::<BigInt, _>(now)
                .execute(&mut conn)
                .await
                .map_err(db_err)
            })
            .await
    }
}

impl TicketStore for PostgresTicketStore {
    async fn issue(
        &self,
        digest: &str,
        wallet: &str,
        now: i64,
        expires_at: i64,
        max_outstanding: u32,
    ) -> Result<bool, PortError> {
        let issued = self
            .pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                conn.transaction(async |conn| -> Result<bool, DieselError> {
                    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 2))")
                        .bind::<Text, _>(wallet)
                        .execute(conn)
                        .await?;
                    diesel::sql_query(
                        "DELETE FROM ws_tickets WHERE wallet = $1 AND expires_at <= $2",
                    )
                    .bind::<Text, _>(wallet)
                    .bind::<BigInt, _>(now)
                    .execute(conn)
                    .await?;
                    let held: Count =
                        diesel::sql_query("SELECT count(*) AS n FROM ws_tickets WHERE wallet = $1")
                            .bind::<Text, _>(wallet)
                            .get_result(conn)
                            .await?;
                    if held.n >= i64::from(max_outstanding) {
                        return Ok(false);
                    }
                    diesel::sql_query(
                        "INSERT INTO ws_tickets (digest, wallet, expires_at) VALUES ($1, $2, $3)",
                    )
                    .bind::<Text, _>(digest)
                    .bind::<Text, _>(wallet)
                    .bind::<BigInt, _>(expires_at)
                    .execute(conn)
                    .await?;
                    Ok(true)
                })
                .await
                .map_err(db_err)
            })
            .await?;
        if self.issued.due()
            && let Err(e) = self.purge(now).await
        {
            tracing::warn!(event = "ticket_purge_failed", detail = %e);
        }
        Ok(issued)
    }

    async fn redeem(&self, digest: &str, now: i64) -> Result<Option<String>, PortError> {
        let redeemed: Option<Redeemed> = self
            .pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(
                    "DELETE FROM ws_tickets WHERE digest = $1 RETURNING wallet, expires_at",
                )
                .bind::<Text, _>(digest)
                .get_results::<Redeemed>(&mut conn)
                .await
                .map(|mut rows| rows.pop())
                .map_err(db_err)
            })
            .await?;
        Ok(redeemed.filter(|r| r.expires_at > now).map(|r| r.wallet))
    }
}
