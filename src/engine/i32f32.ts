// I32F32, the consensus's fixed-point unit (docs/spec/yuma.md 1): a BigInt holds the raw bits,
// so one is 2^32. The WASM kernels have their own copy (assembly/fixed.ts: AssemblyScript
// compiles separately). Token amounts are a different unit: network/token.ts.
export const I32F32_ONE = 1n << 32n;
