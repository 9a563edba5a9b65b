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
--
-- A row whose claims were in one of this run's disputes (flows/resolve, checks/resolution.yaml)
-- says so (`dispute`) and carries every source of every side of those disputes, quarantined
-- outliers included (`dispute_sources`), with the rules that decided them.
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
reconciled as (
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
),

-- the disputes of this run (flows/resolve): each claim's side, and every claim of a dispute
-- as a source, with its document and whether this run quarantined it
dispute_claims as (
    select dispute_id, claim_id, side
    from warehouse.audit.dispute_claims
    where run_id = (select run_id from publish_context)
),

disputes as (
    select dispute_id, rule_id
    from warehouse.audit.disputes
    where run_id = (select run_id from publish_context)
),

quarantined as (
    select distinct claim_id
    from warehouse.quarantine.claims
    where run_id = (select run_id from publish_context)
),

dispute_sources as (
    select
        dispute_claims.dispute_id,
        {
            'side': dispute_claims.side,
            'claim_id': claims.claim_id,
            'value_text': claims.value_text,
            'period_end': claims.period_end,
            'quote': claims.quote,
            'file': claims.file,
            'publisher': documents.publisher,
            'published_at': documents.published_at,
            'quarantined': quarantined.claim_id is not null
        } as source
    from dispute_claims
    join warehouse.raw.claims as claims using (claim_id)
    left join warehouse.raw.documents as documents using (doc_id)
    left join quarantined using (claim_id)
),

-- each row's claims in disputes: a row is `disputed` when its claims were kept; `outlier`,
-- `superseded` or `tied` when one lost or tied a dispute that only warnings raised (and so
-- stays published)
row_claims as (
    select entity, metric, scope, unit, period_start, period_end, unnest(claim_ids) as claim_id
    from reconciled
),

row_dispute_claims as (
    select row_claims.*, dispute_claims.dispute_id, dispute_claims.side
    from row_claims
    join dispute_claims using (claim_id)
),

row_disputes as (
    select
        entity, metric, scope, unit, period_start, period_end,
        case
            when bool_or(side = 'tied') then 'tied'
            when bool_or(side = 'outlier') then 'outlier'
            when bool_or(side = 'superseded') then 'superseded'
            else 'disputed'
        end as dispute,
        list(distinct dispute_id order by dispute_id) as dispute_ids
    from row_dispute_claims
    group by entity, metric, scope, unit, period_start, period_end
),

row_sources as (
    select
        row_keys.entity, row_keys.metric, row_keys.scope, row_keys.unit,
        row_keys.period_start, row_keys.period_end,
        coalesce(
            list(distinct disputes.rule_id order by disputes.rule_id)
                filter (where disputes.rule_id is not null),
            []::varchar[]
        ) as dispute_rules,
        list(distinct dispute_sources.source order by dispute_sources.source) as dispute_sources
    from (
        select distinct entity, metric, scope, unit, period_start, period_end, dispute_id
        from row_dispute_claims
    ) as row_keys
    join disputes using (dispute_id)
    join dispute_sources using (dispute_id)
    group by all
),

final as (
    select
        reconciled.*,
        row_disputes.dispute,
        row_disputes.dispute_ids,
        row_sources.dispute_rules,
        row_sources.dispute_sources
    from reconciled
    left join row_disputes using (entity, metric, scope, unit, period_start, period_end)
    left join row_sources using (entity, metric, scope, unit, period_start, period_end)
)

select * from final
order by entity, metric, scope, unit, period_end, period_start
