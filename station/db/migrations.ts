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
  `
  CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    volume_id TEXT NOT NULL REFERENCES volumes (id) ON DELETE CASCADE,
    host_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('attaching', 'attached', 'failed', 'detaching')),
    read_only INTEGER NOT NULL DEFAULT 0,
    filesystem TEXT,
    mount_point TEXT,
    device TEXT,
    backend TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (volume_id, host_id)
  );
  CREATE TABLE host_requests (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    size_bytes INTEGER NOT NULL,
    mount_point TEXT,
    filesystem TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'granted', 'denied', 'done', 'failed')),
    reason TEXT,
    task_id TEXT,
    volume_id TEXT,
    decided_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX host_requests_state ON host_requests (state, created_at);
  `,
  `
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    source TEXT,
    result TEXT NOT NULL,
    details_json TEXT
  );
  CREATE INDEX audit_at ON audit (at);
  CREATE TABLE capacity_samples (
    at TEXT NOT NULL,
    scope TEXT NOT NULL,
    name TEXT NOT NULL,
    total_bytes INTEGER NOT NULL,
    free_bytes INTEGER NOT NULL,
    allocated_bytes INTEGER NOT NULL,
    used_pct REAL NOT NULL,
    PRIMARY KEY (scope, at)
  );
  CREATE INDEX capacity_samples_at ON capacity_samples (at);
  CREATE TABLE report_schedules (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    format TEXT NOT NULL,
    folder TEXT NOT NULL,
    every_hours INTEGER NOT NULL,
    period_days INTEGER NOT NULL,
    keep INTEGER NOT NULL,
    last_run_at TEXT
  );
  `,
  `
  ALTER TABLE tasks ADD COLUMN user TEXT NOT NULL DEFAULT 'local';
  ALTER TABLE tasks ADD COLUMN locks_json TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE tasks ADD COLUMN waiting_for TEXT;
  ALTER TABLE tasks ADD COLUMN started_at TEXT;
  ALTER TABLE tasks ADD COLUMN ended_at TEXT;
  CREATE INDEX tasks_state ON tasks (state, created_at);
  `,
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  `,
  `
  ALTER TABLE events ADD COLUMN acknowledged_at TEXT;
  ALTER TABLE events ADD COLUMN acknowledged_by TEXT;
  CREATE INDEX events_open_alerts ON events (id)
    WHERE severity IN ('warning', 'critical') AND acknowledged_at IS NULL;
  `,
  `
  CREATE TABLE mirrors (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    filesystem TEXT,
    mount_point TEXT,
    device TEXT,
    missing_json TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (host_id, name)
  );
  ALTER TABLE attachments ADD COLUMN mirror_id TEXT;
  `,
];
