// Epoch scheduling, exact (network.md section 3). Three rules, chosen by profile data:
//  - "stateful": Bittensor at the reference commit (dynamic tempo, MaxEpochsPerBlock, deferral);
//  - "legacy":   Bittensor before that upgrade, (b + netuid + 1) mod (tempo + 1) == 0;
//  - "commune":  (b + netuid) mod tempo == 0.
// The per-subnet state is a plain object (checkpointed as is).

export type SchedulerKind = 'stateful' | 'legacy' | 'commune';

export interface SchedulerSpec {
  kind: SchedulerKind;
  /** stateful only: epochs that may start in one block (production runtime: 2) */
  maxEpochsPerBlock: number;
  /** stateful only: an epoch is forced after this many blocks without one (50_400) */
  maxBlocksWithoutStep: number;
}

/** What the stateful scheduler keeps per subnet (the other rules only read tempo). */
export interface ScheduleState {
  netuid: number;
  tempo: number;
  lastEpochBlock: number;
  /** 0 = none */
  pendingEpochAt: number;
  blocksSinceLastStep: number;
  /** epochs decided so far (SubnetEpochIndex; the legacy rule uses its own counter) */
  epochIndex: number;
  /** the block of the last epoch that ran (LastMechansimStepBlock), 0 = never */
  lastStepBlock: number;
}

/**
 * A subnet created at block `created`: stateful anchors LastEpochBlock at
 * created - (netuid mod tempo), so its first epoch is at that anchor + tempo (network.md 3.2).
 * A block before 0 is clamped to 0. lastStepBlock is the previous (virtual) epoch block.
 */
export function newScheduleState(netuid: number, tempo: number, created: number): ScheduleState {
  const anchor = tempo > 0 ? Math.max(0, created - (netuid % tempo)) : created;
  return {
    netuid,
    tempo,
    lastEpochBlock: anchor,
    pendingEpochAt: 0,
    blocksSinceLastStep: 0,
    epochIndex: 0,
    lastStepBlock: anchor,
  };
}

/** Legacy Bittensor rule: due iff tempo > 0 and (b + netuid + 1) mod (tempo + 1) == 0. */
export function legacyDue(block: number, netuid: number, tempo: number): boolean {
  return tempo > 0 && (block + netuid + 1) % (tempo + 1) === 0;
}

/** Legacy blocks until the next epoch: tempo - ((b + netuid + 1) mod (tempo + 1)). */
export function legacyBlocksUntilNext(block: number, netuid: number, tempo: number): number {
  return tempo - ((block + netuid + 1) % (tempo + 1));
}

/** Commune rule: due iff tempo > 0 and (b + netuid) mod tempo == 0 (pending > 0 is the caller's). */
export function communeDue(block: number, netuid: number, tempo: number): boolean {
  return tempo > 0 && (block + netuid) % tempo === 0;
}

/** A scheduling decision for one subnet in one block. */
export type Decision = 'run' | 'idle' | 'deferred' | 'skipped';

/**
 * Decides block `block` for every subnet, in the order given (ascending netuid), and updates
 * their state. Returns the netuids whose epoch runs this block, ascending.
 *
 * `consistent(netuid)` is the stateful rule's "hotkeys are unique" check: a due subnet that
 * fails it is skipped (its pending keeps accumulating) but its anchor still advances.
 */
export function schedule(
  spec: SchedulerSpec,
  block: number,
  states: readonly ScheduleState[],
  consistent: (netuid: number) => boolean = () => true,
  decisions?: Map<number, Decision>,
): number[] {
  const due: number[] = [];
  const note = (s: ScheduleState, d: Decision) => decisions?.set(s.netuid, d);
  if (spec.kind === 'legacy' || spec.kind === 'commune') {
    for (const s of states) {
      const run = spec.kind === 'legacy' ? legacyDue(block, s.netuid, s.tempo) : communeDue(block, s.netuid, s.tempo);
      if (!run) {
        note(s, 'idle');
        continue;
      }
      s.epochIndex += 1;
      s.lastEpochBlock = block;
      due.push(s.netuid);
      note(s, 'run');
    }
    return due;
  }
  let started = 0;
  for (const s of states) {
    s.blocksSinceLastStep += 1;
    const isDue =
      s.tempo > 0 &&
      ((s.pendingEpochAt > 0 && block >= s.pendingEpochAt) ||
        s.blocksSinceLastStep > spec.maxBlocksWithoutStep ||
        block - s.lastEpochBlock >= s.tempo);
    if (!isDue) {
      note(s, 'idle');
      continue;
    }
    if (started >= spec.maxEpochsPerBlock) {
      // deferred one block; LastEpochBlock NOT advanced
      s.pendingEpochAt = block + 1;
      note(s, 'deferred');
      continue;
    }
    if (consistent(s.netuid)) {
      s.blocksSinceLastStep = 0;
      started += 1;
      due.push(s.netuid);
      note(s, 'run');
    } else {
      note(s, 'skipped');
    }
    s.lastEpochBlock = block;
    s.pendingEpochAt = 0;
    s.epochIndex += 1;
  }
  return due;
}

/** Owner `trigger_epoch` (optional event): the epoch becomes due at now + freeze window. */
export function triggerEpoch(s: ScheduleState, now: number, adminFreezeWindow: number): void {
  s.pendingEpochAt = now + adminFreezeWindow;
}

/** `set_tempo`: the new tempo counts from now. */
export function setTempo(s: ScheduleState, tempo: number, now: number): void {
  s.tempo = tempo;
  s.lastEpochBlock = now;
}
