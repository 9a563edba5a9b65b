-- quarantine.claims for a run: the claims named by its failed error-severity violations, one
-- row per check and claim, except the claims a dispute kept (audit.dispute_claims, side
-- 'kept'): the consensus stays published and only the outlier is quarantined. A violation
-- naming one claim alone quarantines it whatever its disputes. The reason is the violation's
-- message and how the claim's dispute ended.
insert into quarantine.claims
with

named as (
    select
        check_id,
        unnest(claim_ids) as claim_id,
        len(list_distinct(claim_ids)) = 1 as alone,
        message
    from audit.violations
    where run_id = $run_id and severity = 'error' and status = 'fail'
),

sides as (
    select sides.claim_id, sides.side, disputes.dispute_id, disputes.rule_id, disputes.reason
    from audit.dispute_claims as sides
    join audit.disputes as disputes using (run_id, dispute_id)
    where sides.run_id = $run_id
),

quarantining as (
    select named.check_id, named.claim_id, named.message, sides.side, sides.dispute_id,
        sides.rule_id, sides.reason
    from named
    left join sides using (claim_id)
    where named.alone or sides.side is distinct from 'kept'
),

reasons as (
    select
        check_id,
        claim_id,
        min(message) as message,
        any_value(side) as side,
        any_value(dispute_id) as dispute_id,
        any_value(rule_id) as rule_id,
        any_value(reason) as resolution
    from quarantining
    group by check_id, claim_id
),

final as (
    select
        $run_id as run_id,
        reasons.check_id,
        case
            when reasons.side in ('outlier', 'superseded') then format('{} ({} in {}, rule {}: {})',
                reasons.message, reasons.side, reasons.dispute_id, reasons.rule_id,
                reasons.resolution)
            when reasons.side = 'tied' then format('{} (tie in {}: {})',
                reasons.message, reasons.dispute_id, reasons.resolution)
            else reasons.message
        end as reason,
        now() as quarantined_at,
        c.claim_id, c.doc_id, c.file, c.entity, c.metric, c.scope, c.value_lo, c.value_hi,
        c.lo_open, c.hi_open, c.qualifier, c.unit, c.value_text, c.period_start,
        c.period_end, c.period_text, c.status, c.quote, c.char_start, c.char_end,
        c.source, c.rule_id, c.source_row, c.run_id as loaded_run_id
    from reasons
    join raw.claims as c using (claim_id)
)

select * from final
order by check_id, claim_id
