use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use haven_domain::{
    ReminderKind, Subject,
    notification::{
        ALL_REMINDERS, About, Addressee, Branding, Content, Digest, Email, EscalationNotice,
        Invite, InviteMethod, ReminderNotice, SETTINGS_PATH, page_path,
    },
};
use icalendar::{
    CalendarDateTime, Component, DatePerhapsTime, EventLike,
    parser::{read_calendar, unfold},
};
use uuid::Uuid;

use super::{Envelope, Rendered, Renderer, ics};

const PUBLIC_URL: &str = "https://haven.example.org";

fn renderer() -> Renderer {
    Renderer::new(&format!("{PUBLIC_URL}/")).unwrap()
}

fn day(year: i32, month: u32, date: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, date).unwrap()
}

fn utc(year: i32, month: u32, date: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, date, hour, minute, 0)
        .unwrap()
}

fn person(name: &str, email: &str) -> Addressee {
    Addressee {
        name: name.to_owned(),
        email: email.to_owned(),
    }
}

fn envelope() -> Envelope {
    Envelope {
        from: person("Oak Learning Trust", "noreply@oak.example.org"),
        reply_to: Some("safeguarding@oak.example.org".to_owned()),
        message_id: "<outbox-0192@haven.example.org>".to_owned(),
        sent_at: utc(2026, 3, 1, 8, 0),
    }
}

fn email(content: Content) -> Email {
    Email {
        recipient: person("Ann Hughes", "ann.hughes@oak.example.org"),
        trust: Branding {
            name: "Oak Learning Trust".to_owned(),
            colour: "#0b6e4f".to_owned(),
        },
        content,
    }
}

fn about(kind: ReminderKind, people: &[&str]) -> About {
    let id = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);
    let subject = match kind {
        ReminderKind::AgendaDue
        | ReminderKind::SessionTomorrow
        | ReminderKind::SessionUnconfirmed
        | ReminderKind::NotReheld => Subject::Session(id),
        ReminderKind::RecordNotSent
        | ReminderKind::RecordNotSentOverdue
        | ReminderKind::RecordUnsigned
        | ReminderKind::RecordUnsignedOverdue => Subject::Record(id),
        ReminderKind::SupervisionOverdue => Subject::Supervisee(id),
        ReminderKind::ActionDue | ReminderKind::ActionOverdue => Subject::Action(id),
        ReminderKind::AgreementReviewDue | ReminderKind::AgreementReviewOverdue => {
            Subject::Agreement(id)
        }
        ReminderKind::QaDue | ReminderKind::QaOverdue => Subject::QaReview(id),
        ReminderKind::TrainingExpiring | ReminderKind::TrainingExpired => Subject::Training(id),
    };
    let (kind, starts_at) = match subject {
        Subject::Session(_) => (
            "session",
            Some(day(2026, 3, 3).and_hms_opt(10, 0, 0).unwrap()),
        ),
        Subject::Record(_) => (
            "record",
            Some(day(2026, 3, 3).and_hms_opt(10, 0, 0).unwrap()),
        ),
        Subject::Supervisee(_) => ("supervisee", None),
        Subject::Action(_) => ("action", None),
        Subject::Agreement(_) => ("agreement", None),
        Subject::QaReview(_) => ("qa_review", None),
        Subject::Training(_) => ("training", None),
    };
    About {
        kind: kind.to_owned(),
        id,
        path: page_path(subject),
        date: Some(day(2026, 3, 3)),
        starts_at,
        people: people.iter().map(|name| (*name).to_owned()).collect(),
        academy: Some("Elm Primary Academy".to_owned()),
    }
}

const PEOPLE: [&str; 3] = ["Ann Hughes", "Ben Okafor", "Cara Singh"];

fn notice(kind: ReminderKind) -> ReminderNotice {
    ReminderNotice {
        rule: kind,
        due_on: day(2026, 2, 22),
        mandatory: kind.is_mandatory(),
        about: about(kind, &PEOPLE),
    }
}

fn reminder(kind: ReminderKind) -> Email {
    email(Content::Reminder(notice(kind)))
}

