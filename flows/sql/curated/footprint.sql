-- curated.footprint: markets and stores per entity over time, worldwide (scope global), one
-- row per date on which either is known (from curated.metric_timeline: stated or implied).
-- A count in one country or region is in curated.metric_timeline under its scope. A count that
-- was disputed this run says so, with every source of every side (see metric_timeline).
with

timeline as (
    select * from curated.metric_timeline
    where kind = 'stock' and metric in ('markets_count', 'stores_count') and scope = 'global'
),

final as (
    select
        entity,
        period_end as date,
        any_value(value_lo) filter (where metric = 'markets_count') as markets_lo,
        any_value(value_hi) filter (where metric = 'markets_count') as markets_hi,
        any_value(value_text) filter (where metric = 'markets_count') as markets_text,
        any_value(confirmation) filter (where metric = 'markets_count') as markets_confirmation,
        any_value(dispute) filter (where metric = 'markets_count') as markets_dispute,
        any_value(dispute_sources) filter (where metric = 'markets_count')
            as markets_dispute_sources,
        any_value(value_lo) filter (where metric = 'stores_count') as stores_lo,
        any_value(value_hi) filter (where metric = 'stores_count') as stores_hi,
        any_value(value_text) filter (where metric = 'stores_count') as stores_text,
        any_value(confirmation) filter (where metric = 'stores_count') as stores_confirmation,
        any_value(dispute) filter (where metric = 'stores_count') as stores_dispute,
        any_value(dispute_sources) filter (where metric = 'stores_count') as stores_dispute_sources
    from timeline
    group by entity, period_end
)

select * from final
order by entity, date
