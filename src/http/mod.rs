//! The HTTP layer: poem-openapi handlers generic over the ports, the middleware pipeline, the
//! error mapping, and [`serve`].

pub mod api;
pub mod body;
pub mod cache;
pub mod conviction;
pub mod error;
pub mod ids;
pub mod metrics;
pub mod middleware;
pub mod payload;
pub mod server;
pub mod state;
pub mod stream;
pub mod timestamp;

use std::future::Future;
use std::time::Duration;

use poem::middleware::CatchPanic;
use poem::{Endpoint, EndpointExt, Response, Route};
use tokio::net::TcpListener;

use error::{PanicToJson, framework_error};
use metrics::RouteRecorder;
use middleware::{
    AccessLog, AllowOn405, AllowTable, ApiGuard, BodyLimit, Cors, Observe, RequestIds,
    SecurityHeaders,
};
use state::{Adapters, Shared};

/// The whole application as one endpoint, monomorphized over the adapters.
pub fn app<A: Adapters>(state: Shared<A>) -> impl Endpoint<Output = Response> + 'static {
    let cors = Cors(state.settings.cors.clone());
    let body_limit = BodyLimit {
        read_timeout: state.settings.body_read_timeout,
    };
    let guard = ApiGuard(state.clone());
    let stream = stream::ChatStream::new(state.clone(), state.settings.stream_timers);
    let metrics = state.metrics.clone();
    let api = api::service(state);
    // The document is generated and finished once: served as /openapi.json, .yaml, in Swagger
    // UI, and read for `Allow`.
    let raw = api.spec();
    let spec = api::document::finish(&raw);
    let spec_yaml = api::document::to_yaml(&spec);
    let routes = std::sync::Arc::new(
        AllowTable::from_spec(&spec)
            .with_get("/ws/chat/{sessionId}")
            .with_get("/openapi.json")
            .with_get("/openapi.yaml")
            .with_get("/docs/"),
    );
    let allow = AllowOn405(routes.clone());
    let recorder = RouteRecorder::new(metrics, routes.templates());
    let observe = Observe {
        recorder: std::sync::Arc::new(recorder),
        routes,
    };
    // Swagger UI embeds the document it is built with; it shows the finished one.
    let docs_html = api.swagger_ui_html().replacen(&raw, &spec, 1);
    let docs = poem::endpoint::make_sync(move |_| poem::web::Html(docs_html.clone()));
    let spec_json = poem::endpoint::make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    });
    let spec_yaml = poem::endpoint::make_sync(move |_| {
        Response::builder()
            .content_type("application/yaml")
            .body(spec_yaml.clone())
    });
    Route::new()
        .at("/openapi.json", spec_json)
        .at("/openapi.yaml", spec_yaml)
        .nest("/docs", Route::new().at("/", docs))
        .at("/ws/chat/:id", stream)
        .nest("/", api)
        .with(guard)
        .catch_all_error(framework_error)
        .with(allow)
        .with(CatchPanic::new().with_handler(PanicToJson))
        .with(observe)
        .with(AccessLog)
        .with(body_limit)
        .with(cors)
        .with(SecurityHeaders)
        .with(RequestIds)
}

/// Serves the app on `listener` until `shutdown` resolves, then drains in-flight requests for
/// at most `grace` (connection rules: [`server`]).
pub async fn serve<A: Adapters>(
    listener: TcpListener,
    state: Shared<A>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: server::ConnLimits,
) -> std::io::Result<()> {
    let streams = state.streams.clone();
    let closing = streams.clone();
    // Chat streams are told to close (1001) as soon as shutdown begins.
    let shutdown = async move {
        shutdown.await;
        closing.begin_close();
    };
    let served = server::serve(listener, app(state), shutdown, grace, limits).await;
    streams.close_all(grace).await;
    served
}

/// Now, in Unix seconds (the stores' clock).
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Binds a TCP listener (port 0 picks a free port; `local_addr` tells which).
pub async fn bind(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