fn digest() -> Email {
    email(Content::Digest(Digest {
        day: day(2026, 2, 22),
        reminders: vec![
            notice(ReminderKind::RecordNotSent),
            notice(ReminderKind::SupervisionOverdue),
        ],
    }))
}

fn invite(method: InviteMethod, sequence: i32, starts_at: DateTime<Utc>) -> Invite {
    Invite {
        method,
        session_id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0002),
        sequence,
        starts_at,
        duration_minutes: 90,
        session_kind: "formal".to_owned(),
        mode: "video".to_owned(),
        location: None,
        academy: "Elm Primary Academy".to_owned(),
        supervisor: person("Ann Hughes", "ann.hughes@oak.example.org"),
        supervisees: vec![
            person("Ben Okafor", "ben.okafor@oak.example.org"),
            person("Cara Singh", "cara.singh@oak.example.org"),
        ],
    }
}

fn invite_email(method: InviteMethod) -> Email {
    email(Content::Invite(invite(method, 1, utc(2026, 3, 30, 9, 0))))
}

fn escalation() -> Email {
    email(Content::Escalation(EscalationNotice {
        id: Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0003),
        path: "/escalations/01920000-0000-7000-8000-000000000003".to_owned(),
        academy: "Elm Primary Academy".to_owned(),
        raised_by: "Ben Okafor".to_owned(),
        raised_on: day(2026, 3, 3),
    }))
}

/// Every kind of email Haven sends.
fn every_email() -> Vec<Email> {
    let mut emails = ALL_REMINDERS.into_iter().map(reminder).collect::<Vec<_>>();
    emails.push(digest());
    emails.push(invite_email(InviteMethod::Request));
    emails.push(invite_email(InviteMethod::Cancel));
    emails.push(escalation());
    emails
}

/// The HTML as a reader sees it: the entities the renderer writes, decoded.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn formatted(email: &Email) -> String {
    String::from_utf8(renderer().compose(email, &envelope()).unwrap().formatted()).unwrap()
}

fn calendar(invite: &Invite) -> String {
    ics::calendar(
        invite,
        &envelope().from,
        envelope().sent_at,
        "formal",
        Some("Video call"),
        "https://haven.example.org/sessions/x",
    )
    .unwrap()
}

#[test]
fn every_reminder_says_what_for_whom_by_when_and_links_to_the_page() {
    let renderer = renderer();
    for kind in ALL_REMINDERS {
        let email = reminder(kind);
        let Content::Reminder(notice) = &email.content else {
            unreachable!()
        };
        let link = format!("{PUBLIC_URL}{}", notice.about.path);
        let Rendered {
            subject,
            text,
            html,
        } = renderer.render(&email).unwrap();
        let html = unescape(&html);
        assert!(
            subject.contains("Tuesday 3 March 2026"),
            "{kind:?}: {subject}"
        );
        for part in [&text, &html] {
            for name in PEOPLE {
                assert!(part.contains(name), "{kind:?} lacks {name}: {part}");
            }
            assert!(part.contains("Tuesday 3 March 2026"), "{kind:?}: {part}");
            assert_eq!(
                part.contains("10:00"),
                notice.about.starts_at.is_some(),
                "{kind:?}: {part}"
            );
            assert!(part.contains("Elm Primary Academy"), "{kind:?}: {part}");
            assert!(part.contains(&link), "{kind:?} lacks {link}: {part}");
            assert!(part.contains("Oak Learning Trust"), "{kind:?}: {part}");
        }
        assert!(html.contains(&format!("<title>{subject}</title>")));
        renderer.compose(&email, &envelope()).unwrap();
    }
}

#[test]
fn a_subject_names_the_rule_in_plain_english_and_the_date() {
    let renderer = renderer();
    let subject = |kind| renderer.render(&reminder(kind)).unwrap().subject;
    assert_eq!(
        subject(ReminderKind::RecordNotSent),
        "Record not yet sent: supervision on Tuesday 3 March 2026"
    );
    assert_eq!(
        subject(ReminderKind::SessionTomorrow),
        "Supervision tomorrow: Tuesday 3 March 2026 at 10:00"
    );
    assert_eq!(
        subject(ReminderKind::TrainingExpired),
        "Training expired on Tuesday 3 March 2026"
    );
}

