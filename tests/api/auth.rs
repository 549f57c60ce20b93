//! Tokens and keys against the running app: ES256/HS256 issuance, dual verification, rotation,
//! the JWKS (checked with `ring`, an implementation independent of the one that signs), and
//! every way a token is refused.

use jwt_simple::prelude::*;
use jwt_simple::reexports::ct_codecs::{Base64UrlSafeNoPadding, Decoder, Encoder};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value, json};

use crate::support::siwe::Wallet;
use crate::support::{TestApp, spawn_app};

const LEGACY_SECRET: &str = "legacy-hs256-secret-of-32-bytes-or-more!";

fn b64(bytes: &[u8]) -> String {
    Base64UrlSafeNoPadding::encode_to_string(bytes).unwrap()
}

fn unb64(text: &str) -> Vec<u8> {
    Base64UrlSafeNoPadding::decode_to_vec(text, None).unwrap()
}

fn now() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp() as u64
}

/// A compact JWS with the given header and claims, HMAC-SHA256 under `key`.
pub fn hs256_raw(key: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let tag = ring::hmac::sign(
        &ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key),
        input.as_bytes(),
    );
    format!("{input}.{}", b64(tag.as_ref()))
}

pub fn claims_for(wallet: &str) -> Value {
    json!({"sub": wallet, "iss": "dixie-bff", "iat": now(), "exp": now() + 600, "role": "team"})
}

fn es256_token(pem: &str, kid: Option<&str>, claims: JWTClaims<Value>) -> String {
    let mut key = ES256KeyPair::from_pem(pem).unwrap();
    if let Some(kid) = kid {
        key = key.with_key_id(kid);
    }
    key.sign(claims).unwrap()
}

fn dixie_claims(wallet: &str) -> JWTClaims<Value> {
    Claims::with_custom_claims(json!({"role": "team"}), Duration::from_secs(600))
        .with_subject(wallet)
        .with_issuer("dixie-bff")
}

async fn jwks(app: &TestApp) -> (Value, reqwest::header::HeaderMap) {
    let resp = app.get("/api/auth/.well-known/jwks.json").await;
    assert_eq!(resp.status(), 200);
    let headers = resp.headers().clone();
    (resp.json().await.unwrap(), headers)
}

/// Verifies an ES256 JWS with `ring`, given the JWK it names.
fn ring_verifies(token: &str, jwk: &Value) -> bool {
    let mut point = vec![4u8];
    point.extend(unb64(jwk["x"].as_str().unwrap()));
    point.extend(unb64(jwk["y"].as_str().unwrap()));
    let (input, sig) = token.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(input.as_bytes(), &unb64(sig))
        .is_ok()
}

fn header_of(token: &str) -> Value {
    serde_json::from_slice(&unb64(token.split('.').next().unwrap())).unwrap()
}

struct Es256App {
    app: TestApp,
    pem: String,
    previous_pem: String,
}

async fn es256_app() -> Es256App {
    let pem = dixie::keys::generate_es256_pem().unwrap();
    let previous_pem = dixie::keys::generate_es256_pem().unwrap();
    let app = spawn_app(&[
        ("DIXIE_JWT_PRIVATE_KEY", &pem),
        ("DIXIE_JWT_PREVIOUS_KEY", &previous_pem),
        ("DIXIE_HS256_FALLBACK_SECRET", LEGACY_SECRET),
    ])
    .await;
    Es256App {
        app,
        pem,
        previous_pem,
    }
}

#[tokio::test]
async fn es256_tokens_verify_through_the_served_jwks_with_an_independent_implementation() {
    let Es256App { app, .. } = es256_app().await;
    let wallet = Wallet::new(11);
    let token = app.token_for(&wallet).await;
    let header = header_of(&token);
    assert_eq!(header["alg"], "ES256");

    let (set, _) = jwks(&app).await;
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "active and previous key");
    let jwk = keys
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's kid is in the JWKS");
    assert!(ring_verifies(&token, jwk));
    let other = keys.iter().find(|k| k["kid"] != header["kid"]).unwrap();
    assert!(
        !ring_verifies(&token, other),
        "the other key does not verify it"
    );
    let (input, sig) = token.rsplit_once('.').unwrap();
    let (h, _) = input.split_once('.').unwrap();
    let forged = format!(
        "{h}.{}.{sig}",
        b64(claims_for("0x0000000000000000000000000000000000000001")
            .to_string()
            .as_bytes())
    );
    assert!(
        !ring_verifies(&forged, jwk),
        "ring rejects a changed payload"
    );
    app.stop().await;
}

