// Validation of a hand-built (typed) Commune epoch input: the rules of parseCommuneInput
// (spec/epoch-io.md, "Commune profile") on the typed arrays. O(n + nnz + ledger entries).
import { BLOCK_MAX, WHAT_BLOCK, WHAT_N, WHAT_U16, fail } from '../json-check.js';
import { blocks, bool, csr, flags, int, object, typed, u64 } from '../validate.js';
import { COMMUNE_BMA_MAX } from './io.js';
import type { CommuneEpochInput } from './types.js';

/** I64F64 holds stake and token amounts: below 2^63. */
const I64F64_LIMIT = 1n << 63n;
const AMOUNT = 'an amount below 2^63 (a bigint; it is held as I64F64)';

/**
 * Checks a typed CommuneEpochInput built by hand (parseCommuneInput's output always passes):
 * every field with its type and range, per-uid arrays of length n, weights and bonds
 * well-formed CSR with columns below n, the ledger's keys unique and its StakeFrom rows adding
 * up to the stakes. Throws InputError naming the field and index. runCommuneEpoch runs it first.
 */
export function validateCommuneInput(input: unknown): asserts input is CommuneEpochInput {
  const o = object(input, '');
  if (o['consensus'] !== 'yuma' && o['consensus'] !== 'linear') {
    fail(`expected "yuma" or "linear", got ${JSON.stringify(o['consensus']) ?? String(o['consensus'])}`, 'consensus', '');
  }
  int(o['netuid'], 0, 65535, WHAT_U16, 'netuid');
  const n = int(o['n'], 0, 65535, WHAT_N, 'n');
  const uid = n === 0 ? 'null (n = 0: no uid exists)' : `null or a uid: an integer 0..${n - 1} (below n = ${n})`;
  int(o['current_block'], 0, BLOCK_MAX, WHAT_BLOCK, 'current_block');
  u64(o['pending_emission'], 'pending_emission', I64F64_LIMIT, AMOUNT);
  if (o['founder_uid'] !== null) int(o['founder_uid'], 0, n - 1, uid, 'founder_uid');

  const h = object(o['hyperparameters'], 'hyperparameters');
  const hp = (k: string) => `hyperparameters.${k}`;
  for (const k of ['founder_share', 'kappa', 'alpha_low', 'alpha_high']) int(h[k], 0, 65535, WHAT_U16, hp(k));
  int(h['activity_cutoff'], 0, BLOCK_MAX, WHAT_BLOCK, hp('activity_cutoff'));
  int(h['bonds_moving_average'], 0, COMMUNE_BMA_MAX, `an integer 0..${COMMUNE_BMA_MAX} (per million)`, hp('bonds_moving_average'));
  if (h['max_allowed_validators'] !== null) int(h['max_allowed_validators'], 0, 65535, `null or ${WHAT_U16}`, hp('max_allowed_validators'));
  u64(h['min_validator_stake'], hp('min_validator_stake'), I64F64_LIMIT, AMOUNT);
  const encrypted = bool(h['use_weights_encryption'], hp('use_weights_encryption'));
  if (o['consensus'] === 'yuma' && encrypted && (h['alpha_low'] as number) > (h['alpha_high'] as number)) {
    fail(`alpha_low ${h['alpha_low']} is above alpha_high ${h['alpha_high']} (the chain panics on this with use_weights_encryption)`, hp('alpha_low'), '');
  }

  const nr = object(o['neurons'], 'neurons');
  const len = ` (n = ${n})`;
  const stake = typed(nr['stake'], 'BigUint64Array', n, 'neurons.stake', len);
  let total = 0n;
  for (let i = 0; i < n; i++) total += stake[i]!;
  if (total >= I64F64_LIMIT) fail(`stakes sum to ${total}: expected a total below 2^63 (it is held as I64F64)`, 'neurons.stake', '');
  blocks(typed(nr['last_update'], 'Float64Array', n, 'neurons.last_update', len), 'neurons.last_update');
  blocks(typed(nr['block_at_registration'], 'Float64Array', n, 'neurons.block_at_registration', len), 'neurons.block_at_registration');
  flags(typed(nr['validator_permit'], 'Uint8Array', n, 'neurons.validator_permit', len), 'neurons.validator_permit');
  const parent = typed(nr['weight_parent'], 'Int32Array', n, 'neurons.weight_parent', len);
  for (let i = 0; i < n; i++) {
    if (parent[i]! < -1 || parent[i]! >= n) fail(`expected -1 (none) or a uid below n = ${n}, got ${parent[i]}`, `neurons.weight_parent[${i}]`, '');
  }
  percents(typed(nr['validator_weight_fee'], 'Uint8Array', n, 'neurons.validator_weight_fee', len), 'neurons.validator_weight_fee');

  csr(o['weights'], n, 'weights');
  csr(o['bonds'], n, 'bonds');
  const oor = o['bond_out_of_range'];
  if (oor !== null) {
    const b = object(oor, 'bond_out_of_range');
    int(b['row'], 0, n - 1, `a row below n = ${n}`, 'bond_out_of_range.row');
    int(b['entry'], 0, 65535, 'an entry index 0..65535', 'bond_out_of_range.entry');
    int(b['uid_j'], n, 65535, `a uid_j n..65535 (n = ${n}; out of range is the point)`, 'bond_out_of_range.uid_j');
  }
  if (o['ledger'] !== null) ledger(o['ledger'], n, stake);
}

