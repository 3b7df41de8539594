//! Where uploaded files live: a folder under `DATA_DIR` by default, or an S3-compatible bucket
//! (`FILE_STORE=s3://bucket/prefix`) that every replica shares. Both are `object_store`
//! implementations behind one [`FileStore`]. Files are stored content-addressed by their SHA-256
//! (`ab/cd/abcd…`), so the same file shared twice is stored once and a stored file never
//! changes. Nothing is held in memory whole: an upload is spooled to a temporary file while it
//! arrives, read once to hash and inspect it, and streamed to the store in parts; a download
//! streams from the store to the client.

use std::{
    io::{self, Read, Seek},
    path::PathBuf,
    sync::Arc,
};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt, stream::BoxStream};
use object_store::{
    ObjectStore, WriteMultipart, aws::AmazonS3Builder, local::LocalFileSystem, path::Path,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::config::{FileStoreSettings, S3Settings};

/// Bytes read from a file at a time.
const READ_CHUNK: usize = 64 * 1024;
/// Size of each part sent to the store (S3's minimum part size is 5 MiB).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight at once for one upload.
const PARTS_IN_FLIGHT: usize = 2;
/// How much of a file's start [`inspect`] keeps for content sniffing.
pub const HEAD_BYTES: usize = 1024 * 1024;

/// Stores and serves immutable files by content key.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
}

impl FileStore {
    /// The store `settings` name: a local folder or an S3 bucket.
    pub fn open(settings: &FileStoreSettings) -> Result<Self, String> {
        match settings {
            FileStoreSettings::Local(root) => Self::local(root.clone()),
            FileStoreSettings::S3(s3) => Self::s3(s3),
        }
    }

    fn local(root: PathBuf) -> Result<Self, String> {
        std::fs::create_dir_all(&root)
            .map_err(|err| format!("the file folder {}: {err}", root.display()))?;
        let store = LocalFileSystem::new_with_prefix(&root)
            .map_err(|err| format!("the file folder {}: {err}", root.display()))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
        })
    }

    fn s3(settings: &S3Settings) -> Result<Self, String> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_allow_http(settings.allow_http);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some((key_id, secret)) = &settings.credentials {
            builder = builder
                .with_access_key_id(key_id)
                .with_secret_access_key(secret.expose());
        }
        let store = builder
            .build()
            .map_err(|err| format!("FILE_STORE: {err}"))?;
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::from(settings.prefix.as_str()),
        })
    }

    fn path(&self, key: &str) -> io::Result<Path> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a content key",
            ));
        }
        Ok(self.prefix.child(&key[..2]).child(&key[2..4]).child(key))
    }

    /// Stores the content of `file` (from its start) under `key`, in parts; a key stored
    /// already is left as it is.
    pub async fn put(&self, key: &str, file: std::fs::File) -> io::Result<()> {
        let path = self.path(key)?;
        match self.store.head(&path).await {
            Ok(_) => return Ok(()),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(err) => return Err(io::Error::other(err)),
        }
        let mut file = tokio::fs::File::from_std(file);
        file.rewind().await?;
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(io::Error::other)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut chunk = vec![0; READ_CHUNK];
        loop {
            let read = match file.read(&mut chunk).await {
                Ok(read) => read,
                Err(err) => {
                    let _ = writer.abort().await;
                    return Err(err);
                }
            };
            if read == 0 {
                break;
            }
            if let Err(err) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                return Err(io::Error::other(err));
            }
            writer.write(&chunk[..read]);
        }
        writer.finish().await.map_err(io::Error::other)?;
        Ok(())
    }

    /// The content stored under `key`, as it streams from the store.
    pub async fn get(&self, key: &str) -> io::Result<BoxStream<'static, io::Result<Bytes>>> {
        let found = self
            .store
            .get(&self.path(key)?)
            .await
            .map_err(io::Error::other)?;
        Ok(found.into_stream().map_err(io::Error::other).boxed())
    }

    /// Removes `key`; removing a missing key is fine.
    pub async fn delete(&self, key: &str) -> io::Result<()> {
        match self.store.delete(&self.path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(io::Error::other(err)),
        }
    }
}

