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
    select rowid as claim_row, * from raw.claims where status = 'reported'
),

-- the claims of part and total metrics with only the columns the rule compares: the pairs
-- below are hashed on these (1.6M pairs at 10M claims), not on every column. Each carries
-- its row number (rowid) in raw.claims, by which the few claims named are read back below
part_claims as (
    select
        part_metrics.total_metric,
        reported.claim_row, reported.entity, reported.metric, reported.value_lo,
        reported.lo_open, reported.period_start, reported.period_end
    from reported
    join (select distinct total_metric, part_metric from part_of) as part_metrics
        on part_metrics.part_metric = reported.metric
),

total_claims as (
    select claim_row, entity, metric, value_hi, hi_open, period_start, period_end
    from reported
    semi join part_of on part_of.total_metric = reported.metric
),

-- the exceeding pairs of rows
pairs as (
    select part.claim_row as a_row, total.claim_row as b_row
    from part_claims as part
    join total_claims as total
        on total.entity = part.entity
        and total.metric = part.total_metric
        and total.period_start = part.period_start
        and total.period_end = part.period_end
    where part.value_lo > total.value_hi
        or (part.value_lo = total.value_hi and (part.lo_open or total.hi_open))
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only, where looking them up by claim id decoded
-- them for all 9.7M reported claims first. The row numbers as one list unnested: DuckDB then
-- expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named_claims as materialized (
    select
        rowid as claim_row, claim_id, doc_id, entity, metric, period_start, period_end, file,
        value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
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
    join dated as part on part.claim_row = pairs.a_row
    join dated as total on total.claim_row = pairs.b_row
    -- once per catalogue entry making the one a part of the other
    join part_of
        on part_of.part_metric = part.metric
        and part_of.total_metric = total.metric
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
