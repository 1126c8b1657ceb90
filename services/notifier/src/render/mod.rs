//! Turns an [`Email`] into the message lettre sends: the subject, a plain-text and an HTML part
//! rendered from the templates in `services/notifier/templates/`, and for a session invite an
//! iCalendar part.
//!
//! Templates see only what the [`Email`] holds (staff names, an academy, dates and a page's
//! path), formatted here: dates as "Tuesday 3 March 2026", times as "10:00" in Europe/London.

mod ics;
#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use haven_domain::{
    ReminderKind, Subject,
    notification::{
        ALL_REMINDERS, Addressee, Content, Digest, Email, EscalationNotice, Invite, InviteMethod,
        ReminderNotice, SETTINGS_PATH, page_path,
    },
};
use lettre::message::{
    Attachment, Mailbox, MultiPart, SinglePart,
    header::{ContentType, HeaderName, HeaderValue},
};
use minijinja::{
    AutoEscape, Environment, ErrorKind, Output, State, UndefinedBehavior, Value, context,
    escape_formatter, syntax::SyntaxConfig, value::Serde,
};
use serde::Serialize;

/// Who a message is from and how it is identified, decided by the notifier.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// The trust's sender (or Haven's configured one).
    pub from: Addressee,
    /// Where replies go, if the trust set it.
    pub reply_to: Option<String>,
    /// The `Message-ID`, derived from the outbox row so a resend carries the same one.
    pub message_id: String,
    /// When the message is composed (`Date`, and the invite's `DTSTAMP`).
    pub sent_at: DateTime<Utc>,
}

/// Why a message could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or render.
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
    /// An address (recipient, sender or reply-to) does not parse.
    #[error("address {0:?} is not a valid email address")]
    Address(String),
    /// lettre refused the message.
    #[error("building the message: {0}")]
    Message(#[from] lettre::error::Error),
    /// The invite's calendar object could not be written.
    #[error("calendar invite: {0}")]
    Calendar(String),
}

/// The `List-Unsubscribe` header (RFC 2369) of reminders a person may switch off.
const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");

/// The header bar's colour when a trust's own is not a `#rrggbb` value.
const DEFAULT_COLOUR: &str = "#1d4e89";

/// Every template, compiled into the binary so the notifier needs no files at run time.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.txt",
    "layout.html",
    "digest.txt",
    "digest.html",
    "invite.txt",
    "invite.html",
    "escalation.txt",
    "escalation.html",
    "reminders/agenda_due.txt",
    "reminders/agenda_due.html",
    "reminders/session_tomorrow.txt",
    "reminders/session_tomorrow.html",
    "reminders/session_unconfirmed.txt",
    "reminders/session_unconfirmed.html",
    "reminders/record_not_sent.txt",
    "reminders/record_not_sent.html",
    "reminders/record_not_sent_overdue.txt",
    "reminders/record_not_sent_overdue.html",
    "reminders/record_unsigned.txt",
    "reminders/record_unsigned.html",
    "reminders/record_unsigned_overdue.txt",
    "reminders/record_unsigned_overdue.html",
    "reminders/not_reheld.txt",
    "reminders/not_reheld.html",
    "reminders/supervision_overdue.txt",
    "reminders/supervision_overdue.html",
    "reminders/action_due.txt",
    "reminders/action_due.html",
    "reminders/action_overdue.txt",
    "reminders/action_overdue.html",
    "reminders/agreement_review_due.txt",
    "reminders/agreement_review_due.html",
    "reminders/agreement_review_overdue.txt",
    "reminders/agreement_review_overdue.html",
    "reminders/qa_due.txt",
    "reminders/qa_due.html",
    "reminders/qa_overdue.txt",
    "reminders/qa_overdue.html",
    "reminders/training_expiring.txt",
    "reminders/training_expiring.html",
    "reminders/training_expired.txt",
    "reminders/training_expired.html",
];

/// The templates, loaded once.
#[derive(Debug)]
pub struct Renderer {
    public_url: String,
    templates: Environment<'static>,
}

/// The two parts of an email and its subject.
struct Rendered {
    subject: String,
    text: String,
    html: String,
}

