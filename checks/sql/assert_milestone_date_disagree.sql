-- Two documents date one milestone differently. A milestone that dates itself (the Nth unit
-- reached on a day of its own words: "Starbucks Tuesday celebrated its 6,000th store", "which
-- opened on May 10, 2012"; reported or planned) says fewer than N had been reached before that
-- day. Another document's reported claim that N had been reached earlier contradicts that
-- date: the same Nth on an earlier day, or a level of N or more stated before it ("the first
-- city in the world to have 1,000 stores" on September 27, "its 1,000th store" on September
-- 30). A milestone dated only by its publication day ("its 40th market") says nothing of
-- when, so it is never the one dated wrongly; of the milestones one document names for one
-- day and scope, only the highest is reached that day (the others, "our first store", are
-- history recalled). Reports of one opening often disagree by days, so this warns; a higher
-- milestone dated before a lower one (the series falling) is cumulative_never_decreases's.
-- Repeated mentions of one fact in one document are one fact: one row per pair of facts.
-- Returns a, the earlier evidence, and b, the milestone it contradicts.
with

catalogue as (
    select metric, kind, milestone_of from staging.metric_catalogue
),

-- the milestones, with their document's publication date (milestones are few)
milestones as materialized (
    select
        claims.rowid as claim_row, claims.doc_id, claims.entity, claims.metric, claims.scope,
        claims.unit, claims.value_lo, claims.status, claims.period_start, claims.period_end,
        catalogue.milestone_of,
        own_date(claims.period_text, claims.period_start, claims.period_end,
                 documents.published_at) as own,
        max(claims.value_lo) over (
            partition by claims.doc_id, claims.entity, claims.metric, claims.scope,
                claims.status, claims.period_start, claims.period_end
        ) as highest
    from raw.claims as claims
    join catalogue using (metric)
    join raw.documents as documents using (doc_id)
    where catalogue.kind = 'milestone'
),

-- the milestones that date themselves: their own day, the highest of their document's then
dated as (
    select * from milestones where own and value_lo = highest
),

-- the reported levels of the stocks the dated milestones count, N or more (the milestones
-- are the build side)
levels as (
    select
        claims.rowid as claim_row, claims.doc_id, claims.entity, claims.metric, claims.scope,
        claims.unit, claims.value_lo, claims.period_end
    from raw.claims as claims
    semi join dated
        on dated.entity = claims.entity
        and dated.milestone_of = claims.metric
        and dated.scope = claims.scope
    where claims.status = 'reported'
),

pairs as (
    -- the same Nth, reported earlier by another document
    select earlier.claim_row as a_row, dated.claim_row as b_row
    from dated
    join milestones as earlier
        on earlier.entity = dated.entity
        and earlier.metric = dated.metric
        and earlier.scope = dated.scope
        and earlier.unit = dated.unit
        and earlier.value_lo = dated.value_lo
        and earlier.period_end < dated.period_start
        and earlier.doc_id <> dated.doc_id
    where earlier.status = 'reported'
    union all
    -- a level of N or more, reported earlier by another document
    select level.claim_row as a_row, dated.claim_row as b_row
    from dated
    join levels as level
        on level.entity = dated.entity
        and level.metric = dated.milestone_of
        and level.scope = dated.scope
        and level.unit = dated.unit
        and level.value_lo >= dated.value_lo
        and level.period_end < dated.period_start
        and level.doc_id <> dated.doc_id
),

named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named as (
    select
        claims.rowid as claim_row, claims.claim_id, claims.doc_id, claims.file, claims.entity,
        claims.metric, claims.scope, claims.unit, claims.status, claims.value_lo,
        claims.value_hi, claims.lo_open, claims.hi_open, claims.period_start,
        claims.period_end, claims.value_text, claims.quote, documents.published_at
    from raw.claims as claims
    join raw.documents as documents using (doc_id)
    where claims.rowid in (select claim_row from named_rows)
),

-- each side as a fact of its document (its mentions of one value at one time)
facts as (
    select
        a.file as a_file, a.published_at as a_published_at, a.metric as a_metric,
        a.value_lo as a_value_lo, a.value_hi as a_value_hi, a.lo_open as a_lo_open,
        a.hi_open as a_hi_open, a.period_start as a_period_start,
        a.period_end as a_period_end,
        b.file as b_file, b.published_at as b_published_at, b.metric as b_metric,
        b.value_lo as b_value_lo, b.status as b_status, b.period_start as b_period_start,
        b.period_end as b_period_end,
        b.entity, b.scope, b.unit,
        min(a.value_text) as a_value_text,
        min(b.value_text) as b_value_text,
        list(distinct {'claim_id': a.claim_id, 'quote': a.quote}) as a_mentions,
        list(distinct {'claim_id': b.claim_id, 'quote': b.quote}) as b_mentions
    from pairs
    join named as a on a.claim_row = pairs.a_row
    join named as b on b.claim_row = pairs.b_row
    group by all
),

final as (
    select
        list_transform(list_sort(a_mentions), lambda m: m.claim_id)
            || list_transform(list_sort(b_mentions), lambda m: m.claim_id) as claim_ids,
        list_transform(list_sort(a_mentions), lambda m: a_file)
            || list_transform(list_sort(b_mentions), lambda m: b_file) as files,
        list_transform(list_sort(a_mentions), lambda m: m.quote)
            || list_transform(list_sort(b_mentions), lambda m: m.quote) as quotes,
        format(
            '{}{}: {}{} "{}" is dated {} to {} ({}), but {} "{}" was stated for {} to {} ({})',
            entity, if(scope = 'global', '', ' in ' || scope),
            if(b_status = 'planned', 'planned ', ''), b_metric, b_value_text, b_period_start,
            b_period_end, b_file, a_metric, a_value_text, a_period_start, a_period_end, a_file
        ) as message,
        * exclude (a_mentions, b_mentions)
    from facts
)

select * from final
order by entity, scope, b_metric, b_period_start, b_file, a_period_end, a_file, claim_ids
