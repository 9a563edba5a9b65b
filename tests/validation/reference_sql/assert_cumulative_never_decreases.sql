-- A cumulative metric never decreases for an entity in a scope (markets entered worldwide;
-- markets entered in Europe is a series of its own). For reported claims a and b where a's
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

-- the cumulative claims with only the columns the comparison reads: the window, the asof join
-- and the pairwise join sort and hash these 3.4M rows (at 10M claims), not every column
series as (
    select
        claim_id, entity, metric, scope, value_lo, value_hi, lo_open, hi_open, period_start,
        period_end
    from dated
    semi join cumulative_metrics using (metric)
),

-- a screen, so the pairwise join below only runs for claims that can break the rule: each
-- claim against the highest lower bound stated by any claim of its series ending before it
-- starts. One window over the series' ends and starts on one timeline (at one date a start
-- sorts before the ends, as the rule's "ends before" is strict), instead of a grouped window
-- then an asof join (two sorts). Series are partitioned by a hash of entity, metric and scope:
-- a collision only merges two series, which can raise a floor, never lower it, so the screen
-- keeps every claim that can break the rule and the exact join below decides.
timeline as (
    select
        entity, metric, scope, period_end as moment, 1 as side, value_lo as stated_lo,
        null::varchar as claim_id, null::double as value_hi
    from series
    union all
    select
        entity, metric, scope, period_start as moment, 0 as side, null::double as stated_lo,
        claim_id, value_hi
    from series
),

floored as (
    select
        claim_id,
        entity,
        metric,
        scope,
        side,
        value_hi,
        max(stated_lo) over (
            partition by hash(entity, metric, scope)
            order by moment, side
            rows between unbounded preceding and current row
        ) as floor_lo
    from timeline
),

suspects as (
    select series.*
    from series
    semi join floored
        on floored.claim_id is not distinct from series.claim_id
        and floored.entity = series.entity
        and floored.metric = series.metric
        and floored.scope = series.scope
        and floored.side = 0
        and floored.value_hi <= floored.floor_lo
),

-- the violating pairs on the compared columns; distinct, so that joining them back to every
-- claim row with those columns below yields each violating pair of rows exactly once
pairs as (
    select distinct
        earlier.claim_id as a_claim_id,
        earlier.value_lo as a_value_lo,
        earlier.value_hi as a_value_hi,
        earlier.lo_open as a_lo_open,
        earlier.hi_open as a_hi_open,
        earlier.period_start as a_period_start,
        earlier.period_end as a_period_end,
        later.claim_id as b_claim_id,
        later.value_lo as b_value_lo,
        later.value_hi as b_value_hi,
        later.lo_open as b_lo_open,
        later.hi_open as b_hi_open,
        later.period_start as b_period_start,
        later.period_end as b_period_end,
        later.entity,
        later.metric,
        later.scope
    from suspects as later
    join series as earlier
        on earlier.entity = later.entity
        and earlier.metric = later.metric
        and earlier.scope = later.scope
        and earlier.period_end < later.period_start
    where later.value_hi < earlier.value_lo
        or (later.value_hi = earlier.value_lo and (earlier.lo_open or later.hi_open))
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
        pairs.entity,
        pairs.metric,
        pairs.scope
    from pairs
    join dated as earlier
        on earlier.claim_id is not distinct from pairs.a_claim_id
        and earlier.entity = pairs.entity
        and earlier.metric = pairs.metric
        and earlier.scope = pairs.scope
        and earlier.value_lo = pairs.a_value_lo
        and earlier.value_hi = pairs.a_value_hi
        and earlier.lo_open is not distinct from pairs.a_lo_open
        and earlier.hi_open is not distinct from pairs.a_hi_open
        and earlier.period_start is not distinct from pairs.a_period_start
        and earlier.period_end = pairs.a_period_end
    join dated as later
        on later.claim_id is not distinct from pairs.b_claim_id
        and later.entity = pairs.entity
        and later.metric = pairs.metric
        and later.scope = pairs.scope
        and later.value_lo is not distinct from pairs.b_value_lo
        and later.value_hi = pairs.b_value_hi
        and later.lo_open is not distinct from pairs.b_lo_open
        and later.hi_open is not distinct from pairs.b_hi_open
        and later.period_start = pairs.b_period_start
        and later.period_end is not distinct from pairs.b_period_end
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} fell from "{}" ({} to {}, {}) to "{}" ({} to {}, {})',
            entity, if(scope = 'global', metric, metric || ' in ' || scope),
            a_value_text, a_period_start, a_period_end, a_file,
            b_value_text, b_period_start, b_period_end, b_file
        ) as message,
        *
    from decreases
)

select * from final
order by entity, metric, scope, b_period_start, b_claim_id, a_claim_id
