//! Where uploaded files live. Files are stored content-addressed by their SHA-256, so the same
//! file shared twice is stored once and a stored file never changes. [`FileStore`] is the seam
//! for an object store (S3 and friends) behind several replicas; the default keeps files under
//! the data folder, written to a temporary name and renamed into place so a crash never leaves
//! a half-written file under a real key.

use std::{io, path::PathBuf};

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};

/// Stores and serves immutable blobs by key.
pub trait FileStore: Send + Sync {
    /// Stores `bytes` under `key`; storing an existing key again is a no-op.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>>;
    /// The bytes stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Vec<u8>>>;
    /// Removes `key`; removing a missing key is fine.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>>;
}

/// The hex SHA-256 of `bytes`: the key a file is stored under.
pub fn content_key(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Files in a folder, fanned out by the first two bytes of the key (`ab/cd/abcd…`).
pub struct LocalFileStore {
    root: PathBuf,
}

impl LocalFileStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a content key",
            ));
        }
        Ok(self.root.join(&key[..2]).join(&key[2..4]).join(key))
    }
}

impl FileStore for LocalFileStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            let path = self.path(key)?;
            if tokio::fs::try_exists(&path).await? {
                return Ok(());
            }
            if let Some(folder) = path.parent() {
                tokio::fs::create_dir_all(folder).await?;
            }
            let partial = path.with_extension(format!("partial-{}", uuid::Uuid::new_v4().simple()));
            tokio::fs::write(&partial, bytes).await?;
            if let Err(err) = tokio::fs::rename(&partial, &path).await {
                let _ = tokio::fs::remove_file(&partial).await;
                return Err(err);
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<Vec<u8>>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, io::Result<()>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
                _ => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stored_file_reads_back_and_can_be_deleted() {
        let root = std::env::temp_dir().join(format!("fagruppe-store-{}", uuid::Uuid::new_v4()));
        let store = LocalFileStore::new(root.clone());
        let key = content_key(b"slides");
        store.put(&key, b"slides").await.expect("put");
        store.put(&key, b"slides").await.expect("put again");
        assert_eq!(store.get(&key).await.expect("get"), b"slides");
        store.delete(&key).await.expect("delete");
        assert!(store.get(&key).await.is_err());
        assert!(store.get("../../etc/passwd").await.is_err());
        let _ = std::fs::remove_dir_all(root);
    }
}
