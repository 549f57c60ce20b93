use super::*;

fn base() -> Permissions {
    Permissions::defaults("mibera:1", 100_000, "t0".into())
}

#[test]
fn defaults_enable_nothing_and_carry_the_configured_cap() {
    let p = base();
    assert!(!p.enabled);
    assert_eq!(p.owner_wallet, "");
    assert_eq!(p.capabilities, Capabilities::default());
    assert_eq!(p.budget.daily_cap_micro_usd, 100_000);
    assert_eq!(p.budget.hourly_rate_limit, 60);
}

#[test]
fn a_patch_merges_maps_replaces_lists_and_takes_the_owner() {
    let mut current = base();
    current.capabilities.memory_write = true;
    current.tool_whitelist = vec!["old".into()];
    let patch = PermissionsPatch {
        enabled: Some(true),
        capabilities: Some(CapabilitiesPatch {
            chat_initiate: Some(true),
            ..CapabilitiesPatch::default()
        }),
        tool_whitelist: Some(vec!["search".into()]),
        budget: Some(BudgetPatch {
            hourly_rate_limit: Some(5),
            ..BudgetPatch::default()
        }),
        ..PermissionsPatch::default()
    };
    let next = patch.apply(current, "0xOwner", "t1".into());
    assert!(next.enabled);
    assert!(next.capabilities.chat_initiate);
    assert!(
        next.capabilities.memory_write,
        "absent capabilities keep their value"
    );
    assert_eq!(next.tool_whitelist, ["search"]);
    assert_eq!(next.budget.hourly_rate_limit, 5);
    assert_eq!(next.budget.daily_cap_micro_usd, 100_000);
    assert_eq!(next.owner_wallet, "0xOwner");
    assert_eq!(next.updated_at, "t1");
    assert_eq!(
        patch.describe(),
        "set enabled, capabilities, toolWhitelist, budget"
    );
    assert_eq!(PermissionsPatch::default().describe(), "nothing changed");
}

#[test]
fn delegates_are_matched_in_any_letter_case() {
    let mut p = base();
    p.delegated_wallets = vec!["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed".into()];
    assert!(p.delegates_to("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"));
    assert!(!p.delegates_to("0x0000000000000000000000000000000000000001"));
}

#[test]
fn a_summary_counts_what_the_trail_holds() {
    let spend = |cost, cap: &str, tool: &str, confirm| AuditEntry {
        cost_micro_usd: cost,
        capability: Some(cap.into()),
        tool: Some(tool.into()),
        confirmation_required: confirm,
        ..AuditEntry::new("n", 10, AuditAction::AgentAction, "0xA", true)
    };
    let entries = [
        spend(300, "tool_execute", "search", false),
        spend(200, "tool_execute", "browse", true),
        spend(1, "chat_initiate", "search", false),
        AuditEntry::new("n", 11, AuditAction::AccessRefused, "0xB", false),
        AuditEntry {
            cost_micro_usd: 999,
            ..AuditEntry::new("n", 12, AuditAction::PermissionsUpdateRefused, "0xB", false)
        },
    ];
    let s = DailySummary::of(&entries);
    assert_eq!(s.total_actions, 5);
    assert_eq!(s.allowed_actions, 3);
    assert_eq!(s.denied_actions, 2);
    assert_eq!(
        s.total_spend_micro_usd, 501,
        "a refused action spends nothing"
    );
    assert_eq!(s.capabilities_used, ["chat_initiate", "tool_execute"]);
    assert_eq!(s.tools_used, ["browse", "search"]);
    assert_eq!(s.confirmations_required, 1);
    assert_eq!(DailySummary::of(&[]), DailySummary::default());
}

#[test]
fn entries_and_permissions_round_trip_as_json() {
    let entry = AuditEntry::new("n", 5, AuditAction::PermissionsUpdated, "0xA", true).because("x");
    let json = serde_json::to_value(&entry).unwrap();
    assert_eq!(json["action"], "permissions_updated");
    assert_eq!(serde_json::from_value::<AuditEntry>(json).unwrap(), entry);
    let p = base();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["budget"]["dailyCapMicroUsd"], 100_000);
    assert_eq!(serde_json::from_value::<Permissions>(json).unwrap(), p);
}
