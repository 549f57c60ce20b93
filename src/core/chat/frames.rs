//! The frames of a chat stream: what a client may send (validated before it reaches Finn),
//! and Finn's frames (§14) translated into the web client's vocabulary (§15), enriched.
//!
//! Every frame both ways is JSON text `{type, data?}`.

use serde_json::{Value, json};

use super::pricing::cost_micro_usd;

/// Longest `text` of a `prompt` or `steer` frame, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// Largest frame either way, in bytes (Finn's own limit).
pub const MAX_FRAME_BYTES: usize = 1 << 20;
/// Read buffer of each socket of a stream, in bytes: small, because most streams are idle
/// (a larger frame grows it).
pub const READ_BUFFER_BYTES: usize = 1024;

/// A client frame that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Prompt(String),
    Steer(String),
    Abort,
    Ping,
}

/// Why a client frame was refused; the stream stays open (an `error` frame, recoverable).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frames are JSON objects with a string `type`")]
    NotJson,
    #[error("unknown frame type (expected prompt, steer, abort or ping)")]
    UnknownType,
    #[error("`data.text` must be a non-blank string")]
    MissingText,
    #[error("`data.text` is longer than 10000 characters")]
    TextTooLong,
    #[error("binary frames are not accepted")]
    Binary,
    #[error("frames are at most 1 MiB")]
    TooLarge,
}

impl ClientFrame {
    pub fn parse(text: &str) -> Result<ClientFrame, FrameError> {
        if text.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge);
        }
        let value: Value = serde_json::from_str(text).map_err(|_| FrameError::NotJson)?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .ok_or(FrameError::NotJson)?;
        let text = || {
            let text = value
                .pointer("/data/text")
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
                .ok_or(FrameError::MissingText)?;
            if text.chars().count() > MAX_TEXT_CHARS {
                return Err(FrameError::TextTooLong);
            }
            Ok(text.to_owned())
        };
        match kind {
            "prompt" => text().map(ClientFrame::Prompt),
            "steer" => text().map(ClientFrame::Steer),
            "abort" => Ok(ClientFrame::Abort),
            "ping" => Ok(ClientFrame::Ping),
            _ => Err(FrameError::UnknownType),
        }
    }

    /// The frame in Finn's vocabulary (§14).
    pub fn upstream(&self) -> String {
        match self {
            ClientFrame::Prompt(text) => json!({"type": "prompt", "data": {"text": text}}),
            ClientFrame::Steer(text) => json!({"type": "steer", "data": {"text": text}}),
            ClientFrame::Abort => json!({"type": "abort"}),
            ClientFrame::Ping => json!({"type": "ping"}),
        }
        .to_string()
    }
}

/// A prompt frame for Finn (a handed-off prompt).
pub fn prompt_frame(text: &str) -> String {
    ClientFrame::Prompt(text.to_owned()).upstream()
}

/// An `error` frame for the client.
pub fn error_frame(message: &str, recoverable: bool) -> String {
    frame(
        "error",
        json!({"message": message, "recoverable": recoverable}),
    )
}

fn frame(kind: &str, data: Value) -> String {
    json!({"type": kind, "data": data}).to_string()
}

/// Finn's answer to a frame sent while the session still loads (§14): resend it shortly.
pub fn is_not_ready(frame: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(frame) else {
        return false;
    };
    value.get("type").and_then(Value::as_str) == Some("error")
        && value.pointer("/data/recoverable").and_then(Value::as_bool) == Some(true)
        && value
            .pointer("/data/message")
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("not initializing"))
}

/// What Dixie knows about the caller when a stream opens (§15 enrichment).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Enrichment {
    /// The model pool of the caller's conviction tier, and the tier.
    pub pool: String,
    pub tier: String,
    /// Tokens of the memory context and its topics, when the caller's dNFT has a memory.
    pub memory: Option<(u64, Vec<String>)>,
    /// `beauvoir_active` and traits, when the dNFT's personality is known.
    pub personality: Option<(bool, Vec<String>)>,
}

/// Every frame type a client may receive (the AsyncAPI document lists exactly these). Finn's
/// frames of these types that the translator does not rewrite pass unchanged: billing frames,
/// and frames already in the client's vocabulary.
pub const SERVER_TYPES: &[&str] = &[
    "chunk",
    "tool_call",
    "usage",
    "knowledge",
    "done",
    "error",
    "reasoning_trace",
    "source_selection",
    "model_selection",
    "economic",
    "personality",
    "memory_inject",
    "turn_end",
    "credit_warning",
    "billing_blocked",
    "pong",
    "compaction",
];

/// Every frame type a client may send.
pub const CLIENT_FRAME_TYPES: &[&str] = &["prompt", "steer", "abort", "ping"];

/// Translates one stream's Finn frames into client frames, reply by reply.
#[derive(Debug, Default)]
pub struct Translator {
    enrichment: Enrichment,
    /// A reply is under way: its enrichment went out.
    in_reply: bool,
    /// The reply's text so far (for `done`).
    content: String,
    /// Token usage and model of the reply, when Finn reported them.
    usage: Option<(u64, u64)>,
    model: Option<String>,
    /// Arguments of tools started and not yet ended, by tool name.
    tool_args: Vec<(String, String)>,
    /// The last reply that ended, until [`Translator::take_ended`] takes it.
    ended: Option<ReplyEnded>,
}

