// What a consensus run (Yuma or Linear) hands to the emission and output stages: the raw
// I32F32 vectors (copied out of kernel memory), the new permits and the candidate bond rows.
import type { SparseU16 } from '../types.js';
import type { LiquidAlpha } from './liquid-alpha.js';

export interface ConsensusRun {
  active: Uint8Array;
  newPermit: Uint8Array;
  stake: BigInt64Array;
  activeStake: BigInt64Array;
  consensus: BigInt64Array;
  preranks: BigInt64Array;
  validatorTrust: BigInt64Array;
  ranks: BigInt64Array;
  trust: BigInt64Array;
  incentive: BigInt64Array;
  dividendsRaw: BigInt64Array;
  dividendsAfterFee: BigInt64Array;
  dividends: BigInt64Array;
  /** null when the scalar EMA ran */
  liquidAlpha: LiquidAlpha | null;
  /** u16 storage form of each uid's new bond row, before the storage rule (1.8) picks rows */
  bondRows: SparseU16;
}
