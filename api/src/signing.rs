//! Signatures for links that carry their own proof (one-click unsubscribe, a data export's
//! download): HMAC-SHA-256 with a key derived from the server secret for one purpose, so a
//! signature made for one kind of link is never valid for another.

use hmac::{Hmac, digest::KeyInit};
use sha2::{Digest, Sha256};

use crate::state::AppState;

/// The signer of links made for `purpose` (a fixed label with a version, like
/// `b"fagruppe unsubscribe v1"`).
pub fn signer(state: &AppState, purpose: &[u8]) -> Hmac<Sha256> {
    // HMAC pads a key to the hash's block (64 bytes) with zeros: padding it here makes the key
    // fixed-size and construction infallible.
    let derived = Sha256::new()
        .chain_update(purpose)
        .chain_update(state.settings.jwt_secret.expose())
        .finalize();
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&derived);
    <Hmac<Sha256> as KeyInit>::new(&key.into())
}
