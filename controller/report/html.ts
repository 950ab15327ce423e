// The cutover report as one self-contained HTML page (GET /v1/cutovers/:id/report.html): step
// timeline, parity tables, preflight and validation findings grouped by status, DNS change,
// propagation, the validation run again after the switch, monitoring, rollback and audit trail.
// No script, no external resources; every value from the report — which carries text from web
// pages, agents and operators — is escaped.
import { beforeSwitch, clip, FALLBACK_OVER, pageProblem, POST_SWITCH_PAGES_SHOWN, reportModel, statusCounts, counted, type FindingModel, type PageRowModel, type ReportModel } from './model.js';
import { bytes, duration } from './text.js';

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const e = escapeHtml;

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
th{background:#f5f5f7;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
.badge{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.85em;font-weight:600}
.s-pass,.s-succeeded,.s-equal{background:#e3f5e6;color:#17692a}.s-warn,.s-allowed,.s-interrupted,.s-running{background:#fff4d6;color:#7a5600}
.s-fail,.s-failed,.s-differs,.s-missing{background:#fde5e4;color:#a3150f}.s-skipped,.s-pending{background:#eee;color:#555}
.bar{height:.6rem;background:#4a7bd0;border-radius:.3rem;min-width:2px}.muted{color:#777}.err{color:#a3150f}
tr.problem td{background:#fff6f5}tr.problem td:first-child{box-shadow:inset 3px 0 #a3150f}.flag{color:#a3150f;font-weight:600;white-space:nowrap}.ptitle{display:block;max-width:24rem}
details summary{cursor:pointer}`;

const badge = (s: string): string => `<span class="badge s-${e(s.replace(/[^a-z_-]/gi, ''))}">${e(s)}</span>`;
/** `rowClass`: a class for the row with this index (already safe), or null. */
const table = (head: string[], rows: string[][], numeric: number[] = [], rowClass: (i: number) => string | null = () => null): string =>
  `<table><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, ri) => {
      const cls = rowClass(ri);
      return `<tr${cls === null ? '' : ` class="${cls}"`}>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
    })
    .join('')}</tbody></table>`;

function timeline(m: ReportModel): string {
  const longest = Math.max(1, ...m.timeline.map((s) => s.durationMs ?? 0));
  const rows = m.timeline.map((s) => [
    e(s.name),
    badge(s.state),
    s.attempt > 1 ? e(s.attempt) : '',
    `<span class="mono">${e(s.startedAt ?? '')}</span>`,
    e(duration(s.durationMs)),
    s.durationMs === null ? '' : `<div class="bar" style="width:${Math.round((s.durationMs / longest) * 100)}%"></div>`,
    s.error !== null ? `<span class="err">${e(s.error)}</span>` : e(s.summary ?? ''),
  ]);
  return `<h2>Steps</h2>${table(['step', 'state', 'attempt', 'started', 'took', '', 'result'], rows, [2, 4])}`;
}

function parity(m: ReportModel): string {
  const out: string[] = [];
  const rp = m.runtimeParity;
  if (rp !== null) {
    const s = rp.summary;
    out.push(`<h3>Runtime (${e(rp.staging)} → ${e(rp.production)})</h3><p>${badge('equal')} ${e(s.equal)} ${badge('differs')} ${e(s.differs)}${s.unknown > 0 ? ` (${badge('unknown')} ${e(s.unknown)} of them unreadable)` : ''} ${badge('missing')} ${e(s.missing)} ${badge('allowed')} ${e(s.allowed)}</p>`);
    for (const u of rp.unreadable) out.push(`<p class="err">${e(u)}</p>`);
    if (rp.rows.length > 0) out.push(table(['key', 'category', 'staging', 'production', 'status'], rp.rows.map((r) => [`<code>${e(r.key)}</code>`, e(r.category), `<code>${e(r.staging ?? '(absent)')}</code>`, `<code>${e(r.production ?? '(absent)')}</code>`, badge(r.status)])));
  }
  const db = m.databaseParity;
  if (db !== null) {
    out.push(`<h3>Database ${badge(db.equal ? 'equal' : 'differs')}${db.mode === '' ? '' : ` <small>${e(db.mode)}</small>`}</h3>`);
    out.push(table(['table', 'chunks', 'differing', 'staging rows', 'production rows', 'status', 'note', 'staging side', 'production side'], db.tables.map((t) => [e(t.table), e(t.chunks), e(t.differingChunks), e(t.stagingRows), e(t.productionRows), badge(t.equal ? 'equal' : 'differs'), e(t.note), e(t.stagingCheck), e(t.productionCheck)]), [1, 2, 3, 4]));
    if (db.objectsDiffering.length > 0) out.push(`<p class="err">objects differing: ${db.objectsDiffering.map((o) => `<code>${e(o)}</code>`).join(', ')}</p>`);
  }
  if (m.assetsParity !== null && m.assetsParity.length > 0) {
    out.push('<h3>Assets</h3>');
    out.push(table(['root', 'status', 'files', 'size', 'digest', 'differences'], m.assetsParity.map((a) => [e(a.root), badge(a.equal ? 'equal' : 'differs'), e(a.files ?? '?'), e(bytes(a.bytes)), `<code>${e((a.digest ?? '').slice(0, 16))}</code>`, a.differenceCount === 0 ? '0' : `${e(a.differenceCount)}: ${a.differences.slice(0, 20).map((d) => `<code>${e(d.path)}</code> (${e(d.kind)})`).join(', ')}`]), [2]));
  }
  return out.length === 0 ? '' : `<h2>Parity</h2>${out.join('')}`;
}

function findingTable(list: readonly FindingModel[]): string {
  return table(['check', 'page', 'status', 'message'], list.map((f) => [`<code>${e(f.check)}</code>`, `<code>${e(f.page ?? '')}</code>`, badge(f.status), e(f.message)]));
}

const countsLine = (c: { pass: number; warn: number; fail: number }): string => `${badge('fail')} ${e(c.fail)} failed ${badge('warn')} ${e(counted(c.warn, 'warning'))} ${badge('pass')} ${e(c.pass)} passed`;

function grouped(title: string, all: readonly FindingModel[], counts?: { pass: number; warn: number; fail: number }): string {
  const by = (s: string) => all.filter((f) => f.status === s);
  const c = counts ?? { fail: by('fail').length, warn: by('warn').length, pass: by('pass').length };
  const parts = [`<h2>${e(title)}</h2><p>${countsLine(c)}</p>`];
  if (by('fail').length > 0) parts.push(`<h3>Failed</h3>${findingTable(by('fail'))}`);
  if (by('warn').length > 0) parts.push(`<h3>Warnings</h3>${findingTable(by('warn'))}`);
  if (by('pass').length > 0) parts.push(`<details><summary>Passed (${by('pass').length})</summary>${findingTable(by('pass'))}</details>`);
  return parts.join('');
}

/**
 * Staging's cell: what the page's checks compared with. Once the cutover locked staging that is
 * the page as preflight or lock recorded it (or nothing), and the maintenance page staging
 * answers instead is set apart, not shown as the page's status.
 */
function stagingCell(r: PageRowModel): string {
  const value =
    r.stagingFrom === 'none'
      ? '<span class="muted">not compared: no record of it from before the freeze</span>'
      : r.stagingLeftTo !== null
        ? `→ <code>${e(r.stagingLeftTo)}</code>`
        : r.stagingStatus !== null
          ? e(r.stagingStatus)
          : r.stagingNote !== null
            ? `<span class="muted">${e(r.stagingNote)}</span>`
            : '';
  const from = r.stagingFrom === 'preflight' || r.stagingFrom === 'lock' ? ` <span class="muted">as ${e(r.stagingFrom)} recorded it${r.stagingRecordedAt === null ? '' : ` (${e(r.stagingRecordedAt)})`}</span>` : '';
  const now = r.stagingMaintenance ? `<br><span class="muted">now its maintenance page${r.stagingMaintenanceStatus === null ? ' (no answer)' : ` (${e(r.stagingMaintenanceStatus)})`}, not compared</span>` : '';
  return value + from + now;
}

/** Longest title shown in a page row; the whole title is the cell's tooltip. */
export const TITLE_SHOWN = 80;

function titleText(t: string | null): string {
  if (t === null) return '-';
  if (t.trim() === '') return '<span class="muted">(no title)</span>';
  const shown = clip(t, TITLE_SHOWN);
  return shown === t ? e(t) : `<span title="${e(t)}">${e(shown)}</span>`;
}

/** Production's title, and staging's beside it where they differ (beyond host names and the rewrite). */
function titleCell(r: PageRowModel): string {
  const text = r.titleDiffers ? `${titleText(r.title)}<br><span class="flag">differs from staging's:</span> ${titleText(r.stagingTitle)}` : titleText(r.title);
  // Bounded width: a long title would otherwise squeeze the path column into a letter a line.
  return `<span class="ptitle">${text}</span>`;
}

/** A page row's marker: a word a screen reader reads and a greyscale print shows, not colour alone. */
const PROBLEM_MARK = '<strong class="flag"><span aria-hidden="true">⚠ </span>problem</strong>';

function validation(m: ReportModel): string {
  const v = m.validation;
  if (v === null) return '';
  const all = [...v.byStatus.fail, ...v.byStatus.warn, ...v.byStatus.pass];
  const head = grouped(`Validation (${v.mode}, ${counted(v.pages, 'page')}${v.durationMs === null ? '' : `, ${duration(v.durationMs)}`})`, all, v.summary);
  // Rows with a problem come first (model) and are marked in words as well as colour, and the
  // table opens by itself when there are any: they are what the reader came for.
  const problems = v.pageTable.filter((r) => r.problem).length;
  const pages =
    v.pageTable.length === 0
      ? ''
      : `<details${problems > 0 ? ' open' : ''}><summary>Pages (${v.pageTable.length})</summary>${problems > 0 ? `<p>${problems} page${problems === 1 ? '' : 's'} with a problem, listed first.</p>` : ''}${table(
          ['problem', 'path', 'title', 'production', 'staging', 'redirects', 'TTFB production', 'TTFB staging'],
          v.pageTable.map((r) => [
            r.problem ? PROBLEM_MARK : '',
            `<code>${e(r.path)}</code>`,
            titleCell(r),
            r.error !== null ? `<span class="err">${e(r.error)}</span>` : e(r.status ?? ''),
            stagingCell(r),
            e(r.redirects),
            r.ttfbMs === null ? '' : `${e(r.ttfbMs)} ms`,
            r.stagingTtfbMs === null ? '' : `${e(r.stagingTtfbMs)} ms`,
          ]),
          [5, 6, 7],
          (i) => (v.pageTable[i]!.problem ? 'problem' : null),
        )}</details>`;
  return head + pages;
}

function dns(m: ReportModel): string {
  const out: string[] = [];
  if (m.dnsChange !== null) {
    const d = m.dnsChange;
    out.push(`<p><code>${e(d.name)} ${e(d.type)}</code>: <code>${e(d.before)}</code> → <code>${e(d.after)}</code>${d.appliedAt === null ? '' : ` at <span class="mono">${e(d.appliedAt)}</span>`}</p>`);
    if (d.warning !== null) out.push(`<p class="err">${e(d.warning)}</p>`);
  }
  if (m.propagation !== null) {
    const p = m.propagation;
    out.push(`<h3>Propagation ${badge(p.ok === true ? 'pass' : p.ok === false ? 'fail' : 'pending')}${p.elapsedMs === null ? '' : ` <span class="muted">${e(duration(p.elapsedMs))}</span>`}</h3>`);
    out.push(table(['server', 'role', 'answer', 'latency', ''], p.servers.map((s) => [`<code>${e(s.server)}</code>`, e(s.role), `<code>${e(s.answer || s.error || '')}</code>`, s.latencyMs === null ? '' : `${e(s.latencyMs)} ms`, badge(s.ok ? 'pass' : 'fail')]), [3]));
  }
  return out.length === 0 ? '' : `<h2>DNS</h2>${out.join('')}`;
}

/** The validation run again after the switch: its counts beside the run before, what failed or warned and on which pages. */
function postSwitch(m: ReportModel): string {
  const p = m.postSwitchValidation;
  if (p === null) return '';
  const out = [`<h2>Post-switch validation (${e(p.mode)}, ${e(counted(p.pages, 'page'))}${p.durationMs === null ? '' : `, ${e(duration(p.durationMs))}`})</h2>`];
  const ran = [...(p.startedAt === null ? [] : [`ran at <span class="mono">${e(p.startedAt)}</span>`]), ...(p.skipped.length === 0 ? [] : [`skipped: ${p.skipped.map((x) => e(x)).join(', ')}`])];
  if (ran.length > 0) out.push(`<p class="muted">${ran.join(' · ')}</p>`);
  out.push(`<p>${countsLine(p.summary)}</p>`);
  if (p.before !== null) out.push(`<p class="muted">before the switch${p.before.startedAt === null ? '' : ` (<span class="mono">${e(p.before.startedAt)}</span>)`}: ${e(p.before.summary.fail)} failed, ${e(counted(p.before.summary.warn, 'warning'))}, ${e(p.before.summary.pass)} passed</p>`);
  if (p.problems.length > 0) {
    out.push(table(['check', 'page', 'status', 'message', ...(p.before === null ? [] : ['before the switch'])], p.problems.map((f) => [`<code>${e(f.check)}</code>`, `<code>${e(f.page ?? '')}</code>`, badge(f.status), e(f.message), ...(p.before === null ? [] : [e(beforeSwitch(f))])])));
  }
  if (p.problemPages.length > 0) {
    const shown = p.problemPages.slice(0, POST_SWITCH_PAGES_SHOWN);
    const more = p.problemPages.length - shown.length;
    out.push(`<p><span class="flag">Pages with a problem (${e(p.problemPages.length)}):</span> ${shown.map((r) => `<code>${e(r.path)}</code> (${e(pageProblem(r))})`).join('; ')}${more > 0 ? `; and ${e(more)} more (the JSON report lists them)` : ''}</p>`);
  }
  return out.join('');
}

/**
 * The monitor's verdict with the final and worst windows' shares, then what raised them: the
 * access-log intervals that held 5xx (agent's clock) and the failed probes, the newest the
 * evidence kept, each row marked a problem like the page table's, the rest counted.
 */
function monitor(m: ReportModel): string {
  const mo = m.monitor;
  if (mo === null) return '';
  const out = [`<h2>Monitor</h2><p>${badge(mo.verdict === 'rollback' ? 'fail' : mo.verdict === 'ok' ? 'pass' : 'warn')} ${e(mo.verdict)} — ${e(mo.summary)}</p>`];
  const w = mo.worstWindow;
  if (w !== null) {
    out.push(`<p>${w.overLimit ? `${PROBLEM_MARK} ` : ''}Worst window: ${e(`${(w.errorRate * 100).toFixed(2)}%`)} 5xx (${e(w.errors)} of ${e(w.total)} requests)${w.from !== null && w.to !== null ? `, <span class="mono">${e(w.from)}</span> → <span class="mono">${e(w.to)}</span>` : ''}</p>`);
  }
  const listed = (kept: number, count: number): string => (count > kept ? `<p class="muted">the newest ${e(kept)} listed; ${e(count - kept)} before them only counted</p>` : '');
  if (mo.logErrorIntervalCount > 0) {
    out.push(`<h3>Access-log intervals with 5xx (${e(mo.logErrorIntervalCount)})</h3>`);
    out.push(table(['problem', "start (agent's clock)", 'interval', '5xx', 'requests', 'statuses'], mo.logErrorIntervals.map((i) => [PROBLEM_MARK, `<span class="mono">${e(i.windowStart)}</span>`, e(duration(i.intervalMs)), e(i.errors), e(i.total), e(statusCounts(i.byStatus))]), [2, 3, 4], () => 'problem'));
    out.push(listed(mo.logErrorIntervals.length, mo.logErrorIntervalCount));
  }
  if (mo.failedProbeCount > 0) {
    out.push(`<h3>Failed probes (${e(mo.failedProbeCount)})</h3>`);
    out.push(table(['problem', 'at', 'page', 'answer'], mo.failedProbes.map((f) => [PROBLEM_MARK, `<span class="mono">${e(f.at)}</span>`, `<code>${e(f.path)}</code>`, f.status !== null ? e(f.status) : `<span class="err">no answer${f.error === null ? '' : `: ${e(f.error)}`}</span>`]), [], () => 'problem'));
    out.push(listed(mo.failedProbes.length, mo.failedProbeCount));
  }
  return out.join('');
}

export function renderReportHtml(report: unknown): string {
  const m = reportModel(report);
  const body: string[] = [];
  body.push(`<h1>Cutover <code>${e(m.id)}</code> — ${e(m.site)} ${badge(m.state)}</h1>`);
  body.push(`<p class="muted">created ${e(m.createdAt ?? '?')} by ${e(m.createdBy ?? '?')}${m.totalMs === null ? '' : ` · took ${e(duration(m.totalMs))}`} · report generated ${e(m.generatedAt ?? '')}</p>`);
  if (m.error !== null) body.push(`<p class="err">${e(m.error)}</p>`);
  body.push(timeline(m), parity(m));
  if (m.preflight.length > 0) body.push(grouped('Preflight checks', m.preflight));
  body.push(validation(m), dns(m), postSwitch(m), monitor(m));
  if (m.fallbackUntil !== null) {
    const ended = m.fallbackEnded;
    const note = m.fallbackNote;
    body.push(
      ended === null && m.fallbackExpired
        ? `<p>Fallback window over since <span class="mono">${e(m.fallbackUntil)}</span>: ${e(note === null ? FALLBACK_OVER : `${note}; nothing is released on its own: release when sure, or roll back`)}</p>`
        : ended === null
        ? `<p>Fallback window until <span class="mono">${e(m.fallbackUntil)}</span>${note === null ? '' : `: ${e(note)}`}</p>`
        : `<p>Fallback window (until <span class="mono">${e(m.fallbackUntil)}</span>) ended with the ${e(ended.by)}${ended.at === null ? '' : ` at <span class="mono">${e(ended.at)}</span>`}</p>`,
    );
  }
  if (m.rollback !== null) {
    const r = m.rollback;
    body.push(`<h2>Rollback ${badge(r.state === 'done' ? 'succeeded' : r.state)}</h2><p>${r.automatic ? 'automatic: ' : ''}${e(r.reason)}</p>${table(['part', 'state'], r.parts.map((p) => [e(p.name), badge(p.state)]))}`);
    if (r.stagingLeftFrozen !== null) body.push(`<p>${e(r.stagingLeftFrozen)}</p>`);
    if (r.servedCopy !== null) {
      body.push(`<p>Live copy kept in <span class="mono">${e(r.servedCopy.schema)}</span>: it holds what production took after the switch; reconcile, then drop it by hand.</p>${r.servedCopy.tables.length === 0 ? '' : table(['table', 'rows'], r.servedCopy.tables.map((x) => [`<span class="mono">${e(x.table)}</span>`, e(String(x.rows ?? '?'))]), [1])}${r.servedCopy.tablesLeftOff > 0 ? `<p>and ${r.servedCopy.tablesLeftOff} more tables, not listed.</p>` : ''}`);
    }
  }
  for (const [name, raw] of Object.entries(m.unknown)) body.push(`<h2>${e(name)}</h2><pre class="mono">${e(JSON.stringify(raw, null, 2))}</pre>`);
  if (m.audit.length > 0) body.push(`<details><summary>Audit trail (${m.audit.length})</summary>${table(['at', 'who', 'action'], m.audit.map((a) => [`<span class="mono">${e(a.at)}</span>`, e(a.tokenName), e(a.action)]))}</details>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Cutover ${e(m.id)} — ${e(m.site)}</title><style>${STYLE}</style></head><body>${body.join('\n')}</body></html>`;
}
