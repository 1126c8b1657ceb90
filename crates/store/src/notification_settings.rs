//! How email reaches people: each person's own choice (every reminder at once, or a daily
//! digest; the reminders that may be switched off, on or off) and each trust's sender, reply-to
//! and branding colour, set by its trust safeguarding lead.
//!
//! A person sets only their own preferences: the scope's person is the only one these functions
//! touch, so no id of another person can be named.

use haven_domain::ReminderKind;
use haven_domain::notification::{ALL_REMINDERS, NotificationPreference};
use haven_entity as e;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::StoreError;
use crate::audit::AuditEntry;
use crate::scope::Scope;
use crate::tx::{ReadTx, WriteTx};

/// One reminder rule and whether a person may switch it off.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReminderSetting {
    /// The rule, as the outbox spells it.
    pub rule: &'static str,
    /// What it is about, in words.
    pub label: &'static str,
    /// Mandatory reminders say something has been missed and cannot be switched off.
    pub mandatory: bool,
}

/// A person's email preferences.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationSettings {
    /// Each reminder as it comes, or a daily digest.
    pub preference: NotificationPreference,
    /// Whether the reminders that may be switched off reach the person.
    pub optional_reminders: bool,
    /// Every reminder rule, mandatory or not.
    pub reminders: Vec<ReminderSetting>,
}

/// Every reminder rule with whether it is mandatory, in the design's order.
pub fn reminder_settings() -> Vec<ReminderSetting> {
    ALL_REMINDERS
        .into_iter()
        .map(|kind: ReminderKind| ReminderSetting {
            rule: kind.code(),
            label: kind.label(),
            mandatory: kind.is_mandatory(),
        })
        .collect()
}

fn me(scope: &Scope, action: &'static str) -> Result<Uuid, StoreError> {
    scope.person_id().ok_or(StoreError::NotPermitted { action })
}

fn settings_of(person: &e::person::Model) -> NotificationSettings {
    NotificationSettings {
        preference: NotificationPreference::parse(&person.notification_preference),
        optional_reminders: person.optional_reminders,
        reminders: reminder_settings(),
    }
}

/// The caller's own preferences; an API token, which is no person, has none.
pub async fn preferences(read: &ReadTx<'_>) -> Result<NotificationSettings, StoreError> {
    let scope = read.scope();
    let person_id = me(scope, "read email preferences, which are a person's")?;
    let person = read.find::<e::person::Entity>(person_id).await?;
    Ok(settings_of(&person))
}

/// Sets the caller's own preferences, audited.
pub async fn set_preferences(
    tx: &mut WriteTx<'_>,
    preference: NotificationPreference,
    optional_reminders: bool,
) -> Result<NotificationSettings, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    let person_id = me(scope, "set email preferences, which are a person's")?;
    use e::person::Column as C;
    let updated = e::person::Entity::update_many()
        .col_expr(C::NotificationPreference, Expr::value(preference.as_str()))
        .col_expr(C::OptionalReminders, Expr::value(optional_reminders))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::TrustId.eq(scope.trust_id()))
        .filter(C::Id.eq(person_id))
        .exec(tx.connection())
        .await?;
    if updated.rows_affected != 1 {
        return Err(StoreError::NotFound);
    }
    tx.audit(
        AuditEntry::new("set_notifications", "person", Some(person_id)).with_detail(json!({
            "preference": preference.as_str(),
            "optional_reminders": optional_reminders,
        })),
    )
    .await?;
    let person = tx.find::<e::person::Entity>(person_id).await?;
    Ok(settings_of(&person))
}

/// A trust's sender as its people see it; `None` fields fall back to Haven's configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct EmailSettings {
    /// The name the email comes from.
    pub sender_name: Option<String>,
    /// The address it comes from.
    pub sender_address: Option<String>,
    /// Where replies go.
    pub reply_to: Option<String>,
    /// The colour of the email's header, `#rrggbb`.
    pub brand_colour: Option<String>,
}

fn require_lead(scope: &Scope, action: &'static str) -> Result<(), StoreError> {
    if scope.is_trust_lead() {
        Ok(())
    } else {
        Err(StoreError::NotPermitted { action })
    }
}

