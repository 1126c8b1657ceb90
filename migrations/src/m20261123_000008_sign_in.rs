//! Sign-in: each trust's identity provider, pending provider sign-ins, and signed-in sessions.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

use crate::common::{
    create_indexes, drop_tables, enum_string, fk, hash, index, isolate_by_trust, unique_index,
    unisolate,
};
use crate::m20261123_000001_tenancy::Trust;
use crate::m20261123_000002_people::Person;

#[derive(DeriveIden)]
pub enum IdentityProvider {
    Table,
    Id,
    TrustId,
    Kind,
    TenantId,
    HostedDomain,
    Issuer,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum PendingSignIn {
    Table,
    Id,
    TrustId,
    Flow,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
pub enum SignInSession {
    Table,
    Id,
    TrustId,
    PersonId,
    TokenHash,
    CsrfToken,
    Origin,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    EndedAt,
}

/// The tables behind row-level security on PostgreSQL: every one has a trust.
const TABLES: [&str; 3] = ["identity_provider", "pending_sign_in", "sign_in_session"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdentityProvider as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(pk_uuid(P::Id))
                    .col(uuid(P::TrustId))
                    .col(enum_string(P::Kind))
                    .col(string_null(P::TenantId))
                    .col(string_null(P::HostedDomain))
                    .col(string_null(P::Issuer))
                    .col(timestamp_with_time_zone(P::CreatedAt))
                    .foreign_key(&mut fk(P::Table, P::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        // The provider's state, nonce and PKCE verifier between the redirect out and the
        // callback: kept here, not in the browser, and good for minutes.
        use PendingSignIn as G;
        manager
            .create_table(
                Table::create()
                    .table(G::Table)
                    .col(pk_uuid(G::Id))
                    .col(uuid(G::TrustId))
                    .col(json_binary(G::Flow))
                    .col(timestamp_with_time_zone(G::CreatedAt))
                    .col(timestamp_with_time_zone(G::ExpiresAt))
                    .foreign_key(&mut fk(G::Table, G::TrustId, Trust::Table))
                    .to_owned(),
            )
            .await?;

        // The cookie carries the session id and a secret; only the secret's hash is stored.
        use SignInSession as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(pk_uuid(S::Id))
                    .col(uuid(S::TrustId))
                    .col(uuid(S::PersonId))
                    .col(hash(S::TokenHash))
                    .col(hash(S::CsrfToken))
                    .col(string(S::Origin))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::LastSeenAt))
                    .col(timestamp_with_time_zone(S::ExpiresAt))
                    .col(timestamp_with_time_zone_null(S::EndedAt))
                    .foreign_key(&mut fk(S::Table, S::TrustId, Trust::Table))
                    .foreign_key(&mut fk(S::Table, S::PersonId, Person::Table))
                    .to_owned(),
            )
            .await?;

        create_indexes(
            manager,
            vec![
                unique_index(P::Table, [P::TrustId, P::Kind]),
                index(G::Table, [G::TrustId, G::ExpiresAt]),
                index(S::Table, [S::TrustId, S::PersonId]),
            ],
        )
        .await?;

        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for table in TABLES {
                isolate_by_trust(manager, table, "SELECT, INSERT, UPDATE, DELETE").await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Postgres {
            for table in TABLES {
                unisolate(manager, table).await?;
            }
        }
        drop_tables(
            manager,
            vec![
                SignInSession::Table.into_iden(),
                PendingSignIn::Table.into_iden(),
                IdentityProvider::Table.into_iden(),
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
