-- audit.last_run_failures: README query 4: every check that did not pass in the latest run,
-- with its rule in plain words.
with

last_run as (
    select run_id from audit.runs order by started_at desc limit 1
)

select r.check_id, r.severity, r.status, r.violation_count, c.description
from audit.check_results as r
join last_run using (run_id)
left join audit.checks as c using (check_id)
where r.status <> 'pass'
order by r.severity, r.check_id
