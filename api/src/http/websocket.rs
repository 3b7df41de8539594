//! GraphQL over WebSocket: the `graphql-transport-ws` protocol exactly as graphql-ws's
//! PROTOCOL.md says, close codes included. async-graphql's own handler closes with other codes
//! (1002 for a bad token, 1011 for an early subscribe), replaces a duplicate subscription
//! silently and answers a refused document with `next`; so this small layer speaks the protocol
//! itself over the schema's stream API, with the HTTP path's pre-check, error codes and
//! execution timeout.
//!
//! One task per connection owns the socket and every running operation (a `SelectAll` of
//! streams), so nothing is shared between tasks and nothing needs a lock.

use std::{collections::HashMap, sync::Arc};

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
    web,
};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use async_graphql::{Request, Response, ServerError, Variables, parser::types::OperationType};
use futures_util::{
    StreamExt,
    stream::{self, AbortHandle, Abortable, BoxStream, SelectAll},
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    auth::{commands::authenticate, viewer::Viewer},
    error::AppError,
    graphql::{
        errors,
        loaders::{Caching, Loaders},
    },
    http::{
        HttpState,
        graphql::{client_info, refuse, request_id},
    },
    metrics::GaugeGuard,
    state::ClientInfo,
};

pub const PROTOCOL: &str = "graphql-transport-ws";

/// Operations one connection may run at once.
const MAX_OPERATIONS: usize = 100;

/// A close frame's reason may be at most 123 bytes (RFC 6455, 5.5: 125 minus the code).
const MAX_REASON_BYTES: usize = 123;

/// The close codes of PROTOCOL.md.
mod close {
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    pub const INTERNAL: u16 = 4500;
    /// RFC 6455's "Going Away": the server is stopping; clients reconnect to another replica.
    pub const GOING_AWAY: u16 = 1001;
    /// RFC 6455's "Try Again Later": the database cannot serve now.
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

/// A message from the client.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<Value>,
    },
    Ping {},
    Pong {},
    Subscribe {
        id: String,
        payload: SubscribePayload,
    },
    Complete {
        id: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscribePayload {
    query: String,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<Value>,
}

/// `GET /graphql` with an upgrade to `graphql-transport-ws`.
pub async fn upgrade(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let speaks_protocol = request
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|protocols| protocols.split(',').any(|p| p.trim() == PROTOCOL));
    if !speaks_protocol {
        return refuse(
            &request,
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Use the graphql-transport-ws WebSocket sub-protocol",
        );
    }
    let (mut response, session, messages) = match actix_ws::handle(&request, payload) {
        Ok(handshake) => handshake,
        Err(err) => {
            tracing::debug!(%err, "WebSocket upgrade refused");
            return refuse(
                &request,
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "WebSocket upgrade failed",
            );
        }
    };
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(PROTOCOL),
    );
    let limit = state.schema.limits().max_body_bytes;
    let messages = messages
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    let connection = Connection {
        _open: state.app.metrics.websocket_connection(),
        client: client_info(&request, &state),
        request_id: request_id(&request),
        state: state.into_inner(),
        session,
        viewer: None,
        running: HashMap::new(),
        streams: SelectAll::new(),
    };
    actix_web::rt::spawn(connection.serve(messages));
    response
}

/// A running operation's next result, or `None` when it ended.
type Event = (String, Option<Response>);

struct Connection {
    state: Arc<HttpState>,
    client: ClientInfo,
    request_id: String,
    session: Session,
    /// Set by `connection_init`: the connection is acknowledged.
    viewer: Option<Viewer>,
    running: HashMap<String, AbortHandle>,
    streams: SelectAll<BoxStream<'static, Event>>,
    /// Counts the connection in the metrics while it is open.
    _open: GaugeGuard,
}

/// Why the connection ends.
struct Closing {
    code: u16,
    reason: String,
}

