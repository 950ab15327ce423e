// Original file: proto/switchyard/v1/agent.proto


export interface TlsCertificateFacts {
  'host'?: (string);
  'port'?: (number);
  'error'?: (string);
  'subject'?: (string);
  'issuer'?: (string);
  'sans'?: (string)[];
  'valid_from'?: (string);
  'valid_to'?: (string);
  'key_type'?: (string);
  'key_bits'?: (number);
  'fingerprint_sha256'?: (string);
  'connect_to'?: (string);
}

export interface TlsCertificateFacts__Output {
  'host': (string);
  'port': (number);
  'error': (string);
  'subject': (string);
  'issuer': (string);
  'sans': (string)[];
  'valid_from': (string);
  'valid_to': (string);
  'key_type': (string);
  'key_bits': (number);
  'fingerprint_sha256': (string);
  'connect_to': (string);
}
