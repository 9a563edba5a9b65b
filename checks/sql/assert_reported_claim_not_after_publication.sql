-- A reported claim is not about a time after its document was published: a document can
-- only report what has happened by its publication date (future facts are status planned).
with

claims as (
    select * from raw.claims where status = 'reported'
),

documents as (
    select doc_id, published_at from raw.documents
),

too_late as (
    select
        claims.claim_id as a_claim_id,
        claims.file as a_file,
        documents.published_at as a_published_at,
        claims.period_start as a_period_start,
        claims.period_end as a_period_end,
        claims.value_text as a_value_text,
        claims.period_text as a_period_text,
        claims.quote as a_quote,
        claims.entity,
        claims.metric
    from claims
    join documents using (doc_id)
    where claims.period_end > documents.published_at
),

final as (
    select
        [a_claim_id] as claim_ids,
        [a_file] as files,
        [a_quote] as quotes,
        format(
            '{} {} "{}" is reported for {} to {}, after its document was published on {} ({})',
            entity, metric, a_value_text, a_period_start, a_period_end, a_published_at, a_file
        ) as message,
        *
    from too_late
)

select * from final
order by a_file, a_claim_id
