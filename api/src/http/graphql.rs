//! GraphQL over HTTP and WebSocket, exactly as API.md says: POST with JSON (no batches, bounded
//! body), GET for queries only, GraphiQL for browsers in development, and `graphql-transport-ws`
//! subscriptions with the token in `connection_init`. We parse requests ourselves instead of
//! using async-graphql-actix-web's extractor, because that one accepts batches, `text/plain`
//! bodies, unbounded bodies and mutations over GET.

use std::{
    collections::{BTreeMap, HashMap},
    net::{IpAddr, Ipv4Addr},
};

use actix_multipart::Multipart;
use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
    web,
};
use async_graphql::{
    Request, Response, ServerError, UploadValue, Variables, parser::types::OperationType,
};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::{
    auth::{commands::authenticate, viewer::Viewer},
    error::{AppError, RETRY_UNAVAILABLE_SECONDS},
    graphql::{
        errors,
        loaders::{Caching, Loaders},
    },
    http::{HttpState, graphiql, request_id::RequestId, websocket},
    state::ClientInfo,
};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A transport-level refusal, shaped like a GraphQL response so clients read it the same way,
/// with the request id an operator finds it by.
pub(crate) fn refuse(
    request: &HttpRequest,
    status: StatusCode,
    code: &'static str,
    message: &str,
) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code } }],
        "extensions": { "requestId": request_id(request) },
    }))
}

pub(crate) fn request_id(request: &HttpRequest) -> String {
    request
        .extensions()
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

/// The client's address: the peer, or with `TRUSTED_PROXY_HOPS=n` the address the n-th proxy
/// from us saw (the n-th entry from the right of `X-Forwarded-For`).
fn client_address(request: &HttpRequest, trusted_hops: usize) -> IpAddr {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |addr| addr.ip());
    if trusted_hops == 0 {
        return peer;
    }
    let forwarded: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    forwarded
        .len()
        .checked_sub(trusted_hops)
        .and_then(|index| forwarded.get(index))
        .and_then(|address| address.parse().ok())
        .unwrap_or(peer)
}

pub(crate) fn client_info(request: &HttpRequest, state: &HttpState) -> ClientInfo {
    ClientInfo {
        address: client_address(request, state.app.settings.trusted_proxy_hops),
        user_agent: request
            .headers()
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(256).collect()),
        request_id: request_id(request),
    }
}

/// The viewer named by the `Authorization` header. No header is anonymous; a header that is not
/// a valid bearer token is an error, never a silent downgrade to anonymous.
pub(crate) async fn viewer_from_header(
    request: &HttpRequest,
    state: &HttpState,
) -> Result<Viewer, AppError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(Viewer(None));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(AppError::Unauthenticated(
            "Send the access token as `Authorization: Bearer <token>`",
        ))?;
    authenticate(&state.app, token)
        .await
        .map(|identity| Viewer(Some(identity)))
}

fn unauthenticated(request: &HttpRequest, error: &AppError) -> HttpResponse {
    let mut response = refuse(
        request,
        StatusCode::UNAUTHORIZED,
        error.code(),
        &error.to_string(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer error=\"invalid_token\""),
    );
    response
}

/// The database (or the disk uploads are spooled to) cannot serve now: 503 with `Retry-After`.
fn unavailable(request: &HttpRequest) -> HttpResponse {
    let mut response = refuse(
        request,
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
        &AppError::Unavailable.to_string(),
    );
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(RETRY_UNAVAILABLE_SECONDS),
    );
    response
}

fn accepts_graphql_response_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains(GRAPHQL_RESPONSE_JSON))
}

/// The bytes a response is first given room for: a page's answer fits without the buffer
/// growing by doubling from serde_json's 128 (the group page's, 6.9 KB, grew six times).
const RESPONSE_CAPACITY: usize = 8 * 1024;

