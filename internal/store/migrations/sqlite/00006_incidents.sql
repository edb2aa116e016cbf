-- Incidents, their timeline, postmortems and action items, and the outbox
-- of chat messages they send. Times are UTC. An incident's *_at columns
-- hold when it first entered each status (resolved_at: the last time);
-- acknowledged_at is the first action of a person.

-- +goose Up
CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL,
    severity        INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    status          TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved', 'closed')),
    team            TEXT NOT NULL DEFAULT '',
    summary         TEXT NOT NULL DEFAULT '',
    customer_impact TEXT NOT NULL DEFAULT '',
    commander       TEXT NOT NULL DEFAULT '',
    scribe          TEXT NOT NULL DEFAULT '',
    communications  TEXT NOT NULL DEFAULT '',
    rule            TEXT NOT NULL DEFAULT '',
    opened_by       TEXT NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    opened_at       TIMESTAMP NOT NULL,
    acknowledged_at TIMESTAMP,
    identified_at   TIMESTAMP,
    monitoring_at   TIMESTAMP,
    resolved_at     TIMESTAMP,
    closed_at       TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX incidents_started_idx ON incidents (started_at, id);
CREATE INDEX incidents_team_idx ON incidents (team, started_at);
CREATE INDEX incidents_status_idx ON incidents (status);

CREATE TABLE incident_services (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    service     TEXT NOT NULL,
    PRIMARY KEY (incident_id, service)
);
CREATE INDEX incident_services_service_idx ON incident_services (service);

CREATE TABLE incident_alerts (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    linked_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, alert_id)
);
CREATE INDEX incident_alerts_alert_idx ON incident_alerts (alert_id);

CREATE TABLE incident_slos (
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    slo_id      TEXT NOT NULL,
    PRIMARY KEY (incident_id, slo_id)
);

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    at          TIMESTAMP NOT NULL,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    text        TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, at, id);

CREATE TABLE postmortems (
    incident_id    INTEGER PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'published')),
    body           TEXT NOT NULL,
    cause_category TEXT NOT NULL DEFAULT '',
    author         TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    published_at   TIMESTAMP,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX postmortems_status_idx ON postmortems (status);

CREATE TABLE postmortem_tags (
    incident_id INTEGER NOT NULL REFERENCES postmortems (incident_id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (incident_id, tag)
);
CREATE INDEX postmortem_tags_tag_idx ON postmortem_tags (tag);

-- Full-text index of postmortems: rowid is the incident id.
CREATE VIRTUAL TABLE postmortem_search USING fts5(title, body, tokenize = 'porter unicode61');

CREATE TABLE action_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    owner       TEXT NOT NULL,
    team        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('mitigate', 'prevent', 'process')),
    due         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'wontfix')),
    tracker_url TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    closed_at   TIMESTAMP
);
CREATE INDEX action_items_incident_idx ON action_items (incident_id);
CREATE INDEX action_items_team_idx ON action_items (team, status, due);

CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    dedup_key  TEXT UNIQUE,
    payload    TEXT NOT NULL CHECK (json_valid(payload)),
    created_at TIMESTAMP NOT NULL,
    next_at    TIMESTAMP NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    sent_at    TIMESTAMP,
    failed_at  TIMESTAMP,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending_idx ON outbox (sent_at, failed_at, next_at);

-- +goose Down
DROP TABLE outbox;
DROP TABLE action_items;
DROP TABLE postmortem_search;
DROP TABLE postmortem_tags;
DROP TABLE postmortems;
DROP TABLE incident_events;
DROP TABLE incident_slos;
DROP TABLE incident_alerts;
DROP TABLE incident_services;
DROP TABLE incidents;
