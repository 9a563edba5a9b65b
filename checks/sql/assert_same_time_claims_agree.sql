-- Two documents that state the same entity, metric, scope and time (and unit: amounts in two
-- currencies are not compared) must give overlapping intervals; a count in China and a
-- worldwide count are not the same fact, part_within_total compares those. Intervals [lo, hi]
-- with excluded ends (lo_open, hi_open) are disjoint when one ends below the other's start,
-- or they touch at a point that either of them excludes. A floor (a milestone, an ordinal:
-- "at least N by then") is unbounded above, so two floors never disagree.
-- The same time is the same period, or, for two levels held on their documents' publication
-- days ("is currently available in 93 countries", or no date at all), publication a day
-- apart: a report's "now" is what its writer knew, often the day before it appears, so two
-- reports of one announcement on consecutive days speak of one moment.
-- One document disagreeing with itself is document_agrees_with_itself's (a warning): its
-- claims most often describe two things the text tells apart and the claims do not.
-- Returns one row per disagreeing pair; a is the earlier published (then the smaller id).
with

-- the reported claims, from raw.claims rather than claims_dated, for the two screens below: a
-- claim without a document can only let more times through them (a time is contested among
-- the dated claims only if it is among all reported ones); the pairs are then formed from
-- the dated claims alone, so the document join is paid for the contested times' claims, not
-- for 10M. A floor's upper bound is read as unbounded (bound_hi)
reported as not materialized (
    select
        claims.*,
        metrics.kind,
        if(is_floor(metrics.kind, claims.qualifier), 'infinity'::double, claims.value_hi)
            as bound_hi,
        claims.hi_open and not is_floor(metrics.kind, claims.qualifier) as bound_hi_open
    from raw.claims as claims
    left join staging.metric_catalogue as metrics using (metric)
    where claims.status = 'reported'
),

-- a first screen: the times stated by more than one claim, found on a 64-bit hash of entity,
-- metric, scope, unit and period (at 10M claims nearly every claim is alone at its time, and
-- grouping 10M integers is far cheaper than grouping 10M rows of four strings and two dates).
-- A collision only lets more claims through to the exact grouping below, never fewer.
repeated_times as (
    select hash(entity, metric, scope, unit, period_start, period_end) as time_hash
    from reported
    group by time_hash
    having count(*) > 1
),

-- all intervals of a group overlap pairwise iff the highest lower bound does not pass the
-- lowest upper bound (intervals on a line), so only the other groups need the pairwise join;
-- and a group stated by one document alone is another check's
contested_times as (
    select entity, metric, scope, unit, period_start, period_end
    from reported
    semi join repeated_times
        on repeated_times.time_hash = hash(reported.entity, reported.metric, reported.scope,
                                           reported.unit, reported.period_start,
                                           reported.period_end)
    group by entity, metric, scope, unit, period_start, period_end
    having count(*) > 1
        and min(doc_id) <> max(doc_id)
        and (
            max(value_lo) > min(bound_hi)
            or (max(value_lo) = min(bound_hi) and (bool_or(lo_open) or bool_or(bound_hi_open)))
        )
),

-- the contested times' claims, narrowed before their documents are joined: claims_dated's rows
-- (reported, with their document's publication date) at those times
contested_claims as materialized (
    select reported.*
    from reported
    semi join contested_times using (entity, metric, scope, unit, period_start, period_end)
),

contested as (
    select contested_claims.*, documents.published_at
    from contested_claims
    join raw.documents as documents using (doc_id)
),

same_period as (
    select
        a.claim_id as a_claim_id,
        a.file as a_file,
        a.published_at as a_published_at,
        a.period_start as a_period_start,
        a.period_end as a_period_end,
        a.value_text as a_value_text,
        a.value_lo as a_value_lo,
        a.value_hi as a_value_hi,
        a.quote as a_quote,
        b.claim_id as b_claim_id,
        b.file as b_file,
        b.published_at as b_published_at,
        b.period_start as b_period_start,
        b.period_end as b_period_end,
        b.value_text as b_value_text,
        b.value_lo as b_value_lo,
        b.value_hi as b_value_hi,
        b.quote as b_quote,
        a.entity,
        a.metric,
        a.scope,
        a.unit,
        'same period' as relation
    from contested as a
    join contested as b
        on b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.period_start = a.period_start
        and b.period_end = a.period_end
        and b.doc_id <> a.doc_id
        and (
            a.published_at < b.published_at
            or (a.published_at = b.published_at and a.claim_id < b.claim_id)
        )
    where a.value_lo > b.bound_hi
        or b.value_lo > a.bound_hi
        or (a.bound_hi = b.value_lo and (a.bound_hi_open or b.lo_open))
        or (b.bound_hi = a.value_lo and (b.bound_hi_open or a.lo_open))
),

-- the levels held on their document's publication day (found by a join on the two columns,
-- so only those claims' documents are read)
undated_levels as materialized (
    select reported.*, documents.published_at
    from reported
    join raw.documents as documents
        on documents.doc_id = reported.doc_id
        and documents.published_at = reported.period_start
    where reported.kind = 'stock'
        and reported.period_end = reported.period_start
        and not is_floor(reported.kind, reported.qualifier)
),

day_apart as (
    select
        a.claim_id as a_claim_id,
        a.file as a_file,
        a.published_at as a_published_at,
        a.period_start as a_period_start,
        a.period_end as a_period_end,
        a.value_text as a_value_text,
        a.value_lo as a_value_lo,
        a.value_hi as a_value_hi,
        a.quote as a_quote,
        b.claim_id as b_claim_id,
        b.file as b_file,
        b.published_at as b_published_at,
        b.period_start as b_period_start,
        b.period_end as b_period_end,
        b.value_text as b_value_text,
        b.value_lo as b_value_lo,
        b.value_hi as b_value_hi,
        b.quote as b_quote,
        a.entity,
        a.metric,
        a.scope,
        a.unit,
        'published a day apart' as relation
    from undated_levels as a
    join undated_levels as b
        on b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.published_at = a.published_at + 1
    where a.value_lo > b.bound_hi
        or b.value_lo > a.bound_hi
        or (a.bound_hi = b.value_lo and (a.bound_hi_open or b.lo_open))
        or (b.bound_hi = a.value_lo and (b.bound_hi_open or a.lo_open))
),

disagreements as (
    select * from same_period
    union all
    select * from day_apart
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        if(
            relation = 'same period',
            format(
                '{} {} for {} to {}: "{}" ({}) disagrees with "{}" ({})',
                entity, if(scope = 'global', metric, metric || ' in ' || scope),
                a_period_start, a_period_end, a_value_text, a_file, b_value_text, b_file
            ),
            format(
                '{} {}: "{}" ({}, as of {}) disagrees with "{}" ({}, as of {}), '
                'documents published a day apart about the same moment',
                entity, if(scope = 'global', metric, metric || ' in ' || scope),
                a_value_text, a_file, a_published_at, b_value_text, b_file, b_published_at
            )
        ) as message,
        *
    from disagreements
)

select * from final
order by entity, metric, scope, unit, a_period_start, a_claim_id, b_claim_id
