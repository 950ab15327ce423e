// Who may call what on an agent. Over mutual TLS every caller holds a certificate from the same
// CA, the controller's and the other agent's alike, so a certificate alone would let a
// compromised staging agent ask production to pull from anywhere with `delete: true`, unlock,
// swap or roll back its database, or run a declared command. The two kinds differ in their
// extended key usage (`switchyard certs issue`): an agent's certificate is for server and client
// auth, the controller's for client auth only. A caller whose certificate can serve is an agent —
// and so is one whose certificate has no extended key usage at all, or anyExtendedKeyUsage, since
// such a certificate may serve too (another PKI may issue those) — and an agent may call only what the pull protocol needs of its peer — listings, chunks, tree
// digests, snapshot reads, all of them also bound to a transfer token the controller granted.
import * as grpc from '@grpc/grpc-js';
import { SwitchyardError, toGrpcError } from '../shared/errors.js';

/** What one agent calls on the other during a pull; everything else is the controller's. */
export const PEER_METHODS: ReadonlySet<string> = new Set([
  '/switchyard.v1.Assets/ListManifest',
  '/switchyard.v1.Assets/Fetch',
  '/switchyard.v1.Assets/TreeDigest',
  '/switchyard.v1.Database/OpenSnapshot',
  '/switchyard.v1.Database/StreamTable',
  '/switchyard.v1.Database/ChecksumChunks',
  '/switchyard.v1.Database/StreamKeys',
  '/switchyard.v1.Database/CloseSnapshot',
  '/grpc.health.v1.Health/Check',
  '/grpc.health.v1.Health/Watch',
]);

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_USAGE = '2.5.29.37.0';

type AnyCall = { getAuthContext?: () => { sslPeerCertificate?: { ext_key_usage?: string[] } } };

/** 'controller' only for a certificate restricted to client auth; 'agent' for anything that may serve. */
export function callerRole(call: AnyCall): 'agent' | 'controller' {
  const usages = call.getAuthContext?.().sslPeerCertificate?.ext_key_usage;
  const clientOnly = Array.isArray(usages) && usages.includes(CLIENT_AUTH) && !usages.includes(SERVER_AUTH) && !usages.includes(ANY_USAGE);
  return clientOnly ? 'controller' : 'agent';
}

function refuse(path: string): SwitchyardError {
  return new SwitchyardError(
    'SY_FORBIDDEN',
    `${path} is the controller's to call; this caller's certificate may serve, as an agent's does (the controller's must be for client auth only: switchyard certs issue --role controller)`,
  );
}

/**
 * The implementation with every controller-only method refusing agent callers. Only for a
 * mutual-TLS server: without TLS (loopback, tests) there is no certificate to tell them apart.
 */
export function guardControllerOnly(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = { ...implementation };
  for (const [name, def] of Object.entries(service)) {
    // grpc-js also serves a handler given under the method's original (camelCase) name; that one
    // must not slip through unguarded, so it is replaced by the guarded one under `name`.
    const alias = typeof def.originalName === 'string' && def.originalName !== name ? def.originalName : undefined;
    const handler = (implementation[name] ?? (alias === undefined ? undefined : implementation[alias])) as unknown as ((call: AnyCall, cb?: grpc.sendUnaryData<unknown>) => void) | undefined;
    if (handler === undefined || PEER_METHODS.has(def.path)) continue;
    if (alias !== undefined) delete out[alias];
    if (!def.responseStream) {
      // Unary and client streaming answer through the callback.
      out[name] = ((call: AnyCall, cb: grpc.sendUnaryData<unknown>) => {
        if (callerRole(call) === 'agent') return cb(toGrpcError(refuse(def.path)));
        return handler(call, cb);
      }) as unknown as grpc.UntypedHandleCall;
    } else {
      out[name] = ((call: AnyCall & { emit(e: 'error', err: unknown): boolean }) => {
        if (callerRole(call) === 'agent') {
          const s = toGrpcError(refuse(def.path));
          call.emit('error', Object.assign(new Error(s.details), s));
          return;
        }
        return handler(call);
      }) as unknown as grpc.UntypedHandleCall;
    }
  }
  return out;
}
