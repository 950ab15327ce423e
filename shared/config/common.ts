import { Type, type Static } from '@sinclair/typebox';

export const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { default: 'info' },
);

export const Port = Type.Integer({ minimum: 0, maximum: 65535 });

/** Paths of the PEM files for mutual TLS between controller and agents. */
export const TlsFiles = Type.Object(
  {
    ca: Type.String({ minLength: 1, description: 'CA certificate (PEM) that peers must chain to' }),
    cert: Type.String({ minLength: 1, description: 'this side\'s certificate (PEM)' }),
    key: Type.String({ minLength: 1, description: 'this side\'s private key (PEM)' }),
  },
  { additionalProperties: false },
);
export type TlsFiles = Static<typeof TlsFiles>;
