// What else the switched name holds. The switch replaces one record set (A or AAAA); anything
// beside it that answers for the same name is left as it is, so it is found here, before the
// freeze: an AAAA still at staging sends every IPv6 visitor to the frozen host after a switch
// that reports success, and a CNAME at the name makes the switch itself fail — after staging
// was locked.
import { requireDnsProvider } from '../../../dns/registry.js';
import { servesNothing, type DnsProvider } from '../../../dns/provider.js';
import { fail, pass, type PreflightCheck } from './types.js';

export function dnsNameCheck(dns: ReadonlyMap<string, DnsProvider>): PreflightCheck {
  return async ({ step }) => {
    const { zone, name, type } = step.plan.dns;
    const provider = requireDnsProvider(dns, step.plan.dns.provider);
    const other = type === 'A' ? 'AAAA' : 'A';
    const [cname, beside] = await Promise.all([provider.getRecordSet(zone, name, 'CNAME', { signal: step.signal }), provider.getRecordSet(zone, name, other, { signal: step.signal })]);
    // A set whose records are all disabled (PowerDNS) answers nothing and blocks nothing.
    if (cname !== null && !servesNothing(cname)) {
      return [
        fail('dns name', `${name} is a CNAME (→ ${cname.records.join(', ')}) at ${provider.name}: no ${type} record can sit beside it, so the switch would fail after staging is frozen; switch the name the CNAME points to, or replace the CNAME with a ${type} record first`, {
          provider: provider.name,
          cname: cname.records,
        }),
      ];
    }
    if (beside !== null && !servesNothing(beside)) {
      return [
        fail('dns name', `${name} also has ${other} ${beside.records.join(', ')} at ${provider.name}: the switch moves only the ${type} record, so visitors over ${other === 'AAAA' ? 'IPv6' : 'IPv4'} would keep reaching that address; remove the ${other} record (or move it by hand to production) before the cutover`, {
          provider: provider.name,
          [other]: beside.records,
        }),
      ];
    }
    return [pass('dns name', `${name} holds no CNAME and no ${other} record beside its ${type} record at ${provider.name}`)];
  };
}
