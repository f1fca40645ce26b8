// Reading a driver's checkpoint state back (stateJson's inverse). checkpoint-state.ts has already
// checked every field against the profile's table; these helpers convert, and still refuse what
// is not an integer string, so that a state that skipped the table fails here, not later.

/** A decimal integer string (canonical.ts writes bigints so) as a bigint. */
export function big(v: unknown, what: string): bigint {
  if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) throw new Error(`${what}: not an integer string`);
  return BigInt(v);
}

/** An object of decimal integer strings as a Map. */
export function bigMap(o: unknown, what: string): Map<string, bigint> {
  if (o === null || typeof o !== 'object') throw new Error(`${what}: not an object`);
  return new Map(Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, big(v, `${what}.${k}`)]));
}

/** Every field of an object as a bigint (a book of running totals). */
export function bigFields(o: Record<string, unknown>, what: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(o)) out[k] = big(v, `${what}.${k}`);
  return out;
}

/** A Map keyed by netuid as JSON keys (canonical.ts writes a Map as an object). */
export const byNetuidKey = <V>(m: Map<number, V>, key: (netuid: number) => string = String): Map<string, V> =>
  new Map([...m].map(([k, v]) => [key(k), v]));

/** netuid as ledger.json's keys: three digits, so that byte order is netuid order */
export const pad3 = (netuid: number) => String(netuid).padStart(3, '0');
