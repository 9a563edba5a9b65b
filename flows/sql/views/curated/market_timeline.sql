-- curated.market_timeline: README query 1, for every entity: markets and stores worldwide on
-- each date they are known, stated or implied, and how well confirmed.
select entity, date, markets_text, markets_confirmation, stores_text, stores_confirmation
from curated.footprint
order by entity, date
