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

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
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
    from dated as sub
    join subset_of on subset_of.subset_metric = sub.metric
    join dated as super
        on super.entity = sub.entity
        and super.metric = subset_of.superset_metric
        and super.scope = sub.scope
        and (
            (super.period_start = sub.period_start and super.period_end = sub.period_end)
            or (subset_of.superset_cumulative and super.period_start > sub.period_end)
        )
    where sub.value_lo > super.value_hi
        or (sub.value_lo = super.value_hi and (sub.lo_open or super.hi_open))
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
