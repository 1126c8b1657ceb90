//! What a handler takes from a request besides its body: who is calling, turned into a `Scope`
//! once (and, for a state-changing request with the session cookie, checked for the session's
//! CSRF token), and the typed ids of its path.

pub(crate) mod authenticated;
mod path_id;

pub(crate) use authenticated::{Authenticated, SignedInForm, current};
pub(crate) use path_id::PathId;
