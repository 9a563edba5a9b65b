-- curated.fact_sources: README query 3, for every series (entity, metric, scope): its latest
-- reconciled value in curated.metric_timeline, and every claim and document behind it.
with

fact as (
    select * from curated.metric_timeline
    qualify row_number() over (partition by entity, metric, scope order by period_end desc) = 1
),

sources as (
    select
        fact.entity,
        fact.metric,
        fact.scope,
        fact.value_text as fact,
        fact.confirmation,
        unnest(fact.claim_ids) as claim_id
    from fact
)

select
    sources.entity,
    sources.metric,
    sources.scope,
    sources.fact,
    sources.confirmation,
    claims.quote,
    claims.value_text,
    documents.file,
    documents.publisher,
    documents.published_at,
    documents.url
from sources
join curated.claims as claims using (claim_id)
join curated.documents as documents using (doc_id)
order by sources.entity, sources.metric, sources.scope, documents.published_at, claims.claim_id
