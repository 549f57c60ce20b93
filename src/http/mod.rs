//! The HTTP layer: poem-openapi handlers generic over the ports, the middleware pipeline, the
//! error mapping, and [`serve`].

pub mod api;
pub mod conviction;
pub mod error;
pub mod middleware;
pub mod payload;
pub mod state;

use std::future::Future;
use std::time::Duration;

use poem::listener::{Acceptor, Listener};
use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, Response, Route, Server};

use error::{PanicToJson, framework_error};
use middleware::{AccessLog, ApiGuard, BodyLimit, Cors, RequestIds, SecurityHeaders};
use state::{Adapters, Shared};

/// The whole application as one endpoint, monomorphized over the adapters.
pub fn app<A: Adapters>(state: Shared<A>) -> impl Endpoint<Output = Response> + 'static {
    let cors = Cors(state.settings.cors.clone());
    let guard = ApiGuard(state.clone());
    let api = api::service(state);
    let docs = api.swagger_ui();
    let spec_json = api.spec_endpoint();
    let spec_yaml = api.spec_endpoint_yaml();
    Route::new()
        .at("/openapi.json", spec_json)
        .at("/openapi.yaml", spec_yaml)
        .nest("/docs", docs)
        .nest("/", api)
        .with(guard)
        .catch_all_error(framework_error)
        .with(CatchPanic::new().with_handler(PanicToJson))
        .with(AccessLog)
        .with(BodyLimit)
        .with(cors)
        .with(SecurityHeaders)
        .with(RequestIds)
}

/// Serves the app on `acceptor` until `shutdown` resolves, then drains in-flight requests for
/// at most `grace`.
pub async fn serve<A: Adapters>(
    acceptor: impl Acceptor + 'static,
    state: Shared<A>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app(state), shutdown, Some(grace))
        .await
}

/// Binds a TCP listener (port 0 picks a free port; the acceptor knows which).
pub async fn bind(addr: std::net::SocketAddr) -> std::io::Result<impl Acceptor + 'static> {
    poem::listener::TcpListener::bind(addr)
        .into_acceptor()
        .await
}
