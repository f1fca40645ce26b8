// `yuma scenario` through `yuma serve`: POST /v1/scenario, and on stdio a line whose document
// has a top-level "scenario" key. The request:
//   {"id"?: ..., "scenario": {
//      "case": <yuma-sim-case/1 document> | "cases": [<document>, ...],   (a replay's snapshot inline)
//      "yuma"?: ["1", "3", ...], "set"?: {name: value}, "sweep"?: {name: [values] | "from:to:step" | "v1,v2"},
//      "resets"?: false }}
// The reply: {"id": ..., "results": [<the JSON `yuma scenario` writes per run>, ...]}, runs in
// the order case, variant, sweep setting. Runs go to the service's worker pool as whole runs
// (the CLI's tasks), bounded by the per-request timeout and by MAX_SCENARIO_EPOCHS.
import { InputError } from '../engine/types.js';
import {
  ALL_VARIANTS, parseScenarioCase, planRuns, poolScenarioRunner, runScenarioRuns, type ScenarioCase, type ScenarioVariant,
} from '../engine/analysis/scenario.js';
import { parseOverridesObject, parseSweepAxis, sweepSettings, type SweepAxis } from '../engine/analysis/scenario-params.js';
import { ServeError, parseJsonText, requestIdOf, type RequestId } from './protocol.js';
import type { Service } from './service.js';

/** The most epochs (over every run) one request may ask for. */
export const MAX_SCENARIO_EPOCHS = 1_000_000;

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a stdio line is a scenario request: cheap byte test first, then the top-level key. */
export function scenarioDocument(line: Buffer): Record<string, unknown> | null {
  if (line.indexOf('"scenario"') < 0) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(line.toString('utf8'));
  } catch {
    return null; // the epoch path reports the JSON error
  }
  return isObj(doc) && 'scenario' in doc ? doc : null;
}

function bad(message: string, field: string): ServeError {
  return new ServeError('bad_input', message, field);
}

/** Runs a scenario request document; the reply text (one line). Throws ServeError (with the id). */
export async function scenarioReply(service: Service, doc: unknown, signal?: AbortSignal): Promise<string> {
  const id: RequestId = requestIdOf(doc);
  try {
    if (service.isClosing) throw new ServeError('shutting_down', 'the server is shutting down; no new requests');
    if (!isObj(doc) || !isObj(doc.scenario)) throw new ServeError('bad_request', 'expected {"id"?, "scenario": {"case" or "cases", "yuma"?, "set"?, "sweep"?, "resets"?}}', 'scenario');
    const s = doc.scenario;
    const known = ['case', 'cases', 'yuma', 'set', 'sweep', 'resets'];
    const unknown = Object.keys(s).find((k) => !known.includes(k));
    if (unknown !== undefined) throw bad(`unknown field (${known.join(', ')})`, `scenario.${unknown}`);
    if (('case' in s) === ('cases' in s)) throw bad('expected exactly one of "case" (one document) and "cases" (an array)', 'scenario');
    const docs = 'case' in s ? [s.case] : s.cases;
    if (!Array.isArray(docs) || docs.length === 0) throw bad('expected a non-empty array of yuma-sim-case/1 documents', 'scenario.cases');
    const cases: ScenarioCase[] = docs.map((d, k) => {
      const at = 'case' in s ? 'scenario.case' : `scenario.cases[${k}]`;
      try {
        return parseScenarioCase(d, '');
      } catch (e) {
        if (e instanceof InputError) throw bad(e.message, e.field ? `${at}.${e.field}` : at);
        throw e;
      }
    });
    const slugs = new Set<string>();
    cases.forEach((c, k) => {
      if (slugs.has(c.slug)) throw bad(`slug ${JSON.stringify(c.slug)} repeats an earlier case's`, `scenario.cases[${k}].slug`);
      slugs.add(c.slug);
    });
    let variants: ScenarioVariant[] | undefined;
    if (s.yuma !== undefined) {
      if (!Array.isArray(s.yuma) || s.yuma.length === 0 || s.yuma.some((v) => !(ALL_VARIANTS as readonly unknown[]).includes(v))) {
        throw bad(`expected a non-empty array of variants (${ALL_VARIANTS.join(', ')})`, 'scenario.yuma');
      }
      variants = ALL_VARIANTS.filter((v) => (s.yuma as unknown[]).includes(v));
    }
    if (s.resets !== undefined && typeof s.resets !== 'boolean') throw bad('expected true or false', 'scenario.resets');
    let axes: SweepAxis[] = [];
    const fromInput = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof InputError) throw bad(e.message, e.field);
        throw e;
      }
    };
    const overrides = s.set === undefined ? {} : fromInput(() => parseOverridesObject(s.set, 'scenario.set'));
    if (s.sweep !== undefined) {
      if (!isObj(s.sweep)) throw bad('expected an object {setting: [values] or "from:to:step"}', 'scenario.sweep');
      axes = fromInput(() =>
        Object.entries(s.sweep as Record<string, unknown>).map(([name, v]) => {
          const at = `scenario.sweep.${name}`;
          if (typeof v === 'string') return parseSweepAxis(name, v, at);
          if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' && typeof x !== 'string' && typeof x !== 'boolean')) {
            throw bad('expected an array of values or a string "from:to:step"', at);
          }
          return parseSweepAxis(name, v as (number | string | boolean)[], at);
        }),
      );
    }
    const runs = fromInput(() => planRuns(cases, variants, sweepSettings(axes), { resets: s.resets === true, overrides }, 'scenario.yuma'));
    const epochs = runs.reduce((a, r) => a + r.epochs, 0);
    if (epochs > MAX_SCENARIO_EPOCHS) throw bad(`${runs.length} runs of ${epochs} epochs in all: more than ${MAX_SCENARIO_EPOCHS} in one request; split it`, 'scenario');

    // one signal for the pool: the client gone (or a forced shutdown), or the timeout
    const stop = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, service.timeoutMs);
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let results;
    try {
      results = await runScenarioRuns(runs, poolScenarioRunner(service.pool, stop.signal), service.threads * 4);
    } catch (e) {
      if (timedOut) throw new ServeError('timeout', `the scenario did not finish within ${service.timeoutMs} ms (${epochs} epochs); nothing was returned`);
      if (signal?.aborted) throw signal.reason instanceof ServeError ? signal.reason : new ServeError('internal', 'cancelled');
      throw new ServeError('epoch_failed', `the scenario failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    return `{"id":${JSON.stringify(id)},"results":${JSON.stringify(results)}}`;
  } catch (e) {
    const err = e instanceof ServeError ? e : new ServeError('internal', e instanceof Error ? e.message : String(e));
    err.requestId = id;
    throw err;
  }
}

/** POST /v1/scenario: the body's bytes -> the reply text. */
export function scenarioReplyFromBytes(service: Service, bytes: Uint8Array, signal?: AbortSignal): Promise<string> {
  let doc: unknown;
  try {
    doc = parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (e) {
    return Promise.reject(e);
  }
  return scenarioReply(service, doc, signal);
}
