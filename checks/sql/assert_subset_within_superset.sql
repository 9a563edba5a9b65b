-- A subset never exceeds its superset (catalogue `subset_of`: paying_customers_count is a
-- subset of customers_count). Compared for the same entity, scope and period (paying
-- customers in the UK against customers in the UK; a part of a scope against its total is
-- part_within_total's), and, when the superset is cumulative, against every superset claim
-- about a time wholly after the subset claim (the superset can only have grown since).
-- Violated when subset.lo > superset.hi, or they are equal and either of those bounds is
-- excluded.
with

subset_of as (
    select subsets.metric as subset_metric, subsets.subset_of as superset_metric,
        supersets.cumulative as superset_cumulative
    from staging.metric_catalogue as subsets
    join staging.metric_catalogue as supersets on supersets.metric = subsets.subset_of
),

-- the reported claims, from raw.claims rather than claims_dated: a claim without a document is
-- compared too, but the pairs are joined back to the dated claims below, where it is not, so
-- a pair naming it is dropped there as if it had never been compared; the document join is
-- paid for the few claims named, not for 3.4M
reported as not materialized (
    select rowid as claim_row, * from raw.claims where status = 'reported'
),

-- the claims of subset and superset metrics with only the columns the rule compares: the
-- pairs below are hashed on these (29M candidate pairs at 10M claims), not on every column.
-- Each carries its row number (rowid) in raw.claims, by which the few claims named are read
-- back below
subset_claims as (
    select
        subset_of.superset_metric,
        subset_of.superset_cumulative,
        reported.claim_row, reported.entity, reported.scope, reported.value_lo,
        reported.lo_open, reported.period_start, reported.period_end
    from reported
    join subset_of on subset_of.subset_metric = reported.metric
),

superset_claims as (
    select claim_row, entity, metric, scope, value_hi, hi_open, period_start, period_end
    from reported
    semi join subset_of on subset_of.superset_metric = reported.metric
),

-- the pairs to compare, each kind found by a join whose conditions the hash join checks as it
-- matches (an OR of them would be a filter over all 29M pairs): the superset claims about
-- the same period, and, for a cumulative superset, the superset claims about a later time
-- with an upper bound at most the subset's lower bound
candidates as (
    select
        sub.claim_row as a_row,
        sub.value_lo as a_value_lo,
        sub.lo_open as a_lo_open,
        super.claim_row as b_row,
        super.value_hi as b_value_hi,
        super.hi_open as b_hi_open
    from subset_claims as sub
    join superset_claims as super
        on super.entity = sub.entity
        and super.metric = sub.superset_metric
        and super.scope = sub.scope
        and super.period_start = sub.period_start
        and super.period_end = sub.period_end
    union all
    select
        sub.claim_row as a_row,
        sub.value_lo as a_value_lo,
        sub.lo_open as a_lo_open,
        super.claim_row as b_row,
        super.value_hi as b_value_hi,
        super.hi_open as b_hi_open
    from subset_claims as sub
    join superset_claims as super
        on super.entity = sub.entity
        and super.metric = sub.superset_metric
        and super.scope = sub.scope
        and super.period_start > sub.period_end
        and super.value_hi <= sub.value_lo
    where sub.superset_cumulative
),

-- the exceeding pairs of rows; distinct, as a pair can be found by both joins
pairs as (
    select distinct a_row, b_row
    from candidates
    where a_value_lo > b_value_hi or (a_value_lo = b_value_hi and (a_lo_open or b_hi_open))
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only, where looking them up by claim id decoded
-- them for all 9.7M reported claims first (~0.7 CPU-s at 10M claims). The row numbers as one
-- list unnested: DuckDB then expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named_claims as materialized (
    select
        rowid as claim_row, claim_id, doc_id, entity, metric, scope, period_start, period_end,
        file, value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
named as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

exceeding as (
    select
        sub.claim_id as a_claim_id,
        sub.file as a_file,
        sub.published_at as a_published_at,
        sub.period_start as a_period_start,
        sub.period_end as a_period_end,
        sub.metric as a_metric,
        sub.value_text as a_value_text,
        sub.quote as a_quote,
        super.claim_id as b_claim_id,
        super.file as b_file,
        super.published_at as b_published_at,
        super.period_start as b_period_start,
        super.period_end as b_period_end,
        super.metric as b_metric,
        super.value_text as b_value_text,
        super.quote as b_quote,
        sub.entity,
        sub.scope
    from pairs
    join named as sub on sub.claim_row = pairs.a_row
    join named as super on super.claim_row = pairs.b_row
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{}{}: {} "{}" ({}, {} to {}) exceeds {} "{}" ({}, {} to {})',
            entity, if(scope = 'global', '', ' in ' || scope),
            a_metric, a_value_text, a_file, a_period_start, a_period_end,
            b_metric, b_value_text, b_file, b_period_start, b_period_end
        ) as message,
        *
    from exceeding
)

select * from final
order by entity, scope, a_metric, a_period_start, a_claim_id, b_period_start, b_claim_id
