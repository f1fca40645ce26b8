// A pass over a request's bytes before JSON.parse builds anything: refuses nesting deeper, and
// arrays or objects longer, than a request can need. JSON.parse's memory is the tree it builds
// (about 6 heap bytes per byte of a yuma-epoch/1 input, over 20 for `[[{},{},...]]`), and past
// V8's element limit (about 134M) an array ends the whole process, not just the request.
// The pass does not validate JSON (JSON.parse does, next): it only tracks strings, so that
// brackets inside them do not count, and the depth and member count of each open container.
import { ServeError } from './protocol.js';

export interface ShapeLimits {
  /** containers open at once, the outermost included */
  maxDepth: number;
  /** elements of one array, members of one object */
  maxLength: number;
}

/**
 * The deepest request: a batch object > "epochs" array > an input object > "mechanisms" array
 * (docs/spec/mechanisms.md 2. Input format) > a mechanism object > "weights" > a row > an [uid_j, value] pair.
 */
export const REQUEST_MAX_DEPTH = 8;
/**
 * The longest container of one input: n <= 65535 per-uid values, a sparse row of at most
 * 65536 distinct ascending uid_j (docs/spec/epoch-io.md Input). A batch may be longer
 * (its epochs, up to the server's capacity): the caller passes the larger of the two.
 */
export const INPUT_MAX_LENGTH = 65536;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** Throws ServeError('bad_request') at the first container too deep or too long. */
export function checkJsonShape(bytes: Uint8Array, limits: ShapeLimits): void {
  const { maxDepth, maxLength } = limits;
  // per open container: the commas seen at its own level (members = commas + 1)
  const commas = new Int32Array(maxDepth + 1);
  let depth = 0;
  const len = bytes.length;
  for (let i = 0; i < len; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // skip the string: to the next quote not escaped
      for (i++; i < len; i++) {
        const s = bytes[i]!;
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === COMMA) {
      if (depth > 0 && ++commas[depth]! >= maxLength) {
        throw new ServeError(
          'bad_request',
          `an array or object with more than ${maxLength} members (at byte ${i}): no request needs one; refused before parsing`,
        );
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) {
        throw new ServeError(
          'bad_request',
          `JSON nested deeper than ${maxDepth} levels (at byte ${i}): no request needs more; refused before parsing`,
        );
      }
      commas[depth] = 0;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
    }
  }
}