#[test]
fn optional_reminders_say_how_to_switch_them_off_and_mandatory_ones_say_they_cannot_be() {
    let renderer = renderer();
    let settings = format!("{PUBLIC_URL}/settings/notifications");
    for kind in ALL_REMINDERS {
        let email = reminder(kind);
        let Rendered { text, html, .. } = renderer.render(&email).unwrap();
        let html = unescape(&html);
        let message = formatted(&email);
        if kind.is_mandatory() {
            for part in [&text, &html] {
                assert!(part.contains("cannot be switched off"), "{kind:?}");
                assert!(!part.contains(&settings), "{kind:?}");
            }
            assert!(!message.contains("List-Unsubscribe"), "{kind:?}");
        } else {
            for part in [&text, &html] {
                assert!(part.contains(&settings), "{kind:?}");
                assert!(!part.contains("cannot be switched off"), "{kind:?}");
            }
            assert!(
                message.contains(&format!("List-Unsubscribe: <{settings}>")),
                "{kind:?}: {message}"
            );
        }
    }
}

#[test]
fn a_digest_lists_each_reminder_with_what_for_whom_by_when_and_its_link() {
    let Rendered {
        subject,
        text,
        html,
    } = renderer().render(&digest()).unwrap();
    let html = unescape(&html);
    assert_eq!(
        subject,
        "Oak Learning Trust: your supervision reminders for Sunday 22 February 2026"
    );
    for part in [&text, &html] {
        assert!(part.contains("2 things need your attention"), "{part}");
        assert!(part.contains("Record not yet sent: supervision on Tuesday 3 March 2026"));
        assert!(part.contains("Supervision overdue: due by Tuesday 3 March 2026"));
        assert!(part.contains(&format!("{PUBLIC_URL}/records/")));
        assert!(part.contains(&format!("{PUBLIC_URL}/people/")));
        assert!(part.contains("Staff: Ann Hughes, Ben Okafor and Cara Singh"));
        assert!(part.contains("cannot be switched off"), "{part}");
        assert!(part.contains(&format!("{PUBLIC_URL}/settings/notifications")));
    }
    assert!(!formatted(&digest()).contains("List-Unsubscribe"));
}

#[test]
fn an_escalation_says_who_raised_it_where_and_when_but_not_why() {
    let Rendered {
        subject,
        text,
        html,
    } = renderer().render(&escalation()).unwrap();
    assert_eq!(subject, "Escalation assigned to you: Elm Primary Academy");
    for part in [&text, &unescape(&html)] {
        assert!(part.contains("Ben Okafor raised an escalation at Elm Primary Academy"));
        assert!(part.contains("Tuesday 3 March 2026"));
        assert!(part.contains(&format!(
            "{PUBLIC_URL}/escalations/01920000-0000-7000-8000-000000000003"
        )));
        assert!(part.contains("cannot be switched off"));
    }
}

#[test]
fn a_booking_sends_a_request_invite_in_the_alternative_and_as_an_attachment() {
    let email = invite_email(InviteMethod::Request);
    let Rendered {
        subject,
        text,
        html,
    } = renderer().render(&email).unwrap();
    assert_eq!(subject, "Supervision moved: Monday 30 March 2026 at 10:00");
    for part in [&text, &unescape(&html)] {
        assert!(
            part.contains("Monday 30 March 2026 from 10:00 to 11:30"),
            "{part}"
        );
        for name in PEOPLE {
            assert!(part.contains(name));
        }
        assert!(part.contains(&format!(
            "{PUBLIC_URL}/sessions/01920000-0000-7000-8000-000000000002"
        )));
    }

    let message = formatted(&email);
    assert!(message.contains("Content-Type: multipart/mixed"));
    assert!(message.contains("Content-Type: multipart/alternative"));
    assert_eq!(
        message
            .matches("Content-Type: text/calendar; charset=utf-8; method=REQUEST")
            .count(),
        2,
        "{message}"
    );
    assert!(message.contains("filename=\"invite.ics\""), "{message}");
    assert_eq!(message.matches("METHOD:REQUEST").count(), 2);
    assert!(message.contains("Reply-To: safeguarding@oak.example.org"));
    assert!(message.contains("Message-ID: <outbox-0192@haven.example.org>"));
    assert!(
        message.contains("Date: Sun, 01 Mar 2026 08:00:00"),
        "{message}"
    );
    assert!(message.contains("From: \"Oak Learning Trust\" <noreply@oak.example.org>"));
    assert!(message.contains("To: \"Ann Hughes\" <ann.hughes@oak.example.org>"));
}

