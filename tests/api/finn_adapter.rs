//! The Finn adapter's identity lookups (§14, §16) against the real stand-in server.

use std::time::Duration;

use dixie::adapters::finn::FinnClient;
use dixie::core::ports::{OwnershipResolver, StakingLookup, UpstreamProbe};
use dixie::core::upstream::{CallContext, UpstreamError};

use crate::support::finn::{self, Mode};

const WALLET: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

fn rid(request_id: &str) -> CallContext {
    CallContext::correlated(request_id, None)
}

fn ids(holdings: &[dixie::core::ownership::Ownership]) -> Vec<&str> {
    holdings.iter().map(|o| o.nft_id.as_str()).collect()
}

#[tokio::test]
async fn every_dnft_of_a_wallet_comes_from_nfts() {
    let finn = finn::spawn().await;
    let delegate = "0x0000000000000000000000000000000000000001";
    finn.add_owner(WALLET, "mibera:42", &[delegate]);
    finn.add_owner(WALLET, "mibera:7", &[]);
    let client = FinnClient::new(&finn.url(), Duration::from_secs(2)).unwrap();

    let holdings = client.holdings(&rid("req-1"), WALLET).await.unwrap();
    assert_eq!(ids(&holdings), ["mibera:42", "mibera:7"]);
    assert_eq!(holdings[0].owner_wallet, WALLET);
    assert_eq!(holdings[0].delegated_wallets, [delegate]);
    assert_eq!(
        client.primary_nft(&rid("req-2"), WALLET).await,
        Ok(Some("mibera:42".to_owned()))
    );
    assert_eq!(
        finn.calls("nfts"),
        1,
        "the primary came from the reused answer"
    );
    assert_eq!((finn.calls("ownership"), finn.calls("nft")), (0, 0));
}

#[tokio::test]
async fn an_older_finn_is_asked_ownership_then_nft() {
    let finn = finn::spawn().await;
    finn.add_owner(
        WALLET,
        "nft-42",
        &["0x0000000000000000000000000000000000000001"],
    );
    finn.set_mode("nfts", Mode::Status(404));
    let client = FinnClient::new(&finn.url(), Duration::from_secs(2)).unwrap();
    let holdings = client.holdings(&rid("r"), WALLET).await.unwrap();
    assert_eq!(ids(&holdings), ["nft-42"]);
    assert_eq!(holdings[0].delegated_wallets.len(), 1, "from /ownership");

    finn.set_mode("ownership", Mode::Status(404));
    let other = "0x00000000000000000000000000000000000000b2";
    finn.add_owner(other, "nft-43", &[]);
    let holdings = client.holdings(&rid("r"), other).await.unwrap();
    assert_eq!(ids(&holdings), ["nft-43"]);
    assert_eq!(
        holdings[0].owner_wallet, other,
        "/nft makes the wallet the owner"
    );
}

#[tokio::test]
async fn finn_at_858dbf41_yields_the_canonical_id() {
    let finn = finn::spawn().await;
    finn.add_owner(WALLET, "mibera:42", &[]);
    finn.speak_like_finn_858dbf41();
    let client = FinnClient::new(&finn.url(), Duration::from_secs(2)).unwrap();
    assert_eq!(
        client.primary_nft(&rid("r"), WALLET).await,
        Ok(Some("mibera:42".to_owned())),
        "collection:tokenId built from {{nft: {{collection, tokenId}}}}"
    );
    let stranger = "0x0000000000000000000000000000000000000042";
    assert_eq!(
        client.holdings(&rid("r"), stranger).await,
        Ok(vec![]),
        "{{nft: null}}"
    );
}

#[tokio::test]
async fn lookups_carry_the_request_id() {
    let finn = finn::spawn().await;
    finn.add_owner(WALLET, "nft-42", &[]);
    finn.set_stake(WALLET, 5.0);
    let client = FinnClient::new(&finn.url(), Duration::from_secs(2)).unwrap();
    client.holdings(&rid("req-nfts"), WALLET).await.unwrap();
    client.bgt_staked(&rid("req-stake"), WALLET).await.unwrap();
    for (endpoint, id) in [("nfts", "req-nfts"), ("staking", "req-stake")] {
        let received = finn.received(endpoint).unwrap();
        assert_eq!(received.headers["x-request-id"], id, "{endpoint}");
    }
}

