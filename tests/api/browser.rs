//! GraphiQL in a real headless Chromium (Debian's `chromium` and `chromium-driver`, which
//! `.ci/run` installs), driven over WebDriver, with every host but this server unreachable: the
//! page must load from the binary alone. Without chromedriver, plain `cargo test` skips this
//! with a line saying so; `.ci/run` sets `REQUIRE_BROWSER=1`, which makes its absence a failure.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::{Value, json};

use crate::helpers::spawn_app;

/// A chromedriver process, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver on a free port and waits for it to say it listens.
fn start_driver() -> Option<Driver> {
    let available = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but chromedriver is not installed (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: the GraphiQL browser test needs chromium and chromium-driver");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let stdout = child.stdout.take().expect("chromedriver's output");
    let started = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("started successfully"));
    assert!(started, "chromedriver did not start");
    Some(Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// One WebDriver session, with the browser profile's folder, deleted when the session is.
struct Browser {
    client: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn open(driver: &Driver, client: &reqwest::Client) -> Self {
        let profile = tempfile::Builder::new()
            .prefix("fagruppe-chromium-")
            .tempdir()
            .expect("a folder for the browser profile");
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking",
                    // Every host but this machine is unreachable: nothing may come from a CDN.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        } } });
        let created: Value = client
            .post(format!("{}/session", driver.url))
            .json(&capabilities)
            .send()
            .await
            .expect("create a session")
            .json()
            .await
            .expect("json");
        let session = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"));
        let browser = Self {
            client: client.clone(),
            session: format!("{}/session/{session}", driver.url),
            _profile: profile,
        };
        browser
            .command("timeouts", json!({ "script": 20_000, "pageLoad": 20_000 }))
            .await;
        browser
    }

    async fn command(&self, path: &str, body: Value) -> Value {
        let answer: Value = self
            .client
            .post(format!("{}/{path}", self.session))
            .json(&body)
            .send()
            .await
            .expect("a WebDriver command")
            .json()
            .await
            .expect("json");
        answer["value"].clone()
    }

    /// Runs `action` in the page, then waits in the page (the browser checks every 50 ms, up to
    /// the script timeout) until `check` gives a truthy value, and returns it.
    async fn wait_for(&self, action: &str, check: &str) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             {action};
             const tick = () => {{
               let value = null;
               try {{ value = ({check}); }} catch (e) {{ value = null; }}
               if (value) {{ done(value); }} else {{ setTimeout(tick, 50); }}
             }};
             tick();"
        );
        self.command("execute/async", json!({ "script": script, "args": [] }))
            .await
    }

    async fn close(self) {
        let _ = self.client.delete(&self.session).send().await;
    }
}

#[tokio::test]
async fn graphiql_loads_from_the_binary_alone_and_runs_a_query() {
    let Some(driver) = start_driver() else {
        return;
    };
    let app = spawn_app().await;
    let browser = Browser::open(&driver, &app.client).await;
    browser
        .command("url", json!({ "url": app.graphql_url() }))
        .await;

    let loaded = browser
        .wait_for(
            "",
            "document.querySelector('.graphiql-query-editor .CodeMirror') !== null",
        )
        .await;
    assert_eq!(loaded, true, "GraphiQL did not render");

    let docs = browser
        .wait_for(
            "document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()",
            "(document.querySelector('.graphiql-doc-explorer') || {}).textContent",
        )
        .await;
    let docs = browser
        .wait_for(
            "",
            "((t) => t.includes('Query') && t)((document.querySelector('.graphiql-doc-explorer') || {}).textContent || '')",
        )
        .await
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("the docs explorer lists no Query: {docs}"));
    assert!(docs.contains("Query"), "{docs}");

    let answer = browser
        .wait_for(
            "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ me { id } }');
             document.querySelector('.graphiql-execute-button').click()",
            "((t) => t.includes('\"me\"') && t)(document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue())",
        )
        .await;
    let answer: Value = serde_json::from_str(answer.as_str().unwrap_or_default())
        .unwrap_or_else(|err| panic!("the response pane holds no JSON ({err}): {answer}"));
    assert_eq!(answer, json!({ "data": { "me": null } }));

    // A subscription signs its connection in with the headers typed in GraphiQL's Headers tab.
    let member = app
        .register(&crate::helpers::email("graphiql"), "I nettleseren")
        .await;
    let headers = json!({ "Authorization": format!("Bearer {}", member.access_token) }).to_string();
    let record = "window.__frames = [];
        const Native = window.WebSocket;
        const send = Native.prototype.send;
        Native.prototype.send = function (data) { window.__frames.push(['out', String(data)]); return send.call(this, data); };
        window.WebSocket = function (url, protocols) {
          const socket = new Native(url, protocols);
          socket.addEventListener('message', (event) => window.__frames.push(['in', String(event.data)]));
          return socket;
        };
        window.WebSocket.prototype = Native.prototype;
        Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });";
    let edit = format!(
        "{record};
         document.querySelectorAll('.graphiql-editor-tool .CodeMirror')[1].CodeMirror.setValue({headers:?});
         document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('subscription {{ viewerUpdated {{ displayName }} }}')"
    );
    // GraphiQL parses the edited document after a short debounce; run it once it has.
    let parsed = browser
        .wait_for(
            &edit,
            "((ast) => ast && ast.definitions[0].operation === 'subscription')(document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.documentAST)",
        )
        .await;
    assert_eq!(parsed, true, "GraphiQL did not take the subscription");
    let frames = browser
        .wait_for(
            "document.querySelector('.graphiql-execute-button').click()",
            "window.__frames.some(([way, data]) => way === 'in' && data.includes('connection_ack')) && window.__frames",
        )
        .await;
    let init = frames
        .as_array()
        .and_then(|frames| {
            frames.iter().find(|frame| {
                frame[1]
                    .as_str()
                    .is_some_and(|d| d.contains("connection_init"))
            })
        })
        .and_then(|frame| frame[1].as_str())
        .and_then(|data| serde_json::from_str::<Value>(data).ok())
        .unwrap_or_else(|| panic!("no connection_init among {frames}"));
    assert_eq!(
        init["payload"]["Authorization"],
        format!("Bearer {}", member.access_token),
        "{init}"
    );

    let resources = browser
        .wait_for(
            "",
            "performance.getEntriesByType('resource').map((entry) => entry.name)",
        )
        .await;
    for resource in resources.as_array().cloned().unwrap_or_default() {
        let url = resource.as_str().unwrap_or_default();
        assert!(url.starts_with(&app.address), "the page fetched {url}");
    }
    browser.close().await;
}
