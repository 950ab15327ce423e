// The cutover report as terminal text for `switchyard cutover report ID`: step timeline,
// parity summaries, preflight and validation findings grouped by status (failures first,
// passes only counted) and a capped page table, DNS change, propagation, the validation run
// again after the switch, monitoring, rollback.
import { beforeSwitch, clip, FALLBACK_OVER, ROLLBACK_CANCELLED, pageProblem, POST_SWITCH_PAGES_SHOWN, reportModel, statusCounts, counted, type FindingModel, type MonitorModel, type PageRowModel, type PostSwitchFindingModel, type ReportModel } from './model.js';

const MARK: Record<string, string> = { succeeded: '✔', failed: '✘', running: '▶', interrupted: '!', skipped: '–', pending: '·' };

export function duration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function bytes(n: number | null): string {
  if (n === null) return '?';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) (v /= 1024), i++;
  return `${v.toFixed(i === 0 ? 0 : 1)} ${u[i]}`;
}

const oneLine = (s: string, max = 160): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** `tail`: what to say after a finding's message (the post-switch run compares with the one before). */
function findingLines<F extends FindingModel>(list: readonly F[], label: string, tail: (f: F) => string = () => ''): string[] {
  if (list.length === 0) return [];
  const w = Math.min(16, Math.max(...list.map((f) => f.check.length)));
  return [`  ${label} (${list.length})`, ...list.map((f) => `    ${f.check.padEnd(w)}  ${f.page === null ? '' : `${f.page}  `}${oneLine(f.message)}${tail(f)}`)];
}

function timeline(m: ReportModel): string[] {
  const lines = ['Steps'];
  for (const s of m.timeline) {
    const tail = s.error !== null ? `  ${oneLine(s.error)}` : s.summary !== null ? `  ${oneLine(s.summary)}` : '';
    const attempt = s.attempt > 1 ? ` (attempt ${s.attempt})` : '';
    lines.push(`  ${MARK[s.state] ?? '?'} ${s.name.padEnd(10)} ${s.state.padEnd(11)} ${duration(s.durationMs).padStart(7)}${attempt}${tail}`);
  }
  return lines;
}

function parity(m: ReportModel): string[] {
  const lines: string[] = [];
  const rp = m.runtimeParity;
  if (rp !== null) {
    const s = rp.summary;
    lines.push(`Runtime parity (${rp.staging} → ${rp.production}): ${s.equal} equal, ${s.differs} differ${s.unknown > 0 ? ` (${s.unknown} of them unreadable)` : ''}, ${s.missing} missing, ${s.allowed} allowed`);
    for (const u of rp.unreadable) lines.push(`  ${u}`);
    const kw = Math.min(40, Math.max(3, ...rp.rows.map((r) => r.key.length)));
    for (const r of rp.rows) lines.push(`  ${r.status.padEnd(8)} ${r.key.padEnd(kw)}  ${r.staging ?? '(absent)'} | ${r.production ?? '(absent)'}`);
  }
  const db = m.databaseParity;
  if (db !== null) {
    const chunks = db.tables.reduce((n, t) => n + t.chunks, 0);
    lines.push(`Database parity: ${db.equal ? 'equal' : 'DIFFERS'} — ${db.tables.length} tables, ${chunks} chunks${db.mode === '' ? '' : ` (${db.mode})`}`);
    for (const t of db.tables.filter((x) => x.stagingCheck !== '' || x.productionCheck !== '')) lines.push(`  checked  ${t.table}: staging ${t.stagingCheck}; production ${t.productionCheck}`);
    for (const t of db.tables.filter((x) => !x.equal)) lines.push(`  differs  ${t.table}: ${t.differingChunks} of ${t.chunks} chunks (staging ${t.stagingRows} rows, production ${t.productionRows})${t.note === '' ? '' : ` ${t.note}`}`);
    for (const o of db.objectsDiffering) lines.push(`  differs  object ${o}`);
  }
  for (const a of m.assetsParity ?? []) {
    lines.push(`Assets parity ${a.root}: ${a.equal ? 'equal' : `DIFFERS in ${a.differenceCount} entries`} — ${a.files ?? '?'} files, ${bytes(a.bytes)}${a.digest !== null ? `, digest ${a.digest.slice(0, 16)}` : ''}`);
    for (const d of a.differences.slice(0, 20)) lines.push(`  ${d.kind.padEnd(8)} ${d.path}`);
  }
  return lines;
}

/** Page rows beyond this are counted, not printed: a terminal is read, not searched. */
export const PAGE_ROWS_SHOWN = 25;

/** Longest title in the text page table; --json and the HTML report have it whole. */
export const TITLE_COLUMN = 40;

const titleText = (t: string | null): string => (t === null ? '-' : t.trim() === '' ? '(no title)' : clip(t, TITLE_COLUMN));

