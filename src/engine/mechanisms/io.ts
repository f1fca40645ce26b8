// The multi-mechanism yuma-epoch/1 documents (docs/spec/mechanisms.md sections 2, 5 and 7):
// parse and validate into ./types.ts, write back in the layout of the golden files. Errors are
// InputErrors naming the file, the field path with its indexes, and what was expected.
import {
  WHAT_N, Reader, checkArray, checkInt, checkObject, fail,
} from '../json-check.js';
import {
  NULL_BOND_ROW, TRACE_KEYS, boolList, commitBlockJson, header, inputDocumentJson, matrixBody, numList, parseSequenceEpochs,
  parseSparse, outputNeuronsJson, readHyperparameters, readOutputNeurons, readOwnerUid, readTrace, u64List,
  type SequenceEpochOf,
} from '../io.js';
import { FORMAT, type EpochTrace } from '../types.js';
import {
  MAX_MECHANISMS, MECHANISM_INDEX_STRIDE,
  type MechanismResult, type MechanismState, type MechanismsInput, type MechanismsOutput,
} from './types.js';

/** A document (input or output) with a top-level `mechanisms`: a multi-mechanism subnet. */
export function isMechanismsDocument(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && (json as Record<string, unknown>)['mechanisms'] !== undefined;
}

/** A `kind: "sequence"` document whose first epoch's input is a multi-mechanism document. */
export function isMechanismsSequence(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false;
  const epochs = (json as Record<string, unknown>)['epochs'];
  if (!Array.isArray(epochs) || epochs.length === 0) return false;
  const e0 = epochs[0] as Record<string, unknown> | null;
  return typeof e0 === 'object' && e0 !== null && isMechanismsDocument(e0['input']);
}

/** `mechanisms`: an array of 1..16 objects (MechanismCountCurrent). */
function mechanismArray(r: Reader): unknown[] {
  const raw = checkArray(r.get('mechanisms'), `1..${MAX_MECHANISMS} mechanism objects`, r.at('mechanisms'), r.file);
  if (raw.length < 1 || raw.length > MAX_MECHANISMS) {
    fail(`expected 1..${MAX_MECHANISMS} mechanisms (MAX_MECHANISM_COUNT_PER_SUBNET), got ${raw.length}`, r.at('mechanisms'), r.file);
  }
  return raw;
}

/** Per-mechanism state may not appear at the top level beside `mechanisms`. */
function rejectTopLevel(r: Reader, keys: readonly string[]): void {
  for (const key of keys) {
    if (r.has(key)) {
      fail(`not allowed beside "mechanisms": ${key} is per mechanism (put it in mechanisms[k].${key})`, r.at(key), r.file);
    }
  }
}

/** netuid: a u16 below 4096 (a mechanism's storage index is mech_id * 4096 + netuid). */
function readNetuid(r: Reader): number {
  const netuid = r.u16('netuid');
  if (netuid >= MECHANISM_INDEX_STRIDE) {
    fail(`expected a netuid below ${MECHANISM_INDEX_STRIDE} in a multi-mechanism document (GLOBAL_MAX_SUBNET_COUNT), got ${netuid}`, r.at('netuid'), r.file);
  }
  return netuid;
}

function parseInputAt(json: unknown, base: string, file: string): MechanismsInput {
  const r = header(json, 'input', base, file);
  rejectTopLevel(r, ['weights', 'bonds']);
  const netuid = readNetuid(r);
  const n = r.int('n', 0, 65535, WHAT_N);
  const current_block = r.block('current_block');
  const last_mechanism_step_block = r.block('last_mechanism_step_block');
  const rao_emission = r.u64('rao_emission');

  let emission_split: number[] | null = null;
  const splitRaw = r.o['emission_split'];
  if (splitRaw !== undefined && splitRaw !== null) {
    const field = r.at('emission_split');
    const a = checkArray(splitRaw, 'u16 integers', field, file);
    if (a.length < 1 || a.length > MAX_MECHANISMS) {
      fail(`expected null or 1..${MAX_MECHANISMS} u16 values (MechanismEmissionSplit), got length ${a.length}`, field, file);
    }
    emission_split = a.map((x, k) => checkInt(x, 0, 65535, 'an integer 0..65535 (u16)', `${field}[${k}]`, file));
  }

  const owner_uid = readOwnerUid(r, n);
  const hyperparameters = readHyperparameters(r.obj('hyperparameters'));
  const tao_weight = r.u64('tao_weight');

  const nr = r.obj('neurons');
  rejectTopLevel(nr, ['last_update', 'commit_block']);
  const neurons: MechanismsInput['neurons'] = {
    alpha_stake: nr.u64Vec('alpha_stake', n),
    tao_stake: nr.u64Vec('tao_stake', n),
    block_at_registration: nr.blockVec('block_at_registration', n),
    validator_permit: nr.boolVec('validator_permit', n),
  };

  const mechanisms = mechanismArray(r).map((raw, k): MechanismState => {
    const at = `${r.at('mechanisms')}[${k}]`;
    const m = new Reader(checkObject(raw, at, file), at, file);
    return {
      last_update: m.blockVec('last_update', n),
      commit_block: hyperparameters.commit_reveal ? m.blockVec('commit_block', n, true) : null,
      weights: parseSparse(m.get('weights'), n, true, m.at('weights'), file),
      bonds: parseSparse(m.get('bonds'), n, true, m.at('bonds'), file),
    };
  });

  return {
    netuid, n, current_block, last_mechanism_step_block, rao_emission, owner_uid, hyperparameters, tao_weight,
    neurons, emission_split, mechanisms,
  };
}

