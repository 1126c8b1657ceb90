//! How a composed message leaves Haven: over SMTP with lettre, or as an `.eml` file on the
//! embedded default; and what the relay's answer means for the outbox row.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use haven_config::{EmailSettings, SmtpSettings, SmtpTls};
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    transport::smtp::{
        self, AsyncSmtpTransportBuilder, PoolConfig,
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
        response::Response,
    },
};
use secrecy::ExposeSecret;

/// The relay's acceptance of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The server's final answer, code and text, e.g. `250 2.0.0 Ok: queued as 4F2…`.
    pub response: String,
}

/// What a failed send means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Try again later: the relay was unreachable, timed out, or answered 4xx.
    Transient,
    /// Refused for good (5xx other than a refused address): the message is marked failed.
    Permanent,
    /// The relay refused the recipient's address: the message is marked bounced.
    Bounced,
}

/// A send that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SendFailure {
    /// What to do about it.
    pub kind: FailureKind,
    /// What the relay (or the connection) said.
    pub reason: String,
}

/// Why the transport could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("email.smtp: {0}")]
    Smtp(String),
    #[error("email.outbox_dir {path}: {source}")]
    OutboxDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The way out for every message.
pub struct Mailer {
    way: Way,
}

enum Way {
    /// A pool of connections to the relay.
    Smtp(Box<Relay>),
    /// `.eml` files in the outbox directory.
    File(AsyncFileTransport<Tokio1Executor>),
}

/// The relay's pool of connections, and how long one send may take on it.
///
/// lettre bounds only the connect: a relay that stops answering mid-conversation would hold a
/// send (and its connection) for ever. Each send is bounded by `timeout`; a connection that
/// ran out of it is mid-command, so the whole pool is replaced rather than let lettre reuse
/// it (a late answer on it would be read as the answer to the next message's command).
struct Relay {
    builder: AsyncSmtpTransportBuilder,
    pool: Mutex<Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    timeout: Duration,
}

impl Relay {
    fn new(builder: AsyncSmtpTransportBuilder, timeout: Duration) -> Self {
        let pool = Mutex::new(Arc::new(builder.clone().build()));
        Self {
            builder,
            pool,
            timeout,
        }
    }

    fn current(&self) -> Arc<AsyncSmtpTransport<Tokio1Executor>> {
        Arc::clone(&self.pool.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Puts a fresh pool in place of `spoilt`, unless another send already did.
    fn replace(&self, spoilt: &Arc<AsyncSmtpTransport<Tokio1Executor>>) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if Arc::ptr_eq(&pool, spoilt) {
            *pool = Arc::new(self.builder.clone().build());
        }
    }

    async fn send(&self, message: &lettre::Message) -> Result<Accepted, SendFailure> {
        let pool = self.current();
        match tokio::time::timeout(self.timeout, pool.send(message.clone())).await {
            Ok(Ok(response)) => Ok(Accepted {
                response: answer(&response),
            }),
            Ok(Err(error)) => Err(smtp_failure(&error)),
            Err(_) => {
                self.replace(&pool);
                let reason = format!(
                    "the relay did not finish answering within {}s (email.smtp.timeout_seconds); \
                     tried again later",
                    self.timeout.as_secs()
                );
                tracing::warn!(%reason, "an SMTP send timed out");
                Err(SendFailure {
                    kind: FailureKind::Transient,
                    reason,
                })
            }
        }
    }
}

impl Mailer {
    /// The SMTP relay of `settings`, or `.eml` files in its outbox directory without one.
    ///
    /// # Errors
    /// The relay's settings (TLS, certificates) are unusable or the directory cannot be made.
    pub fn from_settings(settings: &EmailSettings) -> Result<Self, TransportError> {
        let way = match &settings.smtp {
            Some(smtp) => Way::Smtp(Box::new(Relay::new(
                smtp_transport(smtp)?,
                Duration::from_secs(smtp.timeout_seconds),
            ))),
            None => {
                std::fs::create_dir_all(&settings.outbox_dir).map_err(|source| {
                    TransportError::OutboxDir {
                        path: settings.outbox_dir.display().to_string(),
                        source,
                    }
                })?;
                Way::File(AsyncFileTransport::new(&settings.outbox_dir))
            }
        };
        Ok(Self { way })
    }

