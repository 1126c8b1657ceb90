//! Where a person goes after signing in: back to the page they asked for, as a path on Haven
//! itself and never anywhere else.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

/// A return path Haven will redirect to: a path of its own (`/…`), printable ASCII only, and
/// neither `//host` nor `/\host`, which a browser reads as another site. Anything else (a full
/// URL, a backslash, a control character) is `None`, and the person goes home instead.
pub fn safe_return_path(asked: Option<&str>) -> Option<String> {
    let path = asked?;
    let own_path = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2000
        && path
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'\\');
    own_path.then(|| path.to_owned())
}

/// `path` with `?next=<return path>` when there is one, for links that carry it on.
pub fn with_next(path: &str, next: Option<&str>) -> String {
    match next.and_then(|next| serde_urlencoded::to_string([("next", next)]).ok()) {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    }
}

/// Sends someone not signed in to sign in, to come back to the page they asked for.
pub fn to_sign_in(req: &HttpRequest) -> HttpResponse {
    let asked = req.uri().path_and_query().map(|asked| asked.as_str());
    let next = safe_return_path(asked);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, with_next("/sign-in", next.as_deref())))
        .finish()
}
