use super::*;

#[test]
fn tickets_are_shaped_and_stored_by_digest() {
    let ticket = mint_ticket([0xab; 24]);
    assert_eq!(ticket, format!("wst_{}", "ab".repeat(24)));
    let digest = ticket_digest(&ticket).unwrap();
    assert_eq!(digest.len(), 64);
    assert_ne!(digest, ticket);
    assert_eq!(ticket_hint(&ticket), "wst_ababab");
    for bad in [
        "",
        "wst_",
        "wst_AB",
        &format!("wst_{}", "g".repeat(48)),
        &format!("wsx_{}", "a".repeat(48)),
        &format!("wst_{}", "a".repeat(49)),
    ] {
        assert_eq!(ticket_digest(bad), None, "{bad}");
    }
}

#[test]
fn stream_defaults_to_a_new_session_of_a_wallet() {
    let turn = |session_id, stream| ChatTurn {
        prompt: "hi",
        session_id,
        stream,
    };
    assert!(turn(None, None).streams(true));
    assert!(
        !turn(None, None).streams(false),
        "an API key cannot open a stream"
    );
    assert!(
        !turn(Some("s"), None).streams(true),
        "an existing session answers whole"
    );
    assert!(turn(Some("s"), Some(true)).streams(true));
    assert!(!turn(None, Some(false)).streams(true));
}

mod service {
    use std::future::{Future, ready};

    use mockall::predicate::eq;
    use serde_json::{Value, json};

    use super::super::*;
    use crate::core::memory::{HistoryQuery, MemoryProjection, SealingPolicy};
    use crate::core::ownership::Ownership;
    use crate::core::sessions::{SessionDetail, SessionList};
    use crate::core::testing::block_on;