#[tokio::test]
async fn jwks_is_cacheable_and_revalidates_with_its_etag() {
    let Es256App { app, .. } = es256_app().await;
    let (mut set, headers) = jwks(&app).await;
    assert_eq!(headers["cache-control"], "public, max-age=600");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'));
    for key in set["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "never private material");
        assert_eq!(
            key["kid"].as_str().unwrap().len(),
            43,
            "RFC 7638 thumbprint"
        );
    }
    crate::support::redact(&mut set, &["x", "y", "kid"]);
    insta::assert_json_snapshot!("jwks_es256", set);

    for if_none_match in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"x\", {etag}"),
        "*".into(),
    ] {
        let resp = app
            .http
            .get(app.url("/api/auth/.well-known/jwks.json"))
            .header("if-none-match", &if_none_match)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 304, "{if_none_match}");
        assert_eq!(resp.headers()["etag"], etag.as_str());
        assert_eq!(resp.headers()["cache-control"], "public, max-age=600");
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    let stale = app
        .http
        .get(app.url("/api/auth/.well-known/jwks.json"))
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn hs256_mode_publishes_an_empty_key_set_and_verifies_its_tokens() {
    let app = spawn_app(&[("DIXIE_JWT_PRIVATE_KEY", LEGACY_SECRET)]).await;
    let (set, headers) = jwks(&app).await;
    assert_eq!(set, json!({"keys": []}));
    assert_eq!(headers["cache-control"], "public, max-age=600");
    let wallet = Wallet::new(12);
    let token = app.token_for(&wallet).await;
    assert_eq!(header_of(&token)["alg"], "HS256");
    let resp = app.get_bearer("/api/auth/verify", &token).await;
    assert_eq!(resp.status(), 200);

    let foreign = dixie::keys::generate_es256_pem().unwrap();
    let claims = claims_for(&wallet.address);
    for (name, bad) in [
        (
            "an ES256 token where no ES256 key is configured",
            es256_token(&foreign, Some("k"), dixie_claims(&wallet.address)),
        ),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none"}"#),
                b64(claims.to_string().as_bytes())
            ),
        ),
        (
            "another HS256 secret",
            hs256_raw(
                b"another-secret-another-secret-!!",
                &json!({"alg": "HS256"}),
                &claims,
            ),
        ),
    ] {
        let resp = app.get_bearer("/api/auth/verify", &bad).await;
        assert_eq!(resp.status(), 401, "{name}");
    }
    app.stop().await;
}

