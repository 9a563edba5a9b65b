-- One document does not contradict itself. Two of its reported claims on the same entity,
-- metric, scope, unit and period give overlapping intervals ('disagrees'), and its claim about
-- a scope that lies within another (scopes.yaml `within`, transitively) is at most its claim
-- about that scope ('part exceeds total'); a floor (a milestone, an ordinal: "at least N") is
-- unbounded above. A writer seldom contradicts themself within a text: when its claims do, the
-- text most often speaks of two things the claims do not tell apart ("120 of the EV charging
-- stations were swaps" beside "209 of the charging stations deployed", both read as stations
-- in the US; "nearly 100 clubs now open in Canada, Australia, ..." read as worldwide beside
-- "its 1,250 U.S. gyms"). So this warns for review and quarantines nothing; between two
-- documents the same disagreements are errors (same_time_claims_agree, part_within_total).
-- Repeated mentions of one fact are one fact: one row per pair of facts, naming every mention.
with

catalogue as (
    select metric, kind from staging.metric_catalogue
),

-- each scope with every scope it lies within
part_of as (
    select scope as part_scope, unnest(ancestors) as total_scope
    from staging.scope_catalogue
),

-- whether a scope is a part (lies within another) or a total (has parts)
scope_roles as (
    select scope, depth > 0 as is_part, scope in (select total_scope from part_of) as is_total
    from staging.scope_catalogue
),

-- the reported claims with the columns the screens read, and two 64-bit keys: the claims one
-- document states about one metric at one time (time_hash), and of those, the ones about one
-- scope (scope_hash). Entity and unit are left out of the keys (hashing fewer strings), and a
-- collision only lets more claims through: the exact comparisons below check them all
keyed as materialized (
    select
        claims.rowid as claim_row,
        hash(claims.doc_id, claims.metric, claims.period_start, claims.period_end) as time_hash,
        hash(claims.doc_id, claims.metric, claims.period_start, claims.period_end, claims.scope)
            as scope_hash,
        claims.value_lo, claims.value_hi, claims.lo_open, claims.hi_open,
        roles.is_part, roles.is_total
    from raw.claims as claims
    left join scope_roles as roles using (scope)
    where claims.status = 'reported'
),

-- two screens, each a grouping of integers rather than a join: one scope stated more than once
-- at one time with intervals that do not all overlap (all intervals of a group overlap
-- pairwise iff the highest lower bound does not pass the lowest upper bound), and a time at
-- which some part's lower bound passes some total's upper bound. A floor's upper bound is read
-- as stated here (below unbounded: only more claims get through)
contested_scopes as (
    select scope_hash
    from keyed
    group by scope_hash
    having count(*) > 1
        and (
            max(value_lo) > min(value_hi)
            or (max(value_lo) = min(value_hi) and (bool_or(lo_open) or bool_or(hi_open)))
        )
),

exceeded_times as (
    select time_hash
    from keyed
    group by time_hash
    -- strictly, as a scope both a part and a total (Europe) meets itself here; equality with
    -- an excluded bound, from the claims that exclude it
    having max(value_lo) filter (where is_part) > min(value_hi) filter (where is_total)
        or max(value_lo) filter (where is_part and lo_open)
            >= min(value_hi) filter (where is_total)
        or max(value_lo) filter (where is_part)
            >= min(value_hi) filter (where is_total and hi_open)
),

-- the screened claims, read back by row number with the columns compared (a rowid filter lets
-- the scan skip the rest), a floor's upper bound unbounded
screened_rows as (
    select unnest(list(claim_row)) as claim_row
    from keyed
    where scope_hash in (select scope_hash from contested_scopes)
        or time_hash in (select time_hash from exceeded_times)
),

reported as materialized (
    select
        claims.rowid as claim_row, claims.doc_id, claims.entity, claims.metric, claims.scope,
        claims.unit, claims.value_lo, claims.lo_open, claims.period_start, claims.period_end,
        claims.char_start,
        if(is_floor(catalogue.kind, claims.qualifier), 'infinity'::double, claims.value_hi)
            as bound_hi,
        claims.hi_open and not is_floor(catalogue.kind, claims.qualifier) as bound_hi_open
    from raw.claims as claims
    left join catalogue using (metric)
    where claims.rowid in (select claim_row from screened_rows)
),

disagreements as (
    select a.claim_row as a_row, b.claim_row as b_row, 'disagrees' as relation
    from reported as a
    join reported as b
        on b.doc_id = a.doc_id
        and b.entity = a.entity
        and b.metric = a.metric
        and b.scope = a.scope
        and b.unit = a.unit
        and b.period_start = a.period_start
        and b.period_end = a.period_end
        and (a.char_start, a.claim_row) < (b.char_start, b.claim_row)
    where a.value_lo > b.bound_hi
        or b.value_lo > a.bound_hi
        or (a.bound_hi = b.value_lo and (a.bound_hi_open or b.lo_open))
        or (b.bound_hi = a.value_lo and (b.bound_hi_open or a.lo_open))
),

exceeding as (
    select part.claim_row as a_row, total.claim_row as b_row, 'part exceeds total' as relation
    from reported as part
    join part_of on part_of.part_scope = part.scope
    join reported as total
        on total.doc_id = part.doc_id
        and total.entity = part.entity
        and total.metric = part.metric
        and total.unit = part.unit
        and total.scope = part_of.total_scope
        and total.period_start = part.period_start
        and total.period_end = part.period_end
    where part.value_lo > total.bound_hi
        or (part.value_lo = total.bound_hi and (part.lo_open or total.bound_hi_open))
),

pairs as (
    select * from disagreements
    union all
    select * from exceeding
),

named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named as (
    select
        claims.rowid as claim_row, claims.claim_id, claims.file, claims.entity, claims.metric,
        claims.scope, claims.unit, claims.value_lo, claims.value_hi, claims.lo_open,
        claims.hi_open, claims.period_start, claims.period_end, claims.value_text,
        claims.quote, documents.published_at
    from raw.claims as claims
    join raw.documents as documents using (doc_id)
    where claims.rowid in (select claim_row from named_rows)
),

-- each side as a fact of the document (its mentions of one value)
facts as (
    select
        pairs.relation,
        a.scope as a_scope, a.value_lo as a_value_lo, a.value_hi as a_value_hi,
        a.lo_open as a_lo_open, a.hi_open as a_hi_open,
        b.scope as b_scope, b.value_lo as b_value_lo, b.value_hi as b_value_hi,
        b.lo_open as b_lo_open, b.hi_open as b_hi_open,
        a.file, a.published_at, a.entity, a.metric, a.unit, a.period_start, a.period_end,
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
        list_transform(list_sort(a_mentions) || list_sort(b_mentions), lambda m: file)
            as files,
        list_transform(list_sort(a_mentions), lambda m: m.quote)
            || list_transform(list_sort(b_mentions), lambda m: m.quote) as quotes,
        if(
            relation = 'disagrees',
            format(
                '{} ({}): {}{} "{}" and "{}" for {} to {} do not overlap',
                entity, file, metric, if(a_scope = 'global', '', ' in ' || a_scope),
                a_value_text, b_value_text, period_start, period_end
            ),
            format(
                '{} ({}): {} "{}" in {} exceeds "{}" {} for {} to {}',
                entity, file, metric, a_value_text, a_scope, b_value_text,
                if(b_scope = 'global', 'worldwide', 'in ' || b_scope), period_start, period_end
            )
        ) as message,
        * exclude (a_mentions, b_mentions)
    from facts
)

select * from final
order by file, entity, metric, period_start, relation, claim_ids
