// agent.yaml: what one host offers the controller. Everything an agent may touch — database,
// asset roots, commands — is declared here; the controller can only name these things.
import { Type, type Static } from '@sinclair/typebox';
import { LogLevel, Port, TlsFiles } from '../shared/config/common.js';
import { SecretRef } from '../shared/config/secret.js';
import { loadConfigFile } from '../shared/config/load.js';
import { SwitchyardError } from '../shared/errors.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' });

export const AgentConfigSchema = Type.Object(
  {
    name: Name,
    listen: Type.Object(
      { host: Type.String({ default: '0.0.0.0' }), port: Type.Optional(Port) },
      { additionalProperties: false, default: {} },
    ),
    tls: Type.Optional(TlsFiles),
    insecure: Type.Boolean({ default: false, description: 'plaintext gRPC; refused unless listen.host is loopback' }),
    stateFile: Type.String({ minLength: 1, default: '/var/lib/switchyard/agent.sqlite' }),
    logLevel: LogLevel,
    database: Type.Optional(
      Type.Object(
        {
          host: Type.String({ default: '127.0.0.1' }),
          port: Type.Integer({ minimum: 1, maximum: 65535, default: 3306 }),
          socket: Type.Optional(Type.String()),
          user: Type.String({ minLength: 1 }),
          password: Type.Optional(SecretRef),
          schemas: Type.Optional(
            Type.Array(Type.String({ minLength: 1 }), { description: 'schemas the controller may name for copy, lock, rewrite; unset: any' }),
          ),
          localInfile: Type.Optional(Type.Boolean({ description: 'false: restore with multi-row INSERT only; default: LOAD DATA LOCAL INFILE, INSERT where the server refuses it' })),
          lockWaitSeconds: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 86400,
              description: 'longest any statement of the agent waits for a table another session holds (DDL, LOCK TABLES, read_only), default 60; then the step fails naming the open transactions',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    assets: Type.Record(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
      Type.Object(
        {
          path: Type.String({ minLength: 1 }),
          allowExternalSymlinks: Type.Boolean({ default: false }),
          watchMaxEntries: Type.Optional(
            Type.Integer({
              minimum: 0,
              description: 'largest tree (files, directories, links) kept current by a watcher, default 100000 (~5.9 KB of memory each); past it the root is stat-scanned instead; 0: never watched',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      { default: {} },
    ),
    maintenance: Type.Optional(
      Type.Object(
        {
          flagFile: Type.String({ minLength: 1 }),
          content: Type.String({ default: '' }),
        },
        { additionalProperties: false },
      ),
    ),
    envFiles: Type.Array(
      Type.Union([
        Type.String({ minLength: 1 }),
        Type.Object(
          {
            path: Type.String({ minLength: 1 }),
            name: Type.String({
              pattern: '^[A-Za-z0-9][A-Za-z0-9_./-]{0,127}$',
              description: 'what its rows line up by on the other side, where the paths differ (the same name in both agents\' configs)',
            }),
          },
          { additionalProperties: false },
        ),
      ]),
      { default: [] },
    ),
    tlsHosts: Type.Array(
      Type.Object(
        {
          host: Type.String({ minLength: 1 }),
          port: Type.Integer({ minimum: 1, maximum: 65535, default: 443 }),
          connectTo: Type.Optional(Type.String({ description: 'address to connect to instead of resolving host' })),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    commands: Type.Record(
      Name,
      Type.Object(
        {
          argv: Type.Array(Type.String(), { minItems: 1 }),
          cwd: Type.Optional(Type.String()),
          timeoutSeconds: Type.Integer({ minimum: 1, default: 300 }),
        },
        { additionalProperties: false },
      ),
      { default: {} },
    ),
    binaries: Type.Object(
      {
        php: Type.String({ default: 'php' }),
        nginx: Type.String({ default: 'nginx' }),
        apache: Type.String({ default: 'apache2ctl' }),
      },
      { additionalProperties: false, default: {} },
    ),
    phpFpmPools: Type.Optional(
      Type.Array(Type.String({ pattern: '^/' }), {
        description: 'PHP-FPM config and pool files whose php_value/php_admin_value/php_flag/php_admin_flag and env[...] lines are compared, include= lines followed (absolute paths, `*` allowed); default: php-fpm.conf and pool directories of the Debian, RHEL and Docker image layouts; []: none',
      }),
    ),
    cron: Type.Optional(
      Type.Object(
        {
          files: Type.Optional(
            Type.Array(Type.String({ pattern: '^/' }), {
              description: 'system crontabs (with a user column) whose jobs are compared (absolute paths, `*` allowed); default: /etc/crontab, /etc/cron.d/*; []: none',
            }),
          ),
          users: Type.Array(
            // No `/`, no leading dot: the name becomes a file name under the spool directories.
            Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$' }),
            { default: [], description: 'users whose own crontabs (crontab -e) are compared, e.g. the site\'s www-data; reading another user\'s needs root' },
          ),
          spoolDirs: Type.Optional(
            Type.Array(Type.String({ pattern: '^/' }), {
              description: 'where users\' crontabs are, tried in order; default: /var/spool/cron/crontabs (Debian, Alpine), /var/spool/cron (RHEL)',
            }),
          ),
          partsDirs: Type.Optional(
            Type.Array(Type.String({ pattern: '^/' }), {
              description: 'directories run-parts or anacron runs (absolute); their scripts are compared by name and content digest; default: /etc/cron.hourly, /etc/cron.daily, /etc/cron.weekly, /etc/cron.monthly; []: none',
            }),
          ),
          timerDirs: Type.Optional(
            Type.Array(Type.String({ pattern: '^/' }), {
              description: 'systemd unit directories whose enabled timers are compared (absolute); default: /etc/systemd/system (the admin\'s units, not packages\'); []: none',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    accessLog: Type.Optional(Type.String({ description: 'the site\'s access log (combined format), for monitor' })),
  },
  { additionalProperties: false },
);

export type AgentConfig = Static<typeof AgentConfigSchema>;
export type EnvFileConfig = AgentConfig['envFiles'][number];

/** `/srv/a/.env` → [`.env`, `a/.env`, `srv/a/.env`]: every label the controller may give an unnamed file. */
function pathSuffixes(file: string): string[] {
  const parts = file.split('/').filter((c) => c !== '');
  return parts.map((_, i) => parts.slice(parts.length - 1 - i).join('/'));
}

/**
 * Env file rows are keyed by the file's label (its name, or trailing path components when
 * unnamed), and the controller maps a path to one label: two files under one label, or one path
 * listed twice, would merge their variables into one set of rows, each value from either file.
 */
export function checkEnvFiles(config: AgentConfig, what: string): void {
  const entries = config.envFiles.map((e, i) => (typeof e === 'string' ? { i, path: e, name: undefined } : { i, path: e.path, name: e.name }));
  const clash = (key: string, why: string): never => {
    throw new SwitchyardError('SY_CONFIG_INVALID', `${what}: key ${key}: ${why}`, { field: key });
  };
  for (const e of entries) {
    const key = typeof config.envFiles[e.i] === 'string' ? `envFiles[${e.i}]` : `envFiles[${e.i}].path`;
    const earlier = entries.find((o) => o.i < e.i && o.path === e.path);
    if (earlier !== undefined) clash(key, `${JSON.stringify(e.path)} is listed already as envFiles[${earlier.i}]; list each file once`);
    if (e.name === undefined) continue;
    const sameName = entries.find((o) => o.i < e.i && o.name === e.name);
    if (sameName !== undefined) clash(`envFiles[${e.i}].name`, `${JSON.stringify(e.name)} is envFiles[${sameName.i}].name already; give each file its own name, or their variables share one set of rows`);
    const unnamed = entries.find((o) => o.name === undefined && pathSuffixes(o.path).includes(e.name!));
    if (unnamed !== undefined) {
      clash(`envFiles[${e.i}].name`, `${JSON.stringify(e.name)} is also how the unnamed envFiles[${unnamed.i}] (${unnamed.path}) may be labelled, so their rows could merge; choose another name, or name that file too`);
    }
  }
}

export function loadAgentConfig(path: string): AgentConfig {
  const config = loadConfigFile(path, AgentConfigSchema);
  checkEnvFiles(config, path);
  return config;
}
