-- A reported event is not dated after its document was published (a future launch is
-- status planned). Events are not quarantined, hence severity warn in the catalogue.
with

events as (
    select * from raw.events where status = 'reported'
),

documents as (
    select doc_id, published_at from raw.documents
),

too_late as (
    select
        events.event_id as a_event_id,
        events.file as a_file,
        documents.published_at as a_published_at,
        events.period_start as a_period_start,
        events.period_end as a_period_end,
        events.event_type,
        events.subject,
        events.quote as a_quote,
        events.entity
    from events
    join documents using (doc_id)
    where events.period_end > documents.published_at
),

final as (
    select
        [a_event_id] as claim_ids,
        [a_file] as files,
        [a_quote] as quotes,
        format(
            '{} {} "{}" is reported for {} to {}, after its document was published on {} ({})',
            entity, event_type, subject, a_period_start, a_period_end, a_published_at, a_file
        ) as message,
        *
    from too_late
)

select * from final
order by a_file, a_event_id
