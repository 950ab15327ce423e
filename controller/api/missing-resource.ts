// OPTIONS and a 405 are answered for a path's shape, by the router, before any handler runs: a
// typo'd cutover id would get an `Allow` list as if it were there. This names the resource such
// a path points at when it does not exist, so the answer is the 404 a GET of it would be.
import { SwitchyardError } from '../../shared/errors.js';
import type { AgentsPort } from './ports.js';
import { assertKnownAgent } from './routes/agents.js';
import type { CutoversPort } from './routes/cutovers/index.js';

/** The 404 for a path whose `params` name something that is not there; undefined when it is, or the path names nothing. */
export type MissingResource = (path: string, params: Readonly<Record<string, string | undefined>>) => SwitchyardError | undefined;

export function missingResource(prefix: string, agents: AgentsPort, cutovers: Pick<CutoversPort, 'get'> | undefined): MissingResource {
  return (path, params) => {
    if (cutovers !== undefined && params.id !== undefined && path.startsWith(`${prefix}/cutovers/`)) {
      const id = params.id;
      return notFound(() => cutovers.get(id));
    }
    if (params.name !== undefined && path.startsWith(`${prefix}/agents/`)) {
      const name = params.name;
      return notFound(() => assertKnownAgent(agents, name, 'name'));
    }
    return undefined;
  };
}

/** The not-found error `look` throws; anything else it throws is not ours to hide. */
function notFound(look: () => unknown): SwitchyardError | undefined {
  try {
    look();
    return undefined;
  } catch (err) {
    if (err instanceof SwitchyardError && (err.code === 'SY_NOT_FOUND' || err.code === 'SY_AGENT_UNKNOWN')) return err;
    throw err;
  }
}
