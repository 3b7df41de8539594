//! Files in an S3-compatible store (`FILE_STORE=s3://…`), against a real server speaking the S3
//! protocol over HTTP: moto's server mode (`pip install "moto[server]"`), which each test starts
//! on a port of its own. Without `moto_server` these tests skip with one line, unless
//! `REQUIRE_S3=1` (as `.ci/run` sets), when they fail.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use crate::{
    groups::{create_group, join_member},
    helpers::{email, spawn_two_apps_on_one_database_with},
    resources::{PDF, stored_files, upload},
};

/// A moto S3 server of this test's own, with one bucket.
struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts `moto_server` on a free port and waits until it says it runs; `None` (after saying
    /// why) when it is not installed.
    fn start() -> Option<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let Ok(mut child) = spawned else {
            assert!(
                std::env::var("REQUIRE_S3").as_deref() != Ok("1"),
                "REQUIRE_S3=1 but moto_server could not be started (pip install \"moto[server]\")"
            );
            eprintln!(
                "skipped: the object storage tests need moto_server (pip install \"moto[server]\")"
            );
            return None;
        };
        let stderr = child.stderr.take().expect("moto's output");
        let mut lines = BufReader::new(stderr).lines();
        let running = lines
            .by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("Running on"));
        assert!(running, "moto_server did not start");
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Some(Self {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        })
    }

    async fn create_bucket(&self, client: &reqwest::Client, bucket: &str) {
        let created = client
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .expect("create the bucket");
        assert!(created.status().is_success(), "{}", created.status());
    }
}

#[tokio::test]
async fn a_file_uploaded_through_one_replica_downloads_through_the_other_from_the_bucket() {
    let Some(s3) = S3Server::start() else {
        return;
    };
    let settings = [
        ("FILE_STORE", "s3://fagruppe/uploads"),
        ("S3_ENDPOINT", s3.endpoint.as_str()),
        ("S3_ALLOW_HTTP", "true"),
        ("S3_ACCESS_KEY_ID", "test"),
        ("S3_SECRET_ACCESS_KEY", "test-secret"),
    ];
    let (a, b) = spawn_two_apps_on_one_database_with(&settings).await;
    s3.create_bucket(&a.client, "fagruppe").await;
    let owner = a.register(&email("owner"), "Owner").await;
    let group = create_group(&a, &owner, "Skyen", "PUBLIC", "OPEN").await;
    let (member, _) = join_member(&a, &group, "Deler").await;

    // Larger than one 5 MiB part, so the store receives it as a multipart upload.
    let mut slides = PDF.to_vec();
    slides.extend((0..6 * 1024 * 1024).map(|i: u32| (i % 251) as u8));
    let shared = upload(&a, &member, &group, "slides.pdf", slides.clone(), true).await;
    assert_eq!(shared.status(), 200);
    let shared: serde_json::Value = shared.json().await.expect("JSON");
    let file = &shared["data"]["shareResource"]["file"];
    assert_eq!(file["size"], slides.len(), "{shared}");
    let download_url = file["downloadUrl"].as_str().expect("a download URL");

    let path = download_url
        .find("/files/")
        .map(|at| &download_url[at..])
        .expect("a /files/ path");
    let downloaded = b
        .client
        .get(format!("{}{path}", b.address))
        .bearer_auth(&member.access_token)
        .send()
        .await
        .expect("download through B");
    assert_eq!(downloaded.status(), 200);
    assert_eq!(
        downloaded.headers()["content-length"],
        slides.len().to_string().as_str()
    );
    assert_eq!(downloaded.headers()["content-type"], "application/pdf");
    let body = downloaded.bytes().await.expect("the file");
    assert!(
        body.as_ref() == slides.as_slice(),
        "the same bytes came back"
    );
    // Nothing on either replica's disk: the bucket holds it.
    assert_eq!(stored_files(&a), 0);
}
