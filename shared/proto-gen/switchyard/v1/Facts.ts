// Original file: proto/switchyard/v1/agent.proto

import type { OsFacts as _switchyard_v1_OsFacts, OsFacts__Output as _switchyard_v1_OsFacts__Output } from '../../switchyard/v1/OsFacts.js';
import type { DatabaseFacts as _switchyard_v1_DatabaseFacts, DatabaseFacts__Output as _switchyard_v1_DatabaseFacts__Output } from '../../switchyard/v1/DatabaseFacts.js';
import type { PhpFacts as _switchyard_v1_PhpFacts, PhpFacts__Output as _switchyard_v1_PhpFacts__Output } from '../../switchyard/v1/PhpFacts.js';
import type { WebServerFacts as _switchyard_v1_WebServerFacts, WebServerFacts__Output as _switchyard_v1_WebServerFacts__Output } from '../../switchyard/v1/WebServerFacts.js';
import type { EnvVarDigest as _switchyard_v1_EnvVarDigest, EnvVarDigest__Output as _switchyard_v1_EnvVarDigest__Output } from '../../switchyard/v1/EnvVarDigest.js';
import type { TlsCertificateFacts as _switchyard_v1_TlsCertificateFacts, TlsCertificateFacts__Output as _switchyard_v1_TlsCertificateFacts__Output } from '../../switchyard/v1/TlsCertificateFacts.js';
import type { DiskFacts as _switchyard_v1_DiskFacts, DiskFacts__Output as _switchyard_v1_DiskFacts__Output } from '../../switchyard/v1/DiskFacts.js';
import type { EnvFileUnreadable as _switchyard_v1_EnvFileUnreadable, EnvFileUnreadable__Output as _switchyard_v1_EnvFileUnreadable__Output } from '../../switchyard/v1/EnvFileUnreadable.js';
import type { LocaleFacts as _switchyard_v1_LocaleFacts, LocaleFacts__Output as _switchyard_v1_LocaleFacts__Output } from '../../switchyard/v1/LocaleFacts.js';
import type { PhpFpmFacts as _switchyard_v1_PhpFpmFacts, PhpFpmFacts__Output as _switchyard_v1_PhpFpmFacts__Output } from '../../switchyard/v1/PhpFpmFacts.js';
import type { CronFacts as _switchyard_v1_CronFacts, CronFacts__Output as _switchyard_v1_CronFacts__Output } from '../../switchyard/v1/CronFacts.js';
import type { RunPartsFacts as _switchyard_v1_RunPartsFacts, RunPartsFacts__Output as _switchyard_v1_RunPartsFacts__Output } from '../../switchyard/v1/RunPartsFacts.js';
import type { TimerFacts as _switchyard_v1_TimerFacts, TimerFacts__Output as _switchyard_v1_TimerFacts__Output } from '../../switchyard/v1/TimerFacts.js';

export interface Facts {
  'agent_name'?: (string);
  'collected_at'?: (string);
  'os'?: (_switchyard_v1_OsFacts | null);
  'database'?: (_switchyard_v1_DatabaseFacts | null);
  'php'?: (_switchyard_v1_PhpFacts | null);
  'web_servers'?: (_switchyard_v1_WebServerFacts)[];
  'env'?: (_switchyard_v1_EnvVarDigest)[];
  'tls'?: (_switchyard_v1_TlsCertificateFacts)[];
  'disks'?: (_switchyard_v1_DiskFacts)[];
  'notes'?: (string)[];
  'env_unreadable'?: (_switchyard_v1_EnvFileUnreadable)[];
  'locale'?: (_switchyard_v1_LocaleFacts | null);
  'php_fpm'?: (_switchyard_v1_PhpFpmFacts | null);
  'cron'?: (_switchyard_v1_CronFacts | null);
  'run_parts'?: (_switchyard_v1_RunPartsFacts | null);
  'timers'?: (_switchyard_v1_TimerFacts | null);
}

export interface Facts__Output {
  'agent_name': (string);
  'collected_at': (string);
  'os': (_switchyard_v1_OsFacts__Output | null);
  'database': (_switchyard_v1_DatabaseFacts__Output | null);
  'php': (_switchyard_v1_PhpFacts__Output | null);
  'web_servers': (_switchyard_v1_WebServerFacts__Output)[];
  'env': (_switchyard_v1_EnvVarDigest__Output)[];
  'tls': (_switchyard_v1_TlsCertificateFacts__Output)[];
  'disks': (_switchyard_v1_DiskFacts__Output)[];
  'notes': (string)[];
  'env_unreadable': (_switchyard_v1_EnvFileUnreadable__Output)[];
  'locale': (_switchyard_v1_LocaleFacts__Output | null);
  'php_fpm': (_switchyard_v1_PhpFpmFacts__Output | null);
  'cron': (_switchyard_v1_CronFacts__Output | null);
  'run_parts': (_switchyard_v1_RunPartsFacts__Output | null);
  'timers': (_switchyard_v1_TimerFacts__Output | null);
}
