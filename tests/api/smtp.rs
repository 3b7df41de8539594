//! A real SMTP server for the tests, on a free local port: it speaks enough of RFC 5321 for any
//! client (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT) and hands every mail it
//! accepts to the test.

use std::time::Duration;

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::mpsc,
};

/// A mail as the server received it.
pub struct Received {
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    /// The parsed message.
    pub fn message(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a MIME message")
    }

    pub fn subject(&self) -> String {
        self.message().subject().unwrap_or_default().to_owned()
    }

    pub fn text(&self) -> String {
        self.message()
            .body_text(0)
            .map(|text| text.into_owned())
            .unwrap_or_default()
    }

    /// A header's value as sent, unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.message()
            .header_raw(name)
            .map(|value| value.replace("\r\n", "").trim().to_owned())
    }

    /// The calendar attachment: its `method` parameter and its text.
    pub fn calendar(&self) -> Option<(String, String)> {
        use mail_parser::MimeHeaders;
        let message = self.message();
        message.attachments().find_map(|part| {
            let content_type = part.content_type()?;
            (content_type.ctype() == "text" && content_type.subtype() == Some("calendar")).then(
                || {
                    (
                        content_type
                            .attribute("method")
                            .unwrap_or_default()
                            .to_owned(),
                        String::from_utf8_lossy(part.contents()).into_owned(),
                    )
                },
            )
        })
    }

    pub fn html(&self) -> String {
        self.message()
            .body_html(0)
            .map(|html| html.into_owned())
            .unwrap_or_default()
    }
}

pub struct SmtpServer {
    pub port: u16,
    mails: mpsc::UnboundedReceiver<Received>,
    /// Mails read while looking for another one, in the order they came.
    held: Vec<Received>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        Self::on(0).await
    }

    /// A server on `port` (0 for any free one).
    pub async fn on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the test SMTP server");
        let port = listener.local_addr().expect("its address").port();
        let (sender, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, sender.clone()));
            }
        });
        Self {
            port,
            mails,
            held: Vec::new(),
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next mail, waiting at most ten seconds for it.
    pub async fn next_mail(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.mails.recv())
            .await
            .expect("a mail within ten seconds")
            .expect("the SMTP server is running")
    }

    /// Every mail that has arrived and was not taken yet: nothing is waited for.
    pub fn mails_so_far(&mut self) -> Vec<Received> {
        let mut mails = std::mem::take(&mut self.held);
        while let Ok(mail) = self.mails.try_recv() {
            mails.push(mail);
        }
        mails
    }

    /// The next mail with this subject to this address; others that come first are kept for
    /// later calls.
    pub async fn next_mail_to(&mut self, address: &str, subject: &str) -> Received {
        let wanted =
            |mail: &Received| mail.to.iter().any(|to| to == address) && mail.subject() == subject;
        if let Some(index) = self.held.iter().position(wanted) {
            return self.held.remove(index);
        }
        loop {
            let mail = self.next_mail().await;
            if wanted(&mail) {
                return mail;
            }
            self.held.push(mail);
        }
    }
}

async fn serve(stream: TcpStream, mails: mpsc::UnboundedSender<Received>) {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut to = Vec::new();
    if writer
        .write_all(b"220 fagruppe-test ESMTP\r\n")
        .await
        .is_err()
    {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-fagruppe-test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("MAIL FROM") {
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line
                .split_once(':')
                .map(|(_, rest)| rest.trim().trim_start_matches('<'))
                .and_then(|rest| rest.split('>').next())
                .unwrap_or_default();
            to.push(address.to_owned());
            b"250 OK\r\n"
        } else if command == "DATA" {
            if writer
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await
                .is_err()
            {
                return;
            }
            let mut data = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                if line == "." {
                    break;
                }
                let line = line.strip_prefix('.').unwrap_or(&line);
                data.extend_from_slice(line.as_bytes());
                data.extend_from_slice(b"\r\n");
            }
            let _ = mails.send(Received {
                to: std::mem::take(&mut to),
                data,
            });
            b"250 OK: queued\r\n"
        } else if command == "RSET" || command == "NOOP" {
            to.clear();
            b"250 OK\r\n"
        } else if command == "QUIT" {
            let _ = writer.write_all(b"221 Bye\r\n").await;
            return;
        } else {
            b"502 Command not implemented\r\n"
        };
        if writer.write_all(reply).await.is_err() {
            return;
        }
    }
}
