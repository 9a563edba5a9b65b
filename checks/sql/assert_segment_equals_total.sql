-- A segment stated with the same figure as the whole it lies within. A segment (scope kind
-- segment in catalogue/scopes.yaml: international, domestic) is a slice of an entity defined
-- against the rest of it, so when its count equals the count of a scope it lies within for the
-- same entity, metric, unit and period ("its 100th international operating location" and
-- "Caribou's 100th operating coffeehouse", both on May 10, 2012), the rest would be empty:
-- most likely one of the two lost its scope (or gained one) on the way from the text. The
-- figures are the numbers written (stated_lo in claims_dated.sql); a floor counts with its N,
-- as the Nth of a part and the Nth of the whole on one day are just as telling. A region equal
-- to its whole is common (a chain in one country) and is not flagged. Reported claims only.
-- Repeated mentions of one fact in one document are one fact: one row per pair of facts.
with

segments as (
    select scope as part_scope, unnest(ancestors) as total_scope
    from staging.scope_catalogue
    where kind = 'segment'
),

-- the reported claims with one figure as written
figures as not materialized (
    select
        rowid as claim_row, entity, metric, scope, unit, period_start, period_end,
        round(stated_lo(qualifier, value_lo, value_hi), 6) as figure
    from raw.claims
    where status = 'reported'
        and stated_lo(qualifier, value_lo, value_hi) = stated_hi(qualifier, value_lo, value_hi)
),

-- the segments' claims (few) are the build side
parts as materialized (
    select figures.*, segments.total_scope
    from figures
    join segments on segments.part_scope = figures.scope
),

pairs as (
    select part.claim_row as a_row, total.claim_row as b_row
    from parts as part
    join figures as total
        on total.entity = part.entity
        and total.metric = part.metric
        and total.unit = part.unit
        and total.scope = part.total_scope
        and total.period_start = part.period_start
        and total.period_end = part.period_end
        and total.figure = part.figure
),

named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named as (
    select
        claims.rowid as claim_row, claims.claim_id, claims.file, claims.entity, claims.metric,
        claims.scope, claims.unit, claims.value_lo, claims.value_hi, claims.lo_open,
        claims.hi_open, claims.period_start, claims.period_end, claims.value_text,
        claims.quote, documents.published_at
    from raw.claims as claims
    join raw.documents as documents using (doc_id)
    where claims.rowid in (select claim_row from named_rows)
),

-- each side as a fact of its document (its mentions of one value at one time)
facts as (
    select
        a.file as a_file, a.published_at as a_published_at, a.scope as a_scope,
        a.value_lo as a_value_lo, a.value_hi as a_value_hi, a.lo_open as a_lo_open,
        a.hi_open as a_hi_open,
        b.file as b_file, b.published_at as b_published_at, b.scope as b_scope,
        b.value_lo as b_value_lo, b.value_hi as b_value_hi, b.lo_open as b_lo_open,
        b.hi_open as b_hi_open,
        a.entity, a.metric, a.unit, a.period_start, a.period_end,
        min(a.value_text) as a_value_text,
        min(b.value_text) as b_value_text,
        list(distinct {'claim_id': a.claim_id, 'quote': a.quote}) as a_mentions,
        list(distinct {'claim_id': b.claim_id, 'quote': b.quote}) as b_mentions
    from pairs
    join named as a on a.claim_row = pairs.a_row
    join named as b on b.claim_row = pairs.b_row
    group by all
),

final as (
    select
        list_transform(list_sort(a_mentions), lambda m: m.claim_id)
            || list_transform(list_sort(b_mentions), lambda m: m.claim_id) as claim_ids,
        list_transform(list_sort(a_mentions), lambda m: a_file)
            || list_transform(list_sort(b_mentions), lambda m: b_file) as files,
        list_transform(list_sort(a_mentions), lambda m: m.quote)
            || list_transform(list_sort(b_mentions), lambda m: m.quote) as quotes,
        format(
            '{}: {} "{}" {} ({}) equals "{}" {} ({}) for {} to {}: nothing would be left outside {}',
            entity, metric, a_value_text, a_scope, a_file, b_value_text,
            if(b_scope = 'global', 'worldwide', 'in ' || b_scope), b_file, period_start,
            period_end, a_scope
        ) as message,
        * exclude (a_mentions, b_mentions)
    from facts
)

select * from final
order by entity, metric, a_scope, b_scope, period_start, a_file, b_file, claim_ids
