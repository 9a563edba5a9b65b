-- When every part of a total (catalogue `parts`) is stated for an entity and period, the sum
-- of the parts agrees with the total: the summed interval [sum lo, sum hi] overlaps the
-- total's. Several claims for one part are combined into their hull (lowest lo, highest hi);
-- whether they agree with each other is same_time_claims_agree's business.
with

part_of as (
    select metric as total_metric, unnest(parts) as part_metric, len(parts) as part_count
    from staging.metric_catalogue
),

-- reported claims with their document's publication date (a temp view made once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
),

-- the reported claims of part metrics, bounds only, with a 64-bit hash of entity, total and
-- period; from raw.claims rather than claims_dated, for the screen below (a claim without a
-- document can only let more times through it), so the document join is paid for the
-- crowded times' claims, not for every part claim
part_claims as (
    select
        hash(claims.entity, part_of.total_metric, claims.period_start, claims.period_end)
            as time_hash,
        claims.doc_id,
        claims.entity,
        part_of.total_metric,
        part_of.part_count,
        claims.metric as part_metric,
        claims.period_start,
        claims.period_end,
        claims.value_lo,
        claims.value_hi,
        claims.lo_open,
        claims.hi_open
    from raw.claims as claims
    join part_of on part_of.part_metric = claims.metric
    where claims.status = 'reported'
),

-- a first screen: a total's parts can all be stated at a time only if it has at least as
-- many part claims then as it has parts. Counted on the hash (grouping 1.6M integers at 10M
-- claims, not rows of two strings and two dates); a collision only lets more times through.
crowded_times as (
    select time_hash
    from part_claims
    group by time_hash
    having count(*) >= min(part_count)
),

-- the crowded times' part claims that are dated (their document exists), as in claims_dated
crowded_parts as materialized (
    select *
    from part_claims
    semi join crowded_times using (time_hash)
),

dated_parts as (
    select * exclude (doc_id)
    from crowded_parts
    semi join raw.documents using (doc_id)
),

-- per part: the hull of its claims; bounds only, so this pass stays cheap
part_hulls as (
    select
        entity,
        total_metric,
        part_count,
        part_metric,
        period_start,
        period_end,
        min(value_lo) as lo,
        max(value_hi) as hi,
        arg_min(lo_open, value_lo) as lo_open,
        arg_max(hi_open, value_hi) as hi_open
    from dated_parts
    group by entity, total_metric, part_count, part_metric, period_start, period_end
),

sums as (
    select
        entity,
        total_metric,
        period_start,
        period_end,
        sum(lo) as lo,
        sum(hi) as hi,
        bool_or(lo_open) as lo_open,
        bool_or(hi_open) as hi_open
    from part_hulls
    group by entity, total_metric, part_count, period_start, period_end
    having count(*) = part_count
),

mismatches as (
    select
        sums.*,
        total.claim_id as total_claim_id,
        total.file as total_file,
        total.published_at as total_published_at,
        total.value_text as total_value_text,
        total.quote as total_quote
    from sums
    join dated as total
        on total.entity = sums.entity
        and total.metric = sums.total_metric
        and total.period_start = sums.period_start
        and total.period_end = sums.period_end
    where sums.hi < total.value_lo
        or total.value_hi < sums.lo
        or (sums.hi = total.value_lo and (sums.hi_open or total.lo_open))
        or (total.value_hi = sums.lo and (total.hi_open or sums.lo_open))
),

-- only now, for the few mismatches, gather the parts' claims, files and quotes
named_parts as (
    select
        mismatches.total_claim_id,
        -- in the parts' order; the columns after claim_id only order claims sharing an id,
        -- which would otherwise come in whatever order the join produced them
        list(part.claim_id order by part.metric, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_claim_ids,
        list(part.file order by part.metric, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_files,
        list(part.quote order by part.metric, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_quotes,
        string_agg(part.metric || ' "' || part.value_text || '"', ' + '
                   order by part.metric, part.claim_id, part.value_lo, part.value_hi,
                   part.file, part.quote) as part_words
    from mismatches
    join part_of on part_of.total_metric = mismatches.total_metric
    join dated as part
        on part.entity = mismatches.entity
        and part.metric = part_of.part_metric
        and part.period_start = mismatches.period_start
        and part.period_end = mismatches.period_end
    group by mismatches.total_claim_id
),

final as (
    select
        list_prepend(total_claim_id, part_claim_ids) as claim_ids,
        list_prepend(total_file, part_files) as files,
        list_prepend(total_quote, part_quotes) as quotes,
        format(
            '{}: {} "{}" ({}) for {} to {} disagrees with its parts {} = {} to {}',
            entity, total_metric, total_value_text, total_file, period_start, period_end,
            part_words, lo, hi
        ) as message,
        mismatches.*,
        named_parts.* exclude (total_claim_id)
    from mismatches
    join named_parts using (total_claim_id)
)

select * from final
order by entity, total_metric, period_start, total_claim_id
