-- Two reported claims on the same entity, metric, scope and period (and unit: amounts in two
-- currencies are not compared) must describe overlapping intervals; a count in China and a
-- worldwide count are not the same fact, part_within_total compares those. Intervals [lo, hi]
-- with excluded ends (lo_open, hi_open) are disjoint when one ends below the other's start,
-- or they touch at a point that either of them excludes.
-- Returns one row per disagreeing pair; a is the earlier published (then the smaller id).
with

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
),

-- all intervals of a group overlap pairwise iff the highest lower bound does not pass the
-- lowest upper bound (intervals on a line), so only the other groups need the pairwise join
contested_times as (
    select entity, metric, scope, unit, period_start, period_end
    from dated
    group by entity, metric, scope, unit, period_start, period_end
    having count(*) > 1
        and (
            max(value_lo) > min(value_hi)
            or (max(value_lo) = min(value_hi) and (bool_or(lo_open) or bool_or(hi_open)))
        )
),

contested as (
    select dated.*
    from dated
    semi join contested_times using (entity, metric, scope, unit, period_start, period_end)
),

disagreements as (
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
        a.unit
    from contested as a
    join contested as b
        on b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.period_start = a.period_start
        and b.period_end = a.period_end
        and (
            a.published_at < b.published_at
            or (a.published_at = b.published_at and a.claim_id < b.claim_id)
        )
    where a.value_hi < b.value_lo
        or b.value_hi < a.value_lo
        or (a.value_hi = b.value_lo and (a.hi_open or b.lo_open))
        or (b.value_hi = a.value_lo and (b.hi_open or a.lo_open))
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} for {} to {}: "{}" ({}) disagrees with "{}" ({})',
            entity, if(scope = 'global', metric, metric || ' in ' || scope), a_period_start, a_period_end,
            a_value_text, a_file, b_value_text, b_file
        ) as message,
        *
    from disagreements
)

select * from final
order by entity, metric, scope, unit, a_period_start, a_claim_id, b_claim_id
