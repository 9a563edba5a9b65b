-- A count went down, as written: for an entity in a scope, a later statement's figure is
-- below an earlier one's. The figures are the numbers written (stated_lo / stated_hi in
-- claims_dated.sql): "over 60 countries" after "70 countries" reads as a fall of ten, though
-- "over 60" does not exclude 70, and a writer with 70 to tell would have said so. A warning,
-- never an error: stores close and countries are left (can_fall), figures are rounded, and a
-- reader should look. Three ways, each a `relation`:
--   * 'level fell': two claims of one level (a stock), a's period ending before b's starts,
--     b's figure (its highest end) below a's (its lowest). A fall that the intervals prove for
--     a level that cannot fall is cumulative_never_decreases's error, so it is left out here;
--   * 'below a milestone': a level (stores operated) stated below the Nth unit reached at or
--     before its time ("its 30,000th store" and "more than 25,000 stores" on one day), which
--     closures allow (presence can fall below openings ever);
--   * 'window fell': two flows over windows of one length that overlap, slid forward in time
--     ("more than 1,100 stores opened in the past five years", then "more than 900" a year
--     later): the shared years count in both, so a fall says the newest year opened fewer
--     than the year dropped, or a figure is wrong. Windows of other lengths (a year to date, a
--     half-year, five years) are different kinds of count and never compared; nor are
--     windows that do not overlap (openings may slow from one year to the next).
-- A floor (a milestone, an ordinal: "at least N by then") shows no fall, so it is never the
-- later claim; as the earlier one it names its N.
-- Returns one row per pair (a earlier, b later).
with

catalogue as (
    select metric, kind, can_fall, milestone_of from staging.metric_catalogue
),

-- the reported claims that can take part, from raw.claims rather than claims_dated: a claim
-- without a document is compared too, but the pairs are joined back to the dated claims
-- below, where it is not, so a pair naming it is dropped there as if it had never been
-- compared; the document join is paid for the few claims named. Each carries its row number
-- (rowid) in raw.claims, by which the few claims named are read back below, and its figures as
-- written. One scan: levels, milestones, and flows over more than a day (a window of one day
-- cannot overlap another without being it)
reported as materialized (
    select
        claims.rowid as claim_row,
        -- one 64-bit key per series, for the joins below (a collision is undone at the end)
        hash(claims.entity, claims.metric, claims.scope, claims.unit) as series,
        -- for a milestone, the series of the level it counts
        if(catalogue.kind = 'milestone',
           hash(claims.entity, catalogue.milestone_of, claims.scope, claims.unit), null)
            as milestone_series,
        claims.period_start, claims.period_end, catalogue.kind,
        is_floor(catalogue.kind, claims.qualifier) as floor,
        stated_lo(claims.qualifier, claims.value_lo, claims.value_hi) as stated_lo,
        stated_hi(claims.qualifier, claims.value_lo, claims.value_hi) as stated_hi
    from raw.claims as claims
    join catalogue using (metric)
    where claims.status = 'reported'
        and (
            catalogue.kind in ('stock', 'milestone')
            or (claims.period_end > claims.period_start
                and not is_floor(catalogue.kind, claims.qualifier))
        )
),

levels as (
    select * from reported where kind = 'stock'
),

-- two statements of one level, the later figure below the earlier (the hash join checks both
-- inequalities as it matches); the falls that cumulative_never_decreases proves are taken out
-- when the few pairs are read back
level_falls as (
    select earlier.claim_row as a_row, later.claim_row as b_row, 'level fell' as relation
    from levels as later
    join levels as earlier
        on earlier.series = later.series
        and earlier.period_end < later.period_start
        and later.stated_hi < earlier.stated_lo
    where not later.floor
),

-- a level below the Nth unit reached at or before its time, in its scope: the milestones are
-- few, so the levels of their series are picked first (a semi join that hashes the
-- milestones), and only those are paired
milestones as (
    select * from reported where kind = 'milestone'
),

milestone_levels as (
    select levels.*
    from levels
    semi join milestones on milestones.milestone_series = levels.series
),

below_milestones as (
    select milestone.claim_row as a_row, level.claim_row as b_row, 'below a milestone' as relation
    from milestones as milestone
    join milestone_levels as level
        on level.series = milestone.milestone_series
        and milestone.period_end <= level.period_start
        and level.stated_hi < milestone.stated_lo
    where not level.floor
),

