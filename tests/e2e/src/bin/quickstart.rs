//! `make quickstart`: a newcomer's first session against the stack `make run` started — each
//! step printed with the HTTP call it makes, so the output doubles as API documentation.
//!
//! Finds the stack in `target/run/stack.env` (written by `make run`), or in `DIXIE_URL`,
//! `DIXIE_ADMIN_KEY` and `FINN_STANDIN_URL`. Exits non-zero at the first step that fails.

use std::time::Duration;

use dixie_e2e::wallet::Wallet;
use futures::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

struct Stack {
    dixie: String,
    admin_key: String,
    standin: Option<String>,
}

fn stack() -> Stack {
    let file =
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()) + "/run/stack.env";
    let saved = std::fs::read_to_string(&file).unwrap_or_default();
    let get = |name: &str| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| {
                saved
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}=")))
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
            })
    };
    Stack {
        dixie: get("DIXIE_URL").unwrap_or_else(|| "http://127.0.0.1:3001".into()),
        admin_key: get("DIXIE_ADMIN_KEY").unwrap_or_else(|| {
            fail(&format!("no admin key: start the stack with `make run` (it writes {file}) or set DIXIE_ADMIN_KEY"))
        }),
        standin: get("FINN_STANDIN_URL"),
    }
}

fn fail(why: &str) -> ! {
    eprintln!("\nquickstart: FAILED: {why}");
    std::process::exit(1)
}

fn step(n: u32, what: &str) {
    println!("\n==> {n}. {what}");
}

/// One HTTP call, printed as it goes: the request line, the body sent, the status and body.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    bearer: Option<&str>,
    body: Option<Value>,
    want: u16,
) -> Value {
    let shown = bearer.map_or(String::new(), |b| {
        format!("  (Authorization: Bearer {}…)", &b[..b.len().min(12)])
    });
    println!("    {method} {url}{shown}");
    let mut req = http.request(method, url);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(body) = &body {
        println!("    {}", compact(body));
        req = req.json(body);
    }
    let resp = req
        .send()
        .await
        .unwrap_or_else(|e| fail(&format!("{url}: {e} — is `make run` running?")));
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    println!("    <- {status} {}", compact(&body));
    if status != want {
        fail(&format!("{url} answered {status}, expected {want}"));
    }
    body
}