function percents(a: Uint8Array, field: string): void {
  for (let i = 0; i < a.length; i++) if (a[i]! > 100) fail(`expected an integer 0..100 (whole percent), got ${a[i]}`, `${field}[${i}]`, '');
}

function ledger(v: unknown, n: number, stake: BigUint64Array): void {
  const l = object(v, 'ledger');
  const keys = l['keys'];
  if (!Array.isArray(keys) || keys.length !== n) fail(`expected an array of ${n} account strings (n), got ${Array.isArray(keys) ? `length ${keys.length}` : typeof keys}`, 'ledger.keys', '');
  const seen = new Map<string, number>();
  keys.forEach((key: unknown, i) => {
    if (typeof key !== 'string') fail(`expected an account string, got ${typeof key}`, `ledger.keys[${i}]`, '');
    const other = seen.get(key);
    if (other !== undefined) fail(`duplicate key ${JSON.stringify(key)} (also uid ${other})`, `ledger.keys[${i}]`, '');
    seen.set(key, i);
  });
  percents(typed(l['stake_delegation_fee'], 'Uint8Array', n, 'ledger.stake_delegation_fee', ` (n = ${n})`), 'ledger.stake_delegation_fee');
  const rows = l['stake_from'];
  if (!Array.isArray(rows) || rows.length !== n) fail(`expected an array of ${n} rows (n)`, 'ledger.stake_from', '');
  for (let i = 0; i < n; i++) {
    const row: unknown = rows[i];
    const at = `ledger.stake_from[${i}]`;
    if (!Array.isArray(row)) fail('expected an array of [account, amount] pairs', at, '');
    const accounts = new Set<string>();
    let sum = 0n;
    for (let e = 0; e < row.length; e++) {
      const pair: unknown = row[e];
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
        fail('expected an [account string, amount bigint] pair', `${at}[${e}]`, '');
      }
      if (accounts.has(pair[0])) fail(`duplicate account ${JSON.stringify(pair[0])} in row ${i}`, `${at}[${e}][0]`, '');
      accounts.add(pair[0]);
      sum += u64(pair[1], `${at}[${e}][1]`);
    }
    if (sum !== stake[i]) fail(`entries sum to ${sum}, expected neurons.stake[${i}] = ${stake[i]} (StakeFrom must add up to the module's stake)`, at, '');
  }
}
