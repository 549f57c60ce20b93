//! The Finn stand-in of the test suite as a process, for `make bench` (and local runs):
//! `finn_standin <port> [holders]` serves the Finn endpoints Dixie calls until killed, on
//! 127.0.0.1 or on `FINN_STANDIN_HOST` (the compose stack sets 0.0.0.0). With `holders` = N, wallets `0x…01` to `0x…N` (as 40 hex digits) each hold
//! `nft-bench-<i>`, with a memory projection, a personality and 150 BGT staked (builder tier),
//! and agent `i` (`0x…ab<i>` as 40 hex digits) is a TBA owned by the wallet of secp256k1 key
//! `[i; 32]`, which stakes 1 500 BGT (architect tier).
//!
//! `finn_standin sign-agents N` prints, for agents 1..=N, one line `tba signature timestamp`:
//! their TBA headers signed now (for the bench's agent queries).

#[allow(dead_code)]
#[path = "../support/finn.rs"]
mod finn;

/// Agent `i`'s TBA and the owner key that signs for it.
fn agent(i: u32) -> (String, k256::ecdsa::SigningKey, String) {
    use dixie::core::auth::ethereum::{address_of, checksum};
    let key = k256::ecdsa::SigningKey::from_slice(&[i as u8; 32]).expect("a valid scalar");
    let owner = checksum(&address_of(key.verifying_key()));
    (format!("0x{:040x}", 0xab00 + i), key, owner)
}

fn sign_agents(n: u32) {
    use dixie::core::auth::ethereum::personal_message_hash;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    for i in 1..=n {
        let (tba, key, _) = agent(i);
        let message = format!("dixie-agent-auth:{tba}:{now}");
        let (sig, rec) = key.sign_prehash_recoverable(&personal_message_hash(message.as_bytes()));
        let mut hex = String::from("0x");
        for b in sig.to_bytes().iter().chain([rec.to_byte() + 27].iter()) {
            hex.push_str(&format!("{b:02x}"));
        }
        println!("{tba} {hex} {now}");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("sign-agents") {
        let n = std::env::args()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        sign_agents(n);
        return;
    }
    let port = std::env::args().nth(1).unwrap_or_else(|| "4000".into());
    let holders: u32 = std::env::args()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let host = std::env::var("FINN_STANDIN_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let standin = finn::spawn_on(&format!("{host}:{port}")).await;
    for i in 1..=holders {
        let wallet = format!("0x{i:040x}");
        let nft = format!("nft-bench-{i}");
        standin.add_owner(&wallet, &nft, &[]);
        standin.set_projection(&nft, serde_json::json!({"type": "none"}), "bench memory");
        standin.set_stake(&wallet, 150.0);
        standin.set_personality(&nft, "Bench Bera");
        let (tba, _, owner) = agent(i);
        standin.add_tba(&tba, "0xbe4c4", u64::from(i), &owner);
        standin.set_stake(&owner, 1500.0);
    }
    println!("{}", standin.url());
    std::future::pending::<()>().await;
}
