//! What a handler takes from a request besides its body: who is calling, turned into a `Scope`
//! once, with the CSRF check of a state-changing request made with the session cookie (in a
//! header, or a signed-in form's field), and the typed ids of its path.

mod authenticated;
mod csrf;
mod path_id;

pub(crate) use authenticated::{Authenticated, current, origin_of};
pub(crate) use csrf::SignedInForm;
pub(crate) use path_id::PathId;
