-- curated.documents: every loaded document with its metadata and text, and how many of its
-- claims and events were published. Run-specific columns (run_id, ingested_at) stay in the
-- warehouse so that the same inputs publish the same rows.
with

documents as (
    select * from warehouse.raw.documents
),

claims as (
    select doc_id, count(*) as claims_published
    from curated.claims
    group by doc_id
),

quarantined as (
    select doc_id, count(distinct claim_id) as claims_quarantined
    from warehouse.quarantine.claims
    where run_id = (select run_id from publish_context)
    group by doc_id
),

events as (
    select doc_id, count(*) as events_published
    from curated.events
    group by doc_id
),

final as (
    select
        documents.doc_id,
        documents.file,
        documents.published_at,
        documents.title,
        documents.publisher,
        documents.url,
        documents.entity_hint,
        documents.format,
        documents.size_bytes,
        coalesce(claims.claims_published, 0) as claims_published,
        coalesce(quarantined.claims_quarantined, 0) as claims_quarantined,
        coalesce(events.events_published, 0) as events_published,
        documents.text
    from documents
    left join claims using (doc_id)
    left join quarantined using (doc_id)
    left join events using (doc_id)
)

select * from final
order by published_at, file, doc_id
