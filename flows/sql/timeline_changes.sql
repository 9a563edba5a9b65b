-- audit.timeline_changes for this run: each point of curated.metric_timeline (entity, metric,
-- scope, unit and period) whose published value or dispute mark differs from the previous
-- publication's (attached as `previous`): new, changed or removed. {dispute_before} is the
-- previous row's `dispute`, or null for a publication made before disputes existed.
with

before as (
    select entity, metric, scope, unit, period_start, period_end, value_text,
        {dispute_before} as dispute
    from previous.curated.metric_timeline
),

after as (
    select entity, metric, scope, unit, period_start, period_end, value_text, dispute
    from curated.metric_timeline
),

compared as (
    select
        entity, metric, scope, unit, period_start, period_end,
        before.value_text as value_before,
        after.value_text as value_after,
        before.dispute as dispute_before,
        after.dispute as dispute_after
    from before
    full outer join after using (entity, metric, scope, unit, period_start, period_end)
),

final as (
    select
        $run_id as run_id,
        $previous_run_id as previous_run_id,
        case
            when value_before is null then 'new'
            when value_after is null then 'removed'
            else 'changed'
        end as change,
        *
    from compared
    where value_before is distinct from value_after or dispute_before is distinct from dispute_after
)

select * from final
order by entity, metric, scope, unit, period_end, period_start
