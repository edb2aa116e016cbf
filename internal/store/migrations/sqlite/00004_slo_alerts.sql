-- The burn-rate alerts that fired: one row per SLO, severity and episode,
-- from the moment it started firing to the moment it resolved (NULL while it
-- fires). The SLO page lists those overlapping its window.

-- +goose Up
CREATE TABLE slo_alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slo_id      TEXT NOT NULL,
    severity    TEXT NOT NULL,
    team        TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX slo_alerts_slo_started_idx ON slo_alerts (slo_id, started_at);
-- At most one open alert per SLO and severity.
CREATE UNIQUE INDEX slo_alerts_open_idx ON slo_alerts (slo_id, severity) WHERE resolved_at IS NULL;

-- +goose Down
DROP TABLE slo_alerts;
