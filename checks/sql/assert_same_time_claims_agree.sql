-- Two reported claims on the same entity, metric, scope and period (and unit: amounts in two
-- currencies are not compared) must describe overlapping intervals; a count in China and a
-- worldwide count are not the same fact, part_within_total compares those. Intervals [lo, hi]
-- with excluded ends (lo_open, hi_open) are disjoint when one ends below the other's start,
-- or they touch at a point that either of them excludes.
-- Returns one row per disagreeing pair; a is the earlier published (then the smaller id).
with

-- the reported claims, from raw.claims rather than claims_dated, for the two screens below: a
-- claim without a document can only let more times through them (a time is contested among
-- the dated claims only if it is among all reported ones); the pairs are then formed from
-- the dated claims alone, so the document join is paid for the contested times' claims, not
-- for 10M
reported as not materialized (
    select * from raw.claims where status = 'reported'
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
-- lowest upper bound (intervals on a line), so only the other groups need the pairwise join
contested_times as (
    select entity, metric, scope, unit, period_start, period_end
    from reported
    semi join repeated_times
        on repeated_times.time_hash = hash(reported.entity, reported.metric, reported.scope,
                                           reported.unit, reported.period_start,
                                           reported.period_end)
    group by entity, metric, scope, unit, period_start, period_end
    having count(*) > 1
        and (
            max(value_lo) > min(value_hi)
            or (max(value_lo) = min(value_hi) and (bool_or(lo_open) or bool_or(hi_open)))
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
    select contested_claims.* exclude (doc_id), documents.published_at
    from contested_claims
    join raw.documents as documents using (doc_id)
),

disagreements as (
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
        a.unit
    from contested as a
    join contested as b
        on b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.period_start = a.period_start
        and b.period_end = a.period_end
        and (
            a.published_at < b.published_at
            or (a.published_at = b.published_at and a.claim_id < b.claim_id)
        )
    where a.value_hi < b.value_lo
        or b.value_hi < a.value_lo
        or (a.value_hi = b.value_lo and (a.hi_open or b.lo_open))
        or (b.value_hi = a.value_lo and (b.hi_open or a.lo_open))
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} for {} to {}: "{}" ({}) disagrees with "{}" ({})',
            entity, if(scope = 'global', metric, metric || ' in ' || scope), a_period_start, a_period_end,
            a_value_text, a_file, b_value_text, b_file
        ) as message,
        *
    from disagreements
)

select * from final
order by entity, metric, scope, unit, a_period_start, a_claim_id, b_claim_id