    mockall::mock! {
        Finn {}
        impl Clone for Finn {
            fn clone(&self) -> Self;
        }
        impl AgentRuntime for Finn {
            fn start_session<'a>(&self, ctx: &CallContext, token_id: Option<&'a str>)
                -> impl Future<Output = Result<String, UpstreamError>> + Send;
            fn send_message(&self, ctx: &CallContext, session_id: &str, prompt: &str)
                -> impl Future<Output = Result<Value, UpstreamError>> + Send;
            fn list_sessions(&self, ctx: &CallContext)
                -> impl Future<Output = Result<SessionList, UpstreamError>> + Send;
            fn get_session(&self, ctx: &CallContext, session_id: &str)
                -> impl Future<Output = Result<SessionDetail, UpstreamError>> + Send;
        }
        impl OwnershipResolver for Finn {
            fn holdings(&self, ctx: &CallContext, wallet: &str)
                -> impl Future<Output = Result<Vec<Ownership>, UpstreamError>> + Send;
        }
        impl SoulMemory for Finn {
            fn projection(&self, ctx: &CallContext, nft_id: &str)
                -> impl Future<Output = Result<Option<MemoryProjection>, UpstreamError>> + Send;
            fn seal(&self, ctx: &CallContext, nft_id: &str, conversation_id: &str, policy: &SealingPolicy)
                -> impl Future<Output = Result<Value, UpstreamError>> + Send;
            fn history(&self, ctx: &CallContext, nft_id: &str, query: &HistoryQuery)
                -> impl Future<Output = Result<Value, UpstreamError>> + Send;
            fn delete_conversation(&self, ctx: &CallContext, nft_id: &str, conversation_id: &str)
                -> impl Future<Output = Result<(), UpstreamError>> + Send;
        }
    }

    mockall::mock! {
        Handoff {}
        impl Clone for Handoff {
            fn clone(&self) -> Self;
        }
        impl PromptHandoff for Handoff {
            fn park(&self, prompt: &ParkedPrompt) -> impl Future<Output = Result<(), PortError>> + Send;
            fn take_for_stream(&self, session_id: &str, wallet: &str, now: i64)
                -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send;
            fn take(&self, id: &str)
                -> impl Future<Output = Result<Option<ParkedPrompt>, PortError>> + Send;
        }
    }

    /// A signal sink that keeps what it hears.
    #[derive(Clone, Default)]
    struct Heard(std::sync::Arc<std::sync::Mutex<Vec<Signal>>>);

    impl SignalSink for Heard {
        fn emit(&self, signal: Signal) {
            self.0.lock().unwrap().push(signal);
        }
        fn connected(&self) -> Option<bool> {
            None
        }
        fn dropped(&self) -> u64 {
            0
        }
    }

    fn memories() -> crate::core::cache::Cached<crate::core::testing::KeptCache> {
        crate::core::testing::KeptCache::default()
            .cached(PROJECTION_PREFIX, std::time::Duration::from_secs(60))
    }

    fn ctx(wallet: Option<&str>) -> CallContext {
        CallContext {
            wallet: wallet.map(str::to_owned),
            ..CallContext::correlated("req-1", None)
        }
    }

    fn turn(session_id: Option<&str>, stream: Option<bool>) -> ChatTurn<'_> {
        ChatTurn {
            prompt: "hi",
            session_id,
            stream,
        }
    }

    #[test]
    fn a_streamed_new_session_is_parked_not_sent() {
        let mut finn = MockFinn::new();
        finn.expect_holdings().returning(|_, wallet| {
            let owned = Ownership {
                nft_id: "mibera:1".into(),
                owner_wallet: wallet.into(),
                delegated_wallets: vec![],
            };
            Box::pin(ready(Ok(vec![owned])))
        });
        finn.expect_projection()
            .returning(|_, _| Box::pin(ready(Ok(None))));
        finn.expect_start_session()
            .withf(|_, token| *token == Some("mibera:1"))
            .times(1)
            .returning(|_, _| Box::pin(ready(Ok("s-1".into()))));
        finn.expect_send_message().never();
        let mut handoffs = MockHandoff::new();
        handoffs
            .expect_park()
            .withf(|p| {
                p.session_id == "s-1"
                    && p.wallet == "0xA"
                    && p.prompt == "hi"
                    && p.expires_at == 130
            })
            .times(1)
            .returning(|_| Box::pin(ready(Ok(()))));
        let heard = Heard::default();
        let service = ChatService::new(finn, handoffs, memories(), heard.clone(), 30);
        let outcome =
            block_on(service.chat(ctx(Some("0xA")), turn(None, None), "h-1".into(), 100)).unwrap();
        assert!(
            matches!(outcome, ChatOutcome::Parked(p) if p.id == "h-1" && p.message_id == "req-1")
        );
        let signals = heard.0.lock().unwrap().clone();
        assert!(
            matches!(&signals[..], [Signal::Interaction(i)]
                if i.wallet == "0xA" && i.session_id == "s-1" && i.message_id == "req-1"),
            "one interaction signal per turn: {signals:?}"
        );
    }

    #[test]
    fn an_api_key_cannot_stream_and_nothing_is_started() {
        let mut finn = MockFinn::new();
        finn.expect_start_session().never();
        let service = ChatService::new(finn, MockHandoff::new(), memories(), Heard::default(), 30);
        let refused = block_on(service.chat(ctx(None), turn(None, Some(true)), "h".into(), 0));
        assert!(matches!(refused, Err(ChatError::StreamNeedsWallet)));
    }

    #[test]
    fn an_existing_session_answers_the_whole_turn() {
        let mut finn = MockFinn::new();
        finn.expect_holdings()
            .returning(|_, _| Box::pin(ready(Err(UpstreamError::Unavailable))));
        finn.expect_start_session().never();
        finn.expect_send_message()
            .with(mockall::predicate::always(), eq("s-9"), eq("hi"))
            .returning(|_, _, _| Box::pin(ready(Ok(json!({"response": "ok"})))));
        let service = ChatService::new(finn, MockHandoff::new(), memories(), Heard::default(), 30);
        let outcome =
            block_on(service.chat(ctx(Some("0xA")), turn(Some("s-9"), None), "h".into(), 0))
                .unwrap();
        assert_eq!(
            outcome,
            ChatOutcome::Answered {
                session_id: "s-9".into(),
                message_id: "req-1".into(),
                reply: json!({"response": "ok"}),
            },
            "an identity outage does not fail the chat"
        );
    }

    #[test]
    fn the_deliverer_sends_only_a_prompt_no_stream_took() {
        let parked = ParkedPrompt {
            id: "h-1".into(),
            session_id: "s-1".into(),
            wallet: "0xA".into(),
            prompt: "hi".into(),
            message_id: "req-1".into(),
            expires_at: 0,
        };
        let mut handoffs = MockHandoff::new();
        let mut taken = Some(parked);
        handoffs
            .expect_take()
            .returning(move |_| Box::pin(ready(Ok(taken.take()))));
        let mut finn = MockFinn::new();
        finn.expect_send_message()
            .withf(|ctx, session, prompt| {
                ctx.wallet.as_deref() == Some("0xA")
                    && ctx.request_id == "req-1"
                    && session == "s-1"
                    && prompt == "hi"
            })
            .times(1)
            .returning(|_, _, _| Box::pin(ready(Ok(json!({})))));
        let service = ChatService::new(finn, handoffs, memories(), Heard::default(), 30);
        assert!(block_on(service.deliver_unclaimed("h-1")).unwrap());
        assert!(!block_on(service.deliver_unclaimed("h-1")).unwrap());
    }
}
