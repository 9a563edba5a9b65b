-- curated.metric_timeline: one reconciled interval per entity, metric, scope and date.
--
-- A stock ("38 markets") is a level at a date: the end of the period its claim is about; so
-- is a milestone ("its 40th market"). A flow ("7 new markets in H1 2025") is an amount over
-- its period. Each scope is its own series: stores in China and stores worldwide are never
-- reconciled into one interval (nor amounts in two currencies: a metric whose unit is
-- `currency` has a series per currency code). The claims stating the same entity, metric,
-- scope, unit and date are reconciled into the intersection of their intervals
-- (greatest lower bound, least upper bound; a bound stays open when a claim at that bound
-- excludes it). Where no claim states a stock at the start of a flow's period, a flow and
-- the stock at its end imply it (38 at the end of H1 2025 with 7 new → 31 at its start).
-- Only reported claims count; plans are not facts about the past.
with

claims as (
    select * from curated.claims where status = 'reported'
),

metrics as (
    select metric, kind, stock_of from metric_catalogue
),

stated as (
    select
        claims.entity,
        claims.metric,
        claims.scope,
        claims.unit,
        coalesce(metrics.kind, 'stock') as kind,
        metrics.stock_of,
        if(coalesce(metrics.kind, 'stock') = 'flow', claims.period_start, claims.period_end)
            as period_start,
        claims.period_end,
        claims.value_lo,
        claims.value_hi,
        claims.lo_open,
        claims.hi_open,
        claims.claim_id,
        claims.file,
        claims.doc_id
    from claims
    left join metrics using (metric)
),

-- the intersection: max over (lo, lo_open) picks the greatest lower bound, open if any claim
-- excludes it; min over (hi, closed) picks the least upper bound, open if any claim excludes it
stated_reconciled as (
    select
        entity,
        metric,
        scope,
        unit,
        any_value(kind) as kind,
        any_value(stock_of) as stock_of,
        period_start,
        period_end,
        max({'v': value_lo, 'open': lo_open}) as lo,
        min({'v': value_hi, 'closed': not hi_open}) as hi,
        min(value_lo) as hull_lo,
        max(value_hi) as hull_hi,
        list(claim_id order by claim_id) as claim_ids,
        list(distinct file order by file) as files,
        count(distinct doc_id) as n_documents,
        false as implied
    from stated
    group by entity, metric, scope, unit, period_start, period_end
),

reconciled_stated as (
    select
        * exclude (lo, hi),
        lo.v as value_lo,
        lo.open as lo_open,
        hi.v as value_hi,
        not hi.closed as hi_open
    from stated_reconciled
),

with_consistency as (
    select
        *,
        value_lo < value_hi or (value_lo = value_hi and not lo_open and not hi_open) as consistent
    from reconciled_stated
),

-- stock at the start of a flow's period = stock at its end − the flow (intervals: the
-- lowest stock minus the highest flow, and the highest stock minus the lowest flow), in the
-- flow's scope: new stores in China and the stores in China
implied as (
    select
        flow.entity,
        flow.stock_of as metric,
        flow.scope,
        stock.unit,
        'stock' as kind,
        null::varchar as stock_of,
        flow.period_start,
        flow.period_start as period_end,
        greatest(stock.value_lo - flow.value_hi, 0) as value_lo,
        stock.value_hi - flow.value_lo as value_hi,
        stock.value_lo - flow.value_hi > 0 and (stock.lo_open or flow.hi_open) as lo_open,
        stock.hi_open or flow.lo_open as hi_open,
        list_sort(flow.claim_ids || stock.claim_ids) as claim_ids,
        list_sort(list_distinct(flow.files || stock.files)) as files
    from with_consistency as flow
    join with_consistency as stock
        on stock.entity = flow.entity
        and stock.metric = flow.stock_of
        and stock.scope = flow.scope
        and stock.period_end = flow.period_end
    where flow.kind = 'flow'
        and stock.kind = 'stock'
        and flow.consistent
        and stock.consistent
),

-- several flows can imply the same date: reconcile them like stated claims
implied_reconciled as (
    select
        entity,
        metric,
        scope,
        unit,
        'stock' as kind,
        null::varchar as stock_of,
        period_start,
        period_end,
        max({'v': value_lo, 'open': lo_open}) as lo,
        min({'v': value_hi, 'closed': not hi_open}) as hi,
        min(value_lo) as hull_lo,
        max(value_hi) as hull_hi,
        list_sort(flatten(list(claim_ids))) as claim_ids,
        list_sort(list_distinct(flatten(list(files)))) as files,
        null::bigint as n_documents,
        true as implied
    from implied
    anti join with_consistency using (entity, metric, scope, unit, period_start, period_end)
    group by entity, metric, scope, unit, period_start, period_end
),

reconciled_implied as (
    select
        * exclude (lo, hi),
        lo.v as value_lo,
        lo.open as lo_open,
        hi.v as value_hi,
        not hi.closed as hi_open,
        lo.v < hi.v or (lo.v = hi.v and not lo.open and hi.closed) as consistent
    from implied_reconciled
),

timeline as (
    select * from with_consistency
    union all by name
    select * from reconciled_implied
),

-- an inconsistent group (an excepted conflict) shows the hull of its claims, never a
-- made-up empty interval; `consistent` says so
final as (
    select
        entity,
        metric,
        scope,
        unit,
        kind,
        period_start,
        period_end,
        if(consistent, value_lo, hull_lo) as value_lo,
        if(consistent, value_hi, hull_hi) as value_hi,
        if(consistent, lo_open, false) as lo_open,
        if(consistent, hi_open, false) as hi_open,
        case
            when not consistent then format('{:.15g} to {:.15g} (claims disagree)', hull_lo, hull_hi)
            when value_lo = value_hi then format('{:.15g}', value_lo)
            when value_hi = 'infinity'::double
                then if(lo_open, 'over ', 'at least ') || format('{:.15g}', value_lo)
            else format('{}{:.15g}, {:.15g}{}',
                if(lo_open, '(', '['), value_lo, value_hi, if(hi_open, ')', ']'))
        end as value_text,
        consistent,
        case
            when implied then 'implied'
            when n_documents > 1 then 'multiple sources'
            else 'single source'
        end as confirmation,
        len(claim_ids) as n_claims,
        claim_ids,
        files
    from timeline
)

select * from final
order by entity, metric, scope, unit, period_end, period_start
