//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane), stored as PHC
//! strings so the parameters can be raised later and old hashes upgraded at the next sign-in.
//! Hashing is CPU-bound for tens of milliseconds, so it runs on the blocking pool behind a
//! semaphore: a burst of sign-ins queues instead of starving the async workers or the memory.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher as _, PasswordVerifier as _, phc::PasswordHash},
};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Shortest and longest password we accept (characters).
pub const PASSWORD_LENGTH: std::ops::RangeInclusive<usize> = 10..=1024;

/// Hashes and verifies passwords off the async workers.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    params: Params,
    dummy_hash: Arc<str>,
}

impl Passwords {
    /// `concurrency` hashes may run at once; more wait their turn.
    pub fn new(params: Params, concurrency: usize) -> AppResult<Self> {
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy_hash = argon2
            .hash_password(b"a password nobody has")
            .map_err(AppError::internal)?
            .to_string();
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            params,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// The hasher the settings configure (memory, iterations, one hash per worker at a time).
    pub fn for_settings(settings: &crate::config::Settings) -> Result<Self, String> {
        let params = Params::new(
            settings.password_memory_kib,
            settings.password_iterations,
            1,
            None,
        )
        .map_err(|err| format!("password hashing parameters: {err}"))?;
        Self::new(params, settings.workers.max(1)).map_err(|err| err.to_string())
    }

    /// A fresh PHC string for `password`.
    pub async fn hash(&self, password: &str) -> AppResult<String> {
        let params = self.params.clone();
        let password = password.to_owned();
        self.blocking(move || {
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(AppError::internal)
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown account) a dummy hash
    /// is verified instead, so the answer takes as long either way, and is `false`.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> AppResult<bool> {
        let known = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let password = password.to_owned();
        let matches = self
            .blocking(move || {
                let hash = PasswordHash::new(&stored).map_err(AppError::internal)?;
                Ok(Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok())
            })
            .await?;
        Ok(known && matches)
    }

    /// Whether a stored hash was made with weaker settings than today's and should be replaced.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(hash) = PasswordHash::new(stored) else {
            return true;
        };
        let current = |name: &str, value: u32| {
            hash.params
                .get_decimal(name)
                .is_some_and(|stored| stored >= value)
        };
        hash.algorithm.as_str() != "argon2id"
            || !current("m", self.params.m_cost())
            || !current("t", self.params.t_cost())
            || !current("p", self.params.p_cost())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> AppResult<T> + Send + 'static,
    ) -> AppResult<T> {
        let _permit = self.permits.acquire().await.map_err(AppError::internal)?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(AppError::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passwords() -> Passwords {
        let params = Params::new(1024, 1, 1, None).expect("valid test params");
        Passwords::new(params, 2).expect("passwords")
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let passwords = passwords();
        let hash = passwords.hash("correct horse battery").await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            passwords
                .verify("correct horse battery", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("wrong horse battery", Some(&hash))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("correct horse battery", None)
                .await
                .expect("verify")
        );
    }

    #[test]
    fn the_default_parameters_are_owasps_argon2id_minimum() {
        let params = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19 * 1024, 2, 1)
        );
    }

    #[tokio::test]
    async fn a_hash_with_weaker_parameters_asks_to_be_replaced() {
        let weak = passwords()
            .hash("correct horse battery")
            .await
            .expect("hash");
        let strong = Passwords::new(Params::default(), 1).expect("passwords");
        assert!(strong.needs_rehash(&weak));
        assert!(!passwords().needs_rehash(&weak));
    }
}