/** Staging's status cell and what it needs said beside it (where the record came from, what staging answers now). */
function stagingPage(r: PageRowModel): { cell: string; notes: string[] } {
  const notes: string[] = [];
  let cell = '-';
  if (r.stagingFrom === 'none') notes.push('staging not compared: no record of it from before the freeze');
  else if (r.stagingLeftTo !== null) {
    cell = 'off-site';
    notes.push(`staging redirected to ${r.stagingLeftTo}`);
  } else if (r.stagingStatus !== null) cell = String(r.stagingStatus);
  else if (r.stagingNote !== null) notes.push(`staging: ${r.stagingNote}`);
  if (r.stagingFrom === 'preflight' || r.stagingFrom === 'lock') notes.push(`staging as ${r.stagingFrom} recorded it${r.stagingRecordedAt === null ? '' : ` (${r.stagingRecordedAt})`}`);
  if (r.stagingMaintenance) notes.push(`now its maintenance page${r.stagingMaintenanceStatus === null ? ' (no answer)' : ` (${r.stagingMaintenanceStatus})`}, not compared`);
  return { cell, notes };
}

/** Leads a page row with a problem in the text table (the legend line says so in words). */
export const PROBLEM_MARK = '!';

/**
 * The page table, aligned: production's status and TTFB beside what staging's checks compared
 * with. Capped at PAGE_ROWS_SHOWN rows, pages with a problem first and marked (a row whose only
 * problem is a failed check would otherwise look like a good one), saying how many more there
 * are and how many of those have a problem.
 */
function pageTable(rows: readonly PageRowModel[]): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, PAGE_ROWS_SHOWN);
  const ms = (v: number | null): string => (v === null ? '-' : `${v} ms`);
  // A report from before titles were recorded has none at all: no column of dashes then.
  const titles = rows.some((r) => r.title !== null);
  const cells = shown.map((r) => {
    const st = stagingPage(r);
    const notes = [
      ...(r.error === null ? [] : [`production: ${r.error}`]),
      ...(r.titleDiffers ? [`title differs from staging's: ${titleText(r.stagingTitle)}`] : []),
      ...r.checks.map((c) => `${c.check} ${c.status === 'fail' ? 'failed' : 'warned'}`),
      ...(r.redirects > 0 ? [`${r.redirects} redirect${r.redirects === 1 ? '' : 's'}`] : []),
      ...st.notes,
    ];
    return [oneLine(r.path, 48), ...(titles ? [titleText(r.title)] : []), r.error !== null ? 'error' : r.status === null ? '-' : String(r.status), ms(r.ttfbMs), st.cell, ms(r.stagingTtfbMs), oneLine(notes.join('; '))];
  });
  const head = ['path', ...(titles ? ['title'] : []), 'production', 'TTFB', 'staging', 'TTFB', ''];
  // Character counts, not UTF-16 units: a title's emoji takes one column.
  const len = (v: string): number => Array.from(v).length;
  const width = head.map((h, i) => Math.max(len(h), ...cells.map((c) => len(c[i]!))));
  const right = new Set(titles ? [3, 5] : [2, 4]);
  const pad = (v: string, i: number): string => ' '.repeat(width[i]! - len(v));
  // Problems come first (model): the first row has one if any row has. A table without any
  // needs no column of blanks.
  const marked = rows[0]!.problem;
  const mark = (problem: boolean): string => (marked ? `${problem ? PROBLEM_MARK : ' '} ` : '');
  const line = (c: string[], problem = false): string => `    ${mark(problem)}${c.map((v, i) => (i === c.length - 1 ? v : right.has(i) ? pad(v, i) + v : v + pad(v, i))).join('  ')}`.trimEnd();
  const more = rows.length - shown.length;
  // So this is 0 unless there are more of them than rows shown.
  const moreProblems = rows.slice(PAGE_ROWS_SHOWN).filter((r) => r.problem).length;
  const problems = rows.filter((r) => r.problem).length;
  return [
    `  Pages (${rows.length}): production and what staging's checks compared with`,
    ...(marked ? [`    ${PROBLEM_MARK} = a page with a problem (${problems}, listed first): production error, status or title unlike staging's, or a failed or warned check`] : []),
    line(head),
    ...cells.map((c, i) => line(c, shown[i]!.problem)),
    ...(more > 0 ? [`    … ${more} more page${more === 1 ? '' : 's'} left off, ${moreProblems} of them with a problem (--json lists them)`] : []),
  ];
}

