import { DvsanError } from '../../protocol/errors.js';

/**
 * Root of every error a target backend throws (rtslib has one root class too). Each subclass
 * fixes its wire code, so the station decides on the code and never on the message text.
 * Messages and details name objects (IQNs, configfs paths) and never carry CHAP secrets.
 */
export class TargetError extends DvsanError {}

/** The export spec or an argument is wrong; nothing was changed. */
export class InvalidExportError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid-params', message, details);
  }
}

/** What exists clashes with what was asked (another owner, another backing, the lock held). */
export class ExportConflictError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** A configfs object looked up with mode 'lookup' is not there, or LIO itself is missing. */
export class TargetNotFoundError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('not-found', message, details);
  }
}

/** The lock targetcli shares with us stayed taken for longer than we wait. */
export class LockTimeoutError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** A configfs operation the kernel refused, or any other failure on the unit's side. */
export class ConfigfsError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('agent-error', message, details);
  }
}

/** Writing or verifying saveconfig.json failed; the previous file is still in place. */
export class SaveConfigError extends TargetError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('agent-error', message, details);
  }
}

/** The errno code of a Node fs error, or 'EUNKNOWN'. */
export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}