/// What one read of a file tells: its content key, its size, its first [`HEAD_BYTES`], and
/// whether all of it is plain text.
pub struct Inspection {
    pub key: String,
    pub size: u64,
    pub head: Vec<u8>,
    pub text: bool,
}

/// Reads `file` once from its start (blocking: call it off the async threads).
pub fn inspect(file: &mut std::fs::File) -> io::Result<Inspection> {
    file.rewind()?;
    let mut hasher = Sha256::new();
    let mut head = Vec::new();
    let mut size = 0_u64;
    let mut text = TextCheck::default();
    let mut chunk = vec![0; READ_CHUNK];
    loop {
        let read = file.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        let bytes = &chunk[..read];
        hasher.update(bytes);
        let room = HEAD_BYTES.saturating_sub(head.len());
        head.extend_from_slice(&bytes[..room.min(read)]);
        text.feed(bytes);
        size += read as u64;
    }
    Ok(Inspection {
        key: hex(&hasher.finalize()),
        size,
        head,
        text: text.finish(),
    })
}

/// The hex SHA-256 of `bytes`: the key a file is stored under.
pub fn content_key(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks that a stream of chunks is plain text: UTF-8 (a character split between chunks
/// included) without control characters other than line breaks, tabs and form feeds.
#[derive(Default)]
struct TextCheck {
    /// The start of a character the last chunk ended inside (at most 3 bytes).
    carry: Vec<u8>,
    failed: bool,
}

impl TextCheck {
    fn feed(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        let joined;
        let bytes = if self.carry.is_empty() {
            bytes
        } else {
            joined = [self.carry.as_slice(), bytes].concat();
            &joined
        };
        let (valid, rest) = match std::str::from_utf8(bytes) {
            Ok(text) => (text, &[][..]),
            Err(err) if err.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                (std::str::from_utf8(valid).unwrap_or_default(), rest)
            }
            Err(_) => {
                self.failed = true;
                return;
            }
        };
        self.failed = !valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
        self.carry = rest.to_vec();
    }

    fn finish(self) -> bool {
        !self.failed && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn text_in_chunks(bytes: &[u8], size: usize) -> bool {
        let mut check = TextCheck::default();
        for chunk in bytes.chunks(size) {
            check.feed(chunk);
        }
        check.finish()
    }

    #[test]
    fn text_is_checked_across_chunk_boundaries() {
        let text = "Blåbær og sjøvann – 🚀 ferdig".as_bytes();
        for size in 1..=text.len() {
            assert!(text_in_chunks(text, size), "chunks of {size}");
        }
        let mut broken = text.to_vec();
        broken.insert(5, 0xff);
        for size in 1..=broken.len() {
            assert!(!text_in_chunks(&broken, size), "chunks of {size}");
        }
        // Ends inside the rocket's four bytes.
        let cut = &text[..text.len() - " ferdig".len() - 1];
        assert!(!text_in_chunks(cut, 3));
        assert!(!text_in_chunks(b"NUL\0inside", 4));
        assert!(text_in_chunks(b"line\r\nnext\ttab", 4));
    }

    #[tokio::test]
    async fn a_stored_file_reads_back_and_can_be_deleted() {
        let root = std::env::temp_dir().join(format!("fagruppe-store-{}", uuid::Uuid::new_v4()));
        let store = FileStore::local(root.clone()).expect("store");
        let mut file = tempfile::tempfile().expect("temporary file");
        file.write_all(b"slides").expect("write");
        let inspection = inspect(&mut file).expect("inspect");
        assert_eq!(inspection.key, content_key(b"slides"));
        assert_eq!((inspection.size, inspection.text), (6, true));
        let key = inspection.key;
        store
            .put(&key, file.try_clone().expect("clone"))
            .await
            .expect("put");
        store.put(&key, file).await.expect("put again");
        let read: Vec<Bytes> = store
            .get(&key)
            .await
            .expect("get")
            .try_collect()
            .await
            .expect("read");
        assert_eq!(read.concat(), b"slides");
        store.delete(&key).await.expect("delete");
        assert!(store.get(&key).await.is_err());
        assert!(store.get("../../etc/passwd").await.is_err());
        let _ = std::fs::remove_dir_all(root);
    }
}
