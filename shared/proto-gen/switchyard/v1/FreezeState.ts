// Original file: proto/switchyard/v1/database.proto


export interface FreezeState {
  'read_only'?: (boolean);
  'super_read_only'?: (string);
  'flag_file_existed'?: (boolean);
  'flag_file_content'?: (Buffer | Uint8Array | string);
  'flag_file'?: (string);
  'locked_at'?: (string);
  'no_database'?: (boolean);
}

export interface FreezeState__Output {
  'read_only': (boolean);
  'super_read_only': (string);
  'flag_file_existed': (boolean);
  'flag_file_content': (Buffer);
  'flag_file': (string);
  'locked_at': (string);
  'no_database': (boolean);
}
