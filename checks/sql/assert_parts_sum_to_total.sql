-- When every part of a total (catalogue `parts`) is stated for an entity and period, the sum
-- of the parts agrees with the total: the summed interval [sum lo, sum hi] overlaps the
-- total's. Several claims for one part are combined into their hull (lowest lo, highest hi);
-- whether they agree with each other is same_time_claims_agree's business.
with

claims as (
    select * from raw.claims where status = 'reported'
),

documents as (
    select doc_id, published_at from raw.documents
),

part_of as (
    select metric as total_metric, unnest(parts) as part_metric, len(parts) as part_count
    from staging.metric_catalogue
),

dated as (
    select claims.*, documents.published_at
    from claims
    join documents using (doc_id)
),

part_hulls as (
    select
        entity,
        part_of.total_metric,
        part_of.part_count,
        metric as part_metric,
        period_start,
        period_end,
        min(value_lo) as lo,
        max(value_hi) as hi,
        arg_min(lo_open, value_lo) as lo_open,
        arg_max(hi_open, value_hi) as hi_open,
        list(claim_id order by claim_id) as claim_ids,
        list(file order by claim_id) as files,
        list(quote order by claim_id) as quotes,
        string_agg(metric || ' "' || value_text || '"', ' + ' order by claim_id) as words
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
        bool_or(hi_open) as hi_open,
        flatten(list(claim_ids order by part_metric)) as part_claim_ids,
        flatten(list(files order by part_metric)) as part_files,
        flatten(list(quotes order by part_metric)) as part_quotes,
        string_agg(words, ' + ' order by part_metric) as part_words
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
        *
    from mismatches
)

select * from final
order by entity, total_metric, period_start, total_claim_id
