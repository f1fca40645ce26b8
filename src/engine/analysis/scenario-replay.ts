// Snapshot replays: a real subnet's yuma-epoch/1 input run for `num_epochs` epochs, with
// scripted changes, in the yuma-sim-case/1 language (docs/scenario.md "Snapshot replays").
//
// Epoch k's input is the snapshot moved k epochs on: current_block, last_update and
// commit_block + k * (tempo + 1) (every uid keeps the age its last update had in the
// snapshot), block_at_registration as in the snapshot; then the carry rule of
// docs/spec/epoch-io.md "Sequence" (sequence.ts carryInput): bonds and permits from the
// engine's previous output, last_mechanism_step_block = the previous epoch's block, the
// uids (re)registered since the previous epoch with no bonds and no permit. A replay without
// changes is therefore exactly a `yuma verify` sequence of those inputs.
//
// Changes, applied before the epoch they name and kept afterwards:
//   - weights: uid's row replaced; values scaled as the sim cases' rows (max -> 65535);
//     its last_update = the epoch's block;
//   - deregister: the uid is pruned and taken by a new neuron: no stake, no weights,
//     registered (and last updated) one block before the epoch;
//   - move_stake: `amount` rao of alpha stake from one uid to another;
//   - set_stake: a uid's alpha_stake and/or tao_stake set (rao).
import { carryInput } from '../sequence.js';
import { parseEpochInput } from '../io.js';
import { InputError, type EpochInput, type EpochOutput, type SparseU16 } from '../types.js';

export type ReplayChange =
  | { epoch: number; kind: 'weights'; uid: number; cols: Uint32Array; vals: Uint16Array }
  | { epoch: number; kind: 'deregister'; uid: number }
  | { epoch: number; kind: 'move_stake'; from: number; to: number; amount: bigint }
  | { epoch: number; kind: 'set_stake'; uid: number; alpha?: bigint; tao?: bigint };

