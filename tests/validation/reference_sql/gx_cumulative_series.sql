-- gx_cumulative_series's reduction as it stood before the join (commit 25bb687): every claim's
-- headroom over the highest lower bound of the claims ending before it starts, by a window over
-- the series' ends and starts on one timeline. {table} and {limit} as in checks/engines/gx.py.
with

-- the reported cumulative claims, with only the columns the headroom reads: the window below
-- sorts these rows, not every column of the table
series as (
    select claim_id, entity, metric, scope, value_lo, value_hi, period_start, period_end
    from {table}
    semi join (select metric from staging.metric_catalogue where cumulative) using (metric)
    where status = 'reported'
),

-- each claim against the highest lower bound stated by claims of its series ending before it
-- starts: the series' ends and starts on one timeline (at one date a start sorts before the
-- ends: "ending before" is strict), one window instead of a grouped window and an asof join
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
        side,
        value_hi,
        max(stated_lo) over (
            partition by entity, metric, scope
            order by moment, side
            rows between unbounded preceding and current row
        ) as floor_lo
    from timeline
),

headrooms as (
    select claim_id, value_hi - floor_lo as headroom
    from floored
    where side = 0 and floor_lo is not null
)

select claim_id, headroom from headrooms order by headroom, claim_id limit {limit}