#[test]
fn a_first_booking_says_booked() {
    let email = email(Content::Invite(invite(
        InviteMethod::Request,
        0,
        utc(2026, 3, 30, 9, 0),
    )));
    let subject = renderer().render(&email).unwrap().subject;
    assert_eq!(subject, "Supervision booked: Monday 30 March 2026 at 10:00");
}

#[test]
fn a_cancellation_sends_a_cancel_invite_for_the_same_event() {
    let email = invite_email(InviteMethod::Cancel);
    let Rendered { subject, text, .. } = renderer().render(&email).unwrap();
    assert_eq!(
        subject,
        "Supervision cancelled: Monday 30 March 2026 at 10:00"
    );
    assert!(text.contains("has been cancelled"));
    let message = formatted(&email);
    assert_eq!(
        message
            .matches("Content-Type: text/calendar; charset=utf-8; method=CANCEL")
            .count(),
        2
    );
    assert!(message.contains("METHOD:CANCEL"));
    assert!(message.contains("STATUS:CANCELLED"));
}

#[test]
fn the_invite_parses_back_with_its_uid_sequence_method_and_london_times() {
    let session = invite(InviteMethod::Request, 3, utc(2026, 3, 30, 9, 0));
    let ics = calendar(&session);
    let unfolded = unfold(&ics);
    let parsed = read_calendar(&unfolded).unwrap();
    let method = parsed
        .properties
        .iter()
        .find(|property| property.name.as_str() == "METHOD")
        .unwrap();
    assert_eq!(method.val.as_str(), "REQUEST");
    let timezone = parsed
        .components
        .iter()
        .find(|component| component.name.as_str() == "VTIMEZONE")
        .unwrap();
    assert_eq!(
        timezone.find_prop("TZID").unwrap().val.as_str(),
        "Europe/London"
    );

    let calendar = icalendar::Calendar::from(parsed);
    let event = calendar.events().next().unwrap();
    assert_eq!(
        event.get_uid(),
        Some("session-01920000-0000-7000-8000-000000000002@haven")
    );
    assert_eq!(event.get_uid().map(str::to_owned), Some(session.uid()));
    assert_eq!(event.get_sequence(), Some(3));
    assert_eq!(event.get_timestamp(), Some(utc(2026, 3, 1, 8, 0)));
    // 09:00 UTC on the first Monday of BST is 10:00 in London.
    assert_eq!(
        event.get_start(),
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
            date_time: day(2026, 3, 30).and_hms_opt(10, 0, 0).unwrap(),
            tzid: "Europe/London".to_owned(),
        }))
    );
    assert_eq!(
        event.get_end(),
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
            date_time: day(2026, 3, 30).and_hms_opt(11, 30, 0).unwrap(),
            tzid: "Europe/London".to_owned(),
        }))
    );
    assert_eq!(event.get_location(), Some("Video call"));
    assert_eq!(
        event.get_summary(),
        Some("Safeguarding supervision (formal): Ann Hughes with Ben Okafor and Cara Singh")
    );
    let attendees = event
        .get_attendees()
        .into_iter()
        .map(|attendee| String::from(icalendar::Property::from(attendee).value()))
        .collect::<Vec<_>>();
    assert_eq!(
        attendees,
        [
            "mailto:ann.hughes@oak.example.org",
            "mailto:ben.okafor@oak.example.org",
            "mailto:cara.singh@oak.example.org"
        ]
    );
    assert!(unfolded.contains(concat!(
        "ATTENDEE;CN=Ben Okafor;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE",
        ":mailto:ben.okafor@oak.example.org\r\n"
    )));
    assert!(ics.contains("ORGANIZER;CN=Oak Learning Trust:mailto:noreply@oak.example.org\r\n"));
    assert!(ics.contains("STATUS:CONFIRMED\r\n"));
    assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"));
    assert!(ics.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"));
}

