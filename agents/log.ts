// The agent's stdout belongs to the protocol, so every log line goes to stderr as one JSON
// object (the same shape pino writes, without pulling pino into the bundle).
type Level = 'debug' | 'info' | 'warn' | 'error';

export type Log = (level: Level, msg: string, fields?: Record<string, unknown>) => void;

export const stderrLog: Log = (level, msg, fields) => {
  const line = JSON.stringify({ level, time: Date.now(), pid: process.pid, msg, ...fields });
  process.stderr.write(line + '\n');
};
