//! `dixie`: parse the command, load config, hand over to wiring.

use std::future::Future;
use std::process::ExitCode;

use dixie::config::{Config, help_text};
use dixie::wiring::{self, StartupError};
use dixie::{keys, logging};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => match on_runtime(wiring::run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Some("migrate") => match on_runtime(|c| async move { wiring::migrate_only(&c).await }) {
            Ok(applied) => print_out(&format!("applied {} migration(s)\n", applied.len())),
            Err(code) => code,
        },
        Some("healthcheck") => {
            match on_runtime(|c| async move { wiring::probe_health(&c).await }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(code) => code,
            }
        }
        Some("keygen") => match keys::generate_es256_pem() {
            Ok(pem) => print_out(&pem),
            Err(e) => fail(&e, 1),
        },
        Some("openapi") => match args.get(1).map(String::as_str) {
            None | Some("json") => print_out(&wiring::openapi_spec(false)),
            Some("yaml") => print_out(&wiring::openapi_spec(true)),
            Some(other) => fail(
                &format!("unknown openapi format {other:?}; see dixie --help"),
                2,
            ),
        },
        Some("-h" | "--help" | "help") => print_out(&help_text()),
        Some("-V" | "--version") => print_out(&format!("dixie {}\n", dixie::VERSION)),
        Some(other) => fail(&format!("unknown command {other:?}; see dixie --help"), 2),
    }
}

/// Loads config (exit 2 on a bad value), installs logging and runs `f` on a multi-thread
/// runtime; a startup error becomes its exit code after a one-line reason.
fn on_runtime<F, Fut, T>(f: F) -> Result<T, ExitCode>
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = Result<T, StartupError>>,
{
    let config = Config::from_env().map_err(|e| fail(&e.to_string(), 2))?;
    let _log_guard = logging::init(config.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(&format!("cannot start the runtime: {e}"), 1))?;
    runtime.block_on(f(config)).map_err(|e| {
        tracing::error!(event = "startup_failed", detail = %e);
        fail(&e.to_string(), e.exit_code())
    })
}

fn print_out(text: &str) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}

fn fail(reason: &str, code: u8) -> ExitCode {
    eprintln!("dixie: {reason}");
    ExitCode::from(code)
}
