-- A plan whose deadline has passed by the run's reference date (staging.validation_context,
-- normally today) and whose actual figure for that date or period is below it, as written
-- (stated_lo / stated_hi in claims_dated.sql: "over 3,000 employees" states 3,000). Three ways,
-- each a `relation`, all in one entity, scope and unit:
--   * 'level below plan': a planned level ("6,000 stores by September 2022") and the first
--     reported level stated at or after its deadline, below it;
--   * 'level below plan and start': a planned flow ("hiring 700 more employees by the end of
--     2022") on top of the level it adds to (catalogue `stock_of`) as last reported by the
--     plan's start ("more than 3000 employees"), and the first reported level at or after the
--     deadline below the two together ("over 3,000" is not 3,700). The plan's document may
--     announce more additions of the same kind, reported from the plan's start to its deadline
--     ("reseller agreements for 9 additional countries" beside "another five countries in the
--     coming weeks" and "18 countries"): the document leads one to expect them too, so they
--     count, each figure once (a restatement, or the plan reported as done, is not added
--     twice);
--   * 'flow below plan': a planned flow and a reported flow over a period that contains the
--     plan's ("203 new stores last year" for "more than 170 by the end of the year"), below it:
--     the longer period cannot have had fewer.
-- A plan may be met by figures nobody reported, and "over 3,000" may well be 3,700, so this
-- warns. A floor (a milestone, an ordinal) never shows a figure below a plan. A plan with no
-- reported figure at all is planned_confirmed_when_due's; a plan with no date of its own has no
-- deadline to judge it by.
with

context as (
    select as_of from staging.validation_context
),

catalogue as (
    select metric, kind, stock_of from staging.metric_catalogue
),

-- the plans that are due, with their figures as written (plans are few). A plan with no date
-- of its own ("plans to launch in over 80 more countries", dated by its publication day) has
-- no deadline, so it is never due
plans as materialized (
    select
        claims.rowid as claim_row, claims.doc_id, claims.entity, claims.metric, claims.scope,
        claims.unit, claims.period_start, claims.period_end, catalogue.kind, catalogue.stock_of,
        stated_lo(claims.qualifier, claims.value_lo, claims.value_hi) as stated_lo
    from raw.claims as claims
    join catalogue using (metric)
    join raw.documents as documents using (doc_id)
    cross join context
    where claims.status = 'planned'
        and claims.period_end < context.as_of
        and not is_floor(catalogue.kind, claims.qualifier)
        and own_date(claims.period_text, claims.period_start, claims.period_end,
                     documents.published_at)
),

-- the reported claims of the plans' entities and scopes (the plans are the build side, so the
-- claims stream past them once), no floors, with their figures as written
facts as materialized (
    select
        claims.rowid as claim_row, claims.doc_id, claims.entity, claims.metric, claims.scope,
        claims.unit, claims.period_start, claims.period_end,
        stated_lo(claims.qualifier, claims.value_lo, claims.value_hi) as stated_lo,
        stated_hi(claims.qualifier, claims.value_lo, claims.value_hi) as stated_hi
    from raw.claims as claims
    join catalogue using (metric)
    semi join plans
        on plans.entity = claims.entity
        and plans.scope = claims.scope
        and plans.unit = claims.unit
    where claims.status = 'reported' and not is_floor(catalogue.kind, claims.qualifier)
),

-- what each plan is measured against: a planned level against its level, a planned flow
-- against the level it adds to (on top of that level at the plan's start)
targets as (
    select
        plans.*,
        if(plans.kind = 'stock', plans.metric, plans.stock_of) as level_metric
    from plans
    where plans.kind = 'stock' or plans.stock_of is not null
),

-- the level a planned flow starts from: the last reported before (or on) the plan's start
start_claims as (
    select targets.claim_row as plan_row, facts.claim_row, facts.stated_lo
    from targets
    join facts
        on facts.entity = targets.entity
        and facts.metric = targets.level_metric
        and facts.scope = targets.scope
        and facts.unit = targets.unit
        and facts.period_end <= targets.period_start
    where targets.kind = 'flow'
    qualify facts.period_end = max(facts.period_end) over (partition by targets.claim_row)
),

-- of several claims then, the lowest figure (the plan is judged on the least it adds to)
starts as (
    select plan_row, min({'lo': stated_lo, 'row': claim_row}) as base
    from start_claims
    group by plan_row
),

-- the other additions the plan's document reports, of its kind, from its start to its
-- deadline; each figure once (sum of the distinct figures)
addition_claims as (
    select targets.claim_row as plan_row, facts.claim_row, facts.stated_lo
    from targets
    join facts
        on facts.doc_id = targets.doc_id
        and facts.entity = targets.entity
        and facts.metric = targets.metric
        and facts.scope = targets.scope
        and facts.unit = targets.unit
        and facts.period_start >= targets.period_start
        and facts.period_end <= targets.period_end
        and facts.stated_lo <> targets.stated_lo
    where targets.kind = 'flow'
),

additions as (
    select plan_row, list(claim_row order by claim_row) as rows, sum(distinct stated_lo) as added
    from addition_claims
    group by plan_row
),

-- the first reported level at or after the deadline (and after the plan was made): every
-- claim stated at that time
actuals as (
    select targets.claim_row as plan_row, facts.claim_row as actual_row, facts.stated_hi
    from targets
    join facts
        on facts.entity = targets.entity
        and facts.metric = targets.level_metric
        and facts.scope = targets.scope
        and facts.unit = targets.unit
        and facts.period_start >= targets.period_end
        and facts.period_start > targets.period_start
    qualify facts.period_start = min(facts.period_start) over (partition by targets.claim_row)
),

level_shortfalls as (
    select
        targets.claim_row as plan_row,
        starts.base.row as base_row,
        coalesce(additions.rows, []) as addition_rows,
        actuals.actual_row,
        if(targets.kind = 'stock', 'level below plan', 'level below plan and start')
            as relation,
        targets.stated_lo + coalesce(starts.base.lo, 0) + coalesce(additions.added, 0)
            as expected
    from targets
    join actuals on actuals.plan_row = targets.claim_row
    left join starts on starts.plan_row = targets.claim_row
    left join additions on additions.plan_row = targets.claim_row
    -- a planned flow is judged only with the level it starts from
    where (targets.kind = 'stock' or starts.plan_row is not null)
        and actuals.stated_hi
            < targets.stated_lo + coalesce(starts.base.lo, 0) + coalesce(additions.added, 0)
),

flow_shortfalls as (
    select
        plans.claim_row as plan_row,
        null::bigint as base_row,
        []::bigint[] as addition_rows,
        facts.claim_row as actual_row,
        'flow below plan' as relation,
        plans.stated_lo as expected
    from plans
    join facts
        on facts.entity = plans.entity
        and facts.metric = plans.metric
        and facts.scope = plans.scope
        and facts.unit = plans.unit
        and facts.period_start <= plans.period_start
        and facts.period_end >= plans.period_end
    where plans.kind = 'flow' and facts.stated_hi < plans.stated_lo
),

shortfalls as (
    select * from level_shortfalls
    union all
    select * from flow_shortfalls
),

-- the claims named, with their files, texts and publication dates
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (
        select plan_row as claim_row from shortfalls
        union all select base_row from shortfalls where base_row is not null
        union all select unnest(addition_rows) from shortfalls
        union all select actual_row from shortfalls
    )
),

named as (
    select
        claims.rowid as claim_row, claims.claim_id, claims.file, claims.metric,
        claims.value_text, claims.period_start, claims.period_end, claims.quote,
        documents.published_at
    from raw.claims as claims
    join raw.documents as documents using (doc_id)
    where claims.rowid in (select claim_row from named_rows)
),

-- each shortfall's additions, named in the order of their rows
added as (
    select
        shortfalls.plan_row,
        shortfalls.actual_row,
        list(named.claim_id order by addition.row) as claim_ids,
        list(named.file order by addition.row) as files,
        list(named.quote order by addition.row) as quotes,
        string_agg('"' || named.value_text || '"', ' + ' order by addition.row) as words,
        count(*) filter (where named.claim_row is null) as undated
    from shortfalls
    cross join unnest(shortfalls.addition_rows) as addition(row)
    left join named on named.claim_row = addition.row
    group by shortfalls.plan_row, shortfalls.actual_row
),

found as (
    select
        plan.claim_id as plan_claim_id,
        plan.file as plan_file,
        plan.published_at as plan_published_at,
        plan.metric as plan_metric,
        plan.value_text as plan_value_text,
        plan.period_start as plan_period_start,
        plan.period_end as plan_deadline,
        plan.quote as plan_quote,
        base.claim_id as base_claim_id,
        base.file as base_file,
        base.metric as base_metric,
        base.value_text as base_value_text,
        base.period_end as base_period_end,
        base.quote as base_quote,
        coalesce(added.claim_ids, []) as addition_claim_ids,
        coalesce(added.files, []) as addition_files,
        coalesce(added.quotes, []) as addition_quotes,
        added.words as addition_words,
        actual.claim_id as actual_claim_id,
        actual.file as actual_file,
        actual.published_at as actual_published_at,
        actual.metric as actual_metric,
        actual.value_text as actual_value_text,
        actual.period_start as actual_period_start,
        actual.period_end as actual_period_end,
        actual.quote as actual_quote,
        plans.entity,
        plans.scope,
        shortfalls.relation,
        shortfalls.expected
    from shortfalls
    join plans on plans.claim_row = shortfalls.plan_row
    join named as plan on plan.claim_row = shortfalls.plan_row
    join named as actual on actual.claim_row = shortfalls.actual_row
    left join named as base on base.claim_row = shortfalls.base_row
    left join added
        on added.plan_row = shortfalls.plan_row and added.actual_row = shortfalls.actual_row
    -- every claim named must be dated, like claims_dated's (a missing base is none)
    where (shortfalls.base_row is null or base.claim_row is not null)
        and coalesce(added.undated, 0) = 0
),

final as (
    select
        list_filter([plan_claim_id, base_claim_id], lambda x: x is not null)
            || addition_claim_ids || [actual_claim_id] as claim_ids,
        list_filter([plan_file, base_file], lambda x: x is not null)
            || addition_files || [actual_file] as files,
        list_filter([plan_quote, base_quote], lambda x: x is not null)
            || addition_quotes || [actual_quote] as quotes,
        format(
            '{}{}: planned {} "{}" by {} ({}){}{}, but {} "{}" ({} to {}, {}) is below {}',
            entity, if(scope = 'global', '', ' in ' || scope),
            plan_metric, plan_value_text, plan_deadline, plan_file,
            if(base_claim_id is null, '',
               format(' on top of {} "{}" ({}, {})', base_metric, base_value_text,
                      base_period_end, base_file)),
            if(addition_words is null, '', format(' and {} announced beside it', addition_words)),
            actual_metric, actual_value_text, actual_period_start, actual_period_end,
            actual_file, expected
        ) as message,
        *
    from found
)

select * from final
order by entity, scope, plan_metric, plan_deadline, plan_claim_id, actual_claim_id
