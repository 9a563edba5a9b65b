-- audit.last_run_disputes: README query 6: each dispute of the latest run, every claim on each
-- side (published or quarantined), the rule that decided and its reason.
with

last_run as (
    select run_id from audit.runs order by started_at desc limit 1
),

claims as (
    select claim_id, value_text, quote, file, false as quarantined from curated.claims
    union all
    select distinct claim_id, value_text, quote, file, true
    from quarantine.claims
    join last_run using (run_id)
)

select
    d.dispute_id,
    d.severity,
    d.decision,
    d.rule_id,
    d.reason,
    s.side,
    c.value_text,
    c.quote,
    c.file,
    c.quarantined
from audit.disputes as d
join last_run using (run_id)
join audit.dispute_claims as s using (run_id, dispute_id)
left join claims as c using (claim_id)
order by d.dispute_id, s.side, c.file
