//! What protects every response and the sign-in door: security headers, and a limit on
//! sign-in attempts per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::HttpRequest;
use actix_web::middleware::DefaultHeaders;
use chrono::{DateTime, Duration, Utc};

use crate::problem::ApiError;

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

/// A fixed window of attempts per client address. Per process: with several API instances
/// each allows the limit, which still stops guessing at any useful speed.
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

    /// Counts an attempt from the request's address; past the limit, 429.
    pub fn check(&self, req: &HttpRequest, now: DateTime<Utc>) -> Result<(), ApiError> {
        let Some(ip) = req.peer_addr().map(|addr| addr.ip()) else {
            return Ok(());
        };
        let mut windows = self.windows.lock().map_err(|_| {
            ApiError::Internal(anyhow::anyhow!("the rate limiter's lock is poisoned"))
        })?;
        // Old windows go, so the map holds only the last minute's addresses.
        windows.retain(|_, (start, _)| now - *start < Duration::minutes(1));
        let (_, count) = windows.entry(ip).or_insert((now, 0));
        *count += 1;
        if *count > self.per_minute {
            return Err(ApiError::TooManyRequests);
        }
        Ok(())
    }
}
