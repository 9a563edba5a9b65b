-- A level that cannot fall (catalogue/metrics.yaml `can_fall: false`: units delivered since
-- launch, the Nth market entered) never decreases for an entity in a scope (worldwide; in
-- Europe is a series of its own). For reported claims a and b where a's period ends before
-- b's starts, b.hi >= a.lo must hold; when a's lower bound or b's upper bound is excluded
-- ("over 580"), equality breaks the rule too. Claims whose periods overlap are not ordered in
-- time (same-time restatements belong to same_time_claims_agree).
-- A milestone is a floor ("its 40th market": at least 40 by then), so a later one naming a
-- smaller N is no fall ("it all started with our first store" after "our 500th store"), unless
-- it dates itself: the Nth reached on a day of its own words, the highest its document names
-- for that day in that scope, says fewer than N had been reached before that day, so an earlier
-- claim of more is a fall (the 400th market entered in 2026 after the 500th in 2025). The same
-- N dated twice is milestone_date_disagree's, and a count that can fall (stores, markets
-- operated in) going down is count_fell's: both warnings.
-- Returns one row per violating pair (a earlier, b later).
with

never_falls as (
    select metric, kind from staging.metric_catalogue where not can_fall
),

-- the reported claims of those metrics with only the columns the comparison reads: the
-- pairwise join hashes these, not every column. Each carries its row number (rowid) in
-- raw.claims, by which the few claims named are read back below. Read from raw.claims, not
-- claims_dated: a claim without a document is compared too, but the pairs are joined back to
-- the dated claims below, where it is not, so a pair naming it is dropped there as if it had
-- never been compared; the document join is paid for the few claims named (and the floors)
series_claims as materialized (
    select
        claims.rowid as claim_row, claims.claim_id, claims.doc_id, claims.entity,
        claims.metric, claims.scope, claims.value_lo, claims.value_hi, claims.lo_open,
        claims.hi_open, claims.period_start, claims.period_end, claims.period_text,
        is_floor(never_falls.kind, claims.qualifier) as floor
    from raw.claims as claims
    join never_falls using (metric)
    where claims.status = 'reported'
),

-- the floors that date themselves (by their own words, so their document's publication date
-- is read: floors are few) and are the highest their document names for that day and scope
dated_floors as (
    select claim_row
    from (
        select
            floors.claim_row,
            floors.value_lo,
            own_date(floors.period_text, floors.period_start, floors.period_end,
                     documents.published_at) as own,
            max(floors.value_lo) over (
                partition by floors.doc_id, floors.entity, floors.metric, floors.scope,
                    floors.period_start, floors.period_end
            ) as highest
        from series_claims as floors
        join raw.documents as documents using (doc_id)
        where floors.floor
    )
    where own and value_lo = highest
),

-- each claim's bounds as compared: a floor that dates itself is N on its day; any other floor
-- is "N or more", unbounded above
series as (
    select
        series_claims.claim_row, entity, metric, scope, value_lo, lo_open, period_start,
        period_end,
        case
            when not floor then value_hi
            when dated_floors.claim_row is not null then value_lo
            else 'infinity'::double
        end as value_hi,
        hi_open and not floor as hi_open
    from series_claims
    left join dated_floors using (claim_row)
),

-- the violating pairs of rows. Every claim of a series meets every earlier one (27M pairs at
-- 10M claims when markets_count was judged here; the bench's series can all fall now, and go
-- to count_fell), so the join itself keeps only the pairs where the later upper bound is at most
-- the earlier lower bound (the hash join checks that as it matches; a screen with a window
-- over the series took longer), and the rule decides on those
pairs as (
    select earlier.claim_row as a_row, later.claim_row as b_row
    from series as later
    join series as earlier
        on earlier.entity = later.entity
        and earlier.metric = later.metric
        and earlier.scope = later.scope
        and earlier.period_end < later.period_start
        and later.value_hi <= earlier.value_lo
    where later.value_hi < earlier.value_lo
        or (later.value_hi = earlier.value_lo and (earlier.lo_open or later.hi_open))
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only, where looking them up by claim id decoded
-- them for all 9.7M reported claims first (~0.7 CPU-s at 10M claims). The row numbers as one
-- list unnested: DuckDB then expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named_claims as materialized (
    select
        rowid as claim_row, claim_id, doc_id, entity, metric, scope, value_lo, value_hi,
        period_start, period_end, file, value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
dated as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

decreases as (
    select
        earlier.claim_id as a_claim_id,
        earlier.file as a_file,
        earlier.published_at as a_published_at,
        earlier.period_start as a_period_start,
        earlier.period_end as a_period_end,
        earlier.value_text as a_value_text,
        earlier.value_lo as a_value_lo,
        earlier.value_hi as a_value_hi,
        earlier.quote as a_quote,
        later.claim_id as b_claim_id,
        later.file as b_file,
        later.published_at as b_published_at,
        later.period_start as b_period_start,
        later.period_end as b_period_end,
        later.value_text as b_value_text,
        later.value_lo as b_value_lo,
        later.value_hi as b_value_hi,
        later.quote as b_quote,
        later.entity,
        later.metric,
        later.scope
    from pairs
    join dated as earlier on earlier.claim_row = pairs.a_row
    join dated as later on later.claim_row = pairs.b_row
),

final as (
    select
        [a_claim_id, b_claim_id] as claim_ids,
        [a_file, b_file] as files,
        [a_quote, b_quote] as quotes,
        format(
            '{} {} fell from "{}" ({} to {}, {}) to "{}" ({} to {}, {})',
            entity, if(scope = 'global', metric, metric || ' in ' || scope),
            a_value_text, a_period_start, a_period_end, a_file,
            b_value_text, b_period_start, b_period_end, b_file
        ) as message,
        *
    from decreases
)

select * from final
order by entity, metric, scope, b_period_start, b_claim_id, a_claim_id
