//! What protects every response and the sign-in door: security headers, the client's address
//! (through trusted proxies only), and a limit on sign-in attempts per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::http::{StatusCode, header};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, Utc};

use crate::problem::ApiError;
use crate::web::{Message, render};

/// Headers on every response. The pages use no inline script or style, so the policy can
/// forbid both; nothing may frame Haven.
pub fn headers(production: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add((
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self' https:; frame-ancestors 'none'",
        ))
        .add(("x-content-type-options", "nosniff"))
        .add(("referrer-policy", "no-referrer"))
        .add(("x-frame-options", "DENY"))
        .add(("cross-origin-opener-policy", "same-origin"))
        // Pages and answers carry people's names and records: no browser or proxy keeps them.
        // What may be kept (the stylesheet) says so itself.
        .add(("cache-control", "no-store"));
    if production {
        headers.add((
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        ))
    } else {
        headers
    }
}

/// The address a request comes from: the connection's, or, when that is one of the configured
/// reverse proxies, the nearest address in `X-Forwarded-For` that is not a trusted proxy (each
/// proxy appends the address it was reached from, so only the entries from the right up to the
/// first untrusted one are vouched for).
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|entry| entry.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|address| !trusted_proxies.contains(address))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// How long an address that has used up its sign-in attempts must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimited {
    pub retry_after_seconds: u64,
}

impl RateLimited {
    /// The page a browser is shown: 429 with `Retry-After`.
    pub fn page(self) -> HttpResponse {
        let mut response = render(
            StatusCode::TOO_MANY_REQUESTS,
            &Message {
                title: "Too many sign-in attempts".into(),
                paragraphs: vec![format!(
                    "Too many sign-ins from your network did not finish. Please wait {} seconds \
                     and try again.",
                    self.retry_after_seconds
                )],
            },
        );
        if let Ok(value) = header::HeaderValue::from_str(&self.retry_after_seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<RateLimited> for ApiError {
    fn from(limited: RateLimited) -> Self {
        ApiError::TooManyRequests {
            retry_after_seconds: limited.retry_after_seconds,
        }
    }
}

/// A fixed one-minute window of sign-in attempts per client address. A sign-in that succeeds
/// is forgiven ([`RateLimiter::forgive`]), so what is limited is what an attacker can cause:
/// refused and abandoned attempts. Per process: with several API instances each allows the
/// limit, which still stops guessing at any useful speed.
pub struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<IpAddr, (DateTime<Utc>, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `client`; past the limit, how long to wait. An unknown address
    /// (no connection address) is not limited.
    pub fn attempt(&self, client: Option<IpAddr>, now: DateTime<Utc>) -> Result<(), RateLimited> {
        let Some(client) = client else {
            return Ok(());
        };
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Old windows go, so the map holds only the last minute's addresses.
        windows.retain(|_, (start, _)| now - *start < WINDOW);
        let (start, count) = windows.entry(client).or_insert((now, 0));
        if *count >= self.per_minute {
            let wait = (*start + WINDOW - now).num_seconds().max(1);
            return Err(RateLimited {
                retry_after_seconds: u64::try_from(wait).unwrap_or(1),
            });
        }
        *count += 1;
        Ok(())
    }

    /// A sign-in from `client` succeeded: the attempt that started it no longer counts.
    pub fn forgive(&self, client: Option<IpAddr>) {
        let Some(client) = client else {
            return;
        };
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, count)) = windows.get_mut(&client) {
            *count = count.saturating_sub(1);
        }
    }
}

const WINDOW: Duration = Duration::minutes(1);
