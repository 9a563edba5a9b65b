-- A part never exceeds its total: for the same entity, metric, unit and period, a claim about
-- a scope that lies within another (by `within` in catalogue/scopes.yaml, transitively:
-- stores in China, within Asia, within global) never exceeds a claim about the scope it lies
-- within. Violated when part.lo > total.hi, or they are equal and either of those bounds is
-- excluded. Any metric: a count, an amount over a period or the Nth one reached in a part of
-- the world is at most that of the whole; a total that is a floor ("its 500th store": at least
-- 500) is unbounded above, so no part exceeds it. Part and total come from two documents: one
-- document's part above its own total is document_agrees_with_itself's (a warning), as it most
-- often means a scope misread (a list of countries taken for the world).
with

-- each scope with every scope it lies within (staging.scope_catalogue lists them, nearest
-- first, as `ancestors`): one row per part and total, global's none
part_of as (
    select scope as part_scope, unnest(ancestors) as total_scope
    from staging.scope_catalogue
),

-- the reported claims, from raw.claims rather than claims_dated: a claim without a document is
-- compared too, but the pairs are joined back to the dated claims below, where it is not, so
-- a pair naming it is dropped there as if it had never been compared; the document join is
-- paid for the few claims named, not for every claim
reported as not materialized (
    select rowid as claim_row, * from raw.claims where status = 'reported'
),

-- the claims about a part (a scope within another), once per scope it lies within, with only
-- the columns the rule compares: the pairs below are hashed on these, not on every column.
-- Each carries its row number (rowid) in raw.claims, by which the few claims named are read
-- back below
part_claims as (
    select
        part_of.total_scope,
        reported.claim_row, reported.doc_id, reported.entity, reported.metric, reported.unit,
        reported.value_lo, reported.lo_open, reported.period_start, reported.period_end
    from reported
    join part_of on part_of.part_scope = reported.scope
),

-- the claims about a scope that has parts (global, a region), likewise narrowed; a floor's
-- upper bound unbounded
total_claims as (
    select
        reported.claim_row, reported.doc_id, reported.entity, reported.metric, reported.unit,
        reported.scope, reported.period_start, reported.period_end,
        if(is_floor(metrics.kind, reported.qualifier), 'infinity'::double, reported.value_hi)
            as value_hi,
        reported.hi_open and not is_floor(metrics.kind, reported.qualifier) as hi_open
    from reported
    left join staging.metric_catalogue as metrics using (metric)
    semi join part_of on part_of.total_scope = reported.scope
),

-- the exceeding pairs of rows
pairs as (
    select part.claim_row as a_row, total.claim_row as b_row
    from part_claims as part
    join total_claims as total
        on total.entity = part.entity
        and total.metric = part.metric
        and total.unit = part.unit
        and total.scope = part.total_scope
        and total.period_start = part.period_start
        and total.period_end = part.period_end
        and total.doc_id <> part.doc_id
    where part.value_lo > total.value_hi
        or (part.value_lo = total.value_hi and (part.lo_open or total.hi_open))
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only, where looking them up by claim id decoded
-- them for all the reported claims first. The row numbers as one list unnested: DuckDB then
-- expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named_claims as materialized (
    select
        rowid as claim_row, claim_id, doc_id, entity, metric, scope, period_start, period_end,
        file, value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
dated as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

exceeding as (
    select
        part.claim_id as a_claim_id,
        part.file as a_file,
        part.published_at as a_published_at,
        part.period_start as a_period_start,
        part.period_end as a_period_end,
        part.scope as a_scope,
        part.value_text as a_value_text,
        part.quote as a_quote,
        total.claim_id as b_claim_id,
        total.file as b_file,
        total.published_at as b_published_at,
        total.period_start as b_period_start,
        total.period_end as b_period_end,
        total.scope as b_scope,
        total.value_text as b_value_text,
        total.quote as b_quote,
        part.entity,
        part.metric
    from pairs
    join dated as part on part.claim_row = pairs.a_row
    join dated as total on total.claim_row = pairs.b_row
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{}: {} "{}" in {} ({}) exceeds "{}" {} ({}) for {} to {}',
            entity, metric, a_value_text, a_scope, a_file, b_value_text,
            if(b_scope = 'global', 'worldwide', 'in ' || b_scope), b_file,
            a_period_start, a_period_end
        ) as message,
        *
    from exceeding
)

select * from final
order by entity, metric, b_scope, a_scope, a_period_start, a_claim_id, b_claim_id
