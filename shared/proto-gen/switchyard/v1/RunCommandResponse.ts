// Original file: proto/switchyard/v1/agent.proto


export interface RunCommandResponse {
  'name'?: (string);
  'exit_code'?: (number);
  'signal'?: (string);
  'timed_out'?: (boolean);
  'stdout_tail'?: (string);
  'stderr_tail'?: (string);
  'duration_ms'?: (number);
}

export interface RunCommandResponse__Output {
  'name': (string);
  'exit_code': (number);
  'signal': (string);
  'timed_out': (boolean);
  'stdout_tail': (string);
  'stderr_tail': (string);
  'duration_ms': (number);
}
