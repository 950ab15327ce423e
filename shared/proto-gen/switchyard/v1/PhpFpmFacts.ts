// Original file: proto/switchyard/v1/agent.proto

import type { FpmPoolSetting as _switchyard_v1_FpmPoolSetting, FpmPoolSetting__Output as _switchyard_v1_FpmPoolSetting__Output } from '../../switchyard/v1/FpmPoolSetting.js';
import type { FpmPoolUnreadable as _switchyard_v1_FpmPoolUnreadable, FpmPoolUnreadable__Output as _switchyard_v1_FpmPoolUnreadable__Output } from '../../switchyard/v1/FpmPoolUnreadable.js';

export interface PhpFpmFacts {
  'files'?: (string)[];
  'settings'?: (_switchyard_v1_FpmPoolSetting)[];
  'unreadable'?: (_switchyard_v1_FpmPoolUnreadable)[];
  'pools'?: (string)[];
  'env_read'?: (boolean);
  'ini_path'?: (string);
  'ini_scan_dir'?: (string);
  'ini_files'?: (string)[];
  'ini'?: ({[key: string]: string});
  'ini_default'?: ({[key: string]: string});
  'ini_error'?: (string);
  'ini_env'?: (string);
  'serving'?: (string);
  'serving_from'?: (string);
}

export interface PhpFpmFacts__Output {
  'files': (string)[];
  'settings': (_switchyard_v1_FpmPoolSetting__Output)[];
  'unreadable': (_switchyard_v1_FpmPoolUnreadable__Output)[];
  'pools': (string)[];
  'env_read': (boolean);
  'ini_path': (string);
  'ini_scan_dir': (string);
  'ini_files': (string)[];
  'ini': ({[key: string]: string});
  'ini_default': ({[key: string]: string});
  'ini_error': (string);
  'ini_env': (string);
  'serving': (string);
  'serving_from': (string);
}