function validation(m: ReportModel): string[] {
  const v = m.validation;
  if (v === null) return [];
  const s = v.summary;
  return [
    `Validation (${v.mode}, ${counted(v.pages, 'page')}${v.durationMs === null ? '' : `, ${duration(v.durationMs)}`}): ${s.fail} failed, ${counted(s.warn, 'warning')}, ${s.pass} passed`,
    ...findingLines(v.byStatus.fail, 'FAIL'),
    ...findingLines(v.byStatus.warn, 'WARN'),
    ...(s.pass > 0 ? [`  PASS (${s.pass}; --json lists them)`] : []),
    ...pageTable(v.pageTable),
  ];
}

function postSwitch(m: ReportModel): string[] {
  const p = m.postSwitchValidation;
  if (p === null) return [];
  const s = p.summary;
  const counts = (c: typeof s): string => `${c.fail} failed, ${counted(c.warn, 'warning')}, ${c.pass} passed`;
  const tail = (f: PostSwitchFindingModel): string => (p.before === null ? '' : `  (before the switch: ${beforeSwitch(f)})`);
  const pages = p.problemPages.slice(0, POST_SWITCH_PAGES_SHOWN).map((r) => `${oneLine(r.path, 48)} (${pageProblem(r)})`);
  const more = p.problemPages.length - pages.length;
  return [
    `Post-switch validation (${p.mode}, ${counted(p.pages, 'page')}${p.durationMs === null ? '' : `, ${duration(p.durationMs)}`})${p.startedAt === null ? '' : ` at ${p.startedAt}`}: ${counts(s)}`,
    ...(p.before === null ? [] : [`  before the switch${p.before.startedAt === null ? '' : ` (${p.before.startedAt})`}: ${counts(p.before.summary)}`]),
    ...(p.skipped.length === 0 ? [] : [`  skipped: ${p.skipped.join(', ')}`]),
    ...findingLines(p.problems.filter((f) => f.status === 'fail'), 'FAIL', tail),
    ...findingLines(p.problems.filter((f) => f.status === 'warn'), 'WARN', tail),
    ...(pages.length === 0 ? [] : [`  Pages with a problem (${p.problemPages.length}): ${pages.join('; ')}${more > 0 ? `; and ${more} more (--json lists them)` : ''}`]),
  ];
}

/** Failed probes and access-log intervals with 5xx printed, the newest; the rest are counted. */
export const MONITOR_ROWS_SHOWN = 10;

/** What was left off a capped list: how many, and whether --json has them. */
function leftOff(count: number, kept: number, shown: number, what: string): string[] {
  const more = count - shown;
  if (more <= 0) return [];
  return [`    … ${more} earlier ${what} left off${kept > shown ? ` (--json lists the newest ${kept}${count > kept ? `; the ${count - kept} before those only counted` : ''})` : ' (only counted)'}`];
}

/**
 * The monitor's verdict with the final and worst windows' shares, then what raised them: the
 * access-log intervals that held 5xx (on the agent's clock) and the failed probes, newest ones,
 * each marked as a problem like the page table's rows.
 */
function monitor(mo: MonitorModel): string[] {
  const lines = [`Monitor: ${mo.verdict}${mo.summary === '' ? '' : ` — ${mo.summary}`}`];
  if (mo.worstWindow !== null && mo.worstWindow.from !== null && mo.worstWindow.to !== null) lines.push(`  worst window ${mo.worstWindow.from} → ${mo.worstWindow.to}`);
  const intervals = mo.logErrorIntervals.slice(-MONITOR_ROWS_SHOWN);
  const probes = mo.failedProbes.slice(-MONITOR_ROWS_SHOWN);
  if (mo.logErrorIntervalCount > 0 || mo.failedProbeCount > 0) lines.push(`  ${PROBLEM_MARK} = an access-log interval that held 5xx, or a probe answered 5xx or not at all`);
  if (mo.logErrorIntervalCount > 0) {
    lines.push(`  Access-log intervals with 5xx (${mo.logErrorIntervalCount}; agent's clock):`);
    for (const i of intervals) {
      const statuses = i.byStatus.length === 0 ? '' : `  ${statusCounts(i.byStatus)}`;
      lines.push(`    ${PROBLEM_MARK} ${i.windowStart}${i.intervalMs === null ? '' : ` +${duration(i.intervalMs)}`}  ${i.errors} of ${i.total} 5xx${statuses}`);
    }
    lines.push(...leftOff(mo.logErrorIntervalCount, mo.logErrorIntervals.length, intervals.length, `interval${mo.logErrorIntervalCount - intervals.length === 1 ? '' : 's'}`));
  }
  if (mo.failedProbeCount > 0) {
    lines.push(`  Failed probes (${mo.failedProbeCount}):`);
    for (const f of probes) lines.push(`    ${PROBLEM_MARK} ${f.at}  ${oneLine(f.path, 48)}  ${f.status !== null ? String(f.status) : `no answer${f.error === null ? '' : `: ${oneLine(f.error)}`}`}`);
    lines.push(...leftOff(mo.failedProbeCount, mo.failedProbes.length, probes.length, `failed probe${mo.failedProbeCount - probes.length === 1 ? '' : 's'}`));
  }
  return lines;
}

