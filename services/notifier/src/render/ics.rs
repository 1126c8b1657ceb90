//! The iCalendar object of a session invite (RFC 5545, with the iTIP methods of RFC 5546).
//!
//! Times are given in Europe/London wall-clock time with a `VTIMEZONE` that states the UK's
//! GMT/BST rules, so a calendar shows the session at the hour it was booked for on either side
//! of a clock change; `DTSTAMP` is UTC.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Europe::London;
use haven_domain::notification::{Addressee, Invite, InviteMethod};
use icalendar::{
    Attendee, CalendarDateTime, Component, Event, EventLike, EventStatus, PartStat, Property, Role,
};

use super::RenderError;

/// The calendar's producer, as RFC 5545 asks every object to name it.
const PRODID: &str = "-//Haven//Safeguarding supervision//EN";

/// The time zone every invite's times are in.
pub(super) const TZID: &str = "Europe/London";

/// The UK's clocks since 1996: BST from 01:00 UTC on the last Sunday of March, GMT from 01:00
/// UTC on the last Sunday of October. Each line is far shorter than 75 octets, so none folds.
const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Europe/London\r\n\
BEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:+0000\r\n\
TZOFFSETTO:+0100\r\n\
TZNAME:BST\r\n\
DTSTART:19700329T010000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n\
END:DAYLIGHT\r\n\
BEGIN:STANDARD\r\n\
TZOFFSETFROM:+0100\r\n\
TZOFFSETTO:+0000\r\n\
TZNAME:GMT\r\n\
DTSTART:19701025T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// The session's start and end as Europe/London wall-clock times.
pub(super) fn local_times(invite: &Invite) -> (NaiveDateTime, NaiveDateTime) {
    let ends_at = invite.starts_at + Duration::minutes(i64::from(invite.duration_minutes));
    (
        invite.starts_at.with_timezone(&London).naive_local(),
        ends_at.with_timezone(&London).naive_local(),
    )
}

/// `METHOD` of the calendar object.
pub(super) fn method_name(method: InviteMethod) -> &'static str {
    match method {
        InviteMethod::Request => "REQUEST",
        InviteMethod::Cancel => "CANCEL",
    }
}

/// What the event is called in a calendar: the kind of session and who takes part.
pub(super) fn summary(invite: &Invite, kind: &str) -> String {
    let supervisees = invite
        .supervisees
        .iter()
        .map(|person| person.name.as_str())
        .collect::<Vec<_>>();
    if supervisees.is_empty() {
        format!(
            "Safeguarding supervision ({kind}) with {}",
            invite.supervisor.name
        )
    } else {
        format!(
            "Safeguarding supervision ({kind}): {} with {}",
            invite.supervisor.name,
            super::join_names(&supervisees)
        )
    }
}

/// The calendar object for `invite`: `VCALENDAR` with one `VTIMEZONE` and one `VEVENT`.
///
/// `organiser` is the message's sender, `stamp` the moment it is composed, `kind` the session
/// kind in words, `location` where it happens if known and `link` the session's page.
pub(super) fn calendar(
    invite: &Invite,
    organiser: &Addressee,
    stamp: DateTime<Utc>,
    kind: &str,
    location: Option<&str>,
    link: &str,
) -> Result<String, RenderError> {
    let (starts, ends) = local_times(invite);
    let sequence = u32::try_from(invite.sequence)
        .map_err(|_| RenderError::Calendar(format!("negative SEQUENCE {}", invite.sequence)))?;
    let status = match invite.method {
        InviteMethod::Request => EventStatus::Confirmed,
        InviteMethod::Cancel => EventStatus::Cancelled,
    };

    let mut event = Event::new();
    event
        .uid(&invite.uid())
        .sequence(sequence)
        .timestamp(stamp)
        .starts(CalendarDateTime::WithTimezone {
            date_time: starts,
            tzid: TZID.to_owned(),
        })
        .ends(CalendarDateTime::WithTimezone {
            date_time: ends,
            tzid: TZID.to_owned(),
        })
        .summary(&summary(invite, kind))
        .description(&format!("The session in Haven: {link}"))
        .url(link)
        .status(status)
        .append_property(
            Property::new("ORGANIZER", format!("mailto:{}", organiser.email))
                .add_parameter("CN", &parameter_text(&organiser.name))
                .done(),
        );
    if let Some(location) = location {
        event.location(location);
    }
    for person in std::iter::once(&invite.supervisor).chain(&invite.supervisees) {
        event.attendee(
            Attendee::new(format!("mailto:{}", person.email))
                .cn(parameter_text(&person.name))
                .role(Role::ReqParticipant)
                .partstat(PartStat::NeedsAction)
                .rsvp(true),
        );
    }

    let mut out = String::from("BEGIN:VCALENDAR\r\n");
    for (key, value) in [
        ("PRODID", PRODID),
        ("VERSION", "2.0"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", method_name(invite.method)),
    ] {
        out.push_str(&line(Property::new(key, value))?);
    }
    out.push_str(VTIMEZONE);
    out.push_str(
        &event
            .try_into_string()
            .map_err(|error| RenderError::Calendar(error.to_string()))?,
    );
    out.push_str("END:VCALENDAR\r\n");
    Ok(out)
}

/// One property as a folded, CRLF-terminated content line.
fn line(property: Property) -> Result<String, RenderError> {
    property
        .try_into()
        .map_err(|error: std::fmt::Error| RenderError::Calendar(error.to_string()))
}

/// A name fit for a parameter value such as `CN`: RFC 5545 allows no `"` or control
/// character there, even quoted.
fn parameter_text(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect()
}
