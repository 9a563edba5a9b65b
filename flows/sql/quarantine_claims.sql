-- quarantine.claims for a run: the claims named by its failed error-severity violations, one
-- row per check and claim, except the claims a dispute kept (audit.dispute_claims, side
-- 'kept') against the violations of that dispute: the consensus stays published and only the
-- outlier is quarantined. A violation belongs to a dispute when it names two or more claims,
-- all of them in that dispute (flows/resolve makes disputes of exactly those); any other
-- violation - naming one claim alone, or a part against its total - quarantines every claim
-- it names. The reason is the violation's message and how the claim's dispute ended.
insert into quarantine.claims
with

named as (
    select
        row_number() over (order by check_id, claim_ids, message) as violation_no,
        check_id,
        claim_ids,
        message
    from audit.violations
    where run_id = $run_id and severity = 'error' and status = 'fail'
),

named_claims as (
    select violation_no, check_id, message, unnest(claim_ids) as claim_id
    from named
),

sides as (
    select sides.claim_id, sides.dispute_id, sides.side, disputes.rule_id, disputes.reason
    from audit.dispute_claims as sides
    join audit.disputes as disputes using (run_id, dispute_id)
    where sides.run_id = $run_id
),

-- the violations that are a dispute's: every claim they name (events aside) in one dispute
in_dispute as (
    select named_claims.violation_no, any_value(sides.dispute_id) as dispute_id
    from named_claims
    semi join raw.claims using (claim_id)
    left join sides using (claim_id)
    group by named_claims.violation_no
    having count(distinct named_claims.claim_id) >= 2
        and count(*) = count(sides.dispute_id)
        and count(distinct sides.dispute_id) = 1
),

quarantining as (
    select
        named_claims.check_id,
        named_claims.claim_id,
        named_claims.message,
        sides.side,
        sides.dispute_id,
        sides.rule_id,
        sides.reason
    from named_claims
    left join in_dispute using (violation_no)
    left join sides
        on sides.claim_id = named_claims.claim_id and sides.dispute_id = in_dispute.dispute_id
    where sides.side is distinct from 'kept'
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
