//! Typed access to what a resolver needs from its context. A missing piece is a wiring bug,
//! reported as `INTERNAL` rather than a panic (no `data_unchecked`).

use std::sync::Arc;

use async_graphql::Context;

use crate::{
    auth::viewer::{ANONYMOUS, Viewer},
    error::{AppError, AppResult},
    graphql::loaders::Loaders,
    state::{AppState, ClientInfo},
};

pub trait ContextExt {
    fn state(&self) -> AppResult<&AppState>;
    fn viewer(&self) -> &Viewer;
    fn client(&self) -> AppResult<&ClientInfo>;
    fn loaders(&self) -> AppResult<&Loaders>;
}

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data::<std::sync::Arc<AppState>>()
            .map(AsRef::as_ref)
            .map_err(|_| AppError::internal("AppState missing from schema data"))
    }

    fn viewer(&self) -> &Viewer {
        self.data_opt::<Viewer>().unwrap_or(&ANONYMOUS)
    }

    fn client(&self) -> AppResult<&ClientInfo> {
        self.data::<ClientInfo>()
            .map_err(|_| AppError::internal("ClientInfo missing from request data"))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data::<Arc<Loaders>>()
            .map(AsRef::as_ref)
            .map_err(|_| AppError::internal("Loaders missing from request data"))
    }
}
