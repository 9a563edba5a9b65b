-- curated.events: launches, partnerships and market entries, with their check status
-- (event checks warn, they never quarantine).
with

events as (
    select * from warehouse.raw.events
),

documents as (
    select doc_id, published_at, publisher from warehouse.raw.documents
),

named as (
    select unnest(claim_ids) as event_id, check_id, status
    from warehouse.audit.violations
    where run_id = (select run_id from publish_context)
),

flags as (
    select
        event_id,
        bool_or(status = 'fail') as warned,
        list(distinct check_id order by check_id) as flagged_by
    from named
    group by event_id
),

final as (
    select
        events.event_id,
        events.entity,
        events.event_type,
        events.subject,
        events.period_start,
        events.period_end,
        events.period_text,
        events.status,
        case
            when flags.warned then 'warn'
            when flags.event_id is not null then 'excepted'
            else 'pass'
        end as check_status,
        coalesce(flags.flagged_by, []::varchar[]) as flagged_by,
        events.doc_id,
        events.file,
        documents.published_at,
        documents.publisher,
        events.quote,
        events.char_start,
        events.char_end,
        events.source,
        events.rule_id
    from events
    join documents using (doc_id)
    left join flags using (event_id)
)

select * from final
order by entity, period_start, period_end, event_type, subject, event_id
