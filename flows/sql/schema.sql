-- The warehouse layers (DESIGN.md): raw → staging → curated, with audit and quarantine.
-- Idempotent: applied at the start of every run.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists audit;
create schema if not exists quarantine;
create schema if not exists curated;

create table if not exists raw.documents (
    doc_id       varchar not null,   -- sha256 of the file's bytes
    file         varchar not null,   -- path under documents/
    published_at date not null,
    title        varchar,
    publisher    varchar,
    url          varchar,
    entity_hint  varchar,
    format       varchar not null,   -- txt | md | html
    size_bytes   bigint not null,
    text         varchar not null,   -- stored text (HTML reduced to text); offsets refer to it
    ingested_at  timestamp not null,
    run_id       varchar not null
);

create table if not exists raw.claims (
    claim_id     varchar not null,   -- stable hash of (doc_id, char_start, char_end, metric)
    doc_id       varchar not null,
    file         varchar not null,
    entity       varchar not null,
    metric       varchar not null,
    scope        varchar not null default 'global',  -- where the number holds (catalogue/scopes.yaml)
    value_lo     double not null,
    value_hi     double not null,    -- +infinity when unbounded above
    lo_open      boolean not null,   -- true: the bound itself is excluded ("over 580")
    hi_open      boolean not null,
    qualifier    varchar not null,
    unit         varchar not null,
    value_text   varchar not null,
    period_start date not null,
    period_end   date not null,
    period_text  varchar,
    status       varchar not null,   -- reported | planned
    quote        varchar not null,   -- == documents.text[char_start:char_end] (0-based, end exclusive)
    char_start   integer not null,
    char_end     integer not null,
    source       varchar not null,   -- 'rules' or 'claims/<file>.csv'
    rule_id      varchar,
    source_row   integer,
    run_id       varchar not null
);

create table if not exists raw.events (
    event_id     varchar not null,
    doc_id       varchar not null,
    file         varchar not null,
    entity       varchar not null,
    event_type   varchar not null,   -- launch | partnership | market_entry
    subject      varchar not null,
    period_start date not null,
    period_end   date not null,
    period_text  varchar,
    status       varchar not null,
    quote        varchar not null,
    char_start   integer not null,
    char_end     integer not null,
    source       varchar not null,
    rule_id      varchar,
    run_id       varchar not null
);

-- Which extractor last extracted each document: written in the transaction that writes the
-- document's claims and events, so a document without a row here (the run died before its
-- claims were written) or with another version (the catalogue or the extractor changed) is
-- extracted again by the next run.
create table if not exists raw.extractions (
    doc_id            varchar not null,
    extractor_version varchar not null,   -- sha256 of catalogue/*.yaml and flows/extract/*.py
    run_id            varchar not null
);

create table if not exists audit.runs (
    run_id              varchar not null,
    started_at          timestamp not null,
    finished_at         timestamp,
    status              varchar not null,  -- running | publishing | completed | failed | abandoned
    raw_dir             varchar not null,
    documents_new       integer,
    documents_changed   integer,
    documents_unchanged integer,
    documents_removed   integer,
    documents_rejected  integer,
    claims              integer,
    events              integer,
    claim_rows_rejected integer,
    message             varchar
);

create table if not exists audit.rejections (
    run_id      varchar not null,
    stage       varchar not null,  -- manifest | ingest | extract | claims_csv
    file        varchar not null,
    row_number  integer,           -- the CSV row (1 = first data row), when the input is a table
    reason      varchar not null,
    detail      varchar not null,
    recorded_at timestamp not null
);

-- Validation (issue 3): results of every check, per run, append-only across runs.
create table if not exists audit.check_results (
    run_id          varchar not null,
    check_id        varchar not null,   -- an id from checks/catalogue.yaml
    engine          varchar not null,   -- pandera | sql | gx
    severity        varchar not null,   -- error | warn
    guarded_table   varchar not null,   -- the table the check guards, e.g. raw.claims
    status          varchar not null,   -- pass | fail | error | excepted
    violation_count integer not null,   -- violations found, excepted ones included
    excepted_count  integer not null,   -- of which covered by checks/exceptions.yaml
    duration_ms     double not null,
    message         varchar,            -- why the check could not run (status error), or a summary
    checked_at      timestamp not null
);

create table if not exists audit.violations (
    run_id            varchar not null,
    check_id          varchar not null,
    severity          varchar not null,
    status            varchar not null,  -- fail | excepted
    claim_ids         varchar[] not null, -- the claims (or events, for raw.events checks) it names
    document_files    varchar[] not null,
    quotes            varchar[] not null,
    message           varchar not null,
    detail            varchar,           -- the check's full row as JSON: both sides' dates and values
    exception_reason  varchar,           -- from checks/exceptions.yaml when status = excepted
    recorded_at       timestamp not null
);

-- Claims named by an error-severity violation, one row per (run, check, claim); kept out of
-- staging.claims_valid for that run. The claim's own load run is loaded_run_id.
create table if not exists quarantine.claims (
    run_id        varchar not null,
    check_id      varchar not null,
    reason        varchar not null,
    quarantined_at timestamp not null,
    claim_id     varchar not null,
    doc_id       varchar not null,
    file         varchar not null,
    entity       varchar not null,
    metric       varchar not null,
    scope        varchar not null default 'global',
    value_lo     double not null,
    value_hi     double not null,
    lo_open      boolean not null,
    hi_open      boolean not null,
    qualifier    varchar not null,
    unit         varchar not null,
    value_text   varchar not null,
    period_start date not null,
    period_end   date not null,
    period_text  varchar,
    status       varchar not null,
    quote        varchar not null,
    char_start   integer not null,
    char_end     integer not null,
    source       varchar not null,
    rule_id      varchar,
    source_row   integer,
    loaded_run_id varchar not null
);

-- Resolution (issue 14; rules in checks/resolution.yaml): each dispute of a run - the claims
-- its failed checks set against each other - and how it ended. Append-only across runs.
create table if not exists audit.disputes (
    run_id          varchar not null,
    dispute_id      varchar not null,   -- stable across runs: a hash of its sorted claim ids
    severity        varchar not null,   -- error (an error-severity check named its claims) | warn
    entity          varchar not null,   -- of the pivot claim
    metric          varchar not null,
    scope           varchar not null,
    pivot_claim_id  varchar not null,   -- the claim the dispute turns on (named most often)
    decision        varchar not null,   -- resolved (a rule picked a side) | tie
    rule_id         varchar,            -- the rule that decided; null on a tie
    reason          varchar not null,   -- why, in one sentence naming the sources
    check_ids       varchar[] not null, -- the checks whose violations make up the dispute
    violation_count integer not null,
    claim_count     integer not null,
    document_count  integer not null,
    recorded_at     timestamp not null
);

create table if not exists audit.dispute_claims (
    run_id      varchar not null,
    dispute_id  varchar not null,
    claim_id    varchar not null,
    side        varchar not null    -- kept | outlier | superseded | tied
);
