-- This run's failed violations (excepted ones are not disputes), each with the claims it names
-- that are in raw.claims, in the order it names them: an event check names events, and a
-- violation naming no claim is left out. Ordered, so that the same run gives the same disputes.
with

violations as (
    select
        row_number() over (order by check_id, claim_ids, message) as violation_no,
        check_id,
        severity,
        message,
        claim_ids
    from audit.violations
    where run_id = $run_id and status = 'fail' and len(claim_ids) > 0
),

named as (
    select
        violation_no,
        unnest(claim_ids) as claim_id,
        unnest(range(len(claim_ids))) as position
    from violations
),

claims as (
    select distinct claim_id from raw.claims
    semi join named using (claim_id)
),

final as (
    select
        violations.violation_no,
        any_value(violations.check_id) as check_id,
        any_value(violations.severity) as severity,
        any_value(violations.message) as message,
        list(named.claim_id order by named.position) as claim_ids
    from violations
    join named using (violation_no)
    semi join claims using (claim_id)
    group by violations.violation_no
)

select check_id, severity, message, claim_ids from final
order by violation_no
