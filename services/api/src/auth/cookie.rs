//! The session cookie, as the sign-in sets it and the sign-out removes it.

use actix_web::cookie::{Cookie, SameSite, time};

use crate::state::WebSettings;

/// The session cookie's name: `__Host-` in production, so the browser refuses it unless it is
/// `Secure`, host-only and for every path.
pub fn cookie_name(web: &WebSettings) -> &'static str {
    if web.production {
        "__Host-haven_session"
    } else {
        "haven_session"
    }
}

/// A session cookie: `HttpOnly`, `SameSite=Lax`, `Secure` outside development.
pub fn session_cookie(web: &WebSettings, value: String) -> Cookie<'static> {
    Cookie::build(cookie_name(web), value)
        .path("/")
        .http_only(true)
        .secure(web.production)
        .same_site(SameSite::Lax)
        .finish()
}

/// The cookie that removes the session cookie.
pub fn removal_cookie(web: &WebSettings) -> Cookie<'static> {
    let mut cookie = session_cookie(web, String::new());
    cookie.set_max_age(time::Duration::ZERO);
    cookie
}
