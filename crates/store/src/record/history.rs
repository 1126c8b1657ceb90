//! A record's history: its versions, signatures and amendments, with the hash chain checked.

use super::*;

/// An amendment as the history shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmendmentView {
    pub id: Uuid,
    pub author_id: Uuid,
    pub reason: String,
    /// Each changed field, before and after.
    #[schema(value_type = Object)]
    pub changes: Value,
    pub previous_hash: String,
    pub content_hash: String,
    pub created_at: DateTime<Utc>,
}

/// Who signed what and every amendment since, and whether the hashes chain from the content
/// signed to the content as it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordHistory {
    pub record_id: Uuid,
    pub status: String,
    pub content_hash: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub amendments: Vec<AmendmentView>,
    /// Whether the hashes chain from the content signed to the content as it stands.
    pub verified: bool,
}

/// The record's signatures and amendments, for those who may read its content (the read is
/// audited as one, since amendments carry content).
pub async fn history(tx: &mut WriteTx<'_>, record_id: Uuid) -> Result<RecordHistory, StoreError> {
    let (record, access) = readable(tx, record_id, "read this record's history").await?;
    let (conn, scope) = (tx.connection(), tx.scope());
    let signatures = e::record_signature::Entity::find()
        .filter(e::record_signature::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_signature::Column::RecordId.eq(record.id))
        .order_by_asc(e::record_signature::Column::SignedAt)
        .order_by_asc(e::record_signature::Column::Id)
        .all(conn)
        .await?;
    let amendments = e::record_amendment::Entity::find()
        .filter(e::record_amendment::Column::TrustId.eq(scope.trust_id()))
        .filter(e::record_amendment::Column::RecordId.eq(record.id))
        .order_by_asc(e::record_amendment::Column::CreatedAt)
        .order_by_asc(e::record_amendment::Column::Id)
        .all(conn)
        .await?;
    let verified = verify_chain(&record, &signatures, &amendments);
    tx.audit(access.entry(
        "supervision_record",
        record.id,
        None,
        json!({ "view": "history" }),
    ))
    .await?;
    Ok(RecordHistory {
        record_id: record.id,
        status: record.status,
        content_hash: record.content_hash,
        signatures: signatures.into_iter().map(signature_view).collect(),
        amendments: amendments
            .into_iter()
            .map(|a| AmendmentView {
                id: a.id,
                author_id: a.author_id,
                reason: a.reason,
                changes: a.changes,
                previous_hash: a.previous_hash,
                content_hash: a.content_hash,
                created_at: a.created_at,
            })
            .collect(),
        verified,
    })
}

/// Every signature names the content as sent; undoing the amendments from the current content
/// must pass through each recorded hash back to it. A draft, never sent, has nothing to check
/// but that nothing claims to have signed or amended it.
pub(super) fn verify_chain(
    record: &e::supervision_record::Model,
    signatures: &[e::record_signature::Model],
    amendments: &[e::record_amendment::Model],
) -> bool {
    let Some(current) = record.content_hash.as_deref() else {
        return signatures.is_empty() && amendments.is_empty();
    };
    let Some(original) = signatures.first().map(|s| s.content_hash.as_str()) else {
        return false;
    };
    if signatures.iter().any(|s| s.content_hash != original) {
        return false;
    }
    let chain: Option<Vec<_>> = amendments
        .iter()
        .map(|a| {
            serde_json::from_value::<BTreeMap<String, Change>>(a.changes.clone())
                .ok()
                .map(|diff| (diff, a.previous_hash.clone(), a.content_hash.clone()))
        })
        .collect();
    chain.is_some_and(|chain| {
        haven_domain::record_content::history_holds(original, &chain, &record.content, current)
    })
}
