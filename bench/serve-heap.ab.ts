// A/B of a `yuma serve` worker's heap limits: one request's work in a worker (decode the body,
// run the epoch, write the reply: src/serve/epoch-task.ts's steps) under each setting, the
// settings interleaved round by round, each in a fresh worker. Settings: the old-generation
// limit `yuma serve` sets (src/serve/codec.ts parseHeapMb at --max-body 64m) with Node's
// default young generation, with the 16 MiB one it sets (PARSE_YOUNG_MB), and with 32 MiB.
//   node --import tsx bench/serve-heap.ab.ts [--rounds 5]     (npm run build first)
import { Worker, type ResourceLimits } from 'node:worker_threads';

const CASES = [
  { name: 'n=256 V=64 full rows', shape: { n: 256, validators: 64 }, reps: 60 },
  { name: 'n=4096 V=256 256/row', shape: { n: 4096, validators: 256, rowLen: 256 }, reps: 15 },
];

/** The worker: plain JS over the BUILT modules (a worker does not load .ts). */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const { decodeRequest, encodeReply } = await import(workerData.codec);
  const { runEpoch } = await import(workerData.index);
  const encoder = new TextEncoder();
  parentPort.postMessage(workerData.texts.map((text, k) => {
    const ms = [];
    for (let i = 0; i < workerData.reps[k]; i++) {
      const t0 = performance.now();
      const d = decodeRequest(encoder.encode(text), 'single', false, { maxDepth: 8, maxLength: 65536 });
      if (!d.ok) throw new Error(d.message);
      encoder.encode(encodeReply(null, false, [runEpoch(d.request.inputs[0])], 'document'));
      ms.push(performance.now() - t0);
    }
    return ms;
  }));
})();
`;

{
  const { syntheticInput, epochInputToJson } = await import('../dist/index.js');
  const { parseHeapMb } = await import('../dist/serve/codec.js');
  const args = process.argv.slice(2);
  const rounds = Number(args.includes('--rounds') ? args[args.indexOf('--rounds') + 1] : 5);
  const texts = CASES.map((c) => epochInputToJson(syntheticInput(c.shape)));
  const oldMb = parseHeapMb(64 * 2 ** 20);
  const settings: [string, ResourceLimits][] = [
    [`old ${oldMb} MiB, default young`, { maxOldGenerationSizeMb: oldMb }],
    [`old ${oldMb} MiB, young 16 MiB`, { maxOldGenerationSizeMb: oldMb, maxYoungGenerationSizeMb: 16 }],
    [`old ${oldMb} MiB, young 32 MiB`, { maxOldGenerationSizeMb: oldMb, maxYoungGenerationSizeMb: 32 }],
  ];
  const inWorker = (resourceLimits: ResourceLimits) =>
    new Promise<number[][]>((resolve, reject) => {
      const workerData = {
        texts,
        reps: CASES.map((c) => c.reps),
        codec: new URL('../dist/serve/codec.js', import.meta.url).href,
        index: new URL('../dist/index.js', import.meta.url).href,
      };
      const w = new Worker(WORKER, { eval: true, workerData, resourceLimits });
      w.once('message', (m: number[][]) => void w.terminate().then(() => resolve(m)));
      w.once('error', reject);
    });
  /** per setting, per case: every request's ms over all rounds */
  const all = settings.map(() => CASES.map((): number[] => []));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? settings.map((_, i) => i) : settings.map((_, i) => settings.length - 1 - i);
    for (const i of order) {
      const ms = await inWorker(settings[i]![1]);
      ms.forEach((xs, c) => all[i]![c]!.push(...xs));
    }
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(`one request's work in a worker (decode, epoch, reply), ms; ${rounds} rounds interleaved`);
  CASES.forEach((c, k) => {
    const cells = settings.map(([name], i) => `${name}: median ${median(all[i]![k]!).toFixed(2)}, min ${Math.min(...all[i]![k]!).toFixed(2)}`);
    const ratios = settings.slice(1).map(([name], i) => `default/(${name}) ${(median(all[0]![k]!) / median(all[i + 1]![k]!)).toFixed(2)}`);
    console.log(`${c.name}: ${cells.join('; ')}; ${ratios.join(', ')}`);
  });
}
