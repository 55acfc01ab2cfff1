//! The hello-world baseline for `bench/load.sh`: the same framework, runtime and
//! release profile as Sensate, doing no work, so ratios against it show what
//! Sensate's own code costs on whatever machine the benchmark runs on.
use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8099".to_string());
    let app = Router::new().route("/", get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await
}
