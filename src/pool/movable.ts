// Handing a worker's reply back by transfer instead of structured clone.
import { move, transferableSymbol, valueSymbol } from 'piscina';

/** A piscina Transferable: the reply is `value`, and `buffers` go back as its transfer list. */
export function movable<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return value;
    },
  } as never) as unknown as T;
}
