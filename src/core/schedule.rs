//! Schedules (contract §1.5.10, D9): the natural-language grammar, the schedule life cycle,
//! and the signed callback Finn's cron fires.

use serde::{Deserialize, Serialize};

/// Schedules one dNFT may have, counting every status (cancelled ones included).
pub const MAX_SCHEDULES_PER_NFT: usize = 50;
/// Executions kept per schedule (history answers these, oldest first).
pub const HISTORY_KEPT: usize = 50;
/// How far a callback timestamp may be from now, in seconds (D9).
pub const CALLBACK_MAX_SKEW_SECS: i64 = 300;

/// A parsed expression: its cron form and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSchedule {
    pub cron: String,
    pub human: String,
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

fn capitalized(day: &str) -> String {
    let mut chars = day.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

fn small_number(text: &str, max: u32) -> Option<u32> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| (1..=max).contains(n))
}

/// Parses the schedule grammar (case-insensitive, surrounding space ignored):
/// `every morning`, `every evening`, `every monday morning`, `daily at 7am` / `daily at 7 pm`,
/// `every N hour(s)` (1..23), `every N minute(s)` (1..59), `weekly on <weekday>`,
/// `every day at HH:MM`. `None` for anything else.
pub fn parse_expression(text: &str) -> Option<ParsedSchedule> {
    let lower = text.trim().to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let done = |cron: String, human: String| Some(ParsedSchedule { cron, human });
    match words.as_slice() {
        ["every", "morning"] => done("0 9 * * *".into(), "Every day at 9:00 AM".into()),
        ["every", "evening"] => done("0 18 * * *".into(), "Every day at 6:00 PM".into()),
        ["every", "monday", "morning"] => {
            done("0 9 * * 1".into(), "Every Monday at 9:00 AM".into())
        }
        ["daily", "at", rest @ ..] => {
            let joined = rest.concat();
            let (digits, meridiem) = if let Some(d) = joined.strip_suffix("am") {
                (d, "AM")
            } else {
                (joined.strip_suffix("pm")?, "PM")
            };
            let hour12 = small_number(digits, 12)?;
            let hour = match (hour12, meridiem) {
                (12, "AM") => 0,
                (h, "PM") if h < 12 => h + 12,
                (h, _) => h,
            };
            done(
                format!("0 {hour} * * *"),
                format!("Every day at {hour12}:00 {meridiem}"),
            )
        }
        ["every", n, "hour" | "hours"] => {
            let n = small_number(n, 23)?;
            done(
                format!("0 */{n} * * *"),
                format!("Every {n} hour{}", if n == 1 { "" } else { "s" }),
            )
        }
        ["every", n, "minute" | "minutes"] => {
            let n = small_number(n, 59)?;
            done(
                format!("*/{n} * * * *"),
                format!("Every {n} minute{}", if n == 1 { "" } else { "s" }),
            )
        }
        ["weekly", "on", day] => {
            let index = WEEKDAYS.iter().position(|d| d == day)?;
            done(
                format!("0 9 * * {index}"),
                format!("Every {} at 9:00 AM", capitalized(day)),
            )
        }
        ["every", "day", "at", clock] => {
            let (h, m) = clock.split_once(':')?;
            let valid = |s: &str, len: std::ops::RangeInclusive<usize>| {
                len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
            };
            if !valid(h, 1..=2) || !valid(m, 2..=2) {
                return None;
            }
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            done(
                format!("{m} {h} * * *"),
                format!("Every day at {h:02}:{m:02}"),
            )
        }
        _ => None,
    }
}

/// Life-cycle states of a schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleStatus {
    /// Created; Finn has not confirmed the cron registration.
    Pending,
    Active,
    Paused,
    /// Fired `maxFires` times.
    Completed,
    Cancelled,
    Failed,
}

impl ScheduleStatus {
    fn fires(self) -> bool {
        matches!(self, ScheduleStatus::Pending | ScheduleStatus::Active)
    }
}

/// A schedule, as the API shows it and the stores keep it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    pub id: String,
    pub nft_id: String,
    pub owner_wallet: String,
    pub name: String,
    pub cron_expression: String,
    pub human_readable: String,
    pub status: ScheduleStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finn_cron_id: Option<String>,
    pub prompt: String,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_fire_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_fired_at: Option<String>,
    pub fire_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fires: Option<u32>,
}

/// What a new schedule is made of.
#[derive(Clone, Debug)]
pub struct NewSchedule {
    pub id: String,
    pub nft_id: String,
    pub owner_wallet: String,
    pub name: Option<String>,
    pub expression: String,
    pub parsed: ParsedSchedule,
    pub prompt: String,
    pub max_fires: Option<u32>,
}