impl Renderer {
    /// `public_url` is Haven's address as people reach it; links are built on it.
    ///
    /// # Errors
    /// A template does not parse, or a reminder rule has no template.
    pub fn new(public_url: &str) -> Result<Self, RenderError> {
        let mut templates = Environment::new();
        templates.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()?,
        );
        // A template naming a value the email lacks is a bug to catch in tests, not a blank.
        templates.set_undefined_behavior(UndefinedBehavior::Strict);
        templates.set_formatter(format_value);
        for (name, source) in TEMPLATES {
            templates.add_template(name, source)?;
        }
        for kind in ALL_REMINDERS {
            for format in ["txt", "html"] {
                templates.get_template(&reminder_template(kind, format))?;
            }
        }
        Ok(Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            templates,
        })
    }

    /// The message for `email`, ready to send.
    ///
    /// # Errors
    /// A template fails to render or an address does not parse.
    pub fn compose(
        &self,
        email: &Email,
        envelope: &Envelope,
    ) -> Result<lettre::Message, RenderError> {
        let mut builder = lettre::Message::builder()
            .from(mailbox(&envelope.from)?)
            .to(mailbox(&email.recipient)?)
            .message_id(Some(envelope.message_id.clone()))
            .date(envelope.sent_at.into());
        if let Some(reply_to) = &envelope.reply_to {
            builder = builder.reply_to(
                reply_to
                    .parse()
                    .map_err(|_| RenderError::Address(reply_to.clone()))?,
            );
        }
        if let Content::Reminder(notice) = &email.content
            && !notice.mandatory
        {
            builder = builder.raw_header(HeaderValue::new(
                LIST_UNSUBSCRIBE,
                format!("<{}>", self.settings_url()),
            ));
        }

        let rendered = self.render(email)?;
        let builder = builder.subject(rendered.subject);
        let alternative = MultiPart::alternative()
            .singlepart(SinglePart::plain(rendered.text))
            .singlepart(SinglePart::html(rendered.html));
        let message = match &email.content {
            Content::Invite(invite) => {
                let calendar = self.calendar(invite, envelope)?;
                let content_type = ContentType::parse(&format!(
                    "text/calendar; charset=utf-8; method={}",
                    ics::method_name(invite.method)
                ))
                .map_err(|error| RenderError::Calendar(error.to_string()))?;
                // Outlook and Gmail read the invite from the alternative part; other clients
                // offer the attachment.
                builder.multipart(
                    MultiPart::mixed()
                        .multipart(
                            alternative.singlepart(
                                SinglePart::builder()
                                    .header(content_type.clone())
                                    .body(calendar.clone()),
                            ),
                        )
                        .singlepart(
                            Attachment::new("invite.ics".to_owned()).body(calendar, content_type),
                        ),
                )?
            }
            Content::Reminder(_) | Content::Digest(_) | Content::Escalation(_) => {
                builder.multipart(alternative)?
            }
        };
        Ok(message)
    }

    /// The subject and both parts of `email`.
    fn render(&self, email: &Email) -> Result<Rendered, RenderError> {
        let page = Page {
            trust: TrustView::new(&email.trust.name, &email.trust.colour),
            recipient: email.recipient.name.clone(),
            settings_url: self.settings_url(),
            home_url: format!("{}/", self.public_url),
        };
        let (template, content) = match &email.content {
            Content::Reminder(notice) => {
                let reminder = self.reminder(notice);
                (
                    reminder_template(notice.rule, "txt"),
                    context! {
                        mandatory => notice.mandatory,
                        link => reminder.link.clone(),
                        reminder => Serde(reminder),
                    },
                )
            }
            Content::Digest(digest) => (
                "digest.txt".to_owned(),
                context! {
                    mandatory => false,
                    link => page.home_url.clone(),
                    digest => Serde(self.digest(&page, digest)?),
                },
            ),
            Content::Invite(invite) => {
                let invite = self.invite(invite);
                (
                    "invite.txt".to_owned(),
                    context! {
                        mandatory => true,
                        link => invite.link.clone(),
                        invite => Serde(invite),
                    },
                )
            }
            Content::Escalation(notice) => {
                let escalation = self.escalation(notice);
                (
                    "escalation.txt".to_owned(),
                    context! {
                        mandatory => true,
                        link => escalation.link.clone(),
                        escalation => Serde(escalation),
                    },
                )
            }
        };
        let text_context = context! { ..Value::from(Serde(&page)), ..content };
        let (subject, text) = self.render_text(&template, text_context.clone())?;
        let html_template = template.replace(".txt", ".html");
        let html = self
            .templates
            .get_template(&html_template)?
            .render(context! { subject => subject.clone(), ..text_context })?;
        Ok(Rendered {
            subject,
            text,
            html,
        })
    }

    /// A plain-text template's output and its `subject` block on one line.
    fn render_text(&self, name: &str, ctx: Value) -> Result<(String, String), RenderError> {
        let mut captured = self.templates.get_template(name)?.render_captured(ctx)?;
        let subject = captured.with_state_mut(|state| state.render_block("subject"))?;
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok((subject, captured.into_output()))
    }

    fn settings_url(&self) -> String {
        format!("{}{SETTINGS_PATH}", self.public_url)
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    fn reminder(&self, notice: &ReminderNotice) -> ReminderView {
        let about = &notice.about;
        // Every rule's subject carries a date; the reminder's own day stands in should one not.
        let date = about
            .date
            .or_else(|| about.starts_at.map(|starts| starts.date()))
            .unwrap_or(notice.due_on);
        let (supervisor, supervisees) = match about.people.split_first() {
            Some((first, rest)) => (Some(first.clone()), join_names(rest)),
            None => (None, String::new()),
        };
        ReminderView {
            link: self.link(&about.path),
            date: long_date(date),
            when: match about.starts_at {
                Some(starts) => format!("{} at {}", long_date(date), clock(starts)),
                None => long_date(date),
            },
            people: join_names(&about.people),
            supervisor,
            supervisees,
            academy: about.academy.clone(),
        }
    }

    fn digest(&self, page: &Page, digest: &Digest) -> Result<DigestView, RenderError> {
        let items = digest
            .reminders
            .iter()
            .map(|notice| {
                let reminder = self.reminder(notice);
                let ctx = context! {
                    mandatory => notice.mandatory,
                    link => reminder.link.clone(),
                    reminder => Serde(&reminder),
                    ..Value::from(Serde(page))
                };
                let (subject, _) = self.render_text(&reminder_template(notice.rule, "txt"), ctx)?;
                Ok(DigestItem { subject, reminder })
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        Ok(DigestView {
            day: long_date(digest.day),
            count: items.len(),
            any_mandatory: digest.reminders.iter().any(|notice| notice.mandatory),
            items,
        })
    }

    fn invite(&self, invite: &Invite) -> InviteView {
        let (starts, ends) = ics::local_times(invite);
        let supervisees = invite
            .supervisees
            .iter()
            .map(|person| person.name.clone())
            .collect::<Vec<_>>();
        InviteView {
            cancelled: invite.method == InviteMethod::Cancel,
            changed: invite.method == InviteMethod::Request && invite.sequence > 0,
            date: long_date(starts.date()),
            starts: clock(starts),
            ends: clock(ends),
            kind: session_kind(&invite.session_kind),
            how: mode(&invite.mode).to_owned(),
            location: location(invite).map(str::to_owned),
            academy: invite.academy.clone(),
            supervisor: invite.supervisor.name.clone(),
            supervisees: join_names(&supervisees),
            link: self.link(&page_path(Subject::Session(invite.session_id))),
        }
    }

    fn escalation(&self, notice: &EscalationNotice) -> EscalationView {
        EscalationView {
            academy: notice.academy.clone(),
            raised_by: notice.raised_by.clone(),
            raised_on: long_date(notice.raised_on),
            link: self.link(&notice.path),
        }
    }

    fn calendar(&self, invite: &Invite, envelope: &Envelope) -> Result<String, RenderError> {
        ics::calendar(
            invite,
            &envelope.from,
            envelope.sent_at,
            &session_kind(&invite.session_kind),
            location(invite),
            &self.link(&page_path(Subject::Session(invite.session_id))),
        )
    }
}

/// What every template sees.
#[derive(Serialize)]
struct Page {
    trust: TrustView,
    recipient: String,
    settings_url: String,
    home_url: String,
}

/// The trust as its emails show it: name, header colour and a readable text colour on it.
#[derive(Serialize)]
struct TrustView {
    name: String,
    colour: String,
    ink: &'static str,
}

impl TrustView {
    fn new(name: &str, colour: &str) -> Self {
        let colour = if is_hex_colour(colour) {
            colour.to_ascii_lowercase()
        } else {
            DEFAULT_COLOUR.to_owned()
        };
        let ink = ink_on(&colour);
        Self {
            name: name.to_owned(),
            colour,
            ink,
        }
    }
}

/// A reminder, formatted.
#[derive(Serialize)]
struct ReminderView {
    link: String,
    /// "Tuesday 3 March 2026".
    date: String,
    /// The date and, for a session, its start: "Tuesday 3 March 2026 at 10:00".
    when: String,
    /// Everyone concerned, "Ann Lee, Bo Khan and Cy Day".
    people: String,
    /// The first person named: the supervisor where the subject has one.
    supervisor: Option<String>,
    /// The others, joined like `people`; empty when there are none.
    supervisees: String,
    academy: Option<String>,
}

#[derive(Serialize)]
struct DigestView {
    day: String,
    count: usize,
    any_mandatory: bool,
    items: Vec<DigestItem>,
}

#[derive(Serialize)]
struct DigestItem {
    /// The reminder's own subject line: what, and by when.
    subject: String,
    reminder: ReminderView,
}

#[derive(Serialize)]
struct InviteView {
    cancelled: bool,
    changed: bool,
    date: String,
    starts: String,
    ends: String,
    kind: String,
    how: String,
    location: Option<String>,
    academy: String,
    supervisor: String,
    supervisees: String,
    link: String,
}

#[derive(Serialize)]
struct EscalationView {
    academy: String,
    raised_by: String,
    raised_on: String,
    link: String,
}

/// Writes a value into a template's output. In `.html` templates it escapes `& < > " '`:
/// minijinja's own escaping also writes `/` as `&#x2f;`, which turns every link into an
/// obfuscated-looking one. A value that is none is refused rather than printed as "none".
fn format_value(
    out: &mut Output,
    state: &mut State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_none() {
        return Err(minijinja::Error::new(
            ErrorKind::UndefinedError,
            "a template printed a value the email does not have",
        ));
    }
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => {
            Ok(out.write_str(&escape_html(text))?)
        }
        _ => escape_formatter(out, state, value),
    }
}

fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

fn reminder_template(kind: ReminderKind, format: &str) -> String {
    format!("reminders/{}.{format}", kind.code())
}

fn mailbox(addressee: &Addressee) -> Result<Mailbox, RenderError> {
    let address = addressee
        .email
        .parse()
        .map_err(|_| RenderError::Address(addressee.email.clone()))?;
    Ok(Mailbox::new(Some(addressee.name.clone()), address))
}

/// "Tuesday 3 March 2026".
fn long_date(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// "10:00", on the 24-hour clock.
fn clock(time: NaiveDateTime) -> String {
    time.format("%H:%M").to_string()
}

/// "Ann", "Ann and Bo", "Ann, Bo and Cy".
fn join_names<S: AsRef<str>>(names: &[S]) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// A session kind in words: "formal", "group", "extended", "ad hoc".
fn session_kind(kind: &str) -> String {
    kind.replace('_', " ")
}

/// How a session is held, as a phrase after "held".
fn mode(mode: &str) -> &'static str {
    match mode {
        "video" => "by video call",
        "phone" => "by phone",
        _ => "in person",
    }
}

/// Where the session is: the supervisor's words, else how it is held when that needs no place.
fn location(invite: &Invite) -> Option<&str> {
    invite
        .location
        .as_deref()
        .map(str::trim)
        .filter(|place| !place.is_empty())
        .or(match invite.mode.as_str() {
            "video" => Some("Video call"),
            "phone" => Some("Phone call"),
            _ => None,
        })
}

fn is_hex_colour(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour.chars().skip(1).all(|c| c.is_ascii_hexdigit())
}

/// White or near-black, whichever reads better on `colour` (WCAG relative luminance).
fn ink_on(colour: &str) -> &'static str {
    let channel = |at: usize| {
        let value = colour
            .get(at..at + 2)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .map_or(0.0, |byte| f64::from(byte) / 255.0);
        if value <= 0.039_28 {
            value / 12.92
        } else {
            ((value + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    // Contrast with white is 1.05 / (L + 0.05), with #111111 (L ≈ 0.0056) (L + 0.05) / 0.0556.
    if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.0556 {
        "#ffffff"
    } else {
        "#111111"
    }
}
