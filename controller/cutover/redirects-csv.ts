// The SEO URL map of a plan: `from,to,status` rows, an optional header line, `#` comments.
// Kept deliberately simple (no quoted commas) because URLs carry no bare commas worth keeping.
import { Type, type Static } from '@sinclair/typebox';
import { SwitchyardError } from '../../shared/errors.js';

export const RedirectRule = Type.Object(
  {
    from: Type.String({ pattern: '^/', description: 'path on the old site' }),
    to: Type.String({ minLength: 1, description: 'path or URL it must redirect to' }),
    status: Type.Integer({ minimum: 300, maximum: 399, default: 301 }),
  },
  { additionalProperties: false },
);
export type RedirectRule = Static<typeof RedirectRule>;

export function parseRedirectsCsv(text: string, source: string): RedirectRule[] {
  const rules: RedirectRule[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(',').map((c) => c.trim());
    if (i === 0 && cells[0]?.toLowerCase() === 'from') return;
    const [from, to, statusText] = cells;
    const where = `${source} line ${i + 1}`;
    if (from === undefined || to === undefined || cells.length > 3 || !from.startsWith('/') || to === '') {
      throw new SwitchyardError('SY_VALIDATION', `${where}: expected from,to[,status] with from starting with /`, { field: 'checks.redirects' });
    }
    const status = statusText === undefined || statusText === '' ? 301 : Number(statusText);
    if (!Number.isInteger(status) || status < 300 || status > 399) {
      throw new SwitchyardError('SY_VALIDATION', `${where}: status ${JSON.stringify(statusText)} is not a 3xx code`, { field: 'checks.redirects' });
    }
    rules.push({ from, to, status });
  });
  return rules;
}
