"""`factledger evaluate`: extraction and checks measured on an annotated corpus.

The corpus (see ../shared/corpus/README.md) is manifest.csv (file, title, source_url,
publisher, published_at, entity[, kind]), documents/, facts.csv (one row per mention) and,
optionally, conflicts.csv. `corpus.py` reads it, `run.py` runs the real pipeline on it in a
scratch directory and reads back every claim (raw.claims, quarantined ones included) and the
run's audit.violations, `scoring.py` scores them (pure functions), `render.py` prints them.

The pipeline's manifest needs a whole date: a published_at that is a month only ("2010-05")
is given to it as the first of that month. With quotes_only, each document is first reduced to
its "quote document": its manifest title, then each distinct annotated quote as a paragraph.

Scoring rules
- Families: facts and claims are compared by metric family (`family` in the catalogue's
  metrics.yaml: stores_count, new_stores and store_ordinal are all "stores"); a metric the
  catalogue does not know is a family of its own.
- A bound matches when a finite value_lo or value_hi of the claim is within 0.5% (relative)
  of a non-empty value_lo or value_hi of the fact.
- Recall counts the facts about the document's manifest entity that have a value_lo or
  value_hi (facts about other companies are distractors). A fact is found when a claim of
  the same document has its family and a matching bound. A claim may find several facts
  (each repeated mention is annotated and counted). Claims whose span overlaps the fact's
  quote in the document (located with whitespace runs collapsed, any occurrence) are tried
  first ("in quote"), then any claim of the document ("elsewhere in document"); among
  several, the one with the fact's own metric, then its entity.
- Precision counts every claim: right when a fact of its document (any entity) has its
  family and a matching bound and that fact's entity equals the claim's (case-insensitive);
  otherwise wrong, "credited to the wrong company" when it matched only other companies'
  facts, "no such fact" when it matched none.
- Company accuracy: right claims over claims that match some fact by family and bound.
- Period accuracy, over found facts: the claim's [period_start, period_end] overlaps the
  fact's period_or_as_of (2025, 2025-H1, 2024-Q1, 2023-07, 2023-07-18, or A/B of two of
  those); a period that does not parse is listed as not scorable. Status accuracy, over
  found facts: the claim's status equals the fact's.
- Conflicts: a violation covers a pair when its document_files include both files of the pair
  and two different quotes of it lie inside (or contain) quote_a and quote_b, whitespace
  collapsed. Reported: `error` pairs covered by an error violation; `warn` pairs covered by
  any violation. False alarms: `no` pairs covered by an error violation, and error
  violations naming two or more claims that cover no pair at all.
"""

from flows.evaluate.corpus import EvaluationError, read_corpus
from flows.evaluate.run import Evaluation, evaluate

__all__ = ["Evaluation", "EvaluationError", "evaluate", "read_corpus"]
