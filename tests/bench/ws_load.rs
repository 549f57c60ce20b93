//! Chat-stream load for `make bench`, with real WebSocket clients:
//!
//! - `ws_load idle <dixie> <n> <tokens-file>`: opens `n` idle streams (five per wallet, each with
//!   its own ticket), prints `open <n>` and holds them until stdin closes.
//! - `ws_load turns <dixie> <secs> <streams> <tokens-file>`: `streams` streams (one per wallet)
//!   each send a prompt and read until `done`, again and again for `secs` seconds; prints
//!   `turns <count> <per-second> p50_ms <x> p99_ms <y>`.
//! - `ws_load turns-direct <finn> <secs> <streams>`: the same straight to Finn's (the
//!   stand-in's) own stream, to `agent_end`: the reference a turn through Dixie is held to.
//!
//! `<dixie>` is `host:port`; the tokens file holds one JWT per line.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ticket(http: &reqwest::Client, dixie: &str, token: &str) -> String {
    let body: serde_json::Value = http
        .post(format!("http://{dixie}/api/ws/ticket"))
        .bearer_auth(token)
        .send()
        .await
        .expect("ticket request")
        .json()
        .await
        .expect("ticket body");
    body["ticket"]
        .as_str()
        .unwrap_or_else(|| panic!("no ticket: {body}"))
        .to_owned()
}

async fn open(http: &reqwest::Client, dixie: &str, token: &str, session: &str) -> Ws {
    let ticket = ticket(http, dixie, token).await;
    let url = format!("ws://{dixie}/ws/chat/{session}?ticket={ticket}");
    tokio_tungstenite::connect_async(url)
        .await
        .expect("stream opens")
        .0
}

/// Sends one prompt and reads until the frame that ends a turn (`done` from Dixie,
/// `agent_end` from Finn); the turn's duration.
async fn turn(ws: &mut Ws, last: &str) -> Duration {
    let start = Instant::now();
    let prompt = r#"{"type":"prompt","data":{"text":"hello"}}"#;
    ws.send(Message::text(prompt)).await.expect("prompt sent");
    let end = format!(r#""type":"{last}""#);
    while let Some(message) = ws.next().await {
        if let Ok(Message::Text(text)) = message
            && text.contains(&end)
        {
            return start.elapsed();
        }
    }
    panic!("stream ended mid-turn");
}

fn tokens(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("tokens file")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let http = reqwest::Client::new();
    match args.get(1).map(String::as_str) {
        Some("idle") => {
            let (dixie, n) = (args[2].clone(), args[3].parse::<usize>().expect("n"));
            let tokens = tokens(&args[4]);
            let open_streams: Vec<Ws> = futures_util::stream::iter(0..n)
                .map(|i| {
                    let (http, dixie, token) = (&http, &dixie, &tokens[i / 5]);
                    async move { open(http, dixie, token, &format!("idle-{i}")).await }
                })
                .buffer_unordered(32)
                .collect()
                .await;
            println!("open {}", open_streams.len());
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            drop(open_streams);
        }
        Some(mode @ ("turns" | "turns-direct")) => {
            let direct = mode == "turns-direct";
            let target = args[2].clone();
            let secs: u64 = args[3].parse().expect("secs");
            let streams: usize = args[4].parse().expect("streams");
            let tokens = if direct {
                vec![String::new(); streams]
            } else {
                tokens(&args[5])
            };
            let last = if direct { "agent_end" } else { "done" };
            let until = Instant::now() + Duration::from_secs(secs);
            let mut tasks = Vec::new();
            for (i, token) in tokens.iter().take(streams).enumerate() {
                let (http, target, token) = (http.clone(), target.clone(), token.clone());
                tasks.push(tokio::spawn(async move {
                    let session = format!("turns-{i}");
                    let mut ws = if direct {
                        let url = format!("ws://{target}/ws/{session}");
                        tokio_tungstenite::connect_async(url)
                            .await
                            .expect("Finn's stream")
                            .0
                    } else {
                        open(&http, &target, &token, &session).await
                    };
                    turn(&mut ws, last).await; // warm: enrichment lookups cached
                    let mut times = Vec::new();
                    while Instant::now() < until {
                        times.push(turn(&mut ws, last).await);
                    }
                    times
                }));
            }
            let mut all = Vec::new();
            for task in tasks {
                all.extend(task.await.expect("stream task"));
            }
            all.sort();
            let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
            println!(
                "turns {} {:.0} p50_ms {:.2} p99_ms {:.2}",
                all.len(),
                all.len() as f64 / secs as f64,
                pct(0.5).as_secs_f64() * 1000.0,
                pct(0.99).as_secs_f64() * 1000.0
            );
        }
        _ => {
            eprintln!(
                "usage: ws_load idle <dixie> <n> <tokens> | turns <dixie> <secs> <streams> <tokens>"
            );
            std::process::exit(2);
        }
    }
}
