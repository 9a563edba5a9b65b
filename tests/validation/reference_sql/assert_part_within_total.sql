-- A part never exceeds its total: for the same entity, metric, unit and period, a claim about
-- a scope that lies within another (by `within` in catalogue/scopes.yaml, transitively:
-- stores in China, within Asia, within global) never exceeds a claim about the scope it lies
-- within. Violated when part.lo > total.hi, or they are equal and either of those bounds is
-- excluded. Any metric: a count, an amount over a period or the Nth one reached in a part of
-- the world is at most that of the whole. A total that is a floor (a milestone, an ordinal) is
-- unbounded above. Part and total come from two documents.
with

-- each scope with every scope it lies within: one row per part and total
part_of as (
    select scope as part_scope, unnest(ancestors) as total_scope
    from staging.scope_catalogue
),

-- reported claims with their document's publication date (a temp view made once per run by
-- flows.validate.prepare_staging)
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
        part.scope as a_scope,
        part.value_text as a_value_text,
        part.quote as a_quote,
        total.claim_id as b_claim_id,
        total.file as b_file,
        total.published_at as b_published_at,
        total.period_start as b_period_start,
        total.period_end as b_period_end,
        total.scope as b_scope,
        total.value_text as b_value_text,
        total.quote as b_quote,
        part.entity,
        part.metric
    from dated as part
    join part_of on part_of.part_scope = part.scope
    join dated as total
        on total.entity = part.entity
        and total.metric = part.metric
        and total.unit = part.unit
        and total.scope = part_of.total_scope
        and total.period_start = part.period_start
        and total.period_end = part.period_end
        and total.doc_id <> part.doc_id
    where part.value_lo > total.bound_hi
        or (part.value_lo = total.bound_hi and (part.lo_open or (total.hi_open and not total.floor)))
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{}: {} "{}" in {} ({}) exceeds "{}" {} ({}) for {} to {}',
            entity, metric, a_value_text, a_scope, a_file, b_value_text,
            if(b_scope = 'global', 'worldwide', 'in ' || b_scope), b_file,
            a_period_start, a_period_end
        ) as message,
        *
    from exceeding
)

select * from final
order by entity, metric, b_scope, a_scope, a_period_start, a_claim_id, b_claim_id
