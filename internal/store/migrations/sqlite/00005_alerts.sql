-- Alerts received from Alertmanager's webhook (POST /api/v1/alertmanager):
-- one row per alert fingerprint, updated by every delivery that carries it,
-- and one row per delivery. Labels and annotations hold JSON objects; times
-- are UTC; ends_at is NULL while Alertmanager does not know an end.

-- +goose Up
CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint    TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    alertname      TEXT NOT NULL DEFAULT '',
    labels         TEXT NOT NULL CHECK (json_valid(labels)),
    annotations    TEXT NOT NULL CHECK (json_valid(annotations)),
    starts_at      TIMESTAMP NOT NULL,
    ends_at        TIMESTAMP,
    generator_url  TEXT NOT NULL DEFAULT '',
    group_key      TEXT NOT NULL DEFAULT '',
    receiver       TEXT NOT NULL DEFAULT '',
    external_url   TEXT NOT NULL DEFAULT '',
    service        TEXT NOT NULL DEFAULT '',
    team           TEXT NOT NULL DEFAULT '',
    unowned        BOOLEAN NOT NULL DEFAULT FALSE,
    first_received TIMESTAMP NOT NULL,
    last_received  TIMESTAMP NOT NULL,
    deliveries     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX alerts_starts_idx ON alerts (starts_at, id);
CREATE INDEX alerts_team_idx ON alerts (team, starts_at);
CREATE INDEX alerts_service_idx ON alerts (service, starts_at);

CREATE TABLE alert_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at  TIMESTAMP NOT NULL,
    group_key    TEXT NOT NULL DEFAULT '',
    receiver     TEXT NOT NULL DEFAULT '',
    external_url TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    alerts       INTEGER NOT NULL,
    truncated    INTEGER NOT NULL DEFAULT 0,
    actor        TEXT NOT NULL
);

-- +goose Down
DROP TABLE alert_deliveries;
DROP TABLE alerts;
