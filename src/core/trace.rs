//! W3C trace context (`traceparent`, version 00): which incoming headers are well formed, and
//! the header of the span that serves a request. Random ids come from the caller.

/// A span of one trace, as carried by `traceparent: 00-<trace id>-<span id>-<flags>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub flags: u8,
}

/// `00-` + 32 + `-` + 16 + `-` + 2.
pub const HEADER_LEN: usize = 55;

impl TraceParent {
    /// The incoming header, when it is well formed: version `00` with exactly four fields, or a
    /// later version (not `ff`) with at least those, lowercase hex, neither id all zeros.
    pub fn parse(header: &str) -> Option<TraceParent> {
        let b = header.as_bytes();
        if b.len() < HEADER_LEN || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
            return None;
        }
        let version = hex_byte(&b[0..2])?;
        let exact = b.len() == HEADER_LEN;
        if version == 0xff || (version == 0 && !exact) || (!exact && b[HEADER_LEN] != b'-') {
            return None;
        }
        let mut trace_id = [0u8; 16];
        let mut span_id = [0u8; 8];
        for (i, out) in trace_id.iter_mut().enumerate() {
            *out = hex_byte(&b[3 + 2 * i..5 + 2 * i])?;
        }
        for (i, out) in span_id.iter_mut().enumerate() {
            *out = hex_byte(&b[36 + 2 * i..38 + 2 * i])?;
        }
        let flags = hex_byte(&b[53..55])?;
        if trace_id == [0; 16] || span_id == [0; 8] {
            return None;
        }
        Some(TraceParent {
            trace_id,
            span_id,
            flags,
        })
    }

    /// A child of `parent` (same trace and sampling flag) with span `span_id`; the root of a
    /// new, sampled trace `fresh_trace` when there is no parent.
    pub fn child(parent: Option<TraceParent>, fresh_trace: [u8; 16], span_id: [u8; 8]) -> Self {
        match parent {
            Some(p) => TraceParent {
                trace_id: p.trace_id,
                span_id,
                flags: p.flags & 0x01,
            },
            None => TraceParent {
                trace_id: fresh_trace,
                span_id,
                flags: 0x01,
            },
        }
    }

    /// The header value, `00-<32 hex>-<16 hex>-<2 hex>`; the trace id is `[3..35]` of it and
    /// the span id `[36..52]`.
    pub fn header(&self) -> String {
        let mut out = String::with_capacity(HEADER_LEN);
        out.push_str("00-");
        push_hex(&mut out, &self.trace_id);
        out.push('-');
        push_hex(&mut out, &self.span_id);
        out.push('-');
        push_hex(&mut out, &[self.flags]);
        out
    }
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    Some(digit(pair[0])? << 4 | digit(pair[1])?)
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn a_well_formed_header_round_trips() {
        let tp = TraceParent::parse(GOOD).unwrap();
        assert_eq!(tp.header(), GOOD);
        assert_eq!(tp.flags, 1);
    }

    #[test]
    fn malformed_headers_are_refused() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
            "a-b-c-d",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_later_version_may_carry_more_fields() {
        let later = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever";
        assert!(TraceParent::parse(later).is_some());
        let glued = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x";
        assert_eq!(TraceParent::parse(glued), None);
    }

    #[test]
    fn a_child_keeps_the_trace_and_a_root_starts_one() {
        let parent = TraceParent::parse(GOOD);
        let child = TraceParent::child(parent, [7; 16], [9; 8]);
        assert_eq!(child.trace_id, parent.unwrap().trace_id);
        assert_eq!(child.span_id, [9; 8]);
        let root = TraceParent::child(None, [7; 16], [9; 8]);
        assert_eq!(root.trace_id, [7; 16]);
        assert_eq!(root.flags, 1);
        assert_eq!(
            root.header(),
            "00-07070707070707070707070707070707-0909090909090909-01"
        );
    }
}
