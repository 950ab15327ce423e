// One line of an nginx/apache access log in combined format (or common format, which is
// combined without referer and user agent). Only the status is needed for monitoring, but the
// whole line is matched so a line in some other format is counted as unparsed instead of
// yielding a number that happens to sit in the right place.
//   %h %l %u %t "%r" %>s %b ["%{Referer}i" "%{User-Agent}i"] [anything an admin appended]

export interface AccessLogEntry {
  remote: string;
  time: string;
  request: string;
  status: number;
  bytes: number | null;
  /** As written between the quotes (escapes kept); null in common format. */
  userAgent: string | null;
}

// Quoted fields may hold \" escapes (nginx escapes quotes as \x22, apache as \").
const QUOTED = String.raw`"((?:[^"\\]|\\.)*)"`;
const LINE = new RegExp(String.raw`^(\S+) \S+ (?:\S+|"(?:[^"\\]|\\.)*") \[([^\]]+)\] ${QUOTED} (\d{3}) (\d+|-)(?: ${QUOTED} ${QUOTED})?(?:\s.*)?$`);

export function parseAccessLogLine(line: string): AccessLogEntry | null {
  const m = LINE.exec(line.trimEnd());
  if (m === null) return null;
  const status = Number(m[4]);
  if (status < 100 || status > 599) return null;
  return { remote: m[1]!, time: m[2]!, request: m[3]!, status, bytes: m[5] === '-' ? null : Number(m[5]), userAgent: m[7] ?? null };
}

/** "5xx" for 503; statuses are validated to 100..599 by the parser. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}
