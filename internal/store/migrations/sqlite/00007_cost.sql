-- Cost: billing exports imported (one row per file), cost rolled up per
-- day x service x team x provider x service category x charge category
-- (the views read these) and per resource and day (top resources, the
-- untagged, what made an anomaly). Money is kept as
-- exact decimal text and summed in kiban, never as floating point.

-- +goose Up
CREATE TABLE cost_imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    format      TEXT NOT NULL,
    periods     TEXT NOT NULL CHECK (json_valid(periods)),
    rows        INTEGER NOT NULL,
    skipped     INTEGER NOT NULL DEFAULT 0,
    totals      TEXT NOT NULL CHECK (json_valid(totals)),
    tolerated   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tolerated)),
    imported_at TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL
);

CREATE TABLE cost_daily (
    provider         TEXT NOT NULL,
    billing_account  TEXT NOT NULL,
    billing_period   TEXT NOT NULL,
    day              TEXT NOT NULL,
    service          TEXT NOT NULL,
    team             TEXT NOT NULL,
    service_category TEXT NOT NULL,
    charge_category  TEXT NOT NULL,
    currency         TEXT NOT NULL,
    billed           TEXT NOT NULL,
    effective        TEXT NOT NULL,
    list             TEXT NOT NULL,
    contracted       TEXT NOT NULL,
    rows             INTEGER NOT NULL,
    import_id        INTEGER NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, day, service, team, service_category, charge_category, currency)
);
CREATE INDEX cost_daily_team_idx ON cost_daily (team, day);
CREATE INDEX cost_daily_service_idx ON cost_daily (service, day);
CREATE INDEX cost_daily_day_idx ON cost_daily (day);

CREATE TABLE cost_resources (
    provider         TEXT NOT NULL,
    billing_account  TEXT NOT NULL,
    billing_period   TEXT NOT NULL,
    day              TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    resource_name    TEXT NOT NULL,
    sub_account      TEXT NOT NULL,
    service          TEXT NOT NULL,
    team             TEXT NOT NULL,
    service_name     TEXT NOT NULL,
    service_category TEXT NOT NULL,
    tagged           BOOLEAN NOT NULL,
    currency         TEXT NOT NULL,
    billed           TEXT NOT NULL,
    effective        TEXT NOT NULL,
    list             TEXT NOT NULL,
    rows             INTEGER NOT NULL,
    import_id        INTEGER NOT NULL
);
-- No primary key: the import sums each resource and day once, and the
-- table is the largest kiban writes; two indexes serve its readers.
CREATE INDEX cost_resources_team_idx ON cost_resources (team, day);
CREATE INDEX cost_resources_service_idx ON cost_resources (service, day);
CREATE INDEX cost_resources_period_idx ON cost_resources (provider, billing_account, billing_period);

-- The same per resource and billing period: reports over whole months
-- rank resources from a table a thirtieth the size.
CREATE TABLE cost_resource_months (
    provider         TEXT NOT NULL,
    billing_account  TEXT NOT NULL,
    billing_period   TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    resource_name    TEXT NOT NULL,
    sub_account      TEXT NOT NULL,
    service          TEXT NOT NULL,
    team             TEXT NOT NULL,
    service_name     TEXT NOT NULL,
    service_category TEXT NOT NULL,
    tagged           BOOLEAN NOT NULL,
    currency         TEXT NOT NULL,
    billed           TEXT NOT NULL,
    effective        TEXT NOT NULL,
    list             TEXT NOT NULL,
    rows             INTEGER NOT NULL,
    import_id        INTEGER NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, resource_id, sub_account, service, service_name, currency)
);
CREATE INDEX cost_resource_months_team_idx ON cost_resource_months (team, billing_period);
CREATE INDEX cost_resource_months_service_idx ON cost_resource_months (service, billing_period);
CREATE INDEX cost_resource_months_period_idx ON cost_resource_months (billing_period);

-- Commitment discounts (Savings Plans, reservations): their purchases and
-- the usage they covered (status Used) or left unused (Unused), per
-- billing period, for coverage and utilisation.
CREATE TABLE cost_commitments (
    provider            TEXT NOT NULL,
    billing_account     TEXT NOT NULL,
    billing_period      TEXT NOT NULL,
    commitment_id       TEXT NOT NULL,
    commitment_name     TEXT NOT NULL,
    commitment_type     TEXT NOT NULL,
    commitment_category TEXT NOT NULL,
    status              TEXT NOT NULL,
    charge_category     TEXT NOT NULL,
    service_category    TEXT NOT NULL,
    currency            TEXT NOT NULL,
    billed              TEXT NOT NULL,
    effective           TEXT NOT NULL,
    list                TEXT NOT NULL,
    rows                INTEGER NOT NULL,
    import_id           INTEGER NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, commitment_id, status, charge_category, service_category, currency)
);

-- Raw rows, kept only for --keep-raw-days (0 by default: the roll-ups
-- above keep the detail reports need).
CREATE TABLE cost_rows (
    import_id        INTEGER NOT NULL,
    line             INTEGER NOT NULL,
    provider         TEXT NOT NULL,
    billing_account  TEXT NOT NULL,
    billing_period   TEXT NOT NULL,
    day              TEXT NOT NULL,
    sub_account      TEXT NOT NULL,
    resource_id      TEXT NOT NULL,
    service_name     TEXT NOT NULL,
    service_category TEXT NOT NULL,
    charge_category  TEXT NOT NULL,
    charge_description TEXT NOT NULL,
    currency         TEXT NOT NULL,
    billed           TEXT NOT NULL,
    effective        TEXT NOT NULL,
    list             TEXT NOT NULL,
    tags             TEXT NOT NULL,
    service          TEXT NOT NULL,
    team             TEXT NOT NULL,
    PRIMARY KEY (import_id, line)
);
CREATE INDEX cost_rows_period_idx ON cost_rows (provider, billing_account, billing_period);
CREATE INDEX cost_rows_day_idx ON cost_rows (day);

-- +goose Down
DROP TABLE cost_rows;
DROP TABLE cost_commitments;
DROP TABLE cost_resource_months;
DROP TABLE cost_resources;
DROP TABLE cost_daily;
DROP TABLE cost_imports;
