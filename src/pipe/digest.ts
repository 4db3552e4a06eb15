/**
 * A short fingerprint of a JSON value (FNV-1a over its JSON text), the same
 * in a workflow and in an activity: an activity that fetches data by query
 * instead of receiving it checks that it got what the workflow meant.
 */
export function digest(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${h.toString(16)}:${text.length}`;
}
