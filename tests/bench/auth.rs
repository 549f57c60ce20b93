//! Criterion benchmarks of auth (`make bench`): ES256 and HS256 sign/verify ops/s, SIWE parse
//! and signer recovery, and end-to-end HTTP through a running Dixie on loopback: SIWE logins/s
//! and `GET /api/auth/verify` with an ES256 and an HS256 token (32 concurrent clients).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dixie::adapters::jwt::{Es256Signer, Hs256Signer, VerifyKeys, load_private_pem};
use dixie::config::Config;
use dixie::core::auth::ethereum::{address_of, checksum, personal_message_hash};
use dixie::core::auth::siwe::{SiweMessage, verify_signature};
use dixie::core::auth::{TokenRequest, ethereum};
use dixie::core::ports::TokenSigner;
use jwt_simple::prelude::*;
use k256::ecdsa::SigningKey;

const CONCURRENCY: usize = 32;
const DOMAIN: &str = "bench.dixie.test";

fn request() -> TokenRequest {
    TokenRequest {
        wallet: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into(),
        role: "team".into(),
        ttl_secs: 3600,
    }
}

fn signed_message(key: &SigningKey, nonce: &str) -> (String, String) {
    let address = checksum(&address_of(key.verifying_key()));
    let issued = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let text = format!(
        "{DOMAIN} wants you to sign in with your Ethereum account:\n{address}\n\n\
         Bench.\n\nURI: https://{DOMAIN}\nVersion: 1\nChain ID: 1\nNonce: {nonce}\n\
         Issued At: {issued}"
    );
    let (sig, rec) = key.sign_prehash_recoverable(&personal_message_hash(text.as_bytes()));
    let mut hex = String::from("0x");
    for b in sig.to_bytes().iter().chain([rec.to_byte() + 27].iter()) {
        hex.push_str(&format!("{b:02x}"));
    }
    (text, hex)
}

fn crypto(c: &mut Criterion) {
    let pem = dixie::keys::generate_es256_pem().unwrap();
    let es = Es256Signer::new(load_private_pem(&pem).unwrap(), VerifyKeys::default());
    let hs = Hs256Signer::new(b"bench-secret-bench-secret-bench-secret");
    let es_token = es.issue(&request()).unwrap();
    let hs_token = hs.issue(&request()).unwrap();
    let public = ES256KeyPair::from_pem(&pem).unwrap().public_key();

    let mut g = c.benchmark_group("jwt");
    g.throughput(Throughput::Elements(1));
    g.bench_function("es256_sign", |b| b.iter(|| es.issue(&request()).unwrap()));
    g.bench_function("es256_verify_uncached", |b| {
        b.iter(|| {
            public
                .verify_token::<serde_json::Value>(&es_token, None)
                .unwrap()
        })
    });
    g.bench_function("es256_verify_cached", |b| {
        b.iter(|| es.verify(&es_token).unwrap())
    });
    g.bench_function("hs256_sign", |b| b.iter(|| hs.issue(&request()).unwrap()));
    g.bench_function("hs256_verify", |b| b.iter(|| hs.verify(&hs_token).unwrap()));
    g.finish();

    let key = SigningKey::from_slice(&[3u8; 32]).unwrap();
    let (text, sig) = signed_message(&key, "benchnonce1");
    let mut g = c.benchmark_group("siwe");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| b.iter(|| SiweMessage::parse(&text).unwrap()));
    g.bench_function("parse_and_recover", |b| {
        b.iter(|| {
            let m = SiweMessage::parse(&text).unwrap();
            verify_signature(&text, &m, &sig).unwrap()
        })
    });
    g.bench_function("eip55_checksum", |b| {
        b.iter(|| ethereum::normalize("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"))
    });
    g.finish();
}

/// A Dixie on loopback (memory store), on its own runtime so the client's does not share it.
struct Server {
    base: String,
    _runtime: tokio::runtime::Runtime,
}

fn server(jwt_key: &str) -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let vars = [
        ("DIXIE_PORT", "0"),
        ("DIXIE_JWT_PRIVATE_KEY", jwt_key),
        ("DIXIE_SIWE_DOMAINS", DOMAIN),
        ("DIXIE_ALLOWLIST_PATH", "/nonexistent/allowlist.json"),
        ("LOG_LEVEL", "warn"),
        ("DIXIE_RATE_LIMIT_RPM", "1000000000"),
    ];
    let config = Config::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap();
    let running = runtime.block_on(dixie::wiring::start(config)).unwrap();
    let base = format!("http://{}", running.addr);
    std::mem::forget(running);
    Server {
        base,
        _runtime: runtime,
    }
}

/// Runs `n` requests made by `make(i)` with [`CONCURRENCY`] in flight; returns the elapsed
/// time. Every response must have status `expect`.
async fn drive<F>(n: u64, expect: u16, make: F) -> Duration
where
    F: Fn(u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (make, next) = (make.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    let status = make(i).send().await.unwrap().status().as_u16();
                    assert_eq!(status, expect);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    start.elapsed()
}

fn http(c: &mut Criterion) {
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let es_pem = dixie::keys::generate_es256_pem().unwrap();
    let es = server(&es_pem);
    let hs = server("bench-secret-bench-secret-bench-secret");
    let key = SigningKey::from_slice(&[4u8; 32]).unwrap();

    let login_once = |base: &str| {
        let (text, sig) = signed_message(&key, &uuid::Uuid::new_v4().simple().to_string());
        let body = serde_json::json!({"message": text, "signature": sig});
        let resp = client_rt.block_on(async {
            client
                .post(format!("{base}/api/auth/siwe"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        });
        resp["token"].as_str().unwrap().to_owned()
    };
    let es_token = login_once(&es.base);
    let hs_token = login_once(&hs.base);

    let mut g = c.benchmark_group("http");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("siwe_login_es256", |b| {
        b.iter_custom(|iters| {
            let bodies: Arc<Vec<serde_json::Value>> = Arc::new(
                (0..iters)
                    .map(|_| {
                        let nonce = uuid::Uuid::new_v4().simple().to_string();
                        let (text, sig) = signed_message(&key, &nonce);
                        serde_json::json!({"message": text, "signature": sig})
                    })
                    .collect(),
            );
            let (client, url) = (client.clone(), format!("{}/api/auth/siwe", es.base));
            client_rt.block_on(drive(iters, 200, move |i| {
                client.post(&url).json(&bodies[i as usize])
            }))
        })
    });
    for (name, server, token) in [
        ("verify_es256", &es, es_token),
        ("verify_hs256", &hs, hs_token),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let (client, url) = (client.clone(), format!("{}/api/auth/verify", server.base));
                let token = token.clone();
                client_rt.block_on(drive(iters, 200, move |_| {
                    client.get(&url).bearer_auth(&token)
                }))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = crypto, http
}
criterion_main!(benches);
