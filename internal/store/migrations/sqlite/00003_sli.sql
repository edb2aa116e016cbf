-- SLI counts from access logs and the events API: good and total events per
-- SLI key and minute (unix minutes, UTC). Raw log lines are never stored.
-- ingests records each ingested source by the digest of its content, so that
-- the same file ingested twice does not count twice.

-- +goose Up
CREATE TABLE sli_buckets (
    sli_key TEXT    NOT NULL,
    minute  INTEGER NOT NULL,
    good    INTEGER NOT NULL,
    total   INTEGER NOT NULL,
    PRIMARY KEY (sli_key, minute)
) WITHOUT ROWID;

CREATE TABLE ingests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    digest      TEXT NOT NULL UNIQUE,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    records     INTEGER NOT NULL,
    matched     INTEGER NOT NULL,
    malformed   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE ingests;
DROP TABLE sli_buckets;