-- the flows over windows longer than a day
windows as (
    select *, period_end - period_start as days
    from reported
    where kind = 'flow'
),

window_falls as (
    select earlier.claim_row as a_row, later.claim_row as b_row, 'window fell' as relation
    from windows as later
    join windows as earlier
        on earlier.series = later.series
        and earlier.period_start < later.period_start
        and earlier.period_end < later.period_end
        and earlier.period_end >= later.period_start
        and later.stated_hi < earlier.stated_lo
    -- one length: within a day and a hundredth (five years: 1,826 or 1,827 days)
    where abs(later.days - earlier.days) <= 1 + greatest(later.days, earlier.days) / 100
),

pairs as (
    select * from level_falls
    union all
    select * from below_milestones
    union all
    select * from window_falls
),

-- the rows named, read back by row number: a rowid filter lets the scan fetch the wide
-- columns (file, texts, quote) of those rows only. The row numbers as one list unnested:
-- DuckDB then expects few of them and pushes them into the scan
named_rows as (
    select unnest(list(distinct claim_row)) as claim_row
    from (select a_row as claim_row from pairs union all select b_row from pairs)
),

named_claims as materialized (
    select
        rowid as claim_row, claim_id, doc_id, entity, metric, scope, unit, value_lo, value_hi,
        lo_open, hi_open, period_start, period_end, file, value_text, quote
    from raw.claims
    where rowid in (select claim_row from named_rows)
),

-- claims_dated's rows for them: with their document's publication date, if it has one
named as (
    select named_claims.* exclude (doc_id), documents.published_at
    from named_claims
    join raw.documents as documents using (doc_id)
),

-- each side as a fact of its document (its mentions of one value at one time): repeated
-- mentions of one fact are one fact, so one row per pair of facts names every mention
falls as (
    select
        a.file as a_file, a.published_at as a_published_at, a.period_start as a_period_start,
        a.period_end as a_period_end, a.metric as a_metric, a.value_lo as a_value_lo,
        a.value_hi as a_value_hi, a.lo_open as a_lo_open, a.hi_open as a_hi_open,
        b.file as b_file, b.published_at as b_published_at, b.period_start as b_period_start,
        b.period_end as b_period_end, b.metric as b_metric, b.value_lo as b_value_lo,
        b.value_hi as b_value_hi, b.lo_open as b_lo_open, b.hi_open as b_hi_open,
        b.entity, b.scope, b.unit, pairs.relation,
        min(a.value_text) as a_value_text,
        min(b.value_text) as b_value_text,
        list(distinct {'claim_id': a.claim_id, 'quote': a.quote}) as a_mentions,
        list(distinct {'claim_id': b.claim_id, 'quote': b.quote}) as b_mentions
    from pairs
    join named as a on a.claim_row = pairs.a_row
    join named as b on b.claim_row = pairs.b_row
    join catalogue on catalogue.metric = b.metric
    -- one series (the joins compared hashes): the same metric, or a milestone of the level
    where a.entity = b.entity and a.scope = b.scope and a.unit = b.unit
        and (a.metric = b.metric or pairs.relation = 'below a milestone')
        -- a fall the intervals prove for a level that cannot fall is the error alone
        and not (
            pairs.relation = 'level fell'
            and not catalogue.can_fall
            and (
                b.value_hi < a.value_lo
                or (b.value_hi = a.value_lo and (a.lo_open or b.hi_open))
            )
        )
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
            '{}{}: {} "{}" ({} to {}, {}) {} {} "{}" ({} to {}, {})',
            entity, if(scope = 'global', '', ' in ' || scope),
            b_metric, b_value_text, b_period_start, b_period_end, b_file,
            case relation
                when 'below a milestone' then 'is below'
                when 'window fell' then 'over a window of the same length fell below'
                else 'fell below'
            end,
            a_metric, a_value_text, a_period_start, a_period_end, a_file
        ) as message,
        * exclude (a_mentions, b_mentions)
    from falls
)

select * from final
order by entity, scope, b_metric, b_period_start, b_file, a_period_start, a_file, claim_ids
