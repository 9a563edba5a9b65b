-- When every part of a total (catalogue `parts`) is stated for an entity and period, the sum
-- of the parts agrees with the total: the summed interval [sum lo, sum hi] overlaps the
-- total's. Several claims for one part are combined into their hull (lowest lo, highest hi);
-- whether they agree with each other is same_time_claims_agree's business.
with

part_of as (
    select metric as total_metric, unnest(parts) as part_metric, len(parts) as part_count
    from staging.metric_catalogue
),

-- reported claims with their document's publication date (a temp table built once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its metrics' rows
dated as not materialized (
    select * from claims_dated
),

-- per part: the hull of its claims; bounds only, so this pass stays cheap
part_hulls as (
    select
        dated.entity,
        part_of.total_metric,
        part_of.part_count,
        dated.metric as part_metric,
        dated.period_start,
        dated.period_end,
        min(dated.value_lo) as lo,
        max(dated.value_hi) as hi,
        arg_min(dated.lo_open, dated.value_lo) as lo_open,
        arg_max(dated.hi_open, dated.value_hi) as hi_open
    from dated
    join part_of on part_of.part_metric = dated.metric
    group by all
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
        list(part.claim_id order by part.metric, part.claim_id, part.value_lo, part.value_hi, part.file, part.quote) as part_claim_ids,
        list(part.file order by part.metric, part.claim_id, part.value_lo, part.value_hi, part.file, part.quote) as part_files,
        list(part.quote order by part.metric, part.claim_id, part.value_lo, part.value_hi, part.file, part.quote) as part_quotes,
        string_agg(part.metric || ' "' || part.value_text || '"', ' + '
                   order by part.metric, part.claim_id, part.value_lo, part.value_hi, part.file, part.quote) as part_words
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
