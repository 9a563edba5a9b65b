-- The same figure stated with one qualifier and with another, or with none: "45 countries"
-- and "over 45 countries", "over 100 million customers" and "100 million customers", for one
-- entity, metric, scope and unit, with one status (a plan and a report of one figure are
-- another matter). The intervals may well overlap ("over 45" allows 46); what drifts is how
-- sure the writers are of the figure, so one of them is stale or loose: a warning.
-- Qualifiers fall in four classes: exact ("45"), a lower bound ("over", "at least"), an upper
-- bound ("nearly", "up to", "under") and a band ("about"). A range ("38 to 42") states no
-- single figure, and a floor (a milestone, an ordinal: "its 45th market") no hedge, so neither
-- is compared. Levels are compared whenever they were stated; flows only over one period.
-- Repeated mentions of one fact in one document are one fact: one row per pair of facts,
-- naming every mention of each.
with

catalogue as (
    select metric, kind from staging.metric_catalogue
),

-- the claims that state one figure, with its qualifier's class
figures as not materialized (
    select
        claims.rowid as claim_row, claims.entity, claims.metric, claims.scope, claims.unit,
        claims.status, claims.period_start, claims.period_end, catalogue.kind,
        case
            when claims.qualifier = 'exact' then 'exact'
            when claims.qualifier in ('over', 'at_least') then 'lower bound'
            when claims.qualifier in ('nearly', 'up_to', 'under') then 'upper bound'
            when claims.qualifier = 'about' then 'band'
        end as class,
        -- rounded, so a band's midpoint (38 + 42) / 2 hashes as the 40 written
        round(stated_lo(claims.qualifier, claims.value_lo, claims.value_hi), 6) as figure
    from raw.claims as claims
    join catalogue using (metric)
    where not is_floor(catalogue.kind, claims.qualifier)
        and claims.qualifier in ('exact', 'over', 'at_least', 'nearly', 'up_to', 'under', 'about')
),

-- the hedged ones are the build side (few, where most claims are exact)
hedged as materialized (
    select * from figures where class <> 'exact'
),

pairs as (
    select other.claim_row as a_row, hedged.claim_row as b_row
    from hedged
    join figures as other
        on other.entity = hedged.entity
        and other.metric = hedged.metric
        and other.scope = hedged.scope
        and other.unit = hedged.unit
        and other.status = hedged.status
        and other.figure = hedged.figure
        and other.class <> hedged.class
    -- levels at any time; flows over the same period. Two hedged claims meet twice: once
    where (hedged.kind <> 'flow'
           or (other.period_start = hedged.period_start and other.period_end = hedged.period_end))
        and (other.class = 'exact' or other.class < hedged.class)
),

-- the claims named, with their documents (a pair naming a claim without one is dropped, as
-- in claims_dated)
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named as (
    select
        claims.rowid as claim_row, claims.claim_id, claims.doc_id, claims.file, claims.entity,
        claims.metric, claims.scope, claims.unit, claims.status, claims.qualifier,
        claims.value_lo, claims.value_hi, claims.period_start, claims.period_end,
        claims.value_text, claims.quote, documents.published_at
    from raw.claims as claims
    join raw.documents as documents using (doc_id)
    where claims.rowid in (select claim_row from named_rows)
),

-- each side as a fact of its document (its mentions of one value, qualifier and time), the
-- earlier stated first
sides as (
    select
        if(flip, b, a) as a,
        if(flip, a, b) as b
    from (
        select
            a,
            b,
            (a.period_end, a.published_at, a.claim_id) > (b.period_end, b.published_at, b.claim_id)
                as flip
        from pairs
        join named as a on a.claim_row = pairs.a_row
        join named as b on b.claim_row = pairs.b_row
    )
),

facts as (
    select
        a.doc_id as a_doc_id, a.qualifier as a_qualifier, a.value_lo as a_value_lo,
        a.value_hi as a_value_hi, a.period_start as a_period_start,
        a.period_end as a_period_end, a.file as a_file, a.published_at as a_published_at,
        b.doc_id as b_doc_id, b.qualifier as b_qualifier, b.value_lo as b_value_lo,
        b.value_hi as b_value_hi, b.period_start as b_period_start,
        b.period_end as b_period_end, b.file as b_file, b.published_at as b_published_at,
        a.entity, a.metric, a.scope, a.unit, a.status,
        min(a.value_text) as a_value_text,
        min(b.value_text) as b_value_text,
        list(distinct {'claim_id': a.claim_id, 'quote': a.quote}) as a_mentions,
        list(distinct {'claim_id': b.claim_id, 'quote': b.quote}) as b_mentions
    from sides
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
            '{}{}: {} stated as "{}" ({}, {} to {}) and as "{}" ({}, {} to {})',
            entity, if(scope = 'global', '', ' in ' || scope), metric,
            a_value_text, a_file, a_period_start, a_period_end,
            b_value_text, b_file, b_period_start, b_period_end
        ) as message,
        * exclude (a_doc_id, b_doc_id, a_mentions, b_mentions)
    from facts
)

select * from final
order by entity, metric, scope, a_period_end, a_file, b_period_end, b_file, claim_ids
