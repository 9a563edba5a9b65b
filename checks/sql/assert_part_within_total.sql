-- A part never exceeds its total (catalogue `parts`: stores_europe is a part of stores_count)
-- for the same entity and period: violated when part.lo > total.hi, or they are equal and
-- either of those bounds is excluded.
with

part_of as (
    select metric as total_metric, unnest(parts) as part_metric
    from staging.metric_catalogue
),

-- the reported claims, from raw.claims rather than claims_dated: a claim without a document is
-- compared too, but the pairs are joined back to the dated claims below, where it is not, so
-- a pair naming it is dropped there as if it had never been compared; the document join is
-- paid for the few claims named, not for 3.4M
reported as not materialized (
    select * from raw.claims where status = 'reported'
),

-- the claims of part and total metrics with only the columns the rule compares: the pairs
-- below are hashed on these (1.6M pairs at 10M claims), not on every column
part_claims as (
    select
        part_metrics.total_metric,
        reported.claim_id, reported.entity, reported.metric, reported.value_lo,
        reported.lo_open, reported.period_start, reported.period_end
    from reported
    join (select distinct total_metric, part_metric from part_of) as part_metrics
        on part_metrics.part_metric = reported.metric
),

total_claims as (
    select claim_id, entity, metric, value_hi, hi_open, period_start, period_end
    from reported
    semi join part_of on part_of.total_metric = reported.metric
),

-- the exceeding pairs on the compared columns; distinct, so that joining them back to every
-- claim row with those columns below (and to the catalogue's part_of rows) yields each
-- exceeding pair of rows exactly once, as a join of every column would
pairs as (
    select distinct
        part.claim_id as a_claim_id,
        part.metric as a_metric,
        part.value_lo as a_value_lo,
        part.lo_open as a_lo_open,
        total.claim_id as b_claim_id,
        total.metric as b_metric,
        total.value_hi as b_value_hi,
        total.hi_open as b_hi_open,
        part.entity,
        part.period_start,
        part.period_end
    from part_claims as part
    join total_claims as total
        on total.entity = part.entity
        and total.metric = part.total_metric
        and total.period_start = part.period_start
        and total.period_end = part.period_end
    where part.value_lo > total.value_hi
        or (part.value_lo = total.value_hi and (part.lo_open or total.hi_open))
),

-- the claims named, found by id among raw.claims before their documents are joined: these are
-- claims_dated's rows (reported, with their document's publication date) for those ids. The
-- ids as one list unnested: DuckDB then expects few of them and hashes them, not the 10M claims
-- they are looked up in; and the claims are narrowed by id before the document join, which
-- read through claims_dated came first, for all 10M claims' wide columns
named_ids as (
    select unnest(list(distinct claim_id)) as claim_id
    from (select a_claim_id as claim_id from pairs union all select b_claim_id from pairs)
),

named_claims as materialized (
    select
        claim_id, doc_id, entity, metric, value_lo, value_hi, lo_open, hi_open, period_start,
        period_end, file, value_text, quote
    from reported
    where claim_id in (select claim_id from named_ids)
),

dated as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

exceeding as (
    select
        part.claim_id as a_claim_id,
        part.file as a_file,
        part.published_at as a_published_at,
        part.period_start as a_period_start,
        part.period_end as a_period_end,
        part.metric as a_metric,
        part.value_text as a_value_text,
        part.quote as a_quote,
        total.claim_id as b_claim_id,
        total.file as b_file,
        total.published_at as b_published_at,
        total.period_start as b_period_start,
        total.period_end as b_period_end,
        total.metric as b_metric,
        total.value_text as b_value_text,
        total.quote as b_quote,
        part.entity
    from pairs
    join part_of
        on part_of.part_metric = pairs.a_metric
        and part_of.total_metric = pairs.b_metric
    join dated as part
        on part.claim_id = pairs.a_claim_id
        and part.entity = pairs.entity
        and part.metric = pairs.a_metric
        and part.value_lo = pairs.a_value_lo
        and part.lo_open = pairs.a_lo_open
        and part.period_start = pairs.period_start
        and part.period_end = pairs.period_end
    join dated as total
        on total.claim_id = pairs.b_claim_id
        and total.entity = pairs.entity
        and total.metric = pairs.b_metric
        and total.value_hi = pairs.b_value_hi
        and total.hi_open = pairs.b_hi_open
        and total.period_start = pairs.period_start
        and total.period_end = pairs.period_end
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{}: part {} "{}" ({}) exceeds total {} "{}" ({}) for {} to {}',
            entity, a_metric, a_value_text, a_file, b_metric, b_value_text, b_file,
            a_period_start, a_period_end
        ) as message,
        *
    from exceeding
)

select * from final
order by entity, b_metric, a_period_start, a_claim_id, b_claim_id
