// Whether an hreflang value is one search engines accept: `x-default`, or an ISO 639 language
// with an optional script and an optional ISO 3166-1 alpha-2 region. Parsed by the platform's
// BCP 47 implementation (Intl.Locale), then held to the narrower hreflang rules: no variants or
// extensions, a known language, and the region as written — `en-UK` canonicalises to en-GB,
// which is exactly the mistake to report.

const RESERVED_REGIONS = new Set(['EU', 'UN', 'EZ', 'QO', 'ZZ', 'AA']);
const languages = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const regions = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

export function hreflangProblem(code: string): string | null {
  const value = code.trim();
  if (value.toLowerCase() === 'x-default') return null;
  if (value === '') return 'empty hreflang';
  if (value.includes('_')) return `${JSON.stringify(code)} uses "_"; hreflang uses "-" (e.g. en-GB)`;
  let locale: Intl.Locale;
  try {
    locale = new Intl.Locale(value);
  } catch {
    return `${JSON.stringify(code)} is not a language tag`;
  }
  const subtags = value.split('-');
  const [lang, ...rest] = subtags;
  if (lang === undefined || !/^[A-Za-z]{2,3}$/.test(lang)) return `${JSON.stringify(code)}: language must be an ISO 639 code`;
  if (languages.of(lang.toLowerCase()) === undefined) return `${JSON.stringify(code)}: unknown language ${JSON.stringify(lang)}`;
  let script: string | undefined;
  let region: string | undefined;
  for (const s of rest) {
    if (script === undefined && region === undefined && /^[A-Za-z]{4}$/.test(s)) script = s;
    else if (region === undefined && /^[A-Za-z]{2}$/.test(s)) region = s;
    else return `${JSON.stringify(code)}: only language, script and region are allowed (${JSON.stringify(s)} is not one)`;
  }
  if (region !== undefined) {
    const up = region.toUpperCase();
    if (RESERVED_REGIONS.has(up) || regions.of(up) === undefined) return `${JSON.stringify(code)}: ${region} is not an ISO 3166-1 country code`;
    if (locale.region !== undefined && locale.region !== up) return `${JSON.stringify(code)}: ${region} is not an ISO 3166-1 code (did you mean ${locale.language}-${locale.region}?)`;
  }
  return null;
}
