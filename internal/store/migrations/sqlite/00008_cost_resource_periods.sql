-- Cost per resource: one row per resource and billing period with the
-- period's sums (reports over whole months) and its days as text, one
-- line a day: "YYYY-MM-DD billed effective list rows" (other ranges,
-- anomalies, monitoring guards). A row per resource and day made the
-- import write as many rows as the export has; this writes one per
-- resource and month, which is what makes a large import fast.

-- +goose Up
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
    import_id        INTEGER NOT NULL,
    days             TEXT NOT NULL,
    PRIMARY KEY (provider, billing_account, billing_period, resource_id, sub_account, service, service_name, currency)
);
CREATE INDEX cost_resource_periods_team_idx ON cost_resource_periods (team, billing_period);
CREATE INDEX cost_resource_periods_service_idx ON cost_resource_periods (service, billing_period);
CREATE INDEX cost_resource_periods_period_idx ON cost_resource_periods (billing_period);

INSERT INTO cost_resource_periods (provider, billing_account, billing_period, resource_id, resource_name, sub_account,
    service, team, service_name, service_category, tagged, currency, billed, effective, list, rows, import_id, days)
SELECT m.provider, m.billing_account, m.billing_period, m.resource_id, m.resource_name, m.sub_account,
    m.service, m.team, m.service_name, m.service_category, m.tagged, m.currency, m.billed, m.effective, m.list, m.rows, m.import_id,
    COALESCE((SELECT group_concat(r.day || ' ' || r.billed || ' ' || r.effective || ' ' || r.list || ' ' || r.rows, char(10) ORDER BY r.day)
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
    import_id        INTEGER NOT NULL
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
    import_id        INTEGER NOT NULL,
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
WITH RECURSIVE lines(id, line, rest) AS (
    SELECT rowid, '', days || char(10) FROM cost_resource_periods
    UNION ALL
    SELECT id, substr(rest, 1, instr(rest, char(10)) - 1), substr(rest, instr(rest, char(10)) + 1) FROM lines WHERE rest <> ''
), fields(id, f1, r1) AS (
    SELECT id, substr(line, 1, 10), substr(line, 12) FROM lines WHERE line <> ''
), f2(id, day, billed, r2) AS (
    SELECT id, f1, substr(r1, 1, instr(r1, ' ') - 1), substr(r1, instr(r1, ' ') + 1) FROM fields
), f3(id, day, billed, effective, r3) AS (
    SELECT id, day, billed, substr(r2, 1, instr(r2, ' ') - 1), substr(r2, instr(r2, ' ') + 1) FROM f2
)
SELECT p.provider, p.billing_account, p.billing_period, f3.day, p.resource_id, p.resource_name, p.sub_account,
    p.service, p.team, p.service_name, p.service_category, p.tagged, p.currency, f3.billed, f3.effective,
    substr(r3, 1, instr(r3, ' ') - 1), CAST(substr(r3, instr(r3, ' ') + 1) AS INTEGER), p.import_id
FROM f3 JOIN cost_resource_periods p ON p.rowid = f3.id;
DROP TABLE cost_resource_periods;
