// The single list of Switchyard errors. Each code carries the HTTP status used at the REST
// edge and the gRPC status used between controller and agents; the two edge converters
// (toProblem, toGrpcError/fromGrpcError) are the only places that translate them.
import { status as GrpcStatus, Metadata } from '@grpc/grpc-js';

interface ErrorDef {
  readonly http: number;
  readonly grpc: GrpcStatus;
  readonly title: string;
}

export const ERRORS = {
  SY_CONFIG_INVALID: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'Configuration is invalid' },
  SY_CONFIG_UNREADABLE: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'Configuration file cannot be read' },
  SY_SECRET_UNRESOLVED: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'A secret reference cannot be resolved' },
  SY_INSECURE_NON_LOOPBACK: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'Plaintext gRPC refused on a non-loopback address' },
  SY_TLS_MATERIAL: { http: 500, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'TLS certificate or key is unusable' },
  SY_UNAUTHENTICATED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED, title: 'Authentication required' },
  SY_FORBIDDEN: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED, title: 'Not allowed for this role' },
  SY_VALIDATION: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, title: 'The request is invalid' },
  SY_TOO_LARGE: { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED, title: 'The request body is too large' },
  SY_NOT_FOUND: { http: 404, grpc: GrpcStatus.NOT_FOUND, title: 'Not found' },
  SY_METHOD_NOT_ALLOWED: { http: 405, grpc: GrpcStatus.UNIMPLEMENTED, title: 'Method not allowed on this path' },
  SY_AGENT_UNKNOWN: { http: 404, grpc: GrpcStatus.NOT_FOUND, title: 'Unknown agent' },
  SY_AGENT_UNREACHABLE: { http: 502, grpc: GrpcStatus.UNAVAILABLE, title: 'Agent unreachable' },
  // The CLI's own: it could not reach the controller (an agent may be fine).
  SY_CONTROLLER_UNREACHABLE: { http: 502, grpc: GrpcStatus.UNAVAILABLE, title: 'Controller unreachable' },
  SY_AGENT_TIMEOUT: { http: 504, grpc: GrpcStatus.DEADLINE_EXCEEDED, title: 'Agent did not answer in time' },
  SY_CONFLICT: { http: 409, grpc: GrpcStatus.ABORTED, title: 'Conflict with the current state' },
  SY_PRECONDITION: { http: 412, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'A precondition failed' },
  SY_PATH_UNSAFE: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT, title: 'Path is outside the allowed root' },
  SY_FILESYSTEM: { http: 502, grpc: GrpcStatus.FAILED_PRECONDITION, title: 'A file system operation on an agent failed' },
  SY_DB: { http: 502, grpc: GrpcStatus.INTERNAL, title: 'Database operation failed' },
  SY_DNS_PROVIDER: { http: 502, grpc: GrpcStatus.UNAVAILABLE, title: 'DNS provider call failed' },
  SY_DNS_QUERY: { http: 502, grpc: GrpcStatus.UNAVAILABLE, title: 'DNS query failed' },
  SY_COMMAND_UNKNOWN: { http: 400, grpc: GrpcStatus.PERMISSION_DENIED, title: 'Command not declared in agent config' },
  SY_INTERNAL: { http: 500, grpc: GrpcStatus.INTERNAL, title: 'Internal error' },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorOptions {
  /** The request field or config key at fault, as a JSON pointer-ish dotted path. */
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  get grpcStatus(): GrpcStatus {
    return ERRORS[this.code].grpc;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}

/** RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  field?: string;
  instance?: string;
  [extra: string]: unknown;
}

export function toProblem(err: SwitchyardError, instance?: string): Problem {
  const def = ERRORS[err.code];
  const problem: Problem = {
    type: `https://switchyard.dev/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: def.title,
    status: def.http,
    detail: err.message,
    code: err.code,
  };
  if (err.field !== undefined) problem.field = err.field;
  if (instance !== undefined) problem.instance = instance;
  if (err.details !== undefined) problem.details = err.details;
  return problem;
}

const CODE_KEY = 'switchyard-error-code';
const FIELD_KEY = 'switchyard-error-field';
/** Binary (UTF-8 JSON): a path in the details may be any text, and text metadata must be ASCII. */
const DETAILS_KEY = 'switchyard-error-details-bin';
/** Larger details stay behind (the message still says it all): headers have a size limit. */
const MAX_DETAILS_BYTES = 2048;

function detailsBytes(details: Record<string, unknown> | undefined): Buffer | undefined {
  if (details === undefined) return undefined;
  try {
    const b = Buffer.from(JSON.stringify(details), 'utf8');
    return b.length <= MAX_DETAILS_BYTES ? b : undefined;
  } catch {
    return undefined;
  }
}

function detailsFrom(value: unknown): Record<string, unknown> | undefined {
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    const d: unknown = JSON.parse(value.toString('utf8'));
    return d !== null && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The gRPC status object a handler passes to its callback; the code travels in metadata. */
export function toGrpcError(err: unknown): { code: GrpcStatus; details: string; metadata: Metadata } {
  const e = err instanceof SwitchyardError ? err : new SwitchyardError('SY_INTERNAL', err instanceof Error ? err.message : String(err));
  const metadata = new Metadata();
  metadata.set(CODE_KEY, e.code);
  if (e.field !== undefined) metadata.set(FIELD_KEY, e.field);
  const details = detailsBytes(e.details);
  if (details !== undefined) metadata.set(DETAILS_KEY, details);
  return { code: e.grpcStatus, details: e.message, metadata };
}

interface GrpcLikeError {
  code?: number;
  details?: string;
  message?: string;
  metadata?: Metadata;
}

/** Turns a gRPC client error back into a typed error using the metadata, never the message text. */
export function fromGrpcError(err: unknown, fallbackContext = 'agent call'): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  const g = (err ?? {}) as GrpcLikeError;
  const codeValue = g.metadata?.get(CODE_KEY)[0];
  const fieldValue = g.metadata?.get(FIELD_KEY)[0];
  const details = detailsFrom(g.metadata?.get(DETAILS_KEY)[0]);
  const detail = g.details ?? g.message ?? String(err);
  if (isErrorCode(codeValue)) {
    return new SwitchyardError(codeValue, detail, { ...(fieldValue === undefined ? {} : { field: String(fieldValue) }), ...(details === undefined ? {} : { details }), cause: err });
  }
  switch (g.code) {
    case GrpcStatus.UNAVAILABLE:
      return new SwitchyardError('SY_AGENT_UNREACHABLE', `${fallbackContext}: ${detail}`, { cause: err });
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new SwitchyardError('SY_AGENT_TIMEOUT', `${fallbackContext}: ${detail}`, { cause: err });
    case GrpcStatus.UNAUTHENTICATED:
      return new SwitchyardError('SY_UNAUTHENTICATED', `${fallbackContext}: ${detail}`, { cause: err });
    default:
      return new SwitchyardError('SY_INTERNAL', `${fallbackContext}: ${detail}`, { cause: err });
  }
}
