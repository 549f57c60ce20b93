//! `openapi/asyncapi.yaml` is a valid AsyncAPI 3.0 document (the official parser says so) and
//! names exactly the frames the code sends and accepts.

use std::collections::BTreeSet;
use std::process::Command;

use dixie::core::chat::frames::{CLIENT_FRAME_TYPES, SERVER_TYPES};

#[test]
fn the_stream_protocol_document_is_valid_and_complete() {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scripts/validate-asyncapi.sh"
    );
    let out = Command::new("bash")
        .arg(script)
        .output()
        .expect("the validator runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "AsyncAPI parser refused openapi/asyncapi.yaml:\n{}{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = |action: &str| -> BTreeSet<String> {
        stdout
            .lines()
            .filter_map(|l| l.strip_prefix(action))
            .map(str::to_owned)
            .collect()
    };
    let sent: BTreeSet<String> = SERVER_TYPES.iter().map(|t| (*t).to_owned()).collect();
    let received: BTreeSet<String> = CLIENT_FRAME_TYPES.iter().map(|t| (*t).to_owned()).collect();
    assert_eq!(listed("send "), sent, "frames Dixie sends");
    assert_eq!(listed("receive "), received, "frames Dixie accepts");
}
