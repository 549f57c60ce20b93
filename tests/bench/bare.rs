//! The in-run reference for `make bench`: a bare poem JSON endpoint with no middleware.
//! Usage: `bare <port>`.

use poem::listener::TcpListener;
use poem::web::Json;
use poem::{Route, Server, get, handler};

#[handler]
fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "healthy" }))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args().nth(1).unwrap_or_else(|| "3900".into());
    Server::new(TcpListener::bind(format!("127.0.0.1:{port}")))
        .run(Route::new().at("/api/health", get(health)))
        .await
}
