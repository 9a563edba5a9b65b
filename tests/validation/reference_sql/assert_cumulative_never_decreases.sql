-- A level that cannot fall (catalogue can_fall false) never decreases for an entity in a
-- scope. For reported claims a and b where a's period ends before b's starts, b.hi >= a.lo
-- must hold; when a's lower bound or b's upper bound is excluded ("over 580"), equality breaks
-- the rule too. A floor (a milestone, an ordinal) is unbounded above, unless it dates itself
-- (its own date, and the highest N its document names for that day and scope): then its
-- upper bound is its N. Returns one row per violating pair (a earlier, b later).
with

never_falls as (
    select metric from staging.metric_catalogue where not can_fall
),

-- reported claims with their document's publication date (a temp view made once per run by
-- flows.validate.prepare_staging)
dated as not materialized (
    select * from claims_dated
),

series as (
    select
        dated.*,
        max(value_lo) filter (where floor) over (
            partition by doc_id, entity, metric, scope, period_start, period_end
        ) as highest
    from dated
    semi join never_falls using (metric)
),

compared as (
    select
        series.*,
        case
            when not floor then value_hi
            when own_date and value_lo = highest then value_lo
            else 'infinity'::double
        end as compared_hi,
        hi_open and not floor as compared_hi_open
    from series
),

decreases as (
    select
        earlier.claim_id as a_claim_id,
        earlier.file as a_file,
        earlier.published_at as a_published_at,
        earlier.period_start as a_period_start,
        earlier.period_end as a_period_end,
        earlier.value_text as a_value_text,
        earlier.value_lo as a_value_lo,
        earlier.value_hi as a_value_hi,
        earlier.quote as a_quote,
        later.claim_id as b_claim_id,
        later.file as b_file,
        later.published_at as b_published_at,
        later.period_start as b_period_start,
        later.period_end as b_period_end,
        later.value_text as b_value_text,
        later.value_lo as b_value_lo,
        later.value_hi as b_value_hi,
        later.quote as b_quote,
        later.entity,
        later.metric,
        later.scope
    from compared as later
    join compared as earlier
        on earlier.entity = later.entity
        and earlier.metric = later.metric
        and earlier.scope = later.scope
        and earlier.period_end < later.period_start
    where later.compared_hi < earlier.value_lo
        or (later.compared_hi = earlier.value_lo
            and (earlier.lo_open or later.compared_hi_open))
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} fell from "{}" ({} to {}, {}) to "{}" ({} to {}, {})',
            entity, if(scope = 'global', metric, metric || ' in ' || scope),
            a_value_text, a_period_start, a_period_end, a_file,
            b_value_text, b_period_start, b_period_end, b_file
        ) as message,
        *
    from decreases
)

select * from final
order by entity, metric, scope, b_period_start, b_claim_id, a_claim_id
