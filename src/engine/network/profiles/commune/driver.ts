// The Commune profile's driver (../driver.ts) over the concerns of this folder (params.ts: the
// profile as data; ledger.ts: accounts and their operations; apply.ts: emission per block and the
// epoch; audit.ts: conservation; state.ts: genesis, checkpoint state, ledger.json, summary).
// Consensus is Commune's own (runCommuneEpoch: Yuma or Linear per subnet).
import type { CommuneEpochInput, CommuneEpochOutput } from '../../../commune/types.js';
import type { Scenario } from '../../run-spec.js';
import { LedgerDriver, type LedgerSteps } from '../driver.js';
import { accrue, applyEpoch, prepare, type CommuneCtx } from './apply.js';
import { audit, checkBlock } from './audit.js';
import { CommuneLedger } from './ledger.js';
import { genesis, ledgerJson, loadState, stateJson, summary } from './state.js';

const STEPS: LedgerSteps<CommuneLedger, CommuneEpochInput, CommuneEpochOutput, CommuneCtx> = {
  genesis, loadState, accrue, prepare, applyEpoch, checkBlock, audit, ledgerJson, stateJson, summary,
};

export class CommuneDriver extends LedgerDriver<CommuneLedger, CommuneEpochInput, CommuneEpochOutput, CommuneCtx> {
  /** an epoch's credits change the stake that later epochs of the same block read */
  readonly deferrable = false;

  constructor(scenario: Scenario, state?: unknown) {
    super(new CommuneLedger(scenario), STEPS, state);
  }
}
