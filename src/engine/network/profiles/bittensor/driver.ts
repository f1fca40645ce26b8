// The Bittensor profile's driver (../driver.ts) over the concerns of this folder (params.ts: the
// profile as data; ledger.ts: accounts and their operations; block.ts and apply.ts: emission per
// block and the epoch; audit.ts: conservation; state.ts: genesis, checkpoint state, ledger.json,
// summary).
import type { Scenario } from '../../run-spec.js';
import { LedgerDriver, type LedgerSteps } from '../driver.js';
import type { BittensorInput, BittensorOutput } from '../types.js';
import { applyEpoch, prepare, type BittensorCtx } from './apply.js';
import { audit, checkBlock } from './audit.js';
import { accrue } from './block.js';
import { BittensorLedger } from './ledger.js';
import { genesis, ledgerJson, loadState, stateJson, summary } from './state.js';

const STEPS: LedgerSteps<BittensorLedger, BittensorInput, BittensorOutput, BittensorCtx> = {
  genesis, loadState, accrue, prepare, applyEpoch, checkBlock, audit, ledgerJson, stateJson, summary,
};

export class BittensorDriver extends LedgerDriver<BittensorLedger, BittensorInput, BittensorOutput, BittensorCtx> {
  /** recycling the owner's incentive lowers the alpha issuance the next block's emission reads: apply at once */
  readonly deferrable: boolean;

  constructor(scenario: Scenario, state?: unknown) {
    super(new BittensorLedger(scenario), STEPS, state);
    this.deferrable = this.ledger.params.ownerIncentive === 'burn';
  }

  /** a due subnet whose hotkeys are not unique is skipped */
  protected override consistent(netuid: number): boolean {
    const s = this.ledger.byNetuid.get(netuid)!;
    return s.uidOf.size === s.n;
  }
}
