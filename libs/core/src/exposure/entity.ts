/**
 * Which entity (person, fund, protocol) an account on a chain belongs to.
 *
 * By default an EVM address (`0x` + 40 hex digits) is the same entity on
 * every chain, named by its lowercase address; any other account is its own
 * entity, `<chain>:<account>`. A configured map overrides both: its keys are
 * either `<chain>:<account>` (one chain) or a bare account (every chain; EVM
 * addresses in any case), its values the entity's name. A venue's
 * sub-account, `<owner>/<n>` (Drift's sub-accounts of one authority), is its
 * owner's unless the map names it: one Solana owner key maps all of them.
 *
 * @example
 * const entityOf = entityResolver({ "solana:9xQe": "fund-x", "0xAb…": "fund-x" });
 * entityOf("arbitrum", "0xab…"); // "fund-x"
 */
export type EntityResolver = (chainId: string, account: string) => string;

const EVM_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SUB_ACCOUNT = /^(.+)\/\d+$/;

export function entityResolver(map: Readonly<Record<string, string>> = {}): EntityResolver {
  const byKey = new Map<string, string>();
  for (const [key, entity] of Object.entries(map)) {
    const colon = key.indexOf(":");
    const account = colon >= 0 ? key.slice(colon + 1) : key;
    const normal = EVM_ADDRESS.test(account) ? account.toLowerCase() : account;
    byKey.set(colon >= 0 ? `${key.slice(0, colon)}:${normal}` : normal, entity);
  }
  const resolve = (chainId: string, account: string): string => {
    const evm = EVM_ADDRESS.test(account);
    const normal = evm ? account.toLowerCase() : account;
    if (byKey.size > 0) {
      const hit = byKey.get(`${chainId}:${normal}`) ?? byKey.get(normal);
      if (hit !== undefined) return hit;
    }
    return evm ? normal : `${chainId}:${account}`;
  };
  return (chainId, account) => {
    const sub = SUB_ACCOUNT.exec(account);
    if (!sub) return resolve(chainId, account);
    const named = byKey.get(`${chainId}:${account}`) ?? byKey.get(account);
    return named ?? resolve(chainId, sub[1]!);
  };
}
