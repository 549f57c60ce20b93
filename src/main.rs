//! `dixie`: parse the command, load config, hand over to wiring.

use std::process::ExitCode;

use dixie::config::{Config, help_text};
use dixie::{logging, wiring};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve(),
        Some("openapi") => match args.get(1).map(String::as_str) {
            None | Some("json") => print_out(&wiring::openapi_spec(false)),
            Some("yaml") => print_out(&wiring::openapi_spec(true)),
            Some(other) => usage_error(&format!("unknown openapi format {other:?}")),
        },
        Some("-h" | "--help" | "help") => print_out(&help_text()),
        Some("-V" | "--version") => print_out(&format!("dixie {}\n", dixie::VERSION)),
        Some(other) => usage_error(&format!("unknown command {other:?}")),
    }
}

fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let _log_guard = logging::init(config.log_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}"), 1),
    };
    match runtime.block_on(wiring::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(event = "startup_failed", detail = %e);
            fail(&e.to_string(), e.exit_code())
        }
    }
}

fn print_out(text: &str) -> ExitCode {
    print!("{text}");
    ExitCode::SUCCESS
}

fn usage_error(reason: &str) -> ExitCode {
    fail(&format!("{reason}; see dixie --help"), 2)
}

fn fail(reason: &str, code: u8) -> ExitCode {
    eprintln!("dixie: {reason}");
    ExitCode::from(code)
}
