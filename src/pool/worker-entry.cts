// The file piscina starts every pool worker from: a CommonJS module, so that piscina's
// require() of it never goes through Node's require() of an ES module. On Node 20 that path can
// abort the whole process instead of throwing ("FATAL ERROR: v8::Module::IsGraphAsync must be
// used on an instantiated module", seen once in a CI run of the pool tests) when the module does
// not finish instantiating. The worker itself (worker.js, an ES module) is imported here, once,
// by import(), which fails with an error where it fails.
type Handle = (task: unknown) => unknown;

// (piscina hands each task over as it came: the worker's own handler takes it from there)
const worker = import('./worker.js').then((m) => m.default as Handle);
// a failed import fails every task with its error (below), not the process
worker.catch(() => {});

/** piscina's task handler: worker.js's, once it has loaded. */
async function handle(task: unknown): Promise<unknown> {
  return (await worker)(task);
}

export = handle;