function fallbackLine(until: string, ended: ReportModel['fallbackEnded'], expired: boolean, note: string | null): string {
  if (ended === null && expired) return `Fallback window over since ${until}: ${note === null ? FALLBACK_OVER : `${note}; nothing is released on its own: release when sure, or roll back`}`;
  if (ended === null) return `Fallback window until ${until}${note === null ? '' : `: ${note}`}`;
  return `Fallback window (until ${until}) ended with the ${ended.by}${ended.at === null ? '' : ` at ${ended.at}`}`;
}

export function formatReportText(report: unknown): string {
  const m = reportModel(report);
  const out: string[] = [];
  out.push(`cutover ${m.id} (${m.site}): ${m.state}${m.createdBy === null ? '' : ` — created ${m.createdAt ?? '?'} by ${m.createdBy}`}`);
  if (m.totalMs !== null) out.push(`took ${duration(m.totalMs)}`);
  if (m.error !== null) out.push(`error: ${m.error}`);
  out.push('', ...timeline(m));
  const p = parity(m);
  if (p.length > 0) out.push('', ...p);
  if (m.preflight.length > 0) {
    const count = (st: string) => m.preflight.filter((f) => f.status === st).length;
    out.push('', `Preflight checks: ${count('fail')} failed, ${counted(count('warn'), 'warning')}, ${count('pass')} passed`);
    out.push(...findingLines(m.preflight.filter((f) => f.status === 'fail'), 'FAIL'), ...findingLines(m.preflight.filter((f) => f.status === 'warn'), 'WARN'));
  }
  const v = validation(m);
  if (v.length > 0) out.push('', ...v);
  if (m.dnsChange !== null) {
    const d = m.dnsChange;
    out.push('', `DNS: ${d.name} ${d.type}  ${d.before} → ${d.after}${d.appliedAt === null ? '' : ` at ${d.appliedAt}`}`);
    if (d.warning !== null) out.push(`  warning: ${d.warning}`);
  }
  if (m.propagation !== null) {
    const pr = m.propagation;
    out.push('', `Propagation: ${pr.ok === true ? 'complete' : pr.ok === false ? 'INCOMPLETE' : '?'}${pr.elapsedMs === null ? '' : ` after ${duration(pr.elapsedMs)}`}`);
    for (const s of pr.servers) out.push(`  ${s.ok ? '✔' : '✘'} ${s.server.padEnd(22)} ${s.role.padEnd(13)} ${(s.answer || s.error || '-').padEnd(18)} ${s.latencyMs === null ? '' : `${s.latencyMs} ms`}`);
  }
  const ps = postSwitch(m);
  if (ps.length > 0) out.push('', ...ps);
  if (m.monitor !== null) out.push('', ...monitor(m.monitor));
  if (m.fallbackUntil !== null) out.push('', fallbackLine(m.fallbackUntil, m.fallbackEnded, m.fallbackExpired, m.fallbackNote));
  if (m.rollback !== null) {
    const r = m.rollback;
    out.push('', `Rollback: ${r.state}${r.automatic ? ' (automatic)' : ''} — ${r.reason}`, `  ${r.cancelled && r.parts.length === 0 ? ROLLBACK_CANCELLED : r.parts.map((p2) => `${p2.name}=${p2.state}`).join('  ')}`);
    if (r.stagingLeftFrozen !== null) out.push(`  ${r.stagingLeftFrozen}`);
    if (r.servedCopy !== null) {
      out.push(`  live copy kept in ${r.servedCopy.schema} (rows production took after the switch are there)${r.servedCopy.tables.length === 0 ? '' : `: ${[...r.servedCopy.tables.map((x) => `${x.table} ${x.rows ?? '?'} rows`), ...(r.servedCopy.tablesLeftOff > 0 ? [`and ${r.servedCopy.tablesLeftOff} more tables`] : [])].join(', ')}`} — reconcile, then drop it by hand`);
    }
  }
  for (const [name, raw] of Object.entries(m.unknown)) out.push('', `${name} (raw): ${oneLine(JSON.stringify(raw), 400)}`);
  return printable(out.join('\n'));
}

/**
 * The report as a terminal may show it: control characters other than newline and tab (ESC, BEL,
 * CR, the C1 set) become U+FFFD. Page titles, findings and agents' errors carry text from web pages
 * and hosts, and an ESC sequence in a <title> printed raw could rewrite the screen, hide lines or
 * set the clipboard (OSC 52) of the operator reading the report.
 */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\ufffd');
}
