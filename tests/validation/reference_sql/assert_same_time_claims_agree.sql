-- Two documents that state the same entity, metric, scope and time (and unit) must give
-- overlapping intervals; a floor (a milestone, an ordinal) is unbounded above. The same time
-- is the same period, or, for two stock claims held on their documents' publication days,
-- documents published a day apart. Intervals [lo, hi] with excluded ends
-- (lo_open, hi_open) are disjoint when one ends below the other's start, or they touch at a
-- point that either of them excludes.
-- Returns one row per disagreeing pair; a is the earlier published (then the smaller id).
with

-- reported claims with their document's publication date (a temp view made once per run by
-- flows.validate.prepare_staging)
dated as not materialized (
    select *, hi_open and not floor as bound_hi_open from claims_dated
),

paired as (
    select
        a.claim_id as a_claim_id,
        a.file as a_file,
        a.published_at as a_published_at,
        a.period_start as a_period_start,
        a.period_end as a_period_end,
        a.value_text as a_value_text,
        a.value_lo as a_value_lo,
        a.value_hi as a_value_hi,
        a.quote as a_quote,
        b.claim_id as b_claim_id,
        b.file as b_file,
        b.published_at as b_published_at,
        b.period_start as b_period_start,
        b.period_end as b_period_end,
        b.value_text as b_value_text,
        b.value_lo as b_value_lo,
        b.value_hi as b_value_hi,
        b.quote as b_quote,
        a.entity,
        a.metric,
        a.scope,
        a.unit,
        case
            when b.period_start = a.period_start and b.period_end = a.period_end
                and (
                    a.published_at < b.published_at
                    or (a.published_at = b.published_at and a.claim_id < b.claim_id)
                )
                then 'same period'
            when a.kind = 'stock' and b.kind = 'stock'
                and not a.floor and not b.floor
                and a.period_start = a.published_at and a.period_end = a.published_at
                and b.period_start = b.published_at and b.period_end = b.published_at
                and b.published_at = a.published_at + 1
                then 'published a day apart'
        end as relation,
        a.value_lo > b.bound_hi
            or b.value_lo > a.bound_hi
            or (a.bound_hi = b.value_lo and (a.bound_hi_open or b.lo_open))
            or (b.bound_hi = a.value_lo and (b.bound_hi_open or a.lo_open)) as disjoint
    from dated as a
    join dated as b
        on b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.doc_id <> a.doc_id
),

disagreements as (
    select * exclude (disjoint)
    from paired
    where relation is not null and disjoint
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        if(
            relation = 'same period',
            format(
                '{} {} for {} to {}: "{}" ({}) disagrees with "{}" ({})',
                entity, if(scope = 'global', metric, metric || ' in ' || scope),
                a_period_start, a_period_end, a_value_text, a_file, b_value_text, b_file
            ),
            format(
                '{} {}: "{}" ({}, as of {}) disagrees with "{}" ({}, as of {}), '
                'documents published a day apart about the same moment',
                entity, if(scope = 'global', metric, metric || ' in ' || scope),
                a_value_text, a_file, a_published_at, b_value_text, b_file, b_published_at
            )
        ) as message,
        *
    from disagreements
)

select * from final
order by entity, metric, scope, unit, a_period_start, a_claim_id, b_claim_id
