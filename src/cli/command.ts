// One way every `yuma` command ends: `runCommand` runs it and turns what it throws into ONE
// line on stderr, `yuma <cmd>: <what went wrong>`, and the exit code (README "Command line"):
//   0  success;
//   1  the run failed: verification failed, a simulation broke an identity (SimulationError),
//      the command could not do its work (CommandFailed: a port in use, a stale build), or an
//      internal error (with its stack when YUMA_DEBUG is set);
//   2  bad input or usage: InputError (`file: field: message`, or `--flag: message`) and a
//      checkpoint that cannot be trusted (CheckpointError).
import { InputError } from '../engine/types.js';
import { CheckpointError, SimulationError } from '../engine/network/errors.js';

/** Exit codes: 0 ok, 1 verification or the run failed (or an internal error), 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** A command that could not do its work for a reason outside its input: one line, exit 1. */
export class CommandFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailed';
  }
}

/** The one line (without the `yuma <cmd>: ` prefix) and the exit code for an error. */
export function describeFailure(err: unknown): { line: string; code: number; internal: boolean } {
  const known = (line: string, code: number) => ({ line, code, internal: false });
  if (err instanceof InputError) return known(err.describe(), EXIT.badInput);
  if (err instanceof CheckpointError) return known(`checkpoint ${err.describe()}`, EXIT.badInput);
  if (err instanceof SimulationError) return known(`stopped at ${err.describe()}`, EXIT.failed);
  if (err instanceof CommandFailed) return known(err.message, EXIT.failed);
  const message = err instanceof Error ? err.message : String(err);
  return { line: `internal error: ${message}`, code: EXIT.failed, internal: true };
}

/** Writes the error's line on stderr and sets the exit code (the process ends on its own). */
export function fail(command: string, err: unknown): void {
  const { line, code, internal } = describeFailure(err);
  process.stderr.write(`yuma${command ? ` ${command}` : ''}: ${line}\n`);
  if (internal && process.env.YUMA_DEBUG) process.stderr.write(`${(err as Error)?.stack}\n`);
  process.exitCode = code;
}

/**
 * Runs `yuma <command>`: its result is the exit code (0 when it returns nothing); what it
 * throws becomes one line and an exit code (above). Never rejects.
 */
export async function runCommand(command: string, body: () => void | number | Promise<void | number>): Promise<void> {
  try {
    const code = await body();
    if (typeof code === 'number') process.exitCode = code;
  } catch (err) {
    fail(command, err);
  }
}

/**
 * A closed stdout (`yuma epoch x | head -1`) ends the command quietly with exit 0, as coreutils
 * do for head-style consumers; any other stdout error is one line, exit 1. A closed stderr is
 * ignored (the exit code still tells).
 */
export function guardStdio(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    process.stderr.write(`yuma: cannot write to stdout: ${err.message}\n`);
    process.exit(EXIT.failed);
  });
  process.stderr.on('error', () => {});
}
