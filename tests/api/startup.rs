//! The binary: help, config errors (exit 2, one line), the container health probe, graceful
//! shutdown on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn dixie() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dixie"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

#[test]
fn help_lists_every_variable() {
    let out = dixie().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for var in dixie::config::VARS {
        assert!(text.contains(var.name), "{} missing from --help", var.name);
    }
}

#[test]
fn production_without_a_key_exits_2_with_one_line() {
    let out = dixie()
        .env("DIXIE_ENV", "production")
        .env("FINN_URL", "http://finn:3000")
        .env("DIXIE_ADMIN_KEY", "k")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "dixie: DIXIE_JWT_PRIVATE_KEY: is required in production\n"
    );
    assert!(out.stdout.is_empty(), "nothing started");
}

#[test]
fn production_refuses_a_weak_admin_key() {
    for weak in ["Zq7", "admin-admin-admin-admin-admin-admin-admin"] {
        let out = dixie()
            .env("DIXIE_ENV", "production")
            .env("FINN_URL", "http://finn:3000")
            .env("DIXIE_JWT_PRIVATE_KEY", "0123456789abcdef0123456789abcdef")
            .env("DIXIE_ADMIN_KEY", weak)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{weak}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("dixie: DIXIE_ADMIN_KEY: "), "{stderr}");
        assert!(!stderr.contains(weak), "the key is not echoed: {stderr}");
        assert!(out.stdout.is_empty(), "nothing started");
    }
}

#[test]
fn bad_values_exit_2_naming_the_variable() {
    for (var, value) in [
        ("DIXIE_PORT", "99999"),
        ("LOG_LEVEL", "verbose"),
        ("DIXIE_JWT_PRIVATE_KEY", "short"),
        ("DIXIE_X402_ENABLED", "maybe"),
    ] {
        let out = dixie().env(var, value).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(&format!("dixie: {var}: ")), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
}

#[test]
fn unknown_command_exits_2() {
    let out = dixie().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

type Lines = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// Starts `dixie` on a free loopback port; returns it, its `listening` log line and the rest.
fn serve() -> (std::process::Child, String, Lines) {
    let mut child = dixie()
        .env("DIXIE_PORT", "0")
        .env("DIXIE_SHUTDOWN_GRACE_SECS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|l| l.contains("\"event\":\"listening\""))
        .expect("listening line");
    (child, listening, lines)
}

#[test]
fn healthcheck_exits_0_only_while_the_server_answers() {
    let (mut child, listening, _lines) = serve();
    let port = listening
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .expect("a port in the listening line")
        .to_owned();
    // The container sets DIXIE_HOST=0.0.0.0: the probe then asks loopback.
    for host in ["127.0.0.1", "0.0.0.0"] {
        let out = dixie()
            .arg("healthcheck")
            .env("DIXIE_HOST", host)
            .env("DIXIE_PORT", &port)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{host}: {out:?}");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = dixie()
        .arg("healthcheck")
        .env("DIXIE_PORT", &port)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("dixie: unhealthy: http://127.0.0.1:"),
        "{stderr}"
    );
}

#[test]
fn sigterm_drains_and_exits_0() {
    let (mut child, listening, lines) = serve();
    assert!(listening.contains("127.0.0.1:"), "{listening}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let start = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(exit.code(), Some(0));
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("\"event\":\"stopped\"")),
        "{rest:?}"
    );
}

#[test]
fn readme_documents_every_variable() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for var in dixie::config::VARS {
        assert!(
            readme.contains(&format!("`{}`", var.name)),
            "{} missing from README",
            var.name
        );
    }
}