impl Closing {
    fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

impl Connection {
    async fn serve(mut self, mut messages: AggregatedMessageStream) {
        let init_timeout = tokio::time::sleep(self.state.app.settings.websocket_init_timeout);
        let drain = self.state.drain.clone();
        tokio::pin!(init_timeout);
        let closing = loop {
            let step = tokio::select! {
                message = messages.recv() => match message {
                    Some(Ok(message)) => self.receive(message).await,
                    // The client closed or the frames broke: nothing to say.
                    Some(Err(_)) | None => break None,
                },
                Some(event) = self.streams.next(), if !self.streams.is_empty() => {
                    self.deliver(event).await
                }
                () = drain.begun() => {
                    Err(Some(Closing::new(close::GOING_AWAY, "The server is restarting")))
                }
                () = &mut init_timeout, if self.viewer.is_none() => {
                    Err(Some(Closing::new(close::INIT_TIMEOUT, "Connection initialisation timeout")))
                }
            };
            if let Err(closing) = step {
                break closing;
            }
        };
        for handle in self.running.values() {
            handle.abort();
        }
        let reason = closing.map(|closing| CloseReason {
            code: CloseCode::Other(closing.code),
            description: Some(truncate(&closing.reason, MAX_REASON_BYTES).to_owned()),
        });
        let _ = self.session.close(reason).await;
    }

    /// Handles one frame. `Err` ends the connection (with a close frame when it carries one).
    async fn receive(&mut self, message: AggregatedMessage) -> Result<(), Option<Closing>> {
        let text = match message {
            AggregatedMessage::Text(text) => text,
            AggregatedMessage::Binary(_) => {
                return Err(Some(Closing::new(
                    close::BAD_REQUEST,
                    "Messages must be text frames of JSON",
                )));
            }
            AggregatedMessage::Ping(bytes) => {
                return self.session.pong(&bytes).await.map_err(|_| None);
            }
            AggregatedMessage::Pong(_) => return Ok(()),
            AggregatedMessage::Close(_) => return Err(None),
        };
        let message: ClientMessage = serde_json::from_str(&text).map_err(|err| {
            Some(Closing::new(
                close::BAD_REQUEST,
                format!("Invalid message received: {err}"),
            ))
        })?;
        match message {
            ClientMessage::ConnectionInit { payload } => self.initialise(payload).await,
            ClientMessage::Ping {} => self.send(json!({ "type": "pong" })).await,
            ClientMessage::Pong {} => Ok(()),
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, payload).await,
            ClientMessage::Complete { id } => {
                if let Some(handle) = self.running.remove(&id) {
                    handle.abort();
                }
                Ok(())
            }
        }
    }