#[tokio::test]
async fn rotation_and_migration_keys_are_accepted() {
    let Es256App {
        app, previous_pem, ..
    } = es256_app().await;
    let wallet = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
    let previous_kid = ES256KeyPair::from_pem(&previous_pem)
        .unwrap()
        .public_key()
        .jwk_thumbprint();
    let accepted = [
        (
            "previous ES256 key",
            es256_token(&previous_pem, Some(&previous_kid), dixie_claims(wallet)),
        ),
        (
            "legacy HS256 secret",
            hs256_raw(
                LEGACY_SECRET.as_bytes(),
                &json!({"alg": "HS256", "typ": "JWT"}),
                &claims_for(wallet),
            ),
        ),
    ];
    for (name, token) in accepted {
        let resp = app.get_bearer("/api/auth/verify", &token).await;
        assert_eq!(resp.status(), 200, "{name}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["wallet"], wallet, "{name}");
    }
    app.stop().await;
}

#[tokio::test]
async fn clock_leeway_is_sixty_seconds() {
    let Es256App { app, pem, .. } = es256_app().await;
    let kid = ES256KeyPair::from_pem(&pem)
        .unwrap()
        .public_key()
        .jwk_thumbprint();
    let expired_by = |secs: u64| {
        let mut c = dixie_claims("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        c.issued_at = Some(Duration::from_secs(now() - 3600));
        c.expires_at = Some(Duration::from_secs(now() - secs));
        es256_token(&pem, Some(&kid), c)
    };
    let within = app.get_bearer("/api/auth/verify", &expired_by(30)).await;
    assert_eq!(within.status(), 200);
    let beyond = app.get_bearer("/api/auth/verify", &expired_by(90)).await;
    assert_eq!(beyond.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn every_bad_token_is_a_401_invalid_token() {
    let Es256App { app, pem, .. } = es256_app().await;
    let wallet = Wallet::new(13);
    let good = app.token_for(&wallet).await;
    let kid = header_of(&good)["kid"].as_str().unwrap().to_owned();
    let claims = claims_for(&wallet.address);
    let public_pem = ES256KeyPair::from_pem(&pem)
        .unwrap()
        .public_key()
        .to_pem()
        .unwrap();
    let (set, _) = jwks(&app).await;
    let jwk_bytes = set["keys"][0].to_string();
    let foreign = dixie::keys::generate_es256_pem().unwrap();

    let (h, rest) = good.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359");
    let tampered = format!("{h}.{}.{sig}", b64(tampered_claims.to_string().as_bytes()));

    let mut wrong_issuer = dixie_claims(&wallet.address);
    wrong_issuer.issuer = Some("someone-else".into());
    let mut no_exp = dixie_claims(&wallet.address);
    no_exp.expires_at = None;

    let cases: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(br#"{"alg":"none","typ":"JWT"}"#),
                b64(claims.to_string().as_bytes())
            ),
        ),
        (
            "HS256 keyed with the ES256 public key PEM",
            hs256_raw(public_pem.as_bytes(), &json!({"alg": "HS256"}), &claims),
        ),
        (
            "HS256 keyed with the JWK",
            hs256_raw(
                jwk_bytes.as_bytes(),
                &json!({"alg": "HS256", "kid": kid}),
                &claims,
            ),
        ),
        (
            "HS256 with an unknown secret",
            hs256_raw(
                b"not-the-secret-not-the-secret-!!",
                &json!({"alg": "HS256"}),
                &claims,
            ),
        ),
        (
            "foreign key, foreign kid",
            es256_token(&foreign, Some("foreign"), dixie_claims(&wallet.address)),
        ),
        (
            "foreign key claiming our kid",
            es256_token(&foreign, Some(&kid), dixie_claims(&wallet.address)),
        ),
        (
            "our key without a kid",
            es256_token(&pem, None, dixie_claims(&wallet.address)),
        ),
        ("wrong issuer", es256_token(&pem, Some(&kid), wrong_issuer)),
        ("no exp", es256_token(&pem, Some(&kid), no_exp)),
        ("tampered payload", tampered),
        ("oversize", format!("{good}{}", "A".repeat(5000))),
        ("RS256 header", {
            let (_, rest) = good.split_once('.').unwrap();
            format!("{}.{rest}", b64(br#"{"alg":"RS256","kid":"x"}"#))
        }),
        ("garbage", "not.a.token".into()),
        ("api key", "dxk_service".into()),
    ];
    for (name, token) in cases {
        let resp = app.get_bearer("/api/auth/verify", &token).await;
        assert_eq!(resp.status(), 401, "{name}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "invalid_token", "message": "Token verification failed"}),
            "{name}"
        );
    }
    assert_eq!(
        app.get_bearer("/api/auth/verify", &good).await.status(),
        200,
        "the untouched token still verifies"
    );
    app.stop().await;
}

#[tokio::test]
async fn verify_without_a_bearer_token_is_unauthorized() {
    let app = spawn_app(&[]).await;
    let resp = app.get("/api/auth/verify").await;
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": "unauthorized", "message": "Bearer token required"})
    );
    app.stop().await;
}

#[tokio::test]
async fn a_sec1_key_from_the_original_runbook_signs_too() {
    use p256::pkcs8::LineEnding;
    let secret = p256::SecretKey::from_slice(&[5u8; 32]).unwrap();
    let sec1 = secret.to_sec1_pem(LineEnding::LF).unwrap();
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let app = spawn_app(&[("DIXIE_JWT_PRIVATE_KEY", sec1.as_str())]).await;
    let token = app.token_for(&Wallet::new(14)).await;
    let (set, _) = jwks(&app).await;
    assert_eq!(set["keys"].as_array().unwrap().len(), 1);
    assert!(ring_verifies(&token, &set["keys"][0]));
    app.stop().await;
}

#[tokio::test]
async fn an_unusable_key_stops_startup_with_exit_code_2_and_no_key_text() {
    use dixie::config::Config;
    for (var, value) in [
        (
            "DIXIE_JWT_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PRIVATE KEY-----\n",
        ),
        (
            "DIXIE_JWT_PREVIOUS_KEY",
            "-----BEGIN PUBLIC KEY-----\nc2VjcmV0LW1hdGVyaWFs\n-----END PUBLIC KEY-----\n",
        ),
    ] {
        let config = Config::from_lookup(|name| match name {
            "DIXIE_PORT" => Some("0".into()),
            "DIXIE_ALLOWLIST_PATH" => Some("/nonexistent/allowlist.json".into()),
            n if n == var => Some(value.into()),
            _ => None,
        })
        .unwrap();
        let err = match dixie::wiring::start(config).await {
            Err(e) => e,
            Ok(running) => {
                running.stop().await.unwrap();
                panic!("{var}: started with an unusable key");
            }
        };
        assert_eq!(err.exit_code(), 2, "{var}");
        let text = err.to_string();
        assert!(text.starts_with(var), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
    }
}

/// The token payload, decoded.
fn payload_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&unb64(payload)).unwrap()
}

#[tokio::test]
async fn tokens_carry_dixies_audience_and_another_audience_is_refused() {
    for key in [None, Some(LEGACY_SECRET)] {
        let vars: Vec<(&str, &str)> = key
            .map(|k| ("DIXIE_JWT_PRIVATE_KEY", k))
            .into_iter()
            .collect();
        let app = spawn_app(&vars).await;
        let wallet = Wallet::new(14);
        let issued = app.token_for(&wallet).await;
        assert_eq!(
            payload_of(&issued)["aud"],
            "dixie-bff",
            "issued with aud ({key:?})"
        );
        assert_eq!(
            app.get_bearer("/api/auth/verify", &issued).await.status(),
            200
        );
        app.stop().await;
    }

    let app = spawn_app(&[("DIXIE_JWT_PRIVATE_KEY", LEGACY_SECRET)]).await;
    let wallet = Wallet::new(15);
    let with_aud = |aud: Value| {
        let mut claims = claims_for(&wallet.address);
        claims["aud"] = aud;
        hs256_raw(LEGACY_SECRET.as_bytes(), &json!({"alg": "HS256"}), &claims)
    };
    let cases = [
        (
            "no aud (a token of the original)",
            hs256_raw(
                LEGACY_SECRET.as_bytes(),
                &json!({"alg": "HS256"}),
                &claims_for(&wallet.address),
            ),
            200,
        ),
        ("aud dixie-bff", with_aud(json!("dixie-bff")), 200),
        (
            "aud list with dixie-bff",
            with_aud(json!(["other", "dixie-bff"])),
            200,
        ),
        ("another audience", with_aud(json!("finn")), 401),
        (
            "a list without dixie-bff",
            with_aud(json!(["finn", "web"])),
            401,
        ),
    ];
    for (name, token, status) in cases {
        let resp = app.get_bearer("/api/auth/verify", &token).await;
        assert_eq!(resp.status(), status, "{name}");
        let chat = app.get_bearer("/api/sessions", &token).await;
        assert_eq!(
            chat.status() == 401,
            status == 401,
            "{name}: the guard agrees"
        );
    }
    app.stop().await;
}
