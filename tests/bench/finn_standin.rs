//! The Finn stand-in of the test suite as a process, for `make bench` (and local runs):
//! `finn_standin <port> [holders]` serves the Finn endpoints Dixie calls until killed, on
//! 127.0.0.1 or on `FINN_STANDIN_HOST` (the compose stack sets 0.0.0.0). With `holders` = N, wallets `0x…01` to `0x…N` (as 40 hex digits) each hold
//! `nft-bench-<i>`, with a memory projection, a personality and 150 BGT staked (builder tier).

#[allow(dead_code)]
#[path = "../support/finn.rs"]
mod finn;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
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
    }
    println!("{}", standin.url());
    std::future::pending::<()>().await;
}
