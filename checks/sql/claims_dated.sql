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

final as (
    select
        claims.claim_id,
        claims.file,
        claims.entity,
        claims.metric,
        claims.scope,
        claims.unit,
        claims.value_lo,
        claims.value_hi,
        claims.lo_open,
        claims.hi_open,
        claims.value_text,
        claims.period_start,
        claims.period_end,
        claims.quote,
        documents.published_at
    from claims
    join documents using (doc_id)
)

select * from final