/// What one streamed reply cost, as its `economic` frame says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplyEnded {
    pub model: String,
    pub cost_micro_usd: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Translator {
    pub fn new(enrichment: Enrichment) -> Self {
        Translator {
            enrichment,
            ..Translator::default()
        }
    }

    /// The client frames for one Finn frame (none for frames the client has no use for).
    pub fn translate(&mut self, upstream: &str) -> Vec<String> {
        let Ok(value) = serde_json::from_str::<Value>(upstream) else {
            return Vec::new();
        };
        let Some(kind) = value.get("type").and_then(Value::as_str) else {
            return Vec::new();
        };
        let data = value.get("data").cloned().unwrap_or(Value::Null);
        let text = |key: &str| {
            data.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut out = Vec::new();
        match kind {
            "text_delta" | "chunk" => {
                let delta = text(if kind == "chunk" { "content" } else { "delta" });
                self.open_reply(&mut out);
                self.content.push_str(&delta);
                out.push(frame("chunk", json!({"content": delta})));
            }
            "tool_start" => {
                let name = text("toolName");
                let args = stringify(data.get("args"));
                self.open_reply(&mut out);
                out.push(frame(
                    "tool_call",
                    json!({"name": name, "args": args, "status": "running"}),
                ));
                self.tool_args.push((name, args));
            }
            "tool_end" => {
                let name = text("toolName");
                let args = match self.tool_args.iter().position(|(n, _)| *n == name) {
                    Some(i) => self.tool_args.remove(i).1,
                    None => String::new(),
                };
                self.open_reply(&mut out);
                let mut done = json!({"name": name, "args": args, "status": "done",
                    "result": stringify(data.get("result"))});
                if data.get("isError").and_then(Value::as_bool) == Some(true) {
                    done["isError"] = Value::Bool(true);
                }
                out.push(frame("tool_call", done));
            }
            "usage" => {
                self.note_usage(&data);
                out.push(upstream.to_owned());
            }
            "agent_end" | "done" => {
                self.note_usage(data.get("usage").unwrap_or(&Value::Null));
                out.push(self.close_reply(&data));
                let ended = self.reply_ended();
                out.push(self.economic(&ended));
                self.ended = Some(ended);
                self.reset();
            }
            "error" => {
                let message = data
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("The agent runtime reported an error");
                let recoverable = data.get("recoverable").and_then(Value::as_bool);
                out.push(error_frame(message, recoverable.unwrap_or(false)));
            }
            k if SERVER_TYPES.contains(&k) => out.push(upstream.to_owned()),
            // `authenticated` and anything unknown concern Dixie alone.
            _ => {}
        }
        out
    }

    /// Before the first frame of a reply: what Dixie chose and knows for it.
    fn open_reply(&mut self, out: &mut Vec<String>) {
        if self.in_reply {
            return;
        }
        self.in_reply = true;
        let e = &self.enrichment;
        out.push(frame(
            "model_selection",
            json!({"model": self.model.as_deref().unwrap_or(&e.pool), "pool": e.pool,
                "reason": format!("conviction tier {}", e.tier)}),
        ));
        if let Some((tokens, topics)) = &e.memory {
            out.push(frame(
                "memory_inject",
                json!({"context_tokens": tokens, "topics": topics}),
            ));
        }
        if let Some((active, traits)) = &e.personality {
            out.push(frame(
                "personality",
                json!({"beauvoir_active": active, "traits": traits}),
            ));
        }
    }

    fn note_usage(&mut self, data: &Value) {
        let count = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| data.get(*k).and_then(Value::as_u64))
        };
        let input = count(&["input", "input_tokens", "prompt_tokens"]);
        let output = count(&["output", "output_tokens", "completion_tokens"]);
        if input.is_some() || output.is_some() {
            self.usage = Some((input.unwrap_or(0), output.unwrap_or(0)));
        }
        if let Some(model) = data.get("model").and_then(Value::as_str) {
            self.model = Some(model.to_owned());
        }
    }

    fn close_reply(&self, data: &Value) -> String {
        let content = data
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or(&self.content);
        let mut done = json!({"content": content});
        if let Some((input, output)) = self.usage {
            done["usage"] = json!({"input": input, "output": output});
        }
        frame("done", done)
    }

    /// The reply that ended since the last call, if one did.
    pub fn take_ended(&mut self) -> Option<ReplyEnded> {
        self.ended.take()
    }

    /// The reply's cost from its usage and the pricing table (0 when unknown).
    fn reply_ended(&self) -> ReplyEnded {
        let (input, output) = self.usage.unwrap_or((0, 0));
        let model = self.model.as_deref().unwrap_or("unknown");
        ReplyEnded {
            model: model.to_owned(),
            cost_micro_usd: cost_micro_usd(model, input, output),
            prompt_tokens: input,
            completion_tokens: output,
        }
    }

    /// After `done`: the reply's cost (`ended`) with the memory context it carried.
    fn economic(&self, ended: &ReplyEnded) -> String {
        let (input, output) = (ended.prompt_tokens, ended.completion_tokens);
        let memory = self.enrichment.memory.as_ref().map_or(0, |(t, _)| *t);
        frame(
            "economic",
            json!({"cost_micro_usd": ended.cost_micro_usd, "model": ended.model,
                "tokens": {"prompt": input, "completion": output, "memory_context": memory,
                    "knowledge": 0, "total": input + output}}),
        )
    }

    fn reset(&mut self) {
        self.in_reply = false;
        self.content.clear();
        self.usage = None;
        self.tool_args.clear();
    }
}

/// A JSON value as the client's string field: strings as they are, anything else as JSON.
fn stringify(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