export interface ReplaySpec {
  snapshot: EpochInput;
  /** where the snapshot came from (a path, or "inline") */
  snapshotSource: string;
  epochs: number;
  /** sorted by epoch, in file order within an epoch */
  changes: ReplayChange[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => {
  const t = JSON.stringify(v);
  return t === undefined ? String(v) : t.length > 60 ? `${t.slice(0, 57)}...` : t;
};

/**
 * Validates `snapshot` (a parsed yuma-epoch/1 input; `source` names it), `num_epochs` and
 * `changes` of a replay case. Stake changes are checked against the stake they leave
 * (stakes change only by script, so a move of more than a uid holds is an input error).
 */
export function parseReplay(
  snapshotDoc: unknown,
  source: string,
  numEpochs: unknown,
  changesRaw: unknown,
  file: string,
): ReplaySpec {
  const fail = (msg: string, field: string): never => {
    throw new InputError(msg, field, file);
  };
  let snapshot: EpochInput;
  try {
    snapshot = parseEpochInput(snapshotDoc, source === 'inline' ? '' : source);
  } catch (e) {
    if (e instanceof InputError) {
      // inline: the field path inside the case; a file: the snapshot file names itself
      if (source === 'inline') throw new InputError(e.message, e.field ? `snapshot.${e.field}` : 'snapshot', file);
      throw new InputError(e.message, e.field, e.file || source);
    }
    throw e;
  }
  if (typeof numEpochs !== 'number' || !Number.isInteger(numEpochs) || numEpochs < 1 || numEpochs > 100_000) {
    fail(`expected the number of epochs to replay, an integer 1..100000, got ${show(numEpochs)}`, 'num_epochs');
  }
  const E = numEpochs as number;
  const n = snapshot.n;
  const stepBlocks = snapshot.hyperparameters.tempo + 1;
  if (snapshot.current_block + (E - 1) * stepBlocks > Number.MAX_SAFE_INTEGER) fail('the last epoch\'s block is above 2^53', 'num_epochs');
  const changes: ReplayChange[] = [];
  if (changesRaw !== undefined && changesRaw !== null) {
    if (!Array.isArray(changesRaw)) fail(`expected an array of changes, got ${show(changesRaw)}`, 'changes');
    const uid = (v: unknown, at: string): number => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) fail(`expected a uid 0..${n - 1}, got ${show(v)}`, at);
      return v as number;
    };
    const rao = (v: unknown, at: string): bigint => {
      const t = typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v;
      if (typeof t !== 'string' || !/^\d+$/.test(t) || BigInt(t) >= 1n << 64n) fail(`expected a u64 amount in rao (a decimal string), got ${show(v)}`, at);
      return BigInt(t as string);
    };
    (changesRaw as unknown[]).forEach((raw, k) => {
      const at = `changes[${k}]`;
      if (!isObj(raw)) fail(`expected an object {epoch, <change>}, got ${show(raw)}`, at);
      const r = raw as Record<string, unknown>;
      const epoch = r.epoch;
      if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0 || epoch >= E) {
        fail(`expected an epoch index 0..${E - 1}, got ${show(epoch)}`, `${at}.epoch`);
      }
      const kinds = ['weights', 'deregister', 'move_stake', 'set_stake'].filter((key) => key in r);
      if (kinds.length !== 1) fail(`expected exactly one of weights, deregister, move_stake, set_stake, got ${kinds.length ? kinds.join(' and ') : 'none'}`, at);
      const extra = Object.keys(r).filter((key) => key !== 'epoch' && key !== kinds[0] && key !== 'uid' && key !== 'note');
      if (extra.length) fail(`unknown field ${JSON.stringify(extra[0])}`, `${at}.${extra[0]}`);
      const e = epoch as number;
      switch (kinds[0]) {
        case 'weights': {
          const u = uid(r.uid, `${at}.uid`);
          const row = r.weights;
          if (!Array.isArray(row)) fail(`expected a sparse row [[uid_j, weight], ...], got ${show(row)}`, `${at}.weights`);
          const cols: number[] = [];
          const ws: number[] = [];
          (row as unknown[]).forEach((p, q) => {
            const pat = `${at}.weights[${q}]`;
            if (!Array.isArray(p) || p.length !== 2) fail(`expected [uid_j, weight], got ${show(p)}`, pat);
            const [j, w] = p as [unknown, unknown];
            const cj = uid(j, `${pat}[0]`);
            if (cols.length && cj <= cols[cols.length - 1]!) fail(`expected uid_j in ascending order without repeats, got ${cj} after ${cols[cols.length - 1]}`, `${pat}[0]`);
            if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) fail(`expected a finite weight >= 0, got ${show(w)}`, `${pat}[1]`);
            cols.push(cj);
            ws.push(w as number);
          });
          const max = ws.reduce((a, b) => Math.max(a, b), 0);
          const vals = ws.map((w) => (max > 0 ? Math.floor((w / max) * 65535 + 0.5) : 0));
          changes.push({ epoch: e, kind: 'weights', uid: u, cols: Uint32Array.from(cols), vals: Uint16Array.from(vals) });
          break;
        }
        case 'deregister':
          if ('uid' in r) fail('a deregistration names its uid as {"deregister": uid}', `${at}.uid`);
          changes.push({ epoch: e, kind: 'deregister', uid: uid(r.deregister, `${at}.deregister`) });
          break;
        case 'move_stake': {
          if ('uid' in r) fail('move_stake names from and to, not uid', `${at}.uid`);
          const m = r.move_stake;
          if (!isObj(m)) fail(`expected {from, to, amount}, got ${show(m)}`, `${at}.move_stake`);
          const mo = m as Record<string, unknown>;
          const from = uid(mo.from, `${at}.move_stake.from`);
          const to = uid(mo.to, `${at}.move_stake.to`);
          if (from === to) fail('expected two different uids', `${at}.move_stake.to`);
          changes.push({ epoch: e, kind: 'move_stake', from, to, amount: rao(mo.amount, `${at}.move_stake.amount`) });
          break;
        }
        default: {
          const s = r.set_stake;
          if (!isObj(s)) fail(`expected {alpha_stake?, tao_stake?} (rao), got ${show(s)}`, `${at}.set_stake`);
          const so = s as Record<string, unknown>;
          const bad = Object.keys(so).find((key) => key !== 'alpha_stake' && key !== 'tao_stake');
          if (bad !== undefined) fail(`unknown field ${JSON.stringify(bad)} (alpha_stake, tao_stake)`, `${at}.set_stake.${bad}`);
          if (so.alpha_stake === undefined && so.tao_stake === undefined) fail('expected alpha_stake and/or tao_stake', `${at}.set_stake`);
          const ch: ReplayChange = { epoch: e, kind: 'set_stake', uid: uid(r.uid, `${at}.uid`) };
          if (so.alpha_stake !== undefined) ch.alpha = rao(so.alpha_stake, `${at}.set_stake.alpha_stake`);
          if (so.tao_stake !== undefined) ch.tao = rao(so.tao_stake, `${at}.set_stake.tao_stake`);
          changes.push(ch);
        }
      }
    });
  }
  // stable: file order within an epoch
  const order = changes.map((c, k) => [c, k] as const).sort((a, b) => a[0].epoch - b[0].epoch || a[1] - b[1]);
  // stakes move only by script: check every move against what the uid holds then
  const alpha = snapshot.neurons.alpha_stake.slice();
  for (const [c, k] of order) {
    if (c.kind === 'move_stake') {
      if (c.amount > alpha[c.from]!) fail(`uid ${c.from} holds ${alpha[c.from]} rao of alpha stake at epoch ${c.epoch}, less than ${c.amount}`, `changes[${k}].move_stake.amount`);
      if (alpha[c.to]! + c.amount >= 1n << 64n) fail(`uid ${c.to}'s alpha stake would exceed u64`, `changes[${k}].move_stake.amount`);
      alpha[c.from] = alpha[c.from]! - c.amount;
      alpha[c.to] = alpha[c.to]! + c.amount;
    } else if (c.kind === 'set_stake' && c.alpha !== undefined) alpha[c.uid] = c.alpha;
    else if (c.kind === 'deregister') alpha[c.uid] = 0n;
  }
  return { snapshot, snapshotSource: source, epochs: E, changes: order.map(([c]) => c) };
}

