// The WASM module's exports: kernels over flat arrays in linear memory (JS-owned, imported).
// Nothing here allocates: src/engine/wasm.ts hands every kernel its buffers as byte offsets.
export { mulF, mulChecked, divF, divSat, expSafe, mulShr32U, quotShift32, quotShift32Pair, oneOverF } from './fixed';
export { normalize, addInto, maxInto } from './vector';
export { combineStake } from './stake';
export { prepareWeights, prepareWeightRows } from './weights';
export { consensus, consensusStakeInto, consensusColumns } from './consensus';
export { clip, clipRows } from './clip';
export {
  loadBonds, divideColumns, colnorm, scaleRows, emaFixed, emaFixedRows, emaLiquid, emaLiquidRows, rowDotIncentive,
  emaDividends, emaDividendsInRange, emaColumnMaxima, emaDividendRows, yuma3Dividends, yuma3DividendRows, colMaxUpscale, toU16Array,
} from './bonds';
export { emaOriginal, emaSums, emaRows, emaWalkInRange } from './emaBonds';
export { emission } from './emission';
export { csrRowsCheck } from './csr';
export { streamFloor, divisionFloor } from './floor';

/** First byte JS may use: everything below holds the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
