//! [`PriorityVotes`] on PostgreSQL: one row per (voter, source), replaced by an upsert; the
//! tallies are aggregated by the database.

use diesel::sql_types::{BigInt, Integer, Nullable, SmallInt, Text};
use diesel_async::RunQueryDsl;

use super::pool::PgPool;
use super::store::db_err;
use crate::core::agent::{SourceTally, Tally, Vote};
use crate::core::error::PortError;
use crate::core::ports::PriorityVotes;

#[derive(Clone)]
pub struct PostgresPriorityVotes {
    pool: PgPool,
}

impl PostgresPriorityVotes {
    pub fn new(pool: PgPool) -> Self {
        PostgresPriorityVotes { pool }
    }
}

#[derive(diesel::QueryableByName)]
struct SourceRow {
    #[diesel(sql_type = Text)]
    source_id: String,
    #[diesel(sql_type = BigInt)]
    score: i64,
    #[diesel(sql_type = BigInt)]
    votes: i64,
}

#[derive(diesel::QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    voters: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    last: Option<i64>,
}

const TALLY: &str = "SELECT source_id, SUM(priority::bigint * weight)::bigint AS score, \
                     COUNT(*)::bigint AS votes FROM priority_votes";

fn tally_of(row: SourceRow) -> SourceTally {
    SourceTally {
        source_id: row.source_id,
        score: row.score.max(0) as u64,
        votes: u32::try_from(row.votes).unwrap_or(u32::MAX),
    }
}

impl PriorityVotes for PostgresPriorityVotes {
    async fn cast(&self, vote: &Vote) -> Result<SourceTally, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                diesel::sql_query(
                    "INSERT INTO priority_votes (voter, source_id, priority, tier, weight, cast_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (voter, source_id) DO UPDATE SET \
                     priority = EXCLUDED.priority, tier = EXCLUDED.tier, \
                     weight = EXCLUDED.weight, cast_at = EXCLUDED.cast_at",
                )
                .bind::<Text, _>(&vote.voter)
                .bind::<Text, _>(&vote.source_id)
                .bind::<SmallInt, _>(i16::from(vote.priority))
                .bind::<Text, _>(vote.tier.as_str())
                .bind::<Integer, _>(vote.weight() as i32)
                .bind::<BigInt, _>(vote.cast_at)
                .execute(&mut conn)
                .await
                .map_err(db_err)?;
                let row: SourceRow =
                    diesel::sql_query(format!("{TALLY} WHERE source_id = $1 GROUP BY source_id"))
                        .bind::<Text, _>(&vote.source_id)
                        .get_result(&mut conn)
                        .await
                        .map_err(db_err)?;
                Ok(tally_of(row))
            })
            .await
    }

    async fn tally(&self) -> Result<Tally, PortError> {
        self.pool
            .timed(async {
                let mut conn = self.pool.get().await?;
                let rows: Vec<SourceRow> = diesel::sql_query(format!(
                    "{TALLY} GROUP BY source_id ORDER BY score DESC, source_id"
                ))
                .load(&mut conn)
                .await
                .map_err(db_err)?;
                let totals: Totals = diesel::sql_query(
                    "SELECT COUNT(DISTINCT voter)::bigint AS voters, MAX(cast_at) AS last \
                     FROM priority_votes",
                )
                .get_result(&mut conn)
                .await
                .map_err(db_err)?;
                Ok(Tally {
                    sources: rows.into_iter().map(tally_of).collect(),
                    voters: u32::try_from(totals.voters).unwrap_or(u32::MAX),
                    last_vote_at: totals.last,
                })
            })
            .await
    }
}