/// Codes and caps the errors ([`errors::finish`]) and names the request id when anything failed.
fn finish(request: &HttpRequest, mut response: Response) -> HttpResponse {
    errors::finish(&mut response.errors);
    if !response.errors.is_empty() {
        response.extensions.insert(
            "requestId".into(),
            async_graphql::Value::from(request_id(request)),
        );
    }
    // A request error (the document was refused before anything ran) has no data and no error
    // with a path. With `application/graphql-response+json` the GraphQL-over-HTTP spec wants
    // the `data` entry left out and a 4xx status (5xx for our own failures); legacy
    // `application/json` clients get 200 with `data: null`.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty());
    let modern = accepts_graphql_response_json(request);
    let has_code = |wanted: &str| {
        response.errors.iter().any(|error| {
            error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .is_some_and(|code| *code == async_graphql::Value::from(wanted))
        })
    };
    // The database cannot serve now: 503 for every client, so load balancers and clients retry.
    let unavailable = has_code("SERVICE_UNAVAILABLE");
    let status = if unavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else if modern && request_error {
        if has_code("INTERNAL") {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        }
    } else {
        StatusCode::OK
    };
    let body = Body {
        errors: &response.errors,
        data: (!(modern && request_error)).then_some(&response.data),
        extensions: &response.extensions,
    };
    // Straight from the executor's value to bytes: objects keep the order of the selection, as
    // the GraphQL spec asks, and nothing is built in between.
    let mut bytes = Vec::with_capacity(RESPONSE_CAPACITY);
    let bytes = match serde_json::to_writer(&mut bytes, &body) {
        Ok(()) => bytes,
        Err(err) => {
            tracing::error!(%err, "response serialisation failed");
            return refuse(
                request,
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL",
                "Internal error",
            );
        }
    };
    let mut builder = HttpResponse::build(status);
    if unavailable {
        builder.insert_header((header::RETRY_AFTER, RETRY_UNAVAILABLE_SECONDS.to_string()));
    }
    builder
        .content_type(if modern {
            GRAPHQL_RESPONSE_JSON
        } else {
            "application/json"
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes)
}

/// A GraphQL response as sent: errors first when there are any (the spec's advice, so a reader
/// sees them), then the data (left out for a request error under
/// `application/graphql-response+json`), then extensions.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extensions: &'a BTreeMap<String, async_graphql::Value>,
}

fn error_response(request: &HttpRequest, error: ServerError) -> HttpResponse {
    finish(request, Response::from_errors(vec![error]))
}

/// The viewer of an HTTP request, or the response that refuses it.
async fn authenticate_request(
    request: &HttpRequest,
    state: &HttpState,
) -> Result<Viewer, HttpResponse> {
    match viewer_from_header(request, state).await {
        Ok(viewer) => Ok(viewer),
        Err(AppError::Unauthenticated(message)) => Err(unauthenticated(
            request,
            &AppError::Unauthenticated(message),
        )),
        Err(AppError::Unavailable) => Err(unavailable(request)),
        Err(_) => Err(refuse(
            request,
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "Internal error",
        )),
    }
}

/// Runs one GraphQL request for an HTTP request: authenticate, pre-check, execute.
async fn run(
    request: &HttpRequest,
    state: &HttpState,
    graphql: Request,
    allow_writes: bool,
) -> HttpResponse {
    match authenticate_request(request, state).await {
        Ok(viewer) => run_as(request, state, viewer, graphql, allow_writes).await,
        Err(refused) => refused,
    }
}