impl Schedule {
    /// A `pending` schedule created at `now` (ISO-8601) whose first fire is expected at
    /// `next_fire_at`.
    pub fn create(new: NewSchedule, now: &str, next_fire_at: String) -> Schedule {
        Schedule {
            id: new.id,
            nft_id: new.nft_id,
            owner_wallet: new.owner_wallet,
            name: new.name.unwrap_or(new.expression),
            cron_expression: new.parsed.cron,
            human_readable: new.parsed.human,
            status: ScheduleStatus::Pending,
            finn_cron_id: None,
            prompt: new.prompt,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            next_fire_at: Some(next_fire_at),
            last_fired_at: None,
            fire_count: 0,
            max_fires: new.max_fires,
        }
    }

    /// Finn registered the cron: a pending schedule becomes active. Returns whether it changed.
    pub fn activate(&mut self, cron_id: &str, now: &str) -> bool {
        if self.status != ScheduleStatus::Pending {
            return false;
        }
        self.status = ScheduleStatus::Active;
        self.finn_cron_id = Some(cron_id.to_owned());
        self.updated_at = now.to_owned();
        true
    }

    /// Cancels the schedule (idempotent). Returns whether it changed.
    pub fn cancel(&mut self, now: &str) -> bool {
        if self.status == ScheduleStatus::Cancelled {
            return false;
        }
        self.status = ScheduleStatus::Cancelled;
        self.next_fire_at = None;
        self.updated_at = now.to_owned();
        true
    }

    /// One fire of the cron at `now`: counted while the schedule is pending or active (and
    /// completing it at `max_fires`), skipped otherwise.
    pub fn fire(&mut self, now: &str, message_id: Option<String>) -> Execution {
        let status = if self.status.fires() {
            self.fire_count = self.fire_count.saturating_add(1);
            self.last_fired_at = Some(now.to_owned());
            self.updated_at = now.to_owned();
            if self.max_fires.is_some_and(|max| self.fire_count >= max) {
                self.status = ScheduleStatus::Completed;
                self.next_fire_at = None;
            }
            ExecutionStatus::Success
        } else {
            ExecutionStatus::Skipped
        };
        Execution {
            schedule_id: self.id.clone(),
            fired_at: now.to_owned(),
            status,
            message_id,
        }
    }

    /// Whether `wallet` created this schedule (EIP-55-insensitive).
    pub fn owned_by(&self, wallet: &str) -> bool {
        match (
            crate::core::auth::ethereum::normalize(&self.owner_wallet),
            crate::core::auth::ethereum::normalize(wallet),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExecutionStatus {
    Success,
    /// The schedule is unknown or no longer fires.
    Skipped,
}

/// One fire of a schedule's cron, as the callback recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub schedule_id: String,
    pub fired_at: String,
    pub status: ExecutionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

/// What the agent runtime's cron is asked to run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CronRegistration {
    pub schedule_id: String,
    pub nft_id: String,
    pub cron: String,
    /// Where the cron fires, relative to Dixie's public base URL.
    pub callback_url: String,
    pub prompt: String,
}

/// The path Finn's cron calls back.
pub const CALLBACK_PATH: &str = "/api/schedule/callback";

/// Why a schedule callback was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    #[error("callbacks are disabled: no callback secret is configured")]
    NoSecret,
    #[error("callback timestamp is not Unix time or is not within 5 minutes of now")]
    Stale,
    #[error("invalid callback signature")]
    BadSignature,
}

/// Unix seconds of a callback timestamp: Unix seconds, or milliseconds when it has 13+ digits.
fn callback_time(timestamp: &str) -> Option<i64> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = timestamp.parse().ok()?;
    Some(if timestamp.len() >= 13 { n / 1000 } else { n })
}

/// Checks a callback: `signature` must be the lowercase hex HMAC-SHA256 under `secret` of
/// `"<schedule_id>:<timestamp>"`, and `timestamp` within [`CALLBACK_MAX_SKEW_SECS`] of `now`.
/// Answers the timestamp in Unix seconds.
pub fn verify_callback(
    secret: &[u8],
    schedule_id: &str,
    timestamp: &str,
    signature: &str,
    now: i64,
) -> Result<i64, CallbackError> {
    if secret.is_empty() {
        return Err(CallbackError::NoSecret);
    }
    let expected = callback_signature(secret, schedule_id, timestamp);
    if !crate::core::auth::constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(CallbackError::BadSignature);
    }
    match callback_time(timestamp) {
        Some(t) if (t - now).abs() <= CALLBACK_MAX_SKEW_SECS => Ok(t),
        _ => Err(CallbackError::Stale),
    }
}

