//! The Finn stand-in of the test suite as a process, for `make bench` (and local runs):
//! `finn_standin <port>` serves the Finn endpoints Dixie calls on 127.0.0.1 until killed.

#[allow(dead_code)]
#[path = "../support/finn.rs"]
mod finn;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let port = std::env::args().nth(1).unwrap_or_else(|| "4000".into());
    let standin = finn::spawn_on(&format!("127.0.0.1:{port}")).await;
    println!("{}", standin.url());
    std::future::pending::<()>().await;
}
