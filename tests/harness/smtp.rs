//! A real SMTP server for the notifier's tests: `tests/smtp/server.py` (aiosmtpd, the Debian
//! package `python3-aiosmtpd`) on a free port, stopped and started again on the same port, with
//! every accepted message parsed back; and a throwaway certificate authority for its TLS.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use haven_config::{SmtpSettings, SmtpTls};
use uuid::Uuid;

/// The Python with aiosmtpd: the system one, not a virtual environment's.
const PYTHON: &str = "/usr/bin/python3";

/// The one user the server accepts when it requires AUTH.
pub const USER: &str = "haven";
/// That user's password.
pub const PASSWORD: &str = "relay-secret";

/// How the server is run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub tls: Option<SmtpTls>,
    /// Require AUTH as [`USER`] / [`PASSWORD`].
    pub auth: bool,
    /// Recipients matching this are refused with `550 5.1.1`.
    pub reject: Option<String>,
    /// Recipients matching this are deferred with `451 4.3.0`.
    pub tempfail: Option<String>,
    /// A message to a recipient matching this is taken and never answered.
    pub hang: Option<String>,
    /// A message to a recipient matching this is taken and the connection closed unanswered.
    pub drop: Option<String>,
}

/// A running (or stopped) test SMTP server.
pub struct SmtpServer {
    pub port: u16,
    options: Options,
    dir: PathBuf,
    child: Option<Child>,
}

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's recipients.
    pub envelope_to: Vec<String>,
    /// The message as it arrived.
    pub raw: Vec<u8>,
}

impl Received {
    /// The message parsed.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parseable message")
    }

    /// Its `Message-ID`, without angle brackets.
    pub fn message_id(&self) -> String {
        self.parsed().message_id().expect("a Message-ID").to_owned()
    }
}

impl SmtpServer {
    /// Starts a server on a free port.
    pub fn start(options: Options) -> Self {
        let dir = std::env::temp_dir().join(format!("haven-smtp-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        if options.tls.is_some_and(|tls| tls != SmtpTls::None) {
            certificates(&dir);
        }
        let mut server = Self {
            port: 0,
            options,
            dir,
            child: None,
        };
        server.launch();
        server
    }

    /// Stops it at once (SIGKILL), as a relay going down.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, keeping what it has received.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Starts it again on the same port with other `options` (TLS aside), keeping what it
    /// has received.
    pub fn reconfigure(&mut self, options: Options) {
        self.options = Options {
            tls: self.options.tls,
            ..options
        };
        self.restart();
    }

    fn launch(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/server.py");
        let mut command = Command::new(PYTHON);
        command
            .arg(script)
            .args(["--port", &self.port.to_string()])
            .arg("--maildir")
            .arg(self.dir.join("mail"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let tls = match self.options.tls {
            None | Some(SmtpTls::None) => "none",
            Some(SmtpTls::Starttls) => "starttls",
            Some(SmtpTls::Implicit) => "implicit",
        };
        command.args(["--tls", tls]);
        if tls != "none" {
            command
                .arg("--cert")
                .arg(self.dir.join("server.pem"))
                .arg("--key")
                .arg(self.dir.join("server.key"));
        }
        if self.options.auth {
            command.args(["--auth", &format!("{USER}:{PASSWORD}")]);
        }
        if let Some(reject) = &self.options.reject {
            command.args(["--reject", reject]);
        }
        if let Some(tempfail) = &self.options.tempfail {
            command.args(["--tempfail", tempfail]);
        }
        if let Some(hang) = &self.options.hang {
            command.args(["--hang", hang]);
        }
        if let Some(drop) = &self.options.drop {
            command.args(["--drop", drop]);
        }
        // The port a killed server held may linger for a moment.
        for _ in 0..50 {
            let mut child = command.spawn().expect("python3-aiosmtpd is installed");
            let mut line = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            if let Some(port) = line.trim().strip_prefix("READY ") {
                self.port = port.parse().unwrap();
                self.child = Some(child);
                return;
            }
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the test SMTP server did not start on port {}", self.port);
    }

    /// Settings for a relay on this server, speaking its TLS (trusting its CA) and, when it
    /// requires AUTH, with the right credentials.
    pub fn smtp_settings(&self) -> SmtpSettings {
        let tls = self.options.tls.unwrap_or(SmtpTls::None);
        SmtpSettings {
            host: "127.0.0.1".to_owned(),
            port: self.port,
            tls,
            username: self.options.auth.then(|| USER.to_owned()),
            password: self.options.auth.then(|| PASSWORD.to_owned().into()),
            ca_file: (tls != SmtpTls::None).then(|| self.dir.join("ca.pem")),
            pool_size: 4,
            timeout_seconds: 5,
        }
    }

    /// Every message received so far, in no particular order.
    pub fn messages(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("mail/new")) else {
            return Vec::new();
        };
        entries
            .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
            .map(|raw| {
                let head = String::from_utf8_lossy(&raw);
                let envelope_to = head
                    .lines()
                    .find_map(|line| line.strip_prefix("X-Envelope-To: "))
                    .unwrap_or_default()
                    .split(',')
                    .filter(|to| !to.is_empty())
                    .map(str::to_owned)
                    .collect();
                Received { envelope_to, raw }
            })
            .collect()
    }

    /// Waits (at most `timeout`) until at least `count` messages have arrived.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count || tokio::time::Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A self-signed CA (`ca.pem`) and a server certificate it signed for 127.0.0.1 and localhost
/// (`server.pem`, `server.key`), made with the `openssl` command.
fn certificates(dir: &Path) {
    let openssl = |args: &[&str]| {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    openssl(
        &[
            &["req", "-x509", "-nodes", "-days", "2"],
            &key[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=Haven test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        &[
            &["req", "-nodes"],
            &key[..],
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-out",
        "server.pem",
        "-extfile",
        "server.ext",
    ]);
}
