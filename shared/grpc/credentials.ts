// Transport security for every gRPC edge: mutual TLS against one CA, or plaintext only on a
// loopback address. Errors name the config key, so the operator knows which line to fix.
import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError } from '../errors.js';
import type { TlsFiles } from '../config/common.js';
import { isLoopbackHost } from './address.js';

export interface TransportConfig {
  tls?: TlsFiles | undefined;
  insecure: boolean;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface ServerCredentialsOptions extends TransportConfig {
  listenHost: string;
  /** Config key of the host, for error messages. */
  hostField?: string;
}

export interface ChannelCredentialsOptions extends TransportConfig {
  targetHost: string;
  hostField?: string;
}

function readPem(path: string, field: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new SwitchyardError('SY_TLS_MATERIAL', `${field}: cannot read ${path}: ${why}`, { field, cause: err });
  }
  if (!data.includes('-----BEGIN ')) throw new SwitchyardError('SY_TLS_MATERIAL', `${field}: ${path} is not a PEM file`, { field });
  return data;
}

function parsed<T>(field: string, path: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new SwitchyardError('SY_TLS_MATERIAL', `${field}: ${path} does not hold ${what}: ${(err as Error).message}`, { field, cause: err });
  }
}

/** Reads and cross-checks the PEM files, so a wrong file fails at start-up, not at first call. */
export function loadTlsMaterial(tls: TlsFiles, keyPrefix = 'tls'): TlsMaterial {
  const [caField, certField, keyField] = [`${keyPrefix}.ca`, `${keyPrefix}.cert`, `${keyPrefix}.key`];
  const material = { ca: readPem(tls.ca, caField), cert: readPem(tls.cert, certField), key: readPem(tls.key, keyField) };
  parsed(caField, tls.ca, 'a certificate', () => new X509Certificate(material.ca));
  const cert = parsed(certField, tls.cert, 'a certificate', () => new X509Certificate(material.cert));
  const key = parsed(keyField, tls.key, 'a private key', () => createPrivateKey(material.key));
  if (!cert.checkPrivateKey(key)) {
    throw new SwitchyardError('SY_TLS_MATERIAL', `${keyField}: ${tls.key} is not the key of ${certField} ${tls.cert}`, { field: keyField });
  }
  return material;
}

/** Which transport the config asks for; plaintext only where nothing leaves the machine. */
function chooseTransport(cfg: TransportConfig, host: string, hostField: string, role: string): TlsFiles | 'insecure' {
  if (cfg.insecure && cfg.tls !== undefined) {
    throw new SwitchyardError('SY_CONFIG_INVALID', 'insecure: true and tls are both set; choose one', { field: 'insecure' });
  }
  if (cfg.insecure) {
    if (!isLoopbackHost(host)) {
      throw new SwitchyardError(
        'SY_INSECURE_NON_LOOPBACK',
        `insecure: true refused: ${role} address ${host} (${hostField}) is not loopback (127.0.0.0/8, ::1, localhost); configure tls`,
        { field: hostField },
      );
    }
    return 'insecure';
  }
  if (cfg.tls === undefined) {
    throw new SwitchyardError('SY_CONFIG_INVALID', 'tls: required (ca, cert, key), unless insecure: true on a loopback address', { field: 'tls' });
  }
  return cfg.tls;
}

/** Server side: only clients whose certificate chains to the CA get through the handshake. */
export function serverCredentials(opts: ServerCredentialsOptions): grpc.ServerCredentials {
  const t = chooseTransport(opts, opts.listenHost, opts.hostField ?? 'listen.host', 'listen');
  if (t === 'insecure') return grpc.ServerCredentials.createInsecure();
  const m = loadTlsMaterial(t);
  return grpc.ServerCredentials.createSsl(m.ca, [{ cert_chain: m.cert, private_key: m.key }], true);
}

/** Client side: presents our certificate and accepts only a server that chains to the CA. */
export function channelCredentials(opts: ChannelCredentialsOptions): grpc.ChannelCredentials {
  const t = chooseTransport(opts, opts.targetHost, opts.hostField ?? 'address', 'target');
  if (t === 'insecure') return grpc.credentials.createInsecure();
  const m = loadTlsMaterial(t);
  return grpc.credentials.createSsl(m.ca, m.key, m.cert);
}

/**
 * grpc-js backs off up to 120 s between reconnect attempts by default, failing every call at once
 * in the meantime: an agent back after a few minutes down would refuse the retried rollback for
 * up to two more. Capped so a retry a few seconds after the agent is back reaches it.
 */
export const MAX_RECONNECT_BACKOFF_MS = 5_000;

/** Channel options; `serverName` is the name the server certificate must carry instead of the address host. */
export function channelOptions(serverName?: string): grpc.ChannelOptions {
  const backoff = { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS };
  return serverName === undefined || serverName === '' ? backoff : { ...backoff, 'grpc.ssl_target_name_override': serverName };
}
