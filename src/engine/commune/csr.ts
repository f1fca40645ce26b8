// Sparse rows as flat arrays (CSR), the form every Commune matrix stage reads and writes:
// row i holds entries q in [ptr[i], ptr[i+1]), columns `col[q]`, raw I32F32 values `val[q]`.
import type { SparseU16 } from '../types.js';

export interface Csr {
  ptr: Uint32Array;
  col: Uint32Array;
  val: BigInt64Array;
}

/**
 * commune.md 1.6 step 1 (and 2.11): stored bonds as raw integers (X = v * 2^32), entry (i, j)
 * masked when lu_i <= reg_j (the weight mask; subtensor masks whole columns instead). The
 * mask keeps order; the returned matrix holds the u16 values still to be widened.
 */
export function maskStoredBonds(bonds: SparseU16, lastUpdate: Float64Array, registered: Float64Array): SparseU16 {
  const n = bonds.rowPtr.length - 1;
  const rowPtr = new Uint32Array(n + 1);
  const col = new Uint32Array(bonds.col.length);
  const val = new Uint16Array(bonds.col.length);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const lu = lastUpdate[i]!;
    for (let q = bonds.rowPtr[i]!; q < bonds.rowPtr[i + 1]!; q++) {
      const j = bonds.col[q]!;
      if (lu <= registered[j]!) continue;
      col[k] = j;
      val[k] = bonds.val[q]!;
      k++;
    }
    rowPtr[i + 1] = k;
  }
  return { rowPtr, col: col.slice(0, k), val: val.slice(0, k) };
}

/** Copy of `len` entries of u16 values on a CSR pattern, as a SparseU16. */
export function sparseU16(ptr: Uint32Array, col: Uint32Array, val: Uint16Array, n: number): SparseU16 {
  const nnz = ptr[n]!;
  return { rowPtr: ptr.slice(0, n + 1), col: col.slice(0, nnz), val: val.slice(0, nnz) };
}