#[tokio::test]
async fn an_unknown_wallet_holds_none_and_a_failure_is_an_error() {
    let finn = finn::spawn().await;
    let client = FinnClient::new(&finn.url(), Duration::from_millis(300)).unwrap();
    let stranger = "0x0000000000000000000000000000000000000042";
    assert_eq!(client.holdings(&rid("r"), stranger).await, Ok(vec![]));

    finn.add_owner(WALLET, "nft-42", &[]);
    finn.set_mode("nfts", Mode::Status(502));
    assert_eq!(
        client.holdings(&rid("r"), WALLET).await,
        Err(UpstreamError::Unavailable)
    );
    finn.set_mode("nfts", Mode::DelayMs(2_000));
    let start = std::time::Instant::now();
    assert_eq!(
        client.primary_nft(&rid("r"), WALLET).await,
        Err(UpstreamError::Unavailable)
    );
    assert!(start.elapsed() < Duration::from_secs(1), "timeout honoured");
}

#[tokio::test]
async fn probe_reports_reachability() {
    let finn = finn::spawn().await;
    let client = FinnClient::new(&finn.url(), Duration::from_secs(1)).unwrap();
    assert!(client.probe_upstream().await.reachable);
    finn.set_mode("health", Mode::Status(503));
    assert!(!client.probe_upstream().await.reachable);

    let nowhere = FinnClient::new("http://127.0.0.1:9", Duration::from_millis(300)).unwrap();
    assert!(!nowhere.probe_upstream().await.reachable);
}

#[tokio::test]
async fn the_breaker_opens_half_opens_with_one_probe_and_closes() {
    use dixie::core::ownership::CircuitState;
    use dixie::core::upstream::BreakerPolicy;
    let finn = finn::spawn().await;
    finn.add_owner(WALLET, "nft-7", &[]);
    let policy = BreakerPolicy {
        failure_threshold: 3,
        failure_window: Duration::from_secs(30),
        open_for: Duration::from_millis(300),
    };
    let client = FinnClient::with_breaker(&finn.url(), Duration::from_secs(2), policy).unwrap();

    for _ in 0..5 {
        assert_eq!(
            client
                .primary_nft(&rid("r"), "0x0000000000000000000000000000000000000009")
                .await,
            Ok(None)
        );
    }
    assert_eq!(
        client.circuit_state(),
        CircuitState::Closed,
        "holding none is an answer, not a failure"
    );

    finn.set_mode("nfts", Mode::Status(503));
    for _ in 0..3 {
        assert_eq!(
            client.primary_nft(&rid("r"), WALLET).await,
            Err(UpstreamError::Unavailable)
        );
    }
    assert_eq!(client.circuit_state(), CircuitState::Open);
    let calls = finn.calls("nfts");
    assert_eq!(
        client.primary_nft(&rid("r"), WALLET).await,
        Err(UpstreamError::CircuitOpen)
    );
    assert_eq!(finn.calls("nfts"), calls, "open: no request");

    tokio::time::sleep(Duration::from_millis(350)).await;
    finn.set_mode("nfts", Mode::DelayMs(200));
    let r = rid("r");
    let (a, b) = tokio::join!(client.primary_nft(&r, WALLET), async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        client.primary_nft(&r, WALLET).await
    });
    assert_eq!(a, Ok(Some("nft-7".to_owned())), "the probe went through");
    assert_eq!(
        b,
        Err(UpstreamError::CircuitOpen),
        "a second caller during the probe is refused"
    );
    assert_eq!(
        finn.calls("nfts"),
        calls + 1,
        "half-open admitted one probe"
    );
    assert_eq!(client.circuit_state(), CircuitState::Closed);
}

#[tokio::test]
async fn answers_are_reused_per_wallet_and_failures_are_not() {
    let finn = finn::spawn().await;
    let client = FinnClient::new(&finn.url(), Duration::from_millis(300)).unwrap();
    finn.set_mode("nfts", Mode::Status(502));
    assert!(client.holdings(&rid("r"), WALLET).await.is_err());
    finn.set_mode("nfts", Mode::Normal);
    finn.add_owner(WALLET, "nft-7", &[]);
    let lower = WALLET.to_ascii_lowercase();
    for wallet in [WALLET, lower.as_str(), WALLET] {
        assert_eq!(
            ids(&client.holdings(&rid("r"), wallet).await.unwrap()),
            ["nft-7"]
        );
    }
    assert_eq!(
        finn.calls("nfts"),
        2,
        "the failure was not kept; the answer was"
    );
    // "Holds none" is reused too (for a shorter time).
    let stranger = "0x0000000000000000000000000000000000000043";
    for _ in 0..2 {
        assert_eq!(client.primary_nft(&rid("r"), stranger).await, Ok(None));
    }
    assert_eq!(finn.calls("nfts"), 3);
}
