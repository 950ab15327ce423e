// How a pull's and a proof's errors name the staging agent they come from. Production relays
// them to the controller, and "staging could not read x" did not say which agent to look at
// when several stagings exist; the controller's name for it does.
import { fromGrpcError, SwitchyardError } from '../../shared/errors.js';

/** The name an older controller leaves us with (it sends no peer_name): the messages as before. */
export const UNNAMED_STAGING = 'staging';

/**
 * `staging agent staging-1 (10.0.0.5:7701)` when the controller sent the name it knows the agent
 * by; "staging" alone otherwise.
 */
export function stagingName(address: string, name: string | undefined): string {
  const n = (name ?? '').trim();
  return n === '' ? UNNAMED_STAGING : `staging agent ${n} (${address})`;
}

/**
 * An error of the call `rpc` to staging (`who`, from stagingName), named: an error staging itself
 * typed (token expired, a file it may not read) then says it came from there too. Unnamed, as
 * before: the untyped ones say `staging RPC`, typed ones pass as they are.
 */
export function fromStaging(err: unknown, who: string, rpc: string): SwitchyardError {
  if (who === UNNAMED_STAGING) return fromGrpcError(err, `${UNNAMED_STAGING} ${rpc}`);
  const where = `${who} ${rpc}`;
  const e = fromGrpcError(err, where);
  if (e.message.startsWith(who)) return e;
  return new SwitchyardError(e.code, `${where}: ${e.message}`, { ...(e.field === undefined ? {} : { field: e.field }), ...(e.details === undefined ? {} : { details: e.details }), cause: err });
}