/**
 * Validates a parsed multi-mechanism `kind: "input"` document (docs/spec/mechanisms.md 2):
 * the per-subnet fields as parseEpochInput reads them (no `weights`, `bonds`,
 * `neurons.last_update` or `neurons.commit_block` at the top level), netuid below 4096,
 * `emission_split` null/absent or 1..16 u16 values, and 1..16 mechanisms each with its own
 * `last_update`, `weights`, `bonds` (and `commit_block` under commit_reveal). Throws InputError.
 */
export function parseMechanismsInput(json: unknown, file = ''): MechanismsInput {
  return parseInputAt(json, '', file);
}

function parseOutputAt(json: unknown, base: string, file: string): MechanismsOutput {
  const r = header(json, 'output', base, file);
  for (const key of ['bonds', 'trace']) {
    if (r.has(key)) fail(`not allowed in a multi-mechanism output: ${key} is per mechanism (mechanisms[k].${key})`, r.at(key), file);
  }
  const netuid = readNetuid(r);
  const n = r.int('n', 0, 65535, WHAT_N);
  const neurons = readOutputNeurons(r.obj('neurons'), n);
  const mechanisms = mechanismArray(r).map((raw, k): MechanismResult => {
    const at = `${r.at('mechanisms')}[${k}]`;
    const m = new Reader(checkObject(raw, at, file), at, file);
    const res: MechanismResult = {
      emission: m.u64('emission'),
      incentive: m.u16Vec('incentive', n),
      server_emission: m.u64Vec('server_emission', n),
      validator_emission: m.u64Vec('validator_emission', n),
      bonds: parseSparse(m.get('bonds'), n, false, m.at('bonds'), file, NULL_BOND_ROW),
    };
    const trace = readTrace(m, n);
    if (trace) res.trace = trace;
    return res;
  });
  return { netuid, n, neurons, mechanisms };
}

/** Validates a parsed multi-mechanism `kind: "output"` document (docs/spec/mechanisms.md 5). Throws InputError. */
export function parseMechanismsOutput(json: unknown, file = ''): MechanismsOutput {
  return parseOutputAt(json, '', file);
}

export type MechanismsSequenceEpoch = SequenceEpochOf<MechanismsInput, MechanismsOutput>;

/**
 * A `kind: "sequence"` document of multi-mechanism epochs (docs/spec/mechanisms.md 7): each
 * epoch as parseSequenceEpochs reads it, its expected mechanism count equal to the input's,
 * and one mechanism count for the whole file. The carry rule itself is not checked here.
 */
export function parseMechanismsSequence(json: unknown, file = ''): { epochs: MechanismsSequenceEpoch[] } {
  const epochs = parseSequenceEpochs(json, file, parseInputAt, parseOutputAt, (input, expected, at) => {
    if (expected.mechanisms.length !== input.mechanisms.length) {
      fail(`expected a mechanism count of ${input.mechanisms.length} (the input's), got ${expected.mechanisms.length}`, `${at}.mechanisms`, file);
    }
  });
  const count = epochs[0]?.input.mechanisms.length;
  epochs.forEach((e, k) => {
    if (e.input.mechanisms.length !== count) {
      fail(`expected ${count} mechanisms (the count stays fixed within a sequence), got ${e.input.mechanisms.length}`, `epochs[${k}].input.mechanisms`, file);
    }
  });
  return { epochs };
}

// ---------------------------------------------------------------------------------------
// serialization (the golden layout)

function traceJson(t: EpochTrace): string {
  return `{${TRACE_KEYS.map((k) => `"${k}":${u64List(t[k])}`).join(',')}}`;
}

/** The multi-mechanism input document in the golden layout. */
export function mechanismsInputToJson(inp: MechanismsInput): string {
  const nr = inp.neurons;
  const neurons =
    `{"alpha_stake":${u64List(nr.alpha_stake)},"tao_stake":${u64List(nr.tao_stake)},` +
    `"block_at_registration":${numList(nr.block_at_registration)},"validator_permit":${boolList(nr.validator_permit)}}`;
  const mechs = inp.mechanisms.map((m) => {
    const commit = inp.hyperparameters.commit_reveal ? `,\n"commit_block":${commitBlockJson(m.commit_block, inp.n)}` : '';
    return `{"last_update":${numList(m.last_update)}${commit},\n"weights":[\n${matrixBody(m.weights)}],\n"bonds":[\n${matrixBody(m.bonds)}]}`;
  });
  const split = `"emission_split":${inp.emission_split === null ? 'null' : `[${inp.emission_split.join(',')}]`}`;
  return inputDocumentJson(inp, neurons, [`"mechanisms":[\n${mechs.join(',\n')}]`], [split]);
}

/** The multi-mechanism output document in the golden layout; a mechanism's `trace` only when present. */
export function mechanismsOutputToJson(out: MechanismsOutput): string {
  const nr = out.neurons;
  const neurons = outputNeuronsJson(nr);
  const mechs = out.mechanisms.map((m) => {
    const bonds = m.bonds.rowPtr.length <= 1 ? '[]' : `[\n${matrixBody(m.bonds)}]`;
    const trace = m.trace ? `,\n"trace":${traceJson(m.trace)}` : '';
    return (
      `{"emission":"${m.emission}","incentive":${numList(m.incentive)},\n` +
      `"server_emission":${u64List(m.server_emission)},\n"validator_emission":${u64List(m.validator_emission)},\n` +
      `"bonds":${bonds}${trace}}`
    );
  });
  return (
    `{"format":"${FORMAT}","kind":"output","netuid":${out.netuid},"n":${out.n},\n"neurons":{\n${neurons}\n},\n` +
    `"mechanisms":[\n${mechs.join(',\n')}]}\n`
  );
}
