use serde_json::{Value, json};

use super::*;

fn parsed(frames: Vec<String>) -> Vec<Value> {
    frames
        .iter()
        .map(|f| serde_json::from_str(f).unwrap())
        .collect()
}

fn enrichment() -> Enrichment {
    Enrichment {
        pool: "pool_standard".into(),
        tier: "builder".into(),
        memory: Some((42, vec!["tides".into()])),
        personality: None,
    }
}

#[test]
fn client_frames_are_validated() {
    let ok = |s: &str| ClientFrame::parse(s);
    assert_eq!(
        ok(r#"{"type":"prompt","data":{"text":"hi"}}"#),
        Ok(ClientFrame::Prompt("hi".into()))
    );
    assert_eq!(
        ok(r#"{"type":"steer","data":{"text":"shorter"}}"#),
        Ok(ClientFrame::Steer("shorter".into()))
    );
    assert_eq!(ok(r#"{"type":"abort"}"#), Ok(ClientFrame::Abort));
    assert_eq!(ok(r#"{"type":"ping"}"#), Ok(ClientFrame::Ping));
    assert_eq!(ok("not json"), Err(FrameError::NotJson));
    assert_eq!(ok(r#"["prompt"]"#), Err(FrameError::NotJson));
    assert_eq!(ok(r#"{"type":7}"#), Err(FrameError::NotJson));
    assert_eq!(ok(r#"{"type":"shout"}"#), Err(FrameError::UnknownType));
    assert_eq!(ok(r#"{"type":"prompt"}"#), Err(FrameError::MissingText));
    assert_eq!(
        ok(r#"{"type":"prompt","data":{"text":"  "}}"#),
        Err(FrameError::MissingText)
    );
    let at_limit = json!({"type": "prompt", "data": {"text": "é".repeat(MAX_TEXT_CHARS)}});
    assert!(
        ok(&at_limit.to_string()).is_ok(),
        "the limit counts characters"
    );
    let over = json!({"type": "prompt", "data": {"text": "a".repeat(MAX_TEXT_CHARS + 1)}});
    assert_eq!(ok(&over.to_string()), Err(FrameError::TextTooLong));
    let huge = format!(
        r#"{{"type":"ping","pad":"{}"}}"#,
        "a".repeat(MAX_FRAME_BYTES)
    );
    assert_eq!(ok(&huge), Err(FrameError::TooLarge));
}

#[test]
fn client_frames_reach_finn_in_its_vocabulary() {
    let up: Value = serde_json::from_str(&ClientFrame::Prompt("hi".into()).upstream()).unwrap();
    assert_eq!(up, json!({"type": "prompt", "data": {"text": "hi"}}));
    let up: Value = serde_json::from_str(&ClientFrame::Abort.upstream()).unwrap();
    assert_eq!(up, json!({"type": "abort"}));
}

#[test]
fn a_whole_turn_is_translated_and_enriched_in_order() {
    let mut t = Translator::new(enrichment());
    let finn = [
        json!({"type": "tool_start", "data": {"toolName": "search", "args": {"q": "tides"}}}),
        json!({"type": "tool_end", "data": {"toolName": "search", "result": "3 hits", "isError": false}}),
        json!({"type": "text_delta", "data": {"delta": "Hello "}}),
        json!({"type": "text_delta", "data": {"delta": "world"}}),
        json!({"type": "turn_end", "data": {}}),
        json!({"type": "agent_end", "data": {}}),
    ];
    let out: Vec<Value> = finn
        .iter()
        .flat_map(|f| parsed(t.translate(&f.to_string())))
        .collect();
    insta::assert_json_snapshot!("whole_turn", out);
}

#[test]
fn each_reply_gets_its_own_enrichment_and_usage_prices_it() {
    let mut t = Translator::new(enrichment());
    let first = parsed(t.translate(r#"{"type":"text_delta","data":{"delta":"a"}}"#));
    assert_eq!(first[0]["type"], "model_selection");
    assert_eq!(first.last().unwrap()["type"], "chunk");
    t.translate(r#"{"type":"usage","data":{"model":"claude-haiku-4-5","input_tokens":1000,"output_tokens":500}}"#);
    let end = parsed(t.translate(r#"{"type":"agent_end","data":{}}"#));
    assert_eq!(
        end[0]["data"],
        json!({"content": "a", "usage": {"input": 1000, "output": 500}})
    );
    assert_eq!(end[1]["type"], "economic");
    // 1000·0.8 + 500·4 = 2800 µUSD
    assert_eq!(end[1]["data"]["cost_micro_usd"], 2800);
    assert_eq!(end[1]["data"]["tokens"]["total"], 1500);
    let second = parsed(t.translate(r#"{"type":"text_delta","data":{"delta":"b"}}"#));
    assert_eq!(
        second[0]["type"], "model_selection",
        "a new reply is enriched again"
    );
    let end = parsed(t.translate(r#"{"type":"agent_end"}"#));
    assert_eq!(
        end[0]["data"],
        json!({"content": "b"}),
        "usage does not carry over"
    );
}

#[test]
fn errors_billing_and_client_vocabulary_pass_and_internal_frames_do_not() {
    let mut t = Translator::new(Enrichment::default());
    let err =
        parsed(t.translate(r#"{"type":"error","data":{"message":"boom","recoverable":true}}"#));
    assert_eq!(
        err,
        vec![json!({"type": "error", "data": {"message": "boom", "recoverable": true}})]
    );
    for passing in [
        r#"{"type":"credit_warning","data":{"balance_cu":5,"threshold":10}}"#,
        r#"{"type":"billing_blocked","data":{"reason":"no credit"}}"#,
        r#"{"type":"knowledge","data":{"sources_used":[],"mode":"full","tokens_used":0}}"#,
        r#"{"type":"pong"}"#,
    ] {
        assert_eq!(t.translate(passing), vec![passing.to_owned()]);
    }
    assert!(
        t.translate(r#"{"type":"authenticated","data":{}}"#)
            .is_empty()
    );
    assert!(t.translate(r#"{"type":"mystery"}"#).is_empty());
    assert!(t.translate("not json").is_empty());
}

#[test]
fn the_session_loading_race_is_recognised() {
    assert!(is_not_ready(
        r#"{"type":"error","data":{"message":"Session not initializing","recoverable":true}}"#
    ));
    assert!(!is_not_ready(
        r#"{"type":"error","data":{"message":"Session not initializing","recoverable":false}}"#
    ));
    assert!(!is_not_ready(
        r#"{"type":"error","data":{"message":"other","recoverable":true}}"#
    ));
}