/// Whether `address` reads as one plain email address: a local part and a domain with a dot,
/// no spaces, no display name, no second `@`. Enough to catch a slip; the SMTP server has the
/// last word.
pub fn is_email_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let plain = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_graphic()
                    && !matches!(
                        c,
                        '@' | '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"' | '[' | ']' | '\\'
                    )
            })
    };
    plain(local)
        && plain(domain)
        && address.len() <= 320
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Whether `colour` is `#rrggbb`.
pub fn is_colour(colour: &str) -> bool {
    colour.len() == 7
        && colour.starts_with('#')
        && colour.chars().skip(1).all(|c| c.is_ascii_hexdigit())
}

/// Trims a value; empty is unset.
fn cleaned(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl EmailSettings {
    /// The settings trimmed (empty is unset) and checked, the first bad field named.
    pub fn validated(self) -> Result<Self, StoreError> {
        let settings = Self {
            sender_name: cleaned(self.sender_name),
            sender_address: cleaned(self.sender_address),
            reply_to: cleaned(self.reply_to),
            brand_colour: cleaned(self.brand_colour).map(|c| c.to_ascii_lowercase()),
        };
        if let Some(name) = &settings.sender_name
            && (name.chars().count() > 255 || name.chars().any(char::is_control))
        {
            return Err(StoreError::invalid(
                "sender_name",
                "must be one line of at most 255 characters",
            ));
        }
        if settings
            .sender_address
            .as_deref()
            .is_some_and(|a| !is_email_address(a))
        {
            return Err(StoreError::invalid(
                "sender_address",
                "must be an email address, like safeguarding@trust.org.uk",
            ));
        }
        if settings
            .reply_to
            .as_deref()
            .is_some_and(|a| !is_email_address(a))
        {
            return Err(StoreError::invalid(
                "reply_to",
                "must be an email address, like safeguarding@trust.org.uk",
            ));
        }
        if settings
            .brand_colour
            .as_deref()
            .is_some_and(|c| !is_colour(c))
        {
            return Err(StoreError::invalid(
                "brand_colour",
                "must be a colour as #rrggbb",
            ));
        }
        Ok(settings)
    }
}

/// The caller's trust's email settings, for its trust safeguarding lead.
pub async fn email_settings(read: &ReadTx<'_>) -> Result<EmailSettings, StoreError> {
    let scope = read.scope();
    require_lead(scope, "read the trust's email settings")?;
    let row = e::trust_email::Entity::find_by_id(scope.trust_id())
        .filter(e::trust_email::Column::TrustId.eq(scope.trust_id()))
        .one(read.connection())
        .await?;
    Ok(row.map(settings_from).unwrap_or_default())
}

fn settings_from(row: e::trust_email::Model) -> EmailSettings {
    EmailSettings {
        sender_name: row.sender_name,
        sender_address: row.sender_address,
        reply_to: row.reply_to,
        brand_colour: row.brand_colour,
    }
}

/// Replaces the caller's trust's email settings, by its trust safeguarding lead, audited.
pub async fn set_email_settings(
    tx: &mut WriteTx<'_>,
    settings: EmailSettings,
) -> Result<EmailSettings, StoreError> {
    let scope = tx.scope();
    let now = tx.now();
    require_lead(scope, "set the trust's email settings")?;
    let settings = settings.validated()?;
    use e::trust_email::Column as C;
    e::trust_email::Entity::insert(e::trust_email::ActiveModel {
        trust_id: Set(scope.trust_id()),
        sender_name: Set(settings.sender_name.clone()),
        sender_address: Set(settings.sender_address.clone()),
        reply_to: Set(settings.reply_to.clone()),
        brand_colour: Set(settings.brand_colour.clone()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(C::TrustId)
            .update_columns([
                C::SenderName,
                C::SenderAddress,
                C::ReplyTo,
                C::BrandColour,
                C::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx.connection())
    .await?;
    tx.audit(
        AuditEntry::new("update", "trust_email", Some(scope.trust_id())).with_detail(json!({
            "sender_name": settings.sender_name,
            "sender_address": settings.sender_address,
            "reply_to": settings.reply_to,
            "brand_colour": settings.brand_colour,
        })),
    )
    .await?;
    Ok(settings)
}
