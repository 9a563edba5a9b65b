-- The stated parts of a total never sum past it: for the same entity, metric, unit and period,
-- the claims about the regions directly `within` a scope (catalogue/scopes.yaml: Europe and
-- Asia within global, China and Japan within Asia) add up to at most the claim about that
-- scope: the sum of the parts' lower bounds <= the total's upper bound (strictly when one of
-- those bounds is excluded). Only the parts stated are summed, so the rule holds whether or
-- not every part of the total is known; one part alone is part_within_total's rule, so two or
-- more are needed here. Regions only: regions within one scope are taken to be disjoint
-- places, where a segment (international, domestic) overlaps them. A part stated by several
-- claims counts with the lowest of their lower bounds (whether they agree is
-- same_time_claims_agree's business).
with

-- each region with the scope it lies directly within
direct_parts as (
    select scope as part_scope, within as total_scope
    from staging.scope_catalogue
    where kind = 'region' and within is not null
),

-- reported claims with their document's publication date (a temp view made once per run by
-- flows.validate.prepare_staging); not materialized, so each use keeps only its rows
dated as not materialized (
    select * from claims_dated
),

-- the reported claims about a part, bounds only, with a 64-bit hash of entity, metric, unit,
-- total and period; from raw.claims rather than claims_dated, for the screen below (a claim
-- without a document can only let more times through it), so the document join is paid for
-- the crowded times' claims, not for every part claim
part_claims as (
    select
        hash(claims.entity, claims.metric, claims.unit, direct_parts.total_scope,
             claims.period_start, claims.period_end) as time_hash,
        claims.doc_id,
        claims.entity,
        claims.metric,
        claims.unit,
        direct_parts.total_scope,
        claims.scope as part_scope,
        claims.period_start,
        claims.period_end,
        claims.value_lo,
        claims.lo_open
    from raw.claims as claims
    join direct_parts on direct_parts.part_scope = claims.scope
    where claims.status = 'reported'
),

-- a first screen: parts can sum past their total at a time only if two or more of them are
-- stated then. Counted on the hash (grouping integers, not rows of strings and dates), and
-- as two parts differing rather than a distinct count; a collision only lets more through.
crowded_times as (
    select time_hash
    from part_claims
    group by time_hash
    having min(part_scope) <> max(part_scope)
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

-- per part: the lowest lower bound of its claims, closed if any claim includes it (structs
-- order by their fields in turn, and false before true)
part_lows as (
    select
        entity,
        metric,
        unit,
        total_scope,
        part_scope,
        period_start,
        period_end,
        min({'v': value_lo, 'open': lo_open}) as low
    from dated_parts
    group by entity, metric, unit, total_scope, part_scope, period_start, period_end
),

sums as (
    select
        entity,
        metric,
        unit,
        total_scope,
        period_start,
        period_end,
        sum(low.v) as lo,
        bool_or(low.open) as lo_open,
        count(*) as part_count
    from part_lows
    group by entity, metric, unit, total_scope, period_start, period_end
    having count(*) > 1
),

mismatches as (
    select
        sums.*,
        total.claim_id as total_claim_id,
        total.file as total_file,
        total.published_at as total_published_at,
        total.value_text as total_value_text,
        total.value_hi as total_value_hi,
        total.quote as total_quote
    from sums
    join dated as total
        on total.entity = sums.entity
        and total.metric = sums.metric
        and total.unit = sums.unit
        and total.scope = sums.total_scope
        and total.period_start = sums.period_start
        and total.period_end = sums.period_end
    -- a total that is a floor ("its 500th store") is unbounded above: no parts pass it
    where sums.lo > total.bound_hi
        or (sums.lo = total.bound_hi and (sums.lo_open or (total.hi_open and not total.floor)))
),

-- only now, for the few mismatches, gather the parts' claims, files and quotes
named_parts as (
    select
        mismatches.total_claim_id,
        mismatches.entity,
        mismatches.metric,
        mismatches.unit,
        mismatches.total_scope,
        mismatches.period_start,
        mismatches.period_end,
        -- in the parts' order; the columns after claim_id only order claims sharing an id,
        -- which would otherwise come in whatever order the join produced them
        list(part.claim_id order by part.scope, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_claim_ids,
        list(part.file order by part.scope, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_files,
        list(part.quote order by part.scope, part.claim_id, part.value_lo, part.value_hi,
             part.file, part.quote) as part_quotes,
        string_agg(part.scope || ' "' || part.value_text || '"', ' + '
                   order by part.scope, part.claim_id, part.value_lo, part.value_hi,
                   part.file, part.quote) as part_words
    from mismatches
    join direct_parts on direct_parts.total_scope = mismatches.total_scope
    join dated as part
        on part.entity = mismatches.entity
        and part.metric = mismatches.metric
        and part.unit = mismatches.unit
        and part.scope = direct_parts.part_scope
        and part.period_start = mismatches.period_start
        and part.period_end = mismatches.period_end
    group by
        mismatches.total_claim_id, mismatches.entity, mismatches.metric, mismatches.unit,
        mismatches.total_scope, mismatches.period_start, mismatches.period_end
),

final as (
    select
        list_prepend(total_claim_id, part_claim_ids) as claim_ids,
        list_prepend(total_file, part_files) as files,
        list_prepend(total_quote, part_quotes) as quotes,
        format(
            '{}: {} "{}" {} ({}) for {} to {} is below its parts {}, at least {} together',
            entity, metric, total_value_text,
            if(total_scope = 'global', 'worldwide', 'in ' || total_scope), total_file,
            period_start, period_end, part_words, lo
        ) as message,
        mismatches.*,
        named_parts.* exclude (
            total_claim_id, entity, metric, unit, total_scope, period_start, period_end
        )
    from mismatches
    join named_parts
        using (total_claim_id, entity, metric, unit, total_scope, period_start, period_end)
)

select * from final
order by entity, metric, total_scope, period_start, total_claim_id
