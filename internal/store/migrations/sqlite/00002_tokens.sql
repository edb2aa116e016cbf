-- API tokens. Only the SHA-256 of a secret is stored; prefix is its first
-- characters, for display. A name is unique among tokens that are not revoked,
-- so a revoked token's name can be reused by its replacement.

-- +goose Up
CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    hash         TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    created_by   TEXT NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE UNIQUE INDEX tokens_active_name_idx ON tokens (name) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE tokens;
