-- A part never exceeds its total (catalogue `parts`: stores_europe is a part of stores_count)
-- for the same entity and period: violated when part.lo > total.hi, or they are equal and
-- either of those bounds is excluded.
with

part_of as (
    select metric as total_metric, unnest(parts) as part_metric
    from staging.metric_catalogue
),

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
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
    from dated as part
    join part_of on part_of.part_metric = part.metric
    join dated as total
        on total.entity = part.entity
        and total.metric = part_of.total_metric
        and total.period_start = part.period_start
        and total.period_end = part.period_end
    where part.value_lo > total.value_hi
        or (part.value_lo = total.value_hi and (part.lo_open or total.hi_open))
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