/// Pre-checks and executes a request for a known viewer.
async fn run_as(
    request: &HttpRequest,
    state: &HttpState,
    viewer: Viewer,
    mut graphql: Request,
    allow_writes: bool,
) -> HttpResponse {
    if graphql.query.trim().is_empty() {
        return refuse(
            request,
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Missing query",
        );
    }
    let plan = match state.schema.precheck(&mut graphql) {
        Ok(plan) => plan,
        Err(error) => return error_response(request, error),
    };
    let operation = plan.operation;
    if !allow_writes
        && matches!(
            operation,
            Some(OperationType::Mutation | OperationType::Subscription)
        )
    {
        let mut response = refuse(
            request,
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_USER_INPUT",
            "Only queries may be sent with GET; send mutations with POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    // A query reads each row at most once; a mutation's fields resolve after its writes, so its
    // loaders must not serve rows read before them.
    let caching = if operation == Some(OperationType::Query) {
        Caching::PerRequest
    } else {
        Caching::Off
    };
    let loaders = Loaders::new(&state.app.db, viewer.member_id(), caching);
    let graphql = graphql
        .data(viewer)
        .data(client_info(request, state))
        .data(loaders)
        // This worker's state, with its own database pool, before the schema's shared one.
        .data(state.app.clone());
    finish(request, state.schema.execute_checked(graphql, plan).await)
}

fn media_type(request: &HttpRequest) -> Option<String> {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
}

/// A GraphQL multipart request (file uploads). It must carry a non-simple header, so a
/// cross-site form cannot send one; the viewer is authenticated before any part is read, and
/// every part is read within its limit (JSON parts like a JSON body, files up to the upload
/// limit, counted together), so nothing is buffered for a refused request.
async fn post_multipart(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    let preflight = ["apollo-require-preflight", "x-graphql-preflight"]
        .iter()
        .any(|name| request.headers().contains_key(*name));
    if !preflight {
        return refuse(
            &request,
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "File uploads need the Apollo-Require-Preflight or X-GraphQL-Preflight header",
        );
    }
    let viewer = match authenticate_request(&request, &state).await {
        Ok(viewer) => viewer,
        Err(refused) => return refused,
    };
    let limits = state.schema.limits();
    let (json_limit, upload_limit) = (limits.max_body_bytes, limits.max_upload_bytes);
    let too_large = || {
        refuse(
            &request,
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("Files may be at most {upload_limit} bytes"),
        )
    };
    let bad = |message: &str| refuse(&request, StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message);
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > upload_limit + 2 * json_limit) {
        return too_large();
    }
    let Ok(_permit) = state.uploads.acquire().await else {
        return refuse(
            &request,
            StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL",
            "Uploads are unavailable",
        );
    };
    let mut parts = Multipart::new(request.headers(), payload);
    let mut graphql: Option<Request> = None;
    let mut map: Option<HashMap<String, Vec<String>>> = None;
    let mut received = 0usize;
    while let Some(part) = parts.next().await {
        let Ok(mut part) = part else {
            return bad("Malformed multipart body");
        };
        let name = part.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "operations" | "map" => {
                let bytes = match part.bytes(json_limit).await {
                    Ok(Ok(bytes)) => bytes,
                    Ok(Err(_)) => return bad("Malformed multipart body"),
                    Err(_) => return too_large(),
                };
                if name == "map" {
                    match serde_json::from_slice(&bytes) {
                        Ok(parsed) => map = Some(parsed),
                        Err(_) => return bad("The map part is not a JSON object of string lists"),
                    }
                } else if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
                    return bad(
                        "Batched requests are not supported; send one operation per request",
                    );
                } else {
                    match serde_json::from_slice(&bytes) {
                        Ok(parsed) => graphql = Some(parsed),
                        Err(_) => return bad("The operations part is not a GraphQL request"),
                    }
                }
            }
            file => {
                let (Some(operations), Some(map)) = (graphql.as_mut(), map.as_ref()) else {
                    return bad("Send the operations and map parts before the files");
                };
                let Some(paths) = map.get(file) else {
                    return bad("A file part is not named in the map");
                };
                let filename = part
                    .content_disposition()
                    .and_then(|disposition| disposition.get_filename())
                    .unwrap_or("file")
                    .to_owned();
                let content_type = part.content_type().map(ToString::to_string);
                let file = match spool(&mut part, upload_limit, &mut received).await {
                    Ok(file) => file,
                    Err(Spool::TooLarge) => return too_large(),
                    Err(Spool::Malformed) => return bad("Malformed multipart body"),
                    Err(Spool::Disk(err)) => {
                        tracing::error!(%err, "an upload could not be spooled");
                        return unavailable(&request);
                    }
                };
                for path in paths {
                    let Ok(content) = file.try_clone() else {
                        return bad("The upload could not be read");
                    };
                    operations.set_upload(
                        path,
                        UploadValue {
                            filename: filename.clone(),
                            content_type: content_type.clone(),
                            content,
                        },
                    );
                }
            }
        }
    }
    let Some(graphql) = graphql else {
        return bad("The operations part is missing");
    };
    run_as(&request, &state, viewer, graphql, true).await
}

