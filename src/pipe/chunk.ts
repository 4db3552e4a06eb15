import type { KeyTuple } from './table-schema.js';

/** Rows with lower < key <= upper; a null end is open. */
export interface Chunk {
  index: number;
  lower: KeyTuple | null;
  upper: KeyTuple | null;
}

/** Consecutive chunks cut at `boundaries` (in key order), the last one open-ended. */
export function chunksFromBoundaries(boundaries: KeyTuple[]): Chunk[] {
  const chunks: Chunk[] = [];
  let lower: KeyTuple | null = null;
  for (const b of boundaries) {
    chunks.push({ index: chunks.length, lower, upper: b });
    lower = b;
  }
  chunks.push({ index: chunks.length, lower, upper: null });
  return chunks;
}