/// At most 300 characters of `value`'s JSON.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    use reqwest::Method;
    let stack = stack();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap_or_else(|e| fail(&e.to_string()));
    let api = |path: &str| format!("{}{path}", stack.dixie);
    println!("quickstart against {}", stack.dixie);

    step(1, "Is Dixie up, and healthy? (no credentials needed)");
    let health = call(&http, Method::GET, &api("/api/health"), None, None, 200).await;
    if health["status"] != "healthy" {
        fail(&format!(
            "health says {} — is Finn (or its stand-in) up?",
            health["status"]
        ));
    }

    let wallet = Wallet::random();
    let nft = format!("quickstart:{}", &wallet.address[2..10].to_lowercase());
    step(
        2,
        "Make a throwaway wallet a dNFT holder (on the local Finn stand-in, not Dixie)",
    );
    let Some(standin) = &stack.standin else {
        fail("no Finn stand-in: run `make run` without FINN_URL, or set FINN_STANDIN_URL");
    };
    call(
        &http,
        Method::POST,
        &format!("{standin}/_standin/holders"),
        None,
        Some(json!({"wallet": wallet.address, "nftId": nft, "bgtStaked": 150.0})),
        201,
    )
    .await;

    step(3, "Ask for a single-use sign-in nonce");
    let nonce = call(
        &http,
        Method::POST,
        &api("/api/auth/nonce"),
        None,
        None,
        200,
    )
    .await;
    let nonce = nonce["nonce"]
        .as_str()
        .unwrap_or_else(|| fail("no nonce"))
        .to_owned();

    step(
        4,
        "Sign an ERC-4361 (SIWE) message with the wallet and trade it for a JWT",
    );
    let host = stack.dixie.split("://").nth(1).unwrap_or("127.0.0.1:3001");
    let domain = host.replace("127.0.0.1", "localhost");
    let message = wallet.siwe_message(&domain, 1, &nonce);
    println!(
        "    (the message, signed with personal_sign:)\n      {}",
        message.replace('\n', "\n      ")
    );
    let login = call(
        &http,
        Method::POST,
        &api("/api/auth/siwe"),
        None,
        Some(json!({"message": message, "signature": wallet.personal_sign(&message)})),
        200,
    )
    .await;
    let token = login["token"]
        .as_str()
        .unwrap_or_else(|| fail("no token"))
        .to_owned();
    println!("    JWT for Swagger UI's Authorize (BearerToken): {token}");

    step(5, "Chat: a whole turn in one request (stream: false)");
    let chat = call(
        &http,
        Method::POST,
        &api("/api/chat"),
        Some(&token),
        Some(json!({"prompt": "Hello, oracle", "stream": false})),
        200,
    )
    .await;
    if chat["response"].as_str().is_none() {
        fail("the answer has no response");
    }

    step(
        6,
        "Chat streamed: start a session, get a stream ticket, read the reply over WebSocket",
    );
    let started = call(
        &http,
        Method::POST,
        &api("/api/chat"),
        Some(&token),
        Some(json!({"prompt": "Tell me about my dNFT"})),
        200,
    )
    .await;
    let session = started["sessionId"]
        .as_str()
        .unwrap_or_else(|| fail("no sessionId"))
        .to_owned();
    let ticket = call(
        &http,
        Method::POST,
        &api("/api/ws/ticket"),
        Some(&token),
        None,
        200,
    )
    .await;
    let ticket = ticket["ticket"]
        .as_str()
        .unwrap_or_else(|| fail("no ticket"))
        .to_owned();
    let ws_url = format!(
        "{}/ws/chat/{session}?ticket={ticket}",
        stack.dixie.replacen("http", "ws", 1)
    );
    println!("    WebSocket {}", ws_url.replace(&ticket, "wst_…"));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url.as_str())
        .await
        .unwrap_or_else(|e| fail(&format!("the stream did not open: {e}")));
    let read = async {
        while let Some(Ok(msg)) = ws.next().await {
            if let Message::Text(text) = msg {
                let frame: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                println!("    <- frame {}", compact(&frame));
                if frame["type"] == "done" || frame["type"] == "error" {
                    return frame;
                }
            }
        }
        Value::Null
    };
    let last = tokio::time::timeout(Duration::from_secs(15), read)
        .await
        .unwrap_or_else(|_| fail("no `done` frame within 15 s"));
    if last["type"] != "done" {
        fail(&format!("the stream ended with {last}"));
    }
    let _ = ws.close(None).await;

    step(7, "Read the dNFT's personality (through Finn)");
    call(
        &http,
        Method::GET,
        &api(&format!("/api/personality/{nft}")),
        Some(&token),
        None,
        200,
    )
    .await;

    step(
        8,
        "Record a reputation event with the dev admin key, then read the aggregate back",
    );
    let event = json!({"model_id": "claude-sonnet-4-6", "event": {
        "type": "quality_signal", "event_id": uuid::Uuid::new_v4().to_string(),
        "agent_id": "quickstart", "collection_id": "quickstart",
        "timestamp": time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        "score": 0.9, "task_type": "code_review"}});
    println!(
        "    (admin key for Swagger UI's Authorize (AdminKey): {})",
        stack.admin_key
    );
    call(
        &http,
        Method::POST,
        &api(&format!("/api/reputation/{nft}/events")),
        Some(&stack.admin_key),
        Some(event),
        201,
    )
    .await;
    let aggregate = call(
        &http,
        Method::GET,
        &api(&format!("/api/reputation/{nft}")),
        None,
        None,
        200,
    )
    .await;
    if aggregate["sample_count"] != 1 {
        fail("the aggregate does not count the event");
    }

    println!(
        "\nquickstart: every step green. Try the rest at {}/docs",
        stack.dixie
    );
}
