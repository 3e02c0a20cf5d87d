import pino from 'pino';

/**
 * Structured logs on stderr (stdout belongs to CLI output). Anything that might carry a
 * secret is redacted by path, so a careless log call cannot leak it.
 */
export function createLogger(level = process.env.DVSAN_LOG_LEVEL ?? 'info'): pino.Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          'password',
          '*.password',
          'auth.password',
          'secret',
          '*.secret',
          'params.auth.password',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
export type Logger = pino.Logger;