    /// `connection_init`: `{"authorization": "Bearer …"}` signs the connection in; without it
    /// the connection is anonymous; a bad token is 4403.
    async fn initialise(&mut self, payload: Option<Value>) -> Result<(), Option<Closing>> {
        if self.viewer.is_some() {
            return Err(Some(Closing::new(
                close::TOO_MANY_INITS,
                "Too many initialisation requests",
            )));
        }
        let payload = match payload {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(payload)) => payload,
            Some(_) => {
                return Err(Some(Closing::new(
                    close::BAD_REQUEST,
                    "The connection_init payload must be an object",
                )));
            }
        };
        let header = payload
            .get("authorization")
            .or_else(|| payload.get("Authorization"))
            .and_then(Value::as_str);
        let viewer = match header {
            None => Viewer(None),
            Some(header) => {
                let token = header.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
                match authenticate(&self.state.app, token).await {
                    Ok(identity) => Viewer(Some(identity)),
                    Err(AppError::Unavailable) => {
                        return Err(Some(Closing::new(
                            close::TRY_AGAIN_LATER,
                            "Try again later",
                        )));
                    }
                    Err(AppError::Internal(_)) => {
                        return Err(Some(Closing::new(close::INTERNAL, "Internal server error")));
                    }
                    Err(_) => return Err(Some(Closing::new(close::FORBIDDEN, "Forbidden"))),
                }
            }
        };
        self.viewer = Some(viewer);
        self.send(json!({ "type": "connection_ack" })).await
    }

    async fn subscribe(
        &mut self,
        id: String,
        payload: SubscribePayload,
    ) -> Result<(), Option<Closing>> {
        let Some(viewer) = self.viewer.clone() else {
            return Err(Some(Closing::new(close::UNAUTHORIZED, "Unauthorized")));
        };
        if self.running.contains_key(&id) {
            return Err(Some(Closing::new(
                close::SUBSCRIBER_EXISTS,
                format!("Subscriber for {id} already exists"),
            )));
        }
        if self.running.len() >= MAX_OPERATIONS {
            let error = ServerError::new(
                format!("At most {MAX_OPERATIONS} operations may run at once on one connection"),
                None,
            );
            return self.send_errors(&id, vec![error]).await;
        }
        let mut request = Request::new(payload.query);
        if let Some(name) = payload.operation_name {
            request = request.operation_name(name);
        }
        if let Some(variables) = payload.variables {
            request = request.variables(Variables::from_json(variables));
        }
        let schema = &self.state.schema;
        let plan = match schema.precheck(&mut request) {
            Ok(plan) => plan,
            Err(error) => return self.send_errors(&id, vec![error]).await,
        };
        let loaders = Loaders::new(&self.state.app.db, viewer.member_id(), Caching::Off);
        let request = request
            .data(viewer)
            .data(self.client.clone())
            .data(loaders)
            .data(self.state.app.clone());
        // A query or mutation answers once, within the execution timeout, as over HTTP.
        let results: BoxStream<'static, Response> =
            if plan.operation == Some(OperationType::Subscription) {
                // Counted as live until its stream ends or is dropped.
                let live = self.state.app.metrics.subscription();
                schema
                    .stream_checked(request, plan)
                    .map(move |response| {
                        let _live = &live;
                        response
                    })
                    .boxed()
            } else {
                let schema = schema.clone();
                stream::once(async move { schema.execute_checked(request, plan).await }).boxed()
            };
        let (handle, registration) = AbortHandle::new_pair();
        let tag = id.clone();
        let end = id.clone();
        let events = Abortable::new(results, registration)
            .map(move |response| (tag.clone(), Some(response)))
            .chain(stream::once(async move { (end, None) }));
        self.running.insert(id, handle);
        self.streams.push(events.boxed());
        Ok(())
    }

    /// Sends an operation's result: `next`, then `complete` when it ends. A document refused
    /// before it ran is one `error` message instead, as the protocol says.
    async fn deliver(&mut self, (id, response): Event) -> Result<(), Option<Closing>> {
        if !self.running.contains_key(&id) {
            // Completed by the client: say nothing more about it.
            return Ok(());
        }
        let Some(mut response) = response else {
            self.running.remove(&id);
            return self.send(json!({ "type": "complete", "id": id })).await;
        };
        let refused = response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|error| error.path.is_empty());
        if refused {
            if let Some(handle) = self.running.remove(&id) {
                handle.abort();
            }
            return self.send_errors(&id, response.errors).await;
        }
        errors::finish(&mut response.errors);
        if !response.errors.is_empty() {
            response.extensions.insert(
                "requestId".into(),
                async_graphql::Value::from(self.request_id.clone()),
            );
        }
        self.send(json!({ "type": "next", "id": id, "payload": response }))
            .await
    }

    /// An `error` message: the operation did not run, and nothing more comes for its id.
    async fn send_errors(
        &mut self,
        id: &str,
        mut errors: Vec<ServerError>,
    ) -> Result<(), Option<Closing>> {
        errors::finish(&mut errors);
        for error in &mut errors {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("requestId", self.request_id.as_str());
        }
        self.send(json!({ "type": "error", "id": id, "payload": errors }))
            .await
    }

    async fn send(&mut self, message: Value) -> Result<(), Option<Closing>> {
        self.session
            .text(message.to_string())
            .await
            .map_err(|_| None)
    }
}

/// The longest prefix of `text` within `limit` bytes, cut at a character boundary.
fn truncate(text: &str, limit: usize) -> &str {
    let mut end = text.len().min(limit);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_close_reason_is_cut_at_a_character_boundary() {
        let reason = format!("Subscriber for {} already exists", "å".repeat(100));
        let cut = truncate(&reason, MAX_REASON_BYTES);
        assert!(cut.len() <= MAX_REASON_BYTES);
        assert!(reason.starts_with(cut));
    }
}