    /// Sends one message.
    ///
    /// # Errors
    /// The relay did not accept it; [`SendFailure::kind`] says whether to try again.
    pub async fn send(&self, message: &lettre::Message) -> Result<Accepted, SendFailure> {
        match &self.way {
            Way::Smtp(relay) => relay.send(message).await,
            Way::File(transport) => match transport.send(message.clone()).await {
                Ok(id) => Ok(Accepted {
                    response: format!("written {id}.eml"),
                }),
                Err(error) => {
                    tracing::error!(%error, "cannot write an email to the outbox directory");
                    Err(SendFailure {
                        kind: FailureKind::Transient,
                        reason: error.to_string(),
                    })
                }
            },
        }
    }
}

/// A pooled transport to the relay of `smtp`, ready to build.
fn smtp_transport(smtp: &SmtpSettings) -> Result<AsyncSmtpTransportBuilder, TransportError> {
    let mut parameters = TlsParameters::builder(smtp.host.clone());
    if let Some(path) = &smtp.ca_file {
        let pem = std::fs::read(path).map_err(|error| {
            TransportError::Smtp(format!("ca_file {}: {error}", path.display()))
        })?;
        let certificates = Certificate::from_pem(&pem).map_err(|error| {
            TransportError::Smtp(format!("ca_file {}: {error}", path.display()))
        })?;
        parameters = parameters.add_root_certificate(certificates);
    }
    let built = || {
        parameters
            .clone()
            .build_rustls()
            .map_err(|error| TransportError::Smtp(format!("TLS for {}: {error}", smtp.host)))
    };
    let tls = match smtp.tls {
        SmtpTls::Starttls => Tls::Required(built()?),
        SmtpTls::Implicit => Tls::Wrapper(built()?),
        SmtpTls::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(smtp.timeout_seconds)))
        .pool_config(PoolConfig::new().max_size(smtp.pool_size));
    match (&smtp.username, &smtp.password) {
        (Some(username), Some(password)) => {
            builder = builder.credentials(Credentials::new(
                username.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        (None, None) => {}
        _ => {
            return Err(TransportError::Smtp(
                "username and password are set together or not at all".to_owned(),
            ));
        }
    }
    Ok(builder)
}

/// The relay's answer as one line: code and text.
fn answer(response: &Response) -> String {
    let text: Vec<&str> = response.message().collect();
    format!("{} {}", response.code(), text.join(" "))
}

/// What a failed SMTP send means, logging trouble that stops every message as an error.
fn smtp_failure(error: &smtp::Error) -> SendFailure {
    let code = error
        .status()
        .and_then(|code| code.to_string().parse::<u16>().ok());
    let kind = classify(code);
    // lettre calls every 5xx "permanent"; the reason says only what the relay answered.
    let said = match (error.status(), std::error::Error::source(error)) {
        (Some(status), Some(text)) => format!("{status} {text}"),
        _ => error.to_string(),
    };
    let reason = if code.is_none() && dropped(error) {
        // A connection the relay closed mid-conversation is not a configuration problem:
        // the relay took the connection, so the message is simply tried again.
        let reason = format!("the relay closed the connection before it answered ({said})");
        tracing::warn!(%reason, "an SMTP connection was dropped; retrying later");
        reason
    } else {
        if code.is_none_or(|code| AUTH_FAILURES.contains(&code)) && !error.is_timeout() {
            tracing::error!(
                reason = %said,
                "the SMTP relay cannot be used (connection, TLS or credentials); retrying later"
            );
        }
        said
    };
    SendFailure { kind, reason }
}

/// Whether the relay ended an established conversation without an answer: the stream ended
/// mid-reply (lettre's "incomplete response") or was reset under a command.
fn dropped(error: &smtp::Error) -> bool {
    use std::io::ErrorKind;
    if error.is_tls() || error.is_timeout() || error.is_client() {
        return false;
    }
    if error.is_response() {
        // lettre has no kind of its own for it: a stream that ends mid-reply reads so.
        return std::error::Error::source(error)
            .is_some_and(|text| text.to_string() == "incomplete response");
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                ErrorKind::UnexpectedEof
                    | ErrorKind::ConnectionReset
                    | ErrorKind::ConnectionAborted
                    | ErrorKind::BrokenPipe
            );
        }
        source = cause.source();
    }
    false
}

/// Replies meaning the relay refused Haven's credentials or demanded other ones: a
/// configuration problem for every message, so retried rather than given up.
const AUTH_FAILURES: [u16; 4] = [530, 534, 535, 538];

/// Replies meaning the recipient's mailbox does not exist or cannot be named.
const REFUSED_ADDRESS: [u16; 3] = [550, 551, 553];

/// What a failed send means: `code` is the relay's reply code, `None` when the relay never
/// answered (refused connection, timeout, TLS failure).
#[must_use]
pub fn classify(code: Option<u16>) -> FailureKind {
    match code {
        Some(code) if REFUSED_ADDRESS.contains(&code) => FailureKind::Bounced,
        Some(code) if AUTH_FAILURES.contains(&code) => FailureKind::Transient,
        Some(500..=599) => FailureKind::Permanent,
        _ => FailureKind::Transient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_mailbox_is_a_bounce() {
        for code in [550, 551, 553] {
            assert_eq!(classify(Some(code)), FailureKind::Bounced, "{code}");
        }
    }

    #[test]
    fn other_permanent_replies_fail_the_message() {
        for code in [500, 501, 552, 554] {
            assert_eq!(classify(Some(code)), FailureKind::Permanent, "{code}");
        }
    }

    #[test]
    fn refused_credentials_are_retried_so_nothing_is_lost() {
        for code in [530, 534, 535, 538] {
            assert_eq!(classify(Some(code)), FailureKind::Transient, "{code}");
        }
    }

    #[test]
    fn temporary_replies_and_an_unreachable_relay_are_retried() {
        for code in [Some(421), Some(450), Some(451), Some(452), None] {
            assert_eq!(classify(code), FailureKind::Transient, "{code:?}");
        }
    }
}
