import { FhirError } from '../../core/errors.js';

/*
 * What one patch may cost. Operations are capped per patch document, and the patched resource
 * may grow to at most `maxBytes` (MAX_BODY_BYTES: a resource no client could have sent whole).
 * Growth is counted as the patch applies, before each value is copied in, so a patch that
 * doubles the document at every step (JSON Patch `copy` of /extension into /extension/-) stops
 * at the limit instead of after 2^n bytes (README: limits that are not settings).
 */

/** Operations of one JSON Patch or FHIRPath Patch (each entry of a transaction is one patch). */
export const MAX_PATCH_OPERATIONS = 1_000;

/**
 * Bytes the `copy` operations of one JSON Patch may duplicate. Every other operation adds only
 * what the patch itself carries; copy is the one whose output outgrows its input, and the
 * document-size bound alone let a doubling patch clone 16 MiB twice over on the event loop
 * (measured by bench:neighbour: other tenants' p99 at 1.6 s).
 */
export const MAX_PATCH_COPY_BYTES = 1024 * 1024;

export interface PatchLimits {
  /** Bytes the patched resource may reach (MAX_BODY_BYTES). */
  maxBytes: number;
}

export function checkOperationCount(count: number): void {
  if (count > MAX_PATCH_OPERATIONS) {
    throw FhirError.tooLarge(`A patch may have at most ${MAX_PATCH_OPERATIONS} operations; this one has ${count}`);
  }
}

/** Bytes of a JSON value as text (0 for undefined). */
export function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? 0 : Buffer.byteLength(text);
}

function tooLarge(limits: PatchLimits): FhirError {
  return FhirError.tooLarge(`The patched resource would be larger than ${limits.maxBytes} bytes (MAX_BODY_BYTES)`);
}

/**
 * An upper bound of the patched document's size: its size before, plus every value a patch
 * operation put in (removals are not subtracted, so the bytes a patch copies are bounded too).
 */
export class Growth {
  private bytes: number;
  constructor(start: unknown, private readonly limits: PatchLimits) {
    this.bytes = jsonBytes(start);
    if (this.bytes > limits.maxBytes) throw tooLarge(limits);
  }
  private copied = 0;
  add(bytes: number, copy = false): void {
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes) throw tooLarge(this.limits);
    if (!copy) return;
    this.copied += bytes;
    if (this.copied > MAX_PATCH_COPY_BYTES) {
      throw FhirError.tooLarge(`The copy operations of a patch may duplicate at most ${MAX_PATCH_COPY_BYTES} bytes`);
    }
  }
}

/** The exact check of the result, for operations whose growth is not counted. */
export function checkResultSize(doc: unknown, limits: PatchLimits): void {
  if (jsonBytes(doc) > limits.maxBytes) throw tooLarge(limits);
}
