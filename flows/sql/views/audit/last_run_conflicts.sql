-- audit.last_run_conflicts: README query 2: each violation of the latest run that names two or
-- more claims, with their quotes and documents.
with

last_run as (
    select run_id from audit.runs order by started_at desc limit 1
)

select v.check_id, v.severity, v.status, v.message, v.quotes, v.document_files
from audit.violations as v
join last_run using (run_id)
where len(v.claim_ids) > 1
order by v.severity, v.check_id, v.message
