-- curated.claims: the claims that passed this run's checks, i.e. every claim of the ledger
-- except those an error-severity violation quarantined in this run. check_status says how
-- each one fared: pass, warn (named by a failed warn-severity check), excepted (named only
-- by violations covered by a reviewed exception) or disputed (named by a failed error-severity
-- check and kept: its dispute was decided for it, flows/resolve). A claim in one of this
-- run's disputes carries the dispute and its side: kept, or, where only warnings named it
-- (nothing is quarantined then), outlier or tied.
with

claims as (
    select * from warehouse.raw.claims
),

documents as (
    select doc_id, published_at, publisher from warehouse.raw.documents
),

quarantined as (
    select distinct claim_id
    from warehouse.quarantine.claims
    where run_id = (select run_id from publish_context)
),

named as (
    select unnest(claim_ids) as claim_id, check_id, severity, status
    from warehouse.audit.violations
    where run_id = (select run_id from publish_context)
),

disputes as (
    select claim_id, dispute_id, side as dispute_side
    from warehouse.audit.dispute_claims
    where run_id = (select run_id from publish_context)
),

flags as (
    select
        claim_id,
        bool_or(status = 'fail' and severity = 'error') as kept_against_error,
        bool_or(status = 'fail') as warned,
        list(distinct check_id order by check_id) as flagged_by
    from named
    group by claim_id
),

final as (
    select
        claims.claim_id,
        claims.entity,
        claims.metric,
        claims.scope,
        claims.value_lo,
        claims.value_hi,
        claims.lo_open,
        claims.hi_open,
        claims.qualifier,
        claims.unit,
        claims.value_text,
        claims.period_start,
        claims.period_end,
        claims.period_text,
        claims.status,
        case
            when flags.kept_against_error then 'disputed'
            when flags.warned then 'warn'
            when flags.claim_id is not null then 'excepted'
            else 'pass'
        end as check_status,
        coalesce(flags.flagged_by, []::varchar[]) as flagged_by,
        disputes.dispute_id,
        disputes.dispute_side,
        claims.doc_id,
        claims.file,
        documents.published_at,
        documents.publisher,
        claims.quote,
        claims.char_start,
        claims.char_end,
        claims.source,
        claims.rule_id,
        claims.source_row
    from claims
    join documents using (doc_id)
    anti join quarantined using (claim_id)
    left join flags using (claim_id)
    left join disputes using (claim_id)
)

select * from final
order by entity, metric, scope, period_end, period_start, claim_id
