use std::future::{Future, ready};
use std::time::Duration;

use super::*;
use crate::core::testing::{KeptCache, block_on};

fn kept(ttl: Duration) -> Cached<KeptCache> {
    KeptCache::default().cached(PERSONALITY_PREFIX, ttl)
}

mockall::mock! {
    Source {}
    impl Clone for Source {
        fn clone(&self) -> Self;
    }
    impl PersonalitySource for Source {
        fn personality(&self, ctx: &CallContext, nft_id: &str)
            -> impl Future<Output = Result<Option<Personality>, UpstreamError>> + Send;
        fn evolution(&self, ctx: &CallContext, nft_id: &str)
            -> impl Future<Output = Result<Option<Vec<Evolution>>, UpstreamError>> + Send;
    }
}

fn sample(nft_id: &str) -> Personality {
    Personality {
        nft_id: nft_id.to_owned(),
        name: "Bera".to_owned(),
        traits: vec!["curious".to_owned()],
        anti_narration: vec![],
        damp96_summary: BTreeMap::from([("warmth".to_owned(), 0.7)]),
        version: serde_json::json!(3),
        last_evolved: None,
    }
}

#[test]
fn an_answer_is_kept_and_reused() {
    let mut source = MockSource::new();
    source
        .expect_personality()
        .times(1)
        .returning(|_, id| Box::pin(ready(Ok(Some(sample(id))))));
    let p = Personalities::new(source, kept(Duration::from_secs(60)));
    let ctx = CallContext::default();
    for _ in 0..3 {
        let got = block_on(p.personality(&ctx, "mibera:1")).unwrap();
        assert_eq!(got, Some(sample("mibera:1")));
    }
}

#[test]
fn not_found_and_failures_are_never_kept() {
    let mut source = MockSource::new();
    let mut answers = vec![
        Ok(None),
        Err(UpstreamError::Unavailable),
        Ok(Some(sample("a"))),
    ]
    .into_iter();
    source
        .expect_personality()
        .times(3)
        .returning(move |_, _| Box::pin(ready(answers.next().unwrap())));
    let p = Personalities::new(source, kept(Duration::from_secs(60)));
    let ctx = CallContext::default();
    assert_eq!(block_on(p.personality(&ctx, "a")), Ok(None));
    assert_eq!(
        block_on(p.personality(&ctx, "a")),
        Err(UpstreamError::Unavailable)
    );
    assert!(block_on(p.personality(&ctx, "a")).unwrap().is_some());
}

#[test]
fn a_zero_ttl_asks_every_time() {
    let mut source = MockSource::new();
    source
        .expect_personality()
        .times(2)
        .returning(|_, id| Box::pin(ready(Ok(Some(sample(id))))));
    let p = Personalities::new(source, kept(Duration::ZERO));
    let ctx = CallContext::default();
    block_on(p.personality(&ctx, "a")).unwrap();
    block_on(p.personality(&ctx, "a")).unwrap();
}

#[test]
fn evolution_is_empty_when_finn_cannot_say() {
    let mut source = MockSource::new();
    let mut answers = vec![Err(UpstreamError::CircuitOpen), Ok(None)].into_iter();
    source
        .expect_evolution()
        .returning(move |_, _| Box::pin(ready(answers.next().unwrap())));
    let p = Personalities::new(source, kept(Duration::ZERO));
    let ctx = CallContext::default();
    assert!(block_on(p.evolution(&ctx, "a")).is_empty());
    assert!(block_on(p.evolution(&ctx, "a")).is_empty());
}

#[test]
fn the_wire_shapes_read_as_the_contract_says() {
    let p: Personality = serde_json::from_value(serde_json::json!({
        "nftId": "mibera:1", "name": "Bera", "traits": ["curious"], "antiNarration": ["no"],
        "damp96Summary": {"warmth": 0.5}, "version": "1.2", "lastEvolved": "2026-11-01T00:00:00Z"
    }))
    .unwrap();
    assert_eq!(p.anti_narration, ["no"]);
    let e: Evolution = serde_json::from_value(serde_json::json!({
        "version": 2, "timestamp": "2026-11-01T00:00:00Z", "changes": ["warmer"],
        "trigger": "compound_learning"
    }))
    .unwrap();
    assert_eq!(e.trigger, EvolutionTrigger::CompoundLearning);
}
