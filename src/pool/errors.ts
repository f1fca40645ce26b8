// Why a pool call failed, as one PoolError, and the words its message is made of.
import type { EpochInput } from '../engine/types.js';

export type PoolErrorKind = 'failed' | 'timeout' | 'aborted' | 'closed' | 'queue-full';

/** Why a pool call failed. `netuid`/`index` name the subnet (the failed one, or the first unfinished). */
export class PoolError extends Error {
  constructor(
    message: string,
    readonly kind: PoolErrorKind,
    readonly netuid: number | null = null,
    readonly index: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoolError';
  }
}

export const errorText = (e: unknown) => (e instanceof Error ? `${e.message}` : String(e));

/** Why a task failed, in words: a worker that died says so. */
export function describeCause(e: unknown): string {
  const text = errorText(e);
  return /^worker exited with code/.test(text) ? `the worker died (${text})` : text;
}

/** The netuids of `indices` (the first 8, then how many more). */
export function netuidsText(inputs: readonly EpochInput[], indices: number[]): string {
  const shown = indices.slice(0, 8).map((i) => inputs[i]!.netuid).join(', ');
  return indices.length > 8 ? `${shown} and ${indices.length - 8} more` : shown;
}
