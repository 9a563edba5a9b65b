-- What the SQL checks share, made once per run by flows.validate.prepare_staging: three macros
-- saying how a claim was stated, and claims_dated, the reported claims with their document's
-- publication date.
--
-- The number as written, without its hedge: "over 580", "nearly 580" and "about 580" (a band)
-- all state 580; "38 to 42" states [38, 42]. The warning checks compare these figures ("over
-- 60" countries after "70" reads as a fall of ten, though the intervals overlap); the error
-- checks compare the intervals (value_lo, value_hi), which say what cannot both hold.
create or replace temp macro stated_lo(qualifier, value_lo, value_hi) as
    case
        when qualifier in ('nearly', 'up_to', 'under') then value_hi
        when qualifier = 'about' then (value_lo + value_hi) / 2
        else value_lo
    end;

create or replace temp macro stated_hi(qualifier, value_lo, value_hi) as
    case
        when qualifier in ('over', 'at_least') then value_lo
        when qualifier = 'about' then (value_lo + value_hi) / 2
        when value_hi = 'infinity'::double then value_lo
        else value_hi
    end;

-- A floor says "at least N by then", nothing more: the Nth one reached (a milestone metric:
-- "its 500th store") or the Nth of a flow ("its 105th new store this year", qualifier
-- ordinal). Its value_hi is the N written, but the level may be anything from N up, so the
-- checks read a floor's upper bound as unbounded: two floors never disagree ("its first
-- store" and "its 30,000th store" on one day), and a floor shows no fall.
create or replace temp macro is_floor(kind, qualifier) as
    coalesce(kind = 'milestone', false) or coalesce(qualifier = 'ordinal', false);

-- A claim dated by its own words ("on May 10, 2012", "in H1 2025"), rather than by the
-- publication date that a fact with no date of its own is given ("now operates in 45
-- countries" holds as of publication). A claims table has no period_text: a row's period is
-- its own unless it is just the publication day.
create or replace temp macro own_date(period_text, period_start, period_end, published_at) as
    period_text is not null or period_start <> published_at or period_end <> published_at;

-- The reported claims with their document's publication date and only the columns the
-- consistency checks read, as one definition the SQL checks share. A temp view (this
-- connection, this run, like pending_violations), not a temp table: at 10M claims the table
-- was 1.2 GB of uncompressed rows against the 1 GB memory limit, so it spilled, and every
-- check (and pandera's pass) read it back from disk: cumulative_never_decreases took 16.7 s on
-- the table and 11.5 s reading raw.claims (compressed, 226 MB) through the view. At 1M the
-- table is a little faster (0.2 s to build, 142 MB), but the stage is judged at 10M.
create or replace temp view claims_dated as
with

claims as (
    select * from raw.claims where status = 'reported'
),

documents as (
    select doc_id, published_at from raw.documents
),

metrics as (
    select metric, kind from staging.metric_catalogue
),

final as (
    select
        claims.claim_id,
        claims.doc_id,
        claims.file,
        claims.entity,
        claims.metric,
        claims.scope,
        claims.unit,
        claims.value_lo,
        claims.value_hi,
        claims.lo_open,
        claims.hi_open,
        claims.qualifier,
        claims.value_text,
        claims.period_start,
        claims.period_end,
        claims.period_text,
        claims.quote,
        documents.published_at,
        metrics.kind,
        is_floor(metrics.kind, claims.qualifier) as floor,
        -- the upper bound the checks compare: unbounded for a floor
        if(is_floor(metrics.kind, claims.qualifier), 'infinity'::double, claims.value_hi)
            as bound_hi,
        own_date(claims.period_text, claims.period_start, claims.period_end,
                 documents.published_at) as own_date,
        stated_lo(claims.qualifier, claims.value_lo, claims.value_hi) as stated_lo,
        stated_hi(claims.qualifier, claims.value_lo, claims.value_hi) as stated_hi
    from claims
    join documents using (doc_id)
    left join metrics using (metric)
)

select * from final
