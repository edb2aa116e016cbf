-- Cost per day is kept as one row per billing period and group, its days
-- as text, a line a day: "YYYY-MM-DD billed effective list contracted
-- rows". Reading a row per day made a view over 13 months read tens of
-- thousands of rows; writing a row per resource and day made an import
-- write as many rows as the export has.
--
-- cost_days: per billing period x service x team x provider x service
-- category x charge category x currency (the views, budgets, anomalies).
-- first_day and last_day bound the days a row holds, for the queries of a
-- range of days.
-- cost_resource_periods: per resource and billing period, with the
-- period's sums (reports over whole months) and its days (other ranges,
-- anomalies, monitoring guards); contracted cost is not kept per
-- resource and reads 0.

-- +goose Up
CREATE TABLE cost_days (
    provider         TEXT NOT NULL,
    billing_account  TEXT NOT NULL,
    billing_period   TEXT NOT NULL,
    service          TEXT NOT NULL,
    team             TEXT NOT NULL,
    service_category TEXT NOT NULL,
    charge_category  TEXT NOT NULL,
    currency         TEXT NOT NULL,
    import_id        BIGINT NOT NULL,
    first_day        TEXT NOT NULL,
    last_day         TEXT NOT NULL,
    days             TEXT NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, service, team, service_category, charge_category, currency)
);
CREATE INDEX cost_days_team_idx ON cost_days (team, last_day);
CREATE INDEX cost_days_service_idx ON cost_days (service, last_day);
CREATE INDEX cost_days_last_day_idx ON cost_days (last_day);
INSERT INTO cost_days (provider, billing_account, billing_period, service, team, service_category, charge_category, currency,
    import_id, first_day, last_day, days)
SELECT provider, billing_account, billing_period, service, team, service_category, charge_category, currency, MAX(import_id),
    MIN(day), MAX(day),
    string_agg(day || ' ' || billed || ' ' || effective || ' ' || list || ' ' || contracted || ' ' || rows, chr(10) ORDER BY day)
FROM cost_daily
GROUP BY provider, billing_account, billing_period, service, team, service_category, charge_category, currency;
DROP TABLE cost_daily;

CREATE TABLE cost_resource_periods (
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
    import_id        BIGINT NOT NULL,
    first_day        TEXT NOT NULL,
    last_day         TEXT NOT NULL,
    days             TEXT NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, resource_id, sub_account, service, service_name, currency)
);
CREATE INDEX cost_resource_periods_team_idx ON cost_resource_periods (team, billing_period);
CREATE INDEX cost_resource_periods_service_idx ON cost_resource_periods (service, billing_period);
CREATE INDEX cost_resource_periods_period_idx ON cost_resource_periods (billing_period);
CREATE INDEX cost_resource_periods_team_day_idx ON cost_resource_periods (team, last_day);
CREATE INDEX cost_resource_periods_service_day_idx ON cost_resource_periods (service, last_day);
CREATE INDEX cost_resource_periods_last_day_idx ON cost_resource_periods (last_day);

-- Each resource's days are looked up by its key: without this index the
-- copy below reads a whole billing period per resource.
CREATE INDEX cost_resources_key_idx ON cost_resources (provider, billing_account, billing_period, resource_id, sub_account,
    service, service_name, currency, day);
INSERT INTO cost_resource_periods (provider, billing_account, billing_period, resource_id, resource_name, sub_account,
    service, team, service_name, service_category, tagged, currency, billed, effective, list, rows, import_id,
    first_day, last_day, days)
