import {
  defaultHeartbeatSeconds,
  defaultMissedHeartbeats,
  type Settings,
  settingsSchema,
} from '../../protocol/index.js';
import type { Database } from './database.js';

export const defaultTaskConcurrency = 4;

export const defaultSettings: Settings = {
  thresholds: { warningPct: 80, criticalPct: 90 },
  heartbeatSeconds: defaultHeartbeatSeconds,
  missedHeartbeats: defaultMissedHeartbeats,
  taskConcurrency: defaultTaskConcurrency,
  // Every request waits for an admin until the admin says otherwise.
  requestPolicy: { autoGrantBytes: 0, hostQuotaBytes: null },
};

/** Station settings, one JSON value per key; anything unreadable falls back to the default. */
export class SettingsRepo {
  constructor(private readonly db: Database) {}

  async get(): Promise<Settings> {
    const rows = await this.db.all<{ key: string; value_json: string }>(
      'SELECT key, value_json FROM settings',
    );
    const stored = Object.fromEntries(
      rows.map((r) => [r.key, JSON.parse(r.value_json) as unknown]),
    );
    const parsed = settingsSchema.safeParse({ ...defaultSettings, ...stored });
    return parsed.success ? parsed.data : defaultSettings;
  }

  async update(changes: Partial<Settings>): Promise<Settings> {
    const next = settingsSchema.parse({ ...(await this.get()), ...changes });
    await this.db.transaction(async () => {
      for (const [key, value] of Object.entries(changes)) {
        await this.db.run(
          'INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json',
          [key, JSON.stringify(value)],
        );
      }
    });
    return next;
  }
}
