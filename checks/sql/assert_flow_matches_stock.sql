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
-- A flow with no period of its own ("85 new markets", dated by its publication day) says
-- nothing of when its additions happened, so it implies no start. A floor ("its 105th new
-- store this year", an ordinal) is unbounded above.
-- Returns one row per violation, naming the flow, the end stock and the other claim.
--
-- At 10M claims every implied start meets every claim of its entity's stock: 27M pairs. So
-- the pairs carry only the compared columns, a cheap screen keeps those that can break the
-- rule, and only the few violations are joined back to their files, dates and quotes.
with

catalogue as (
    select metric, stock_of, cumulative from staging.metric_catalogue
),

-- the reported claims, from raw.claims rather than claims_dated: a claim without a document is
-- compared too, but each violation is joined back to the dated claims it names below, where
-- it is not, so a violation naming it is dropped there as if it had never been compared; the
-- document join is paid for the few claims named, not for 5.1M. Each carries its row number
-- (rowid) in raw.claims, by which the few claims named are read back below
reported as not materialized (
    select rowid as claim_row, * from raw.claims where status = 'reported'
),

-- the flows with no period of their own: no words for it, one day, their publication day
-- (only these claims' documents are read)
undated_flows as (
    select reported.claim_row
    from reported
    semi join (select metric from catalogue where stock_of is not null) using (metric)
    semi join raw.documents as documents
        on documents.doc_id = reported.doc_id
        and documents.published_at = reported.period_start
    where reported.period_text is null and reported.period_end = reported.period_start
),

-- the flows, and the claims of the stocks they add to, with only the columns the rule
-- compares; an ordinal's upper bound unbounded
flows as (
    select
        reported.claim_row, reported.entity, reported.scope, reported.value_lo,
        if(reported.qualifier = 'ordinal', 'infinity'::double, reported.value_hi) as value_hi,
        reported.lo_open, reported.hi_open and reported.qualifier <> 'ordinal' as hi_open,
        reported.period_start, reported.period_end,
        catalogue.stock_of as metric,
        stocks.cumulative as stock_cumulative
    from reported
    join catalogue using (metric)
    join catalogue as stocks on stocks.metric = catalogue.stock_of
    anti join undated_flows using (claim_row)
),

stock_claims as materialized (
    select
        claim_row, claim_id, entity, metric, scope, value_lo,
        if(qualifier = 'ordinal', 'infinity'::double, value_hi) as value_hi, lo_open,
        hi_open and qualifier <> 'ordinal' as hi_open, period_start, period_end
    from reported
    semi join (select stock_of as metric from catalogue) using (metric)
),

-- each flow with each claim of its stock at the period's end: the implied start, with the
-- rows it comes from. Materialized: the pairs below read it, and the negative starts
implied_starts as materialized (
    select
        flows.claim_row as flow_row,
        stock.claim_row as stock_row,
        stock.claim_id as stock_claim_id,
        flows.period_end as flow_period_end,
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
    join stock_claims as stock
        on stock.entity = flows.entity
        and stock.metric = flows.metric
        and stock.scope = flows.scope
        and stock.period_end = flows.period_end
),

negative_starts as (
    select implied_starts.*, 'negative' as relation
    from implied_starts
    where implied_hi < 0 or (implied_hi = 0 and implied_hi_open)
),

-- every implied start against every other claim of its stock (27M pairs at 10M claims), kept
-- only when the pair can break the rule, on cheap comparisons: the other claim ends on the
-- start's day or the day before (same time, or before), or, for a cumulative stock, it ends
-- earlier with a lower bound at least the start's upper bound (before) or starts later with
-- an upper bound at most the start's lower bound (after). The rule itself decides below.
candidates as (
    select starts.*, other.* exclude (entity, metric, scope)
    from implied_starts as starts
    join stock_claims as other
        on other.entity = starts.entity
        and other.metric = starts.metric
        and other.scope = starts.scope
    where other.period_end between starts.implied_at - 1 and starts.implied_at
        or (
            starts.stock_cumulative
            and other.period_end < starts.implied_at
            and other.value_lo >= starts.implied_hi
        )
        or (
            starts.stock_cumulative
            and other.period_start > starts.implied_at
            and other.value_hi <= starts.implied_lo
        )
),

-- how each candidate relates to its start in time: "same time" (a single day, the start or
-- the day before) wins over "before"
compared as (
    select
        * exclude (
            claim_row, claim_id, period_start, period_end, value_lo, value_hi, lo_open, hi_open
        ),
        claim_row as other_row,
        period_start as other_period_start,
        period_end as other_period_end,
        value_lo as other_lo,
        value_hi as other_hi,
        lo_open as other_lo_open,
        hi_open as other_hi_open,
        case
            when period_start = period_end and period_end between implied_at - 1 and implied_at
                then 'same time'
            when period_end < implied_at then 'before'
            when period_start > implied_at then 'after'
        end as relation
    from candidates
    where claim_id <> stock_claim_id
),

contradictions as (
    select *
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

-- the violations, each naming its flow, stock and other row (a negative start names no other)
found as (
    select * from negative_starts
    union all by name
    select * from contradictions
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only, where looking them up by claim id decoded
-- them for all 9.7M reported claims first (~0.7 CPU-s at 10M claims). The row numbers as one
-- list unnested: DuckDB then expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (
        select flow_row as claim_row from found
        union all select stock_row from found
        union all select other_row from found
    )
),

named_claims as materialized (
    select rowid as claim_row, claim_id, doc_id, file, value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
named as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

violations as (
    select
        flow.claim_id as flow_claim_id,
        flow.file as flow_file,
        flow.published_at as flow_published_at,
        found.implied_at as flow_period_start,
        found.flow_period_end,
        flow.value_text as flow_value_text,
        flow.quote as flow_quote,
        found.stock_claim_id,
        stock.file as stock_file,
        stock.published_at as stock_published_at,
        stock.value_text as stock_value_text,
        stock.quote as stock_quote,
        found.entity,
        found.metric,
        found.scope,
        found.stock_cumulative,
        found.implied_at,
        found.implied_lo,
        found.implied_lo_open,
        found.implied_hi,
        found.implied_hi_open,
        other.claim_id as other_claim_id,
        other.file as other_file,
        other.published_at as other_published_at,
        found.other_period_start,
        found.other_period_end,
        other.value_text as other_value_text,
        other.quote as other_quote,
        found.relation
    from found
    join named as flow on flow.claim_row = found.flow_row
    join named as stock on stock.claim_row = found.stock_row
    -- a negative start names no other claim
    left join named as other on other.claim_row = found.other_row
    -- a contradiction's other claim must be dated, as its flow and stock must (inner joins)
    where found.other_row is null or other.claim_row is not null
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