/** Rows of a CSR matrix, each its own (col, val) pair: replaced one at a time by changes. */
function rowsOf(m: SparseU16, n: number): { col: Uint32Array; val: Uint16Array }[] {
  return Array.from({ length: n }, (_, i) => ({
    col: m.col.slice(m.rowPtr[i], m.rowPtr[i + 1]),
    val: m.val.slice(m.rowPtr[i], m.rowPtr[i + 1]),
  }));
}

function csrOf(rows: { col: Uint32Array; val: Uint16Array }[]): SparseU16 {
  const n = rows.length;
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + rows[i]!.col.length;
  const col = new Uint32Array(rowPtr[n]!);
  const val = new Uint16Array(rowPtr[n]!);
  rows.forEach((r, i) => {
    col.set(r.col, rowPtr[i]);
    val.set(r.val, rowPtr[i]);
  });
  return { rowPtr, col, val };
}

/**
 * The state of one replay run: the scripted stakes, weights and registrations so far, and
 * each epoch's input (before hyperparameters are applied by the caller).
 */
export class ReplayState {
  private readonly alpha: BigUint64Array;
  private readonly tao: BigUint64Array;
  private readonly registeredAt: Float64Array;
  /** last_update relative to the epoch's block (kept as the snapshot's age) */
  private readonly lastUpdateAge: Float64Array;
  private readonly rows: { col: Uint32Array; val: Uint16Array }[];
  private weights: SparseU16;
  private next = 0;
  private prevGiven: EpochInput | null = null;