/// Why an upload part was not spooled.
enum Spool {
    TooLarge,
    Malformed,
    Disk(std::io::Error),
}

/// Writes a file part to an unnamed temporary file as it arrives (never whole in memory),
/// counting it against the request's upload budget.
async fn spool(
    part: &mut actix_multipart::Field,
    limit: usize,
    received: &mut usize,
) -> Result<std::fs::File, Spool> {
    let file = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|err| Spool::Disk(std::io::Error::other(err)))?
        .map_err(Spool::Disk)?;
    let mut file = tokio::fs::File::from_std(file);
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|_| Spool::Malformed)?;
        *received += chunk.len();
        if *received > limit {
            return Err(Spool::TooLarge);
        }
        file.write_all(&chunk).await.map_err(Spool::Disk)?;
    }
    file.flush().await.map_err(Spool::Disk)?;
    Ok(file.into_std().await)
}

fn is_json(request: &HttpRequest) -> bool {
    media_type(request).as_deref() == Some("application/json")
}

/// `POST /graphql` with a JSON body, or a multipart upload.
pub async fn post(
    request: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    if media_type(&request).as_deref() == Some("multipart/form-data") {
        return post_multipart(request, payload, state).await;
    }
    if !is_json(&request) {
        return refuse(
            &request,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_USER_INPUT",
            "Send GraphQL requests as application/json",
        );
    }
    let limit = state.schema.limits().max_body_bytes;
    let too_large = || {
        refuse(
            &request,
            StatusCode::PAYLOAD_TOO_LARGE,
            "BAD_USER_INPUT",
            &format!("The request body may be at most {limit} bytes"),
        )
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return too_large();
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return refuse(
                &request,
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "The request body could not be read",
            );
        };
        if body.len() + chunk.len() > limit {
            return too_large();
        }
        body.extend_from_slice(&chunk);
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refuse(
            &request,
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Batched requests are not supported; send one operation per request",
        );
    }
    let graphql: Request = match serde_json::from_slice(&body) {
        Ok(graphql) => graphql,
        Err(err) => {
            return refuse(
                &request,
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                &format!("The body is not a GraphQL request: {err}"),
            );
        }
    };
    run(&request, &state, graphql, true).await
}

/// The parameters of `GET /graphql`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
}

/// `GET /graphql`: a WebSocket upgrade, GraphiQL for a browser, or a query in the URL.
pub async fn get(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<HttpState>,
) -> HttpResponse {
    if request.headers().contains_key(header::UPGRADE) {
        return websocket::upgrade(request, payload, state).await;
    }
    let params = match web::Query::<GetParams>::from_query(request.query_string()) {
        Ok(params) => params.into_inner(),
        Err(_) => {
            return refuse(
                &request,
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "Malformed query string",
            );
        }
    };
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let Some(query) = params.query else {
        if wants_html && state.graphiql {
            return graphiql::page();
        }
        return refuse(
            &request,
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "Missing the query parameter",
        );
    };
    let mut graphql = Request::new(query);
    if let Some(name) = params.operation_name {
        graphql = graphql.operation_name(name);
    }
    if let Some(variables) = params.variables {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value) => graphql = graphql.variables(Variables::from_json(value)),
            Err(_) => {
                return refuse(
                    &request,
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    "variables is not JSON",
                );
            }
        }
    }
    run(&request, &state, graphql, false).await
}
