-- A plan whose period has ended by the run's reference date (staging.validation_context,
-- normally today) should be confirmed by a reported fact:
--   * a planned claim by a reported claim on the same entity, metric and scope (in the same
--     unit: a plan in euros by a report in euros), about a time from the plan's start on,
--     whose interval overlaps the plan's;
--   * a planned event by a reported event with the same entity, type and subject, from the
--     plan's start on.
-- An unconfirmed plan may simply be unreported yet, hence severity warn.
with

-- not materialized: used twice (plans, facts), each use reads only its rows and columns
-- rather than a materialized copy of every claim with every column
claims as not materialized (
    select * from raw.claims
),

events as (
    select * from raw.events
),

documents as (
    select doc_id, published_at from raw.documents
),

context as (
    select as_of from staging.validation_context
),

due_claims as (
    select claims.*
    from claims, context
    where claims.status = 'planned' and claims.period_end < context.as_of
),

-- the reported claims that could confirm a due plan: the plans (few) are the build side and
-- the claims stream past them once, so no hash table of every reported claim is built (and
-- with no plan due, nothing is)
candidate_facts as (
    select fact.*
    from claims as fact
    semi join due_claims as plan
        on fact.entity = plan.entity
        and fact.metric = plan.metric
        and fact.scope = plan.scope
        and fact.unit = plan.unit
    where fact.status = 'reported'
),

unconfirmed_claims as (
    select
        plan.claim_id as a_id,
        'claim' as kind,
        plan.file as a_file,
        plan.period_start as a_period_start,
        plan.period_end as a_period_end,
        plan.metric || if(plan.scope = 'global', '', ' in ' || plan.scope)
            || ' "' || plan.value_text || '"' as plan_words,
        plan.quote as a_quote,
        plan.entity,
        plan.doc_id
    from due_claims as plan
    anti join candidate_facts as fact
        on fact.entity = plan.entity
        and fact.metric = plan.metric
        and fact.scope = plan.scope
        and fact.unit = plan.unit
        and fact.period_end >= plan.period_start
        and not (
            fact.value_hi < plan.value_lo
            or plan.value_hi < fact.value_lo
            or (fact.value_hi = plan.value_lo and (fact.hi_open or plan.lo_open))
            or (plan.value_hi = fact.value_lo and (plan.hi_open or fact.lo_open))
        )
),

due_events as (
    select events.*
    from events, context
    where events.status = 'planned' and events.period_end < context.as_of
),

unconfirmed_events as (
    select
        plan.event_id as a_id,
        'event' as kind,
        plan.file as a_file,
        plan.period_start as a_period_start,
        plan.period_end as a_period_end,
        plan.event_type || ' "' || plan.subject || '"' as plan_words,
        plan.quote as a_quote,
        plan.entity,
        plan.doc_id
    from due_events as plan
    anti join events as fact
        on fact.status = 'reported'
        and fact.entity = plan.entity
        and fact.event_type = plan.event_type
        and fact.subject = plan.subject
        and fact.period_end >= plan.period_start
),

unconfirmed as (
    select * from unconfirmed_claims
    union all
    select * from unconfirmed_events
),

final as (
    select
        [a_id] as claim_ids,
        [a_file] as files,
        [a_quote] as quotes,
        format(
            '{} planned {} for {} to {} ({}, published {}) has passed with no confirming report by {}',
            entity, plan_words, a_period_start, a_period_end, a_file, documents.published_at,
            context.as_of
        ) as message,
        unconfirmed.* exclude (doc_id),
        documents.published_at as a_published_at
    from unconfirmed
    join documents using (doc_id)
    cross join context
)

select * from final
order by a_file, a_id
