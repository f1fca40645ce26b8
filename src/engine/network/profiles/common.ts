// What both profile drivers share: the subnets with their resolved parameters, the workload
// model, the run's earners, and the epoch record's common fields.
import { expandSubnets, type Scenario, type SubnetConfig, type SubnetGroup } from '../run-spec.js';
import { subnetFromJson, type SubnetState } from '../subnet.js';
import { WorkloadModel, type WorkloadHost } from '../workload.js';
import type { Earner, EpochJob, EpochRecord, ProfileSpec } from './types.js';

/**
 * The part of a profile's state that is not its ledger: the scenario's subnets (their state and
 * their resolved parameters SP), the emission shares' total, the workload model.
 */
export class ProfileState<SP extends { emissionShare: bigint; stakeEventsPerDay: number; registrationsPerDay: number }> {
  /** ascending netuid */
  readonly subnets: SubnetState[] = [];
  readonly byNetuid = new Map<number, SubnetState>();
  /** netuid -> the subnet's resolved parameters */
  readonly sub = new Map<number, SP>();
  /** the sum of the subnets' emission shares */
  readonly shareTotal: bigint = 0n;
  readonly workload: WorkloadModel;
  /** one resolved config per subnet of the scenario */
  readonly configs: SubnetConfig[];
  /** key -> what it earned during the run */
  readonly earned = new Map<string, bigint>();
  issuanceStart = 0n;

  constructor(
    readonly scenario: Scenario,
    readonly spec: ProfileSpec,
    resolveSubnet: (g: SubnetGroup) => SP,
  ) {
    this.workload = new WorkloadModel(scenario.workload, spec.blocksPerDay, spec.keyPrefix);
    this.configs = expandSubnets(scenario, spec.firstNetuid);
    let total = 0n;
    for (const c of this.configs) {
      const p = resolveSubnet(c.spec);
      this.sub.set(c.netuid, p);
      total += p.emissionShare;
    }
    this.shareTotal = total;
  }

  /** Indexes the subnets by netuid (after genesis or a load). */
  indexSubnets(): void {
    for (const s of this.subnets) this.byNetuid.set(s.netuid, s);
  }

  /** The subnets of a checkpoint's state. */
  loadSubnets(list: unknown): void {
    if (!Array.isArray(list)) throw new Error('subnets: not a list');
    list.forEach((x: unknown, i: number) => this.subnets.push(subnetFromJson(x, `subnets[${i}]`)));
  }

  eventsDue(s: SubnetState, block: number): boolean {
    return s.nextStakeEvent <= block || s.nextRegistration <= block;
  }

  /** The subnet's workload events for this block, requested of `host` (the profile's ledger). */
  events(s: SubnetState, block: number, host: WorkloadHost): void {
    this.workload.events(s, block, host, this.sub.get(s.netuid)!);
  }

  /** Adds to a key's earnings. */
  earn(key: string, amount: bigint): void {
    this.earned.set(key, (this.earned.get(key) ?? 0n) + amount);
  }
}

/** The ten best earners: by value (native token), ties by key. */
export function topEarners(earners: Earner[]): Earner[] {
  earners.sort((a, b) => {
    const d = BigInt(b.value) - BigInt(a.value);
    return d > 0n ? 1 : d < 0n ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return earners.slice(0, 10);
}

/** A record's cost_ms: building the input, the consensus, and applying since `t0`. */
export function costMs(job: EpochJob<unknown, unknown>, consensusMs: number, t0: number): NonNullable<EpochRecord['cost_ms']> {
  return { input: round3(job.buildMs), consensus: round3(consensusMs), distribute: round3(performance.now() - t0) };
}

export const strings = (a: BigUint64Array): string[] => Array.from(a, (x) => x.toString());
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
