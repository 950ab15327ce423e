// Original file: proto/switchyard/v1/database.proto


export interface LockWritesRequest {
  'flag_only'?: (boolean);
  'cutover_id'?: (string);
  'finished_lock'?: (string);
  'own_lock'?: (string);
}

export interface LockWritesRequest__Output {
  'flag_only': (boolean);
  'cutover_id': (string);
  'finished_lock': (string);
  'own_lock': (string);
}
