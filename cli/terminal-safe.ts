// Text the CLI prints comes partly from elsewhere: page titles and validation messages from the
// site, error text from agents and DNS providers. An escape sequence in it would reach the
// operator's terminal as a command (move the cursor, rewrite the line above, set the title), so
// every control character but newline and tab is shown as its code instead.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function terminalSafe(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