#[test]
fn the_same_wall_clock_hour_is_kept_on_both_sides_of_the_clock_change() {
    // 10:00 London is 10:00Z in GMT (Friday) and 09:00Z in BST (the next Monday).
    for starts_at in [utc(2026, 3, 27, 10, 0), utc(2026, 3, 30, 9, 0)] {
        let ics = calendar(&invite(InviteMethod::Request, 0, starts_at));
        let start = format!(
            "DTSTART;TZID=Europe/London:{}T100000\r\n",
            starts_at.format("%Y%m%d")
        );
        assert!(ics.contains(&start), "{ics}");
    }
    // A session over the October change ends by the London clock: 00:30 BST + 90 min = 01:00 GMT.
    let ics = calendar(&invite(InviteMethod::Request, 0, utc(2026, 10, 24, 23, 30)));
    assert!(ics.contains("DTSTART;TZID=Europe/London:20261025T003000\r\n"));
    assert!(ics.contains("DTEND;TZID=Europe/London:20261025T010000\r\n"));
}

#[test]
fn the_invite_is_crlf_and_folded_at_75_octets() {
    let mut session = invite(InviteMethod::Request, 0, utc(2026, 3, 30, 9, 0));
    session.location = Some(
        "The long meeting room on the second floor of the main building, by the library".to_owned(),
    );
    session.supervisees[0].name = "Bartholomew Oluwaseun Okafor-Fitzgerald-Montgomery".to_owned();
    let ics = ics::calendar(
        &session,
        &envelope().from,
        envelope().sent_at,
        "formal",
        session.location.as_deref(),
        "https://haven.example.org/sessions/x",
    )
    .unwrap();
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(!ics.replace("\r\n", "").contains('\n'));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
    }
    let event = icalendar::Calendar::from(read_calendar(&unfold(&ics)).unwrap());
    assert_eq!(
        event.events().next().unwrap().get_location(),
        session.location.as_deref()
    );
}

#[test]
fn html_escapes_a_name_and_text_keeps_it_as_written() {
    let mut email = reminder(ReminderKind::RecordNotSent);
    email.recipient.name = "Siobhan O'Brien <b>".to_owned();
    if let Content::Reminder(notice) = &mut email.content {
        notice.about.people = vec!["Siobhan O'Brien <b>".to_owned(), "Ben Okafor".to_owned()];
    }
    let Rendered { text, html, .. } = renderer().render(&email).unwrap();
    assert!(text.contains("Hello Siobhan O'Brien <b>,"));
    assert!(html.contains("Siobhan O&#39;Brien &lt;b&gt;"));
    assert!(!html.contains("<b>"));
    assert!(!html.contains("O'Brien"));
}

#[test]
fn a_colour_that_is_not_hex_never_reaches_the_html() {
    let mut email = reminder(ReminderKind::ActionDue);
    email.trust.colour = "red;background:url(https://evil.example)".to_owned();
    let html = renderer().render(&email).unwrap().html;
    assert!(!html.contains("evil"));
    assert!(html.contains("background-color:#1d4e89;color:#ffffff"));

    email.trust.colour = "#FFD700".to_owned();
    let html = renderer().render(&email).unwrap().html;
    assert!(
        html.contains("background-color:#ffd700;color:#111111"),
        "{html}"
    );
}

/// Words that would mean a record or a child's details reached an email.
const RECORD_WORDS: [&str; 8] = [
    "case",
    "cases",
    "child",
    "children",
    "pupil",
    "pupils",
    "reference",
    "references",
];
/// Field names of a supervision record.
const RECORD_FIELDS: [&str; 5] = [
    "what_went_well",
    "gibbs",
    "reflection",
    "case_reference",
    "initials",
];

