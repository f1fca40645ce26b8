// serve's places on the pool (src/serve/places.ts): at most `size` at once, waiters served in
// arrival order, an aborted waiter leaves the line without taking a place.
import { describe, it, expect } from 'vitest';
import { Places } from '../src/serve/places.js';

describe('Places', () => {
  it('gives `size` places at once, then serves the waiters first come first served', async () => {
    const places = new Places(2);
    await places.take(undefined);
    await places.take(undefined);
    const order: string[] = [];
    const a = places.take(undefined).then(() => order.push('a'));
    const b = places.take(undefined).then(() => order.push('b'));
    const c = places.take(undefined).then(() => order.push('c'));
    places.give();
    await a;
    expect(order).toEqual(['a']);
    places.give();
    places.give();
    await Promise.all([b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('an aborted waiter rejects with the reason and its place goes to the next one', async () => {
    const places = new Places(1);
    await places.take(undefined);
    const stop = new AbortController();
    const gone = places.take(stop.signal);
    const next = places.take(undefined);
    stop.abort(new Error('timeout'));
    await expect(gone).rejects.toThrow('timeout');
    places.give();
    await next; // the place went past the aborted one
    // one place, taken by `next`: a new caller waits until it is given back
    let third = false;
    const later = places.take(undefined).then(() => (third = true));
    await Promise.resolve();
    expect(third).toBe(false);
    places.give();
    await later;
    expect(third).toBe(true);
  });

  it('an already aborted signal is refused at once when it would have to wait', async () => {
    const places = new Places(1);
    await places.take(undefined);
    const stop = new AbortController();
    stop.abort(new Error('gone'));
    await expect(places.take(stop.signal)).rejects.toThrow('gone');
  });
});
