// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes,
// logs or tests), at most ~10 times a second.

export interface Progress {
  /** done so far (absolute) */
  update(done: number): void;
  /** clear the line */
  done(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return { update() {}, done() {} };
  const t0 = performance.now();
  let last = 0;
  let drawn = false;
  const draw = (n: number) => {
    const cols = Math.max(40, (stream.columns ?? 80) - 1);
    const frac = Math.min(1, n / total);
    const secs = (performance.now() - t0) / 1000;
    const eta = frac > 0 && frac < 1 ? ` eta ${Math.ceil((secs / frac) * (1 - frac))}s` : '';
    const tail = ` ${n}/${total} ${(frac * 100).toFixed(0)}% ${secs.toFixed(1)}s${eta}`;
    const width = Math.max(10, cols - label.length - tail.length - 4);
    const fill = Math.round(frac * width);
    stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}]${tail}\x1b[K`);
    drawn = true;
  };
  return {
    update(n) {
      const now = performance.now();
      if (now - last < 100 && n < total) return;
      last = now;
      draw(n);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
