//! The HTTP side: files from the folder (ranges, HEAD, validators) with recast's content
//! types, each request told to the log.

use std::path::Path;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::mpsc::UnboundedSender;
use tower_http::services::ServeDir;

use super::paths::Contained;
use super::types::content_type;

/// Serves the files of `root` (canonical); a line per request goes to `log`.
pub(crate) fn router(root: &Path, log: UnboundedSender<String>) -> Router {
    let files = ServeDir::with_backend(root, Contained::new(root))
        // A folder of episodes has no pages: a folder's URL is simply not found, so its
        // listing never leaks.
        .append_index_html_on_directories(false)
        // Podcast apps ask for one range at a time; should one ask for several, the whole
        // file is a valid answer, and better than an error that stops playback.
        .ignore_multi_range_requests(true);
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(log, typed_and_logged))
}

async fn typed_and_logged(
    State(log): State<UnboundedSender<String>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() {
        let name = percent_encoding::percent_decode_str(path.rsplit('/').next().unwrap_or(""))
            .decode_utf8_lossy();
        if let Some(kind) = content_type(&name) {
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        }
    }
    let range = range.map(|r| format!(" ({r})")).unwrap_or_default();
    // The receiver is gone only once the server is stopping: the line has nowhere to go.
    let _ = log.send(format!("{method} {path}{range} {}", status.as_u16()));
    response
}
