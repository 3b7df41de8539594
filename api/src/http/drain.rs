//! A graceful stop behind a load balancer. On SIGTERM (or [`Drain::begin`]) `/readyz` answers 503
//! at once, so the balancer stops sending new requests; for the drain period every response says
//! `Connection: close`, so kept-alive clients reconnect elsewhere instead of racing the close;
//! WebSockets are closed with 1001 so their clients reconnect; then the server stops taking
//! connections and lets in-flight requests finish.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::ConnectionType,
    middleware::Next,
    web,
};
use tokio::sync::Notify;

use crate::http::HttpState;

/// Whether the server is draining, shared by the handlers and the code that stops it.
#[derive(Clone, Default)]
pub struct Drain(Arc<State>);

#[derive(Default)]
struct State {
    draining: AtomicBool,
    begun: Notify,
}

impl Drain {
    /// Starts draining, as SIGTERM does.
    pub fn begin(&self) {
        if !self.0.draining.swap(true, Ordering::SeqCst) {
            self.0.begun.notify_waiters();
        }
    }

    pub fn is_draining(&self) -> bool {
        self.0.draining.load(Ordering::SeqCst)
    }

    /// Resolves once draining has begun.
    pub async fn begun(&self) {
        loop {
            let notified = self.0.begun.notified();
            if self.is_draining() {
                return;
            }
            notified.await;
        }
    }
}

/// Marks every response of a draining server `Connection: close`.
pub async fn middleware(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let drain = request
        .app_data::<web::Data<HttpState>>()
        .map(|state| state.drain.clone());
    let mut response = next.call(request).await?;
    if drain.is_some_and(|drain| drain.is_draining()) {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}
