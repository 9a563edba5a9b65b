-- audit.last_run_changes: README query 5: the violations that appeared ('new') or were
-- resolved ('resolved') between the last two runs that ran checks (the same check naming the
-- same claims, or the same message when it names none).
with

runs as (
    select run_id, row_number() over (order by started_at desc) as age
    from audit.runs
    where run_id in (select run_id from audit.check_results)
),

keyed as (
    select
        runs.age,
        v.check_id,
        v.message,
        if(len(v.claim_ids) > 0, list_sort(v.claim_ids)::varchar, v.message) as identity
    from audit.violations as v
    join runs using (run_id)
    where runs.age <= 2
),

latest as (select * from keyed where age = 1),

previous as (select * from keyed where age = 2)

select 'new' as change, check_id, message from latest
anti join previous using (check_id, identity)
union all
select 'resolved' as change, check_id, message from previous
anti join latest using (check_id, identity)
order by change, check_id, message
