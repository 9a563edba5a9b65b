-- What the resolution rules weigh about each claim of a dispute: its metric and dates, and who
-- stated it. {can_fall} and {document_kind} are filled in by flows/resolve (they depend on the
-- columns staging.metric_catalogue and raw.documents have).
with

wanted as (
    select unnest($claim_ids::varchar[]) as claim_id
),

claims as (
    select claim_id, doc_id, file, entity, metric, scope, period_start, period_end
    from raw.claims
    semi join wanted using (claim_id)
),

-- the column names are ClaimFacts' (flows/resolve/disputes.py), plus url and document_kind

final as (
    select
        claims.claim_id,
        claims.doc_id,
        claims.file,
        claims.entity,
        claims.metric,
        claims.scope,
        claims.period_start,
        claims.period_end,
        documents.published_at,
        documents.publisher,
        documents.url,
        {document_kind} as document_kind,
        {can_fall} as level_can_fall,
        coalesce(metrics.family, claims.metric) as family
    from claims
    left join raw.documents as documents using (doc_id)
    left join staging.metric_catalogue as metrics using (metric)
)

select * from final
order by claim_id
