//! What a reply cost (contract §8.5): µUSD per million tokens, input and output, by the
//! longest model-name prefix; an unknown model costs 0.

/// (model prefix, µUSD per 1M input tokens, µUSD per 1M output tokens)
const PRICES: &[(&str, u128, u128)] = &[
    ("claude-sonnet-4-6", 3_000_000, 15_000_000),
    ("claude-haiku-4-5", 800_000, 4_000_000),
    ("claude-opus-4-6", 15_000_000, 75_000_000),
    ("gpt-4o", 2_500_000, 10_000_000),
    ("gpt-4o-mini", 150_000, 600_000),
];

/// The cost in µUSD of `input` and `output` tokens of `model`, rounded up.
pub fn cost_micro_usd(model: &str, input: u64, output: u64) -> u64 {
    let Some(&(_, p_in, p_out)) = PRICES
        .iter()
        .filter(|(prefix, _, _)| model.starts_with(prefix))
        .max_by_key(|(prefix, _, _)| prefix.len())
    else {
        return 0;
    };
    let scaled = u128::from(input) * p_in + u128::from(output) * p_out;
    u64::try_from(scaled.div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::cost_micro_usd;

    #[test]
    fn longest_prefix_wins_and_cost_rounds_up() {
        // gpt-4o-mini, not gpt-4o: 1000·150000/1e6 + 1000·600000/1e6 = 150 + 600
        assert_eq!(cost_micro_usd("gpt-4o-mini-2024", 1000, 1000), 750);
        assert_eq!(cost_micro_usd("gpt-4o-2024", 1000, 1000), 12_500);
        // 1 input token of sonnet: 3 µUSD exactly; 1 output token of haiku: 4
        assert_eq!(cost_micro_usd("claude-sonnet-4-6", 1, 0), 3);
        assert_eq!(cost_micro_usd("claude-haiku-4-5", 0, 1), 4);
        // 1 token of gpt-4o-mini input: 0.15 → 1
        assert_eq!(cost_micro_usd("gpt-4o-mini", 1, 0), 1);
    }

    #[test]
    fn unknown_model_costs_nothing() {
        assert_eq!(cost_micro_usd("mystery-model", 1_000_000, 1_000_000), 0);
        assert_eq!(cost_micro_usd("", 5, 5), 0);
    }
}
