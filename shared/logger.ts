// One root pino logger per process; components take child loggers. Secrets are scrubbed by
// key name at any depth before a line is written, so a config object or an error carrying a
// password can be logged without leaking it.
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|private[-_]?key|credential|^env$|^value$|dsn/i;
export const REDACTED = '[REDACTED]';
const BINDING_SECRETS = ['password', 'passwd', 'pwd', 'token', 'apiToken', 'apiKey', 'api_key', 'secret', 'authorization', 'cookie', 'privateKey', 'credentials', 'dsn'];

function scrub(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  // Only plain objects are copied: requests, errors and other class instances are left to
  // pino's serializers (copying them would drop their getters and prototype).
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : scrub(v, depth + 1, seen);
  }
  return out;
}

/** Deep copy of an object with secret-looking keys replaced; exported for tests and for dumps. */
export function redactSecrets<T>(value: T): T {
  return scrub(value, 0, new WeakSet()) as T;
}

export interface LoggerOptions {
  level?: string;
  name?: string;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'switchyard',
      level: opts.level ?? process.env.SWITCHYARD_LOG_LEVEL ?? 'info',
      // Paths pino can redact cheaply; scrub() below catches the same keys at any depth in what is
      // logged. A child logger's own fields (`logger.child({...})`) never pass through that
      // formatter (pino resets the bindings formatter for children), only through these paths:
      // the usual secret names at the top and one level down.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', ...BINDING_SECRETS.flatMap((k) => [k, `*.${k}`])], censor: REDACTED },
      formatters: { log: (obj) => redactSecrets(obj) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that writes nothing, for library callers and tests that do not care. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
