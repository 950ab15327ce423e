// Original file: proto/switchyard/v1/database.proto


export interface PeerTransfer {
  'peer_address'?: (string);
  'peer_server_name'?: (string);
  'transfer_token'?: (string);
  'source_schema'?: (string);
  'target_schema'?: (string);
  'peer_name'?: (string);
}

export interface PeerTransfer__Output {
  'peer_address': (string);
  'peer_server_name': (string);
  'transfer_token': (string);
  'source_schema': (string);
  'target_schema': (string);
  'peer_name': (string);
}
