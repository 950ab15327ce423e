// controller.yaml: the agents it drives, who may call it, and the DNS providers it may change.
import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, Port, TlsFiles } from '../shared/config/common.js';
import { SecretRef } from '../shared/config/secret.js';
import { loadConfigFile } from '../shared/config/load.js';
import { SwitchyardError } from '../shared/errors.js';
import { trustedProxyList } from './api/public-path.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' });

// An http(s) base with no user:password@: fetch refuses credentials in a URL, and only at the
// switch, with the URL in its message; the API key or token is the provider's one secret.
const ApiBase = (description: string, dflt?: string) =>
  Type.String({ pattern: '^https?://[^/@?#\\s]+(?:[/?#]\\S*)?$', description, ...(dflt === undefined ? {} : { default: dflt }) });

export const DnsProviderSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal('cloudflare'),
      apiToken: SecretRef,
      baseUrl: ApiBase('Cloudflare API base, http(s)://host[:port]/path, no user:password@', 'https://api.cloudflare.com/client/v4'),
      minTtl: Type.Optional(
        Type.Integer({ minimum: 30, maximum: 86400, description: 'lowest TTL the zone accepts other than 1 (automatic); default 60, 30 on Enterprise zones' }),
      ),
      authoritative: Type.Optional(
        Type.Array(Type.String({ minLength: 1 }), { description: 'host[:port] of the authoritative servers; default: the zone\'s NS records' }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('powerdns'),
      url: ApiBase('PowerDNS API base, http(s)://host[:port], e.g. http://127.0.0.1:8081; no user:password@'),
      apiKey: SecretRef,
      serverId: Type.String({ default: 'localhost' }),
      authoritative: Type.Optional(
        Type.Array(Type.String({ minLength: 1 }), { description: 'host[:port] of the authoritative servers; default: the zone\'s NS records' }),
      ),
    },
    { additionalProperties: false },
  ),
]);

export const ControllerConfigSchema = Type.Object(
  {
    listen: Type.Object(
      { host: Type.String({ default: '127.0.0.1' }), port: Type.Integer({ minimum: 0, maximum: 65535, default: 7700 }) },
      { additionalProperties: false, default: {} },
    ),
    stateFile: Type.String({ minLength: 1, default: '/var/lib/switchyard/controller.sqlite' }),
    logLevel: LogLevel,
    tls: Type.Optional(TlsFiles),
    insecure: Type.Boolean({ default: false, description: 'plaintext gRPC to agents; only to loopback addresses' }),
    agents: Type.Array(
      Type.Object(
        {
          name: Name,
          address: Type.String({ minLength: 3, description: 'host:port of the agent gRPC server' }),
          serverName: Type.Optional(Type.String({ description: 'name the agent certificate must carry, if not the address host' })),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    tokens: Type.Array(
      Type.Object(
        {
          name: Name,
          role: Type.Union([Type.Literal('viewer'), Type.Literal('operator')]),
          hash: Type.String({ pattern: '^sha256:[0-9a-f]{64}$', description: 'sha256:<hex> of the token; see `switchyard token new`' }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    dnsProviders: Type.Record(Name, DnsProviderSchema, { default: {} }),
    resolvers: Type.Array(Type.String(), {
      default: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '208.67.222.222'],
      description: 'recursive resolvers queried during propagate (ip or ip:port)',
    }),
    agentTimeoutMs: Type.Integer({ minimum: 100, default: 10000 }),
    trustedProxies: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'addresses or CIDR ranges of reverse proxies whose X-Forwarded-Prefix the API believes for the paths it hands out; none when absent',
      }),
    ),
  },
  { additionalProperties: false },
);

export type ControllerConfig = Static<typeof ControllerConfigSchema>;
export type DnsProviderConfig = Static<typeof DnsProviderSchema>;

export function loadControllerConfig(path: string): ControllerConfig {
  const config = loadConfigFile(path, ControllerConfigSchema);
  // The schema takes any string; the address rules are checked here so a bad entry stops the
  // load itself, before the controller opens its state or listens.
  for (const [i, entry] of (config.trustedProxies ?? []).entries()) {
    try {
      trustedProxyList([entry]);
    } catch {
      const key = `trustedProxies[${i}]`;
      throw new SwitchyardError('SY_CONFIG_INVALID', `${path}: key ${key}: ${JSON.stringify(entry)} is not an IP address or a CIDR range (10.0.0.5, 10.0.0.0/8, fd00::/8)`, { field: key });
    }
  }
  return config;
}