SELECT m.provider, m.billing_account, m.billing_period, m.resource_id, m.resource_name, m.sub_account,
    m.service, m.team, m.service_name, m.service_category, m.tagged, m.currency, m.billed, m.effective, m.list, m.rows, m.import_id,
    COALESCE((SELECT MIN(r.day) FROM cost_resources r
     WHERE r.provider = m.provider AND r.billing_account = m.billing_account AND r.billing_period = m.billing_period
       AND r.resource_id = m.resource_id AND r.sub_account = m.sub_account AND r.service = m.service
       AND r.service_name = m.service_name AND r.currency = m.currency), m.billing_period),
    COALESCE((SELECT MAX(r.day) FROM cost_resources r
     WHERE r.provider = m.provider AND r.billing_account = m.billing_account AND r.billing_period = m.billing_period
       AND r.resource_id = m.resource_id AND r.sub_account = m.sub_account AND r.service = m.service
       AND r.service_name = m.service_name AND r.currency = m.currency), m.billing_period),
    COALESCE((SELECT string_agg(r.day || ' ' || r.billed || ' ' || r.effective || ' ' || r.list || ' 0 ' || r.rows, chr(10) ORDER BY r.day)
      FROM cost_resources r
     WHERE r.provider = m.provider AND r.billing_account = m.billing_account AND r.billing_period = m.billing_period
       AND r.resource_id = m.resource_id AND r.sub_account = m.sub_account AND r.service = m.service
       AND r.service_name = m.service_name AND r.currency = m.currency), '')
FROM cost_resource_months m;

DROP TABLE cost_resources;
DROP TABLE cost_resource_months;

-- +goose Down
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
    import_id        BIGINT NOT NULL
);
CREATE INDEX cost_resources_team_idx ON cost_resources (team, day);
CREATE INDEX cost_resources_service_idx ON cost_resources (service, day);
CREATE INDEX cost_resources_period_idx ON cost_resources (provider, billing_account, billing_period);
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
    import_id        BIGINT NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, resource_id, sub_account, service, service_name, currency)
);
CREATE INDEX cost_resource_months_team_idx ON cost_resource_months (team, billing_period);
CREATE INDEX cost_resource_months_service_idx ON cost_resource_months (service, billing_period);
CREATE INDEX cost_resource_months_period_idx ON cost_resource_months (billing_period);
INSERT INTO cost_resource_months (provider, billing_account, billing_period, resource_id, resource_name, sub_account,
    service, team, service_name, service_category, tagged, currency, billed, effective, list, rows, import_id)
SELECT provider, billing_account, billing_period, resource_id, resource_name, sub_account,
    service, team, service_name, service_category, tagged, currency, billed, effective, list, rows, import_id
FROM cost_resource_periods;
INSERT INTO cost_resources (provider, billing_account, billing_period, day, resource_id, resource_name, sub_account,
    service, team, service_name, service_category, tagged, currency, billed, effective, list, rows, import_id)
SELECT p.provider, p.billing_account, p.billing_period, split_part(l, ' ', 1), p.resource_id, p.resource_name, p.sub_account,
    p.service, p.team, p.service_name, p.service_category, p.tagged, p.currency, split_part(l, ' ', 2), split_part(l, ' ', 3),
    split_part(l, ' ', 4), split_part(l, ' ', 6)::INTEGER, p.import_id
FROM cost_resource_periods p, LATERAL unnest(string_to_array(p.days, chr(10))) AS l
WHERE l <> '';
DROP TABLE cost_resource_periods;
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
    import_id        BIGINT NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, day, service, team, service_category, charge_category, currency)
);
CREATE INDEX cost_daily_team_idx ON cost_daily (team, day);
CREATE INDEX cost_daily_service_idx ON cost_daily (service, day);
CREATE INDEX cost_daily_day_idx ON cost_daily (day);
INSERT INTO cost_daily (provider, billing_account, billing_period, day, service, team, service_category, charge_category, currency,
    billed, effective, list, contracted, rows, import_id)
SELECT c.provider, c.billing_account, c.billing_period, split_part(l, ' ', 1), c.service, c.team, c.service_category,
    c.charge_category, c.currency, split_part(l, ' ', 2), split_part(l, ' ', 3), split_part(l, ' ', 4), split_part(l, ' ', 5),
    split_part(l, ' ', 6)::INTEGER, c.import_id
FROM cost_days c, LATERAL unnest(string_to_array(c.days, chr(10))) AS l
WHERE l <> '';
DROP TABLE cost_days;
