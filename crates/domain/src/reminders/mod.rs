//! Which reminders fall due on a day, and to whom (DESIGN §5, the reminder table).
//!
//! The store fills [`ReminderFacts`] for one trust with plain rows, each event carrying the
//! calendar day (Europe/London) Haven learnt of it; [`reminders_due`] judges them for one scan
//! day. A scan of day D reads only what was known by the end of the day before (an event dated
//! D or later is not yet known) and yields exactly the reminders due ON D, so a back-fill scans
//! each day of its range in turn. Each reminder is due on its anchor date plus one of its
//! rule's offsets; every offset and recipient list comes from the academy's policy. A
//! reminder about a deadline is anchored on that deadline as the policy works it out
//! ([`PolicySettings::agenda_deadline`], [`PolicySettings::record_send_deadline`],
//! [`PolicySettings::record_sign_deadline`], [`PolicySettings::qa_deadline`], [`reheld_by`]),
//! the same day the compliance flags judge by, so the two cannot drift apart.
//!
//! Where DESIGN §5 is silent:
//! - A session not cancelled owes a record even while still unconfirmed, so the record
//!   reminders do not wait for it to be marked held.
//! - A cancelled session counts as re-held once any rebooking in its chain (a rebooking of it,
//!   or of a cancelled rebooking of it, and so on) is known to be held, whatever day that
//!   rebooking took place. The chain has the one deadline of its first session (DESIGN §4), so
//!   a cancelled rebooking is reminded of only through it.
//! - An ad hoc session owes no agenda and no record (DESIGN §4), so it is never reminded of
//!   either, not even of a record someone chose to write for it.
//! - Training belongs to no academy, so its rules come from the trust's own settings, and
//!   the regional lead of a training reminder is the trust lead.
//! - A recipient that does not apply to a subject (an action owner for a session) is nobody.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::cadence::{Minimum, minimum_due_date};
use crate::calendar::TermCalendar;
use crate::policy::{PolicySettings, Recipient, ReminderKind, ReminderRule};
use crate::session::SessionKind;
use crate::working_days::add_working_days;

mod facts;
mod rules;
mod scan;
#[cfg(test)]
mod tests;

pub use facts::*;
pub use rules::reheld_by;
pub(crate) use rules::rule_code;
pub use scan::{DueReminder, ReminderScan, SkipReason, Skipped, Subject, reminders_due};
