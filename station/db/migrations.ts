/**
 * Numbered migrations: entry N brings the schema to user_version N+1. Never edit a
 * released entry; append a new one.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('unit', 'host')),
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
    user TEXT NOT NULL,
    auth_kind TEXT NOT NULL CHECK (auth_kind IN ('key', 'agent', 'password')),
    key_path TEXT,
    secret_enc TEXT,
    host_key_fingerprint TEXT NOT NULL,
    host_key_state TEXT NOT NULL CHECK (host_key_state IN ('pending', 'trusted')),
    state TEXT NOT NULL DEFAULT 'new',
    last_error TEXT,
    agent_version TEXT,
    agent_sha256 TEXT,
    agent_runtime TEXT,
    agent_deployed_at TEXT,
    inventory_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (address, port)
  );
  CREATE TABLE tasks (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    targets_json TEXT NOT NULL,
    state TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    steps_json TEXT NOT NULL DEFAULT '[]',
    log_json TEXT NOT NULL DEFAULT '[]',
    error_json TEXT,
    result_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX tasks_created ON tasks (created_at);
  `,
  `
  ALTER TABLE nodes ADD COLUMN health TEXT NOT NULL DEFAULT 'unknown';
  ALTER TABLE nodes ADD COLUMN last_seen_at TEXT;
  ALTER TABLE nodes ADD COLUMN spare INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE nodes ADD COLUMN announce_key_enc TEXT;
  ALTER TABLE nodes ADD COLUMN identity_json TEXT;
  ALTER TABLE nodes ADD COLUMN storage_json TEXT;
  ALTER TABLE nodes ADD COLUMN storage_at TEXT;
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    kind TEXT NOT NULL,
    node_id TEXT,
    message TEXT NOT NULL,
    details_json TEXT
  );
  CREATE INDEX events_at ON events (at);
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL
  );
  `,
  `
  CREATE TABLE volumes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    unit_id TEXT NOT NULL REFERENCES nodes (id),
    pool TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    iqn TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE exports (
    volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,
    initiator_iqn TEXT NOT NULL,
    host_id TEXT REFERENCES nodes (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (volume_id, initiator_iqn)
  );
  CREATE TABLE initiator_chap (
    initiator_iqn TEXT PRIMARY KEY,
    user TEXT NOT NULL,
    secret_enc TEXT NOT NULL
  );
  CREATE TABLE unit_chap (
    unit_id TEXT PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    secret_enc TEXT NOT NULL
  );
  `,
];