  constructor(private readonly spec: ReplaySpec) {
    const s = spec.snapshot;
    this.alpha = s.neurons.alpha_stake.slice();
    this.tao = s.neurons.tao_stake.slice();
    this.registeredAt = s.neurons.block_at_registration.slice();
    this.lastUpdateAge = s.neurons.last_update.map((b) => s.current_block - b);
    this.rows = rowsOf(s.weights, s.n);
    this.weights = s.weights;
  }

  block(e: number): number {
    return this.spec.snapshot.current_block + e * (this.spec.snapshot.hyperparameters.tempo + 1);
  }

  /**
   * Epoch e's input (e = 0, 1, ... in order), carried from the previous output. `hp` gives
   * the epoch's hyperparameters and emission (the snapshot's with the run's settings).
   */
  input(e: number, prev: EpochOutput | null, hp: (base: EpochInput) => Pick<EpochInput, 'hyperparameters' | 'rao_emission'>): EpochInput {
    if (e !== this.next) throw new Error(`replay: epoch ${e} asked for, ${this.next} expected`);
    this.next++;
    const s = this.spec.snapshot;
    const block = this.block(e);
    const registered: number[] = [];
    let weightsChanged = false;
    for (const c of this.spec.changes) {
      if (c.epoch !== e) continue;
      switch (c.kind) {
        case 'weights':
          this.rows[c.uid] = { col: c.cols, val: c.vals };
          this.lastUpdateAge[c.uid] = 0;
          weightsChanged = true;
          break;
        case 'deregister':
          this.alpha[c.uid] = 0n;
          this.tao[c.uid] = 0n;
          this.rows[c.uid] = { col: new Uint32Array(0), val: new Uint16Array(0) };
          this.registeredAt[c.uid] = block - 1;
          this.lastUpdateAge[c.uid] = 1;
          registered.push(c.uid);
          weightsChanged = true;
          break;
        case 'move_stake':
          this.alpha[c.from] = this.alpha[c.from]! - c.amount;
          this.alpha[c.to] = this.alpha[c.to]! + c.amount;
          break;
        case 'set_stake':
          if (c.alpha !== undefined) this.alpha[c.uid] = c.alpha;
          if (c.tao !== undefined) this.tao[c.uid] = c.tao;
      }
    }
    if (weightsChanged) this.weights = csrOf(this.rows);
    const shift = block - s.current_block;
    const given: EpochInput = {
      ...s,
      current_block: block,
      neurons: {
        alpha_stake: this.alpha.slice(),
        tao_stake: this.tao.slice(),
        last_update: this.lastUpdateAge.map((age) => Math.max(0, block - age)),
        block_at_registration: this.registeredAt.slice(),
        validator_permit: s.neurons.validator_permit,
        commit_block: s.neurons.commit_block ? s.neurons.commit_block.map((b) => (Number.isFinite(b) ? b + shift : b)) : null,
      },
      weights: this.weights,
    };
    let input: EpochInput;
    if (prev && this.prevGiven) input = carryInput(given, registered, this.prevGiven, prev);
    else {
      // epoch 0: the snapshot's bonds and permits, minus those of uids registered now
      const permit = s.neurons.validator_permit.slice();
      let bonds = s.bonds;
      if (registered.length) {
        const rows = rowsOf(s.bonds, s.n);
        for (const u of registered) {
          permit[u] = 0;
          rows[u] = { col: new Uint32Array(0), val: new Uint16Array(0) };
        }
        bonds = csrOf(rows);
      }
      input = { ...given, neurons: { ...given.neurons, validator_permit: permit }, bonds };
    }
    this.prevGiven = given;
    return { ...input, ...hp(input) };
  }
}