/// What in `text` looks like record content: a record word or field, or a case-reference-like
/// token (two or more capitals, an optional hyphen, three or more digits).
fn record_content_in(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| RECORD_WORDS.contains(word))
        .map(str::to_owned)
        .collect::<Vec<_>>();
    found.extend(
        RECORD_FIELDS
            .iter()
            .filter(|field| lower.contains(*field))
            .map(|field| (*field).to_owned()),
    );
    let chars = text.chars().collect::<Vec<_>>();
    for start in 0..chars.len() {
        if start > 0 && chars[start - 1].is_ascii_uppercase() {
            continue;
        }
        let capitals = chars[start..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase())
            .count();
        if capitals < 2 {
            continue;
        }
        let mut at = start + capitals;
        if chars.get(at) == Some(&'-') {
            at += 1;
        }
        let digits = chars[at..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits >= 3 {
            found.push(chars[start..at + digits].iter().collect());
        }
    }
    found
}

#[test]
fn the_record_content_scan_finds_a_planted_case_reference() {
    assert_eq!(
        record_content_in("Notes for CR-20240117 and AB123 about a child"),
        ["child", "CR-20240117", "AB123"]
    );
    assert!(record_content_in("Tuesday 3 March 2026 at 10:00").is_empty());
}

/// A number, or an iCalendar date-time such as `20260330T100000` or `20260301T080000Z`.
fn is_number_or_timestamp(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || c == 'T' || c == 'Z')
}

#[test]
fn no_email_carries_child_data_or_record_content() {
    let renderer = renderer();
    // Everything an email may say comes from a template, the renderer's own words, the
    // envelope (the sender) or the Email value, which has no field for a child, a case or a
    // record: so a case reference has no way in.
    let template_words = super::TEMPLATES
        .iter()
        .map(|(_, source)| *source)
        .chain([include_str!("mod.rs"), include_str!("ics.rs")])
        .collect::<Vec<_>>()
        .join(" ");
    let calendar_words = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January \
        February March April May June July August September October November December";
    // What the icalendar crate writes itself: RFC 5545 names and values.
    let icalendar_words = "VEVENT DTSTAMP DTSTART DTEND DESCRIPTION SEQUENCE SUMMARY UID URL \
        STATUS CONFIRMED CANCELLED LOCATION ORGANIZER ATTENDEE CN ROLE REQ PARTICIPANT PARTSTAT \
        NEEDS ACTION RSVP TRUE VALUE TEXT mailto";
    for email in every_email() {
        let Rendered {
            subject,
            text,
            html,
        } = renderer.render(&email).unwrap();
        let mut parts = vec![subject, text, unescape(&html)];
        if let Content::Invite(invite) = &email.content {
            parts.push(unfold(&renderer.calendar(invite, &envelope()).unwrap()));
        }
        let allowed = format!(
            "{template_words} {email:?} {:?} {calendar_words} {icalendar_words} {PUBLIC_URL} \
             {SETTINGS_PATH}",
            envelope()
        );
        let allowed = allowed
            .split(|c: char| !c.is_alphanumeric())
            .collect::<std::collections::HashSet<_>>();
        for part in &parts {
            assert!(!part.contains("{{") && !part.contains("{%"), "{part}");
            assert!(!part.contains("}}") && !part.contains("%}"), "{part}");
            assert_eq!(record_content_in(part), Vec::<String>::new(), "{part}");
            for word in part.split(|c: char| !c.is_alphanumeric()) {
                assert!(
                    allowed.contains(word) || is_number_or_timestamp(word),
                    "{word:?} comes from neither a template nor the email: {part}"
                );
            }
        }
    }
}

#[test]
fn a_reminder_naming_no_one_and_no_academy_still_reads_well() {
    let mut email = reminder(ReminderKind::SupervisionOverdue);
    if let Content::Reminder(notice) = &mut email.content {
        notice.about.people.clear();
        notice.about.academy = None;
    }
    let Rendered { text, html, .. } = renderer().render(&email).unwrap();
    for part in [&text, &html] {
        assert!(!part.contains("Staff"), "{part}");
        assert!(!part.contains("Academy"), "{part}");
    }
    assert!(
        text.contains("Supervision was due by Tuesday 3 March 2026"),
        "{text}"
    );
    assert!(
        !text.split_whitespace().any(|word| word == "none"),
        "{text}"
    );
    assert!(!html.contains(">none"), "{html}");
}

#[test]
fn one_renderer_serves_every_worker_thread() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Renderer>();
}
