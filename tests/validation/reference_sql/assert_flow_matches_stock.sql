-- A flow over a period (new_markets) and the stock it adds to (markets_count, by `stock_of`)
-- stated at the period's end, in the same scope (new stores in China and the stores in China),
-- imply the stock at the period's start:
--   implied = [stock.lo - flow.hi, stock.hi - flow.lo]   (38 at the end of H1 2025, 7 new: 31)
-- For a stock that can also shrink (not cumulative) the flow counts only additions, so the
-- implied start has no upper bound. The implied value is then checked like a stated one:
--   * it cannot be negative;
--   * against a claim about the same time (a single day: the start or the day before) the
--     intervals must overlap;
--   * for a cumulative stock, no decrease from a claim before it or to a claim after it.
-- A flow with no period of its own (no period text, one day, its publication day) implies no
-- start; an ordinal is unbounded above.
-- Returns one row per violation, naming the flow, the end stock and the other claim.
with

catalogue as (
    select metric, stock_of, cumulative from staging.metric_catalogue
),

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select
        * replace (
            if(qualifier = 'ordinal', 'infinity'::double, value_hi) as value_hi,
            hi_open and qualifier <> 'ordinal' as hi_open
        )
    from claims_dated
),

flows as (
    select dated.*, catalogue.stock_of, stocks.cumulative as stock_cumulative
    from dated
    join catalogue using (metric)
    join catalogue as stocks on stocks.metric = catalogue.stock_of
    where dated.own_date
),

implied_starts as (
    select
        flows.claim_id as flow_claim_id,
        flows.file as flow_file,
        flows.published_at as flow_published_at,
        flows.period_start as flow_period_start,
        flows.period_end as flow_period_end,
        flows.value_text as flow_value_text,
        flows.quote as flow_quote,
        stock.claim_id as stock_claim_id,
        stock.file as stock_file,
        stock.published_at as stock_published_at,
        stock.value_text as stock_value_text,
        stock.quote as stock_quote,
        flows.entity,
        stock.metric,
        flows.scope,
        flows.stock_cumulative,
        flows.period_start as implied_at,
        stock.value_lo - flows.value_hi as implied_lo,
        stock.lo_open or flows.hi_open as implied_lo_open,
        case
            when flows.stock_cumulative then stock.value_hi - flows.value_lo
            else 'infinity'::double
        end as implied_hi,
        flows.stock_cumulative and (stock.hi_open or flows.lo_open) as implied_hi_open
    from flows
    join dated as stock
        on stock.entity = flows.entity
        and stock.metric = flows.stock_of
        and stock.scope = flows.scope
        and stock.period_end = flows.period_end
),

negative_starts as (
    select
        implied_starts.*,
        null::varchar as other_claim_id,
        null::varchar as other_file,
        null::date as other_published_at,
        null::date as other_period_start,
        null::date as other_period_end,
        null::varchar as other_value_text,
        null::varchar as other_quote,
        'negative' as relation
    from implied_starts
    where implied_hi < 0 or (implied_hi = 0 and implied_hi_open)
),

compared as (
    select
        implied_starts.*,
        other.claim_id as other_claim_id,
        other.file as other_file,
        other.published_at as other_published_at,
        other.period_start as other_period_start,
        other.period_end as other_period_end,
        other.value_text as other_value_text,
        other.quote as other_quote,
        other.value_lo as other_lo,
        other.value_hi as other_hi,
        other.lo_open as other_lo_open,
        other.hi_open as other_hi_open,
        case
            when other.period_start = other.period_end
                and other.period_end between implied_at - 1 and implied_at then 'same time'
            when other.period_end < implied_at then 'before'
            when other.period_start > implied_at then 'after'
        end as relation
    from implied_starts
    join dated as other
        on other.entity = implied_starts.entity
        and other.metric = implied_starts.metric
        and other.scope = implied_starts.scope
        and other.claim_id <> implied_starts.stock_claim_id
),

contradictions as (
    select * exclude (other_lo, other_hi, other_lo_open, other_hi_open)
    from compared
    where (
            relation = 'same time'
            and (
                implied_hi < other_lo
                or other_hi < implied_lo
                or (implied_hi = other_lo and (implied_hi_open or other_lo_open))
                or (other_hi = implied_lo and (other_hi_open or implied_lo_open))
            )
        )
        or (
            relation = 'before' and stock_cumulative
            and (implied_hi < other_lo or (implied_hi = other_lo and (implied_hi_open or other_lo_open)))
        )
        or (
            relation = 'after' and stock_cumulative
            and (other_hi < implied_lo or (other_hi = implied_lo and (other_hi_open or implied_lo_open)))
        )
),

violations as (
    select * from negative_starts
    union all by name
    select * from contradictions
),

final as (
    select
        list_filter([flow_claim_id, stock_claim_id, other_claim_id], lambda x: x is not null)
            as claim_ids,
        list_filter([flow_file, stock_file, other_file], lambda x: x is not null) as files,
        list_filter([flow_quote, stock_quote, other_quote], lambda x: x is not null) as quotes,
        format(
            '{} {}: "{}" ({}) with "{}" at {} implies {} to {} at {}{}',
            entity, if(scope = 'global', metric, metric || ' in ' || scope), flow_value_text, flow_file, stock_value_text, flow_period_end,
            implied_lo, implied_hi, implied_at,
            case relation
                when 'negative' then ', which is negative'
                else format(', {} "{}" ({}, {} to {})', relation, other_value_text, other_file,
                    other_period_start, other_period_end)
            end
        ) as message,
        *
    from violations
)

select * from final
order by entity, metric, scope, implied_at, flow_claim_id, stock_claim_id, other_claim_id
