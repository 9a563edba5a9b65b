-- A cumulative metric never decreases for an entity. For reported claims a and b where a's
-- period ends before b's starts, b.hi >= a.lo must hold; when a's lower bound or b's upper
-- bound is excluded ("over 580"), equality breaks the rule too. Claims whose periods overlap
-- are not ordered in time (same-time restatements belong to same_time_claims_agree).
-- Returns one row per violating pair (a earlier, b later).
with

cumulative_metrics as (
    select metric from staging.metric_catalogue where cumulative
),

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
),

series as (
    select dated.*
    from dated
    semi join cumulative_metrics using (metric)
),

-- the highest lower bound stated by any claim ending on or before each date: a cheap screen
-- so the pairwise join below only runs for claims that can break the rule
floor_by_period_end as (
    select
        entity,
        metric,
        period_end,
        max(max(value_lo)) over (partition by entity, metric order by period_end) as floor_lo
    from series
    group by entity, metric, period_end
),

suspects as (
    select later.*
    from series as later
    asof join floor_by_period_end as floor
        on floor.entity = later.entity
        and floor.metric = later.metric
        and later.period_start > floor.period_end
    where later.value_hi <= floor.floor_lo
),

decreases as (
    select
        earlier.claim_id as a_claim_id,
        earlier.file as a_file,
        earlier.published_at as a_published_at,
        earlier.period_start as a_period_start,
        earlier.period_end as a_period_end,
        earlier.value_text as a_value_text,
        earlier.value_lo as a_value_lo,
        earlier.value_hi as a_value_hi,
        earlier.quote as a_quote,
        later.claim_id as b_claim_id,
        later.file as b_file,
        later.published_at as b_published_at,
        later.period_start as b_period_start,
        later.period_end as b_period_end,
        later.value_text as b_value_text,
        later.value_lo as b_value_lo,
        later.value_hi as b_value_hi,
        later.quote as b_quote,
        later.entity,
        later.metric
    from suspects as later
    join series as earlier
        on earlier.entity = later.entity
        and earlier.metric = later.metric
        and earlier.period_end < later.period_start
    where later.value_hi < earlier.value_lo
        or (later.value_hi = earlier.value_lo and (earlier.lo_open or later.hi_open))
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} fell from "{}" ({} to {}, {}) to "{}" ({} to {}, {})',
            entity, metric,
            a_value_text, a_period_start, a_period_end, a_file,
            b_value_text, b_period_start, b_period_end, b_file
        ) as message,
        *
    from decreases
)

select * from final
order by entity, metric, b_period_start, b_claim_id, a_claim_id