/// The signature Finn sends with a callback (see [`verify_callback`]).
pub fn callback_signature(secret: &[u8], schedule_id: &str, timestamp: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, format!("{schedule_id}:{timestamp}").as_bytes());
    crate::core::auth::hex(tag.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_maps_to_cron() {
        let cases = [
            ("every morning", "0 9 * * *"),
            ("  Every Evening ", "0 18 * * *"),
            ("every monday morning", "0 9 * * 1"),
            ("daily at 7am", "0 7 * * *"),
            ("daily at 7 PM", "0 19 * * *"),
            ("daily at 12am", "0 0 * * *"),
            ("daily at 12pm", "0 12 * * *"),
            ("every 1 hour", "0 */1 * * *"),
            ("every 6 hours", "0 */6 * * *"),
            ("every 15 minutes", "*/15 * * * *"),
            ("weekly on sunday", "0 9 * * 0"),
            ("weekly on Friday", "0 9 * * 5"),
            ("every day at 08:30", "30 8 * * *"),
            ("every day at 23:59", "59 23 * * *"),
        ];
        for (text, cron) in cases {
            assert_eq!(
                parse_expression(text).map(|p| p.cron).as_deref(),
                Some(cron),
                "{text}"
            );
        }
        assert_eq!(
            parse_expression("weekly on friday").unwrap().human,
            "Every Friday at 9:00 AM"
        );
    }

    #[test]
    fn the_grammar_refuses_everything_else() {
        for text in [
            "",
            "sometimes",
            "every 0 hours",
            "every 24 hours",
            "every 60 minutes",
            "every 100 minutes",
            "daily at 13pm",
            "daily at 0am",
            "daily at 7",
            "weekly on funday",
            "every day at 24:00",
            "every day at 8:5",
            "every day at 08:60",
            "every -1 hours",
            "every morning please",
        ] {
            assert_eq!(parse_expression(text), None, "{text:?}");
        }
    }

    fn schedule(max_fires: Option<u32>) -> Schedule {
        Schedule::create(
            NewSchedule {
                id: "sched-1".into(),
                nft_id: "nft-1".into(),
                owner_wallet: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
                name: None,
                expression: "every morning".into(),
                parsed: parse_expression("every morning").unwrap(),
                prompt: "hello".into(),
                max_fires,
            },
            "t0",
            "t1".into(),
        )
    }

    #[test]
    fn schedules_activate_fire_complete_and_cancel() {
        let mut s = schedule(Some(2));
        assert_eq!(
            (s.status, s.name.as_str()),
            (ScheduleStatus::Pending, "every morning")
        );
        assert!(s.activate("cron-1", "t2"));
        assert!(!s.activate("cron-2", "t3"), "only pending activates");
        assert_eq!(s.finn_cron_id.as_deref(), Some("cron-1"));
        assert_eq!(s.fire("t4", None).status, ExecutionStatus::Success);
        assert_eq!(s.status, ScheduleStatus::Active);
        assert_eq!(
            s.fire("t5", Some("m".into())).status,
            ExecutionStatus::Success
        );
        assert_eq!((s.status, s.fire_count), (ScheduleStatus::Completed, 2));
        assert_eq!(s.fire("t6", None).status, ExecutionStatus::Skipped);
        assert_eq!(s.fire_count, 2);

        let mut s = schedule(None);
        assert!(s.cancel("t7"));
        assert!(!s.cancel("t8"));
        assert_eq!(s.fire("t9", None).status, ExecutionStatus::Skipped);
    }

    #[test]
    fn ownership_ignores_address_case() {
        let s = schedule(None);
        assert!(s.owned_by("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
        assert!(!s.owned_by("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"));
        assert!(!s.owned_by("not a wallet"));
    }

    #[test]
    fn callbacks_need_the_secret_a_valid_signature_and_a_fresh_time() {
        let now = 1_800_000_000;
        let ts = now.to_string();
        let sig = callback_signature(b"secret", "sched-1", &ts);
        assert_eq!(sig.len(), 64);
        assert_eq!(
            verify_callback(b"secret", "sched-1", &ts, &sig, now),
            Ok(now)
        );
        let ms = format!("{}000", now + 299);
        let sig_ms = callback_signature(b"secret", "sched-1", &ms);
        assert_eq!(
            verify_callback(b"secret", "sched-1", &ms, &sig_ms, now),
            Ok(now + 299)
        );
        assert_eq!(
            verify_callback(b"", "sched-1", &ts, &sig, now),
            Err(CallbackError::NoSecret)
        );
        assert_eq!(
            verify_callback(b"secret", "sched-2", &ts, &sig, now),
            Err(CallbackError::BadSignature)
        );
        assert_eq!(
            verify_callback(b"secret", "sched-1", &ts, &sig.to_uppercase(), now),
            Err(CallbackError::BadSignature)
        );
        let old = (now - 301).to_string();
        let sig_old = callback_signature(b"secret", "sched-1", &old);
        assert_eq!(
            verify_callback(b"secret", "sched-1", &old, &sig_old, now),
            Err(CallbackError::Stale)
        );
        let iso = "2027-01-15T08:00:00Z";
        let sig_iso = callback_signature(b"secret", "sched-1", iso);
        assert_eq!(
            verify_callback(b"secret", "sched-1", iso, &sig_iso, now),
            Err(CallbackError::Stale)
        );
    }
}
