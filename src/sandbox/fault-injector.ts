/**
 * The fault kinds every emulator takes. `times`: how many requests the fault applies to; omitted, it stays
 * until cleared. An emulator's own fault type may add fields (a Retry-After, a choice of malformed body).
 */
export type EmulatorFault =
  | { readonly kind: "status"; readonly status: number; readonly times?: number }
  | { readonly kind: "delay"; readonly ms: number; readonly times?: number }
  | { readonly kind: "malformed"; readonly times?: number };

/** Throws RangeError on a fault that makes no sense: a non-error status, a negative delay, `times` below 1. */
export function validateFault(fault: EmulatorFault): void {
  if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
    throw new RangeError(`fault.times must be a positive integer when given, got ${fault.times}`);
  }
  if (
    fault.kind === "status" &&
    (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599)
  ) {
    throw new RangeError(`fault.status must be an HTTP error status (400-599), got ${fault.status}`);
  }
  if (fault.kind === "delay" && (!Number.isFinite(fault.ms) || fault.ms < 0)) {
    throw new RangeError(`fault.ms must be a non-negative number, got ${fault.ms}`);
  }
}

/** Holds an emulator's current fault and hands it out once per request until its `times` run out. */
export class FaultInjector<F extends EmulatorFault> {
  private fault: F | null = null;
  private remaining = Infinity;

  /** Replaces the current fault; null clears it. Throws RangeError on a nonsensical fault. */
  set(fault: F | null): void {
    if (fault !== null) validateFault(fault);
    // A copy: a caller changing its object afterwards does not change the fault being served.
    this.fault = fault === null ? null : { ...fault };
    this.remaining = fault?.times ?? Infinity;
  }

  /** The fault this request gets, if any; called exactly once per request. */
  take(): F | null {
    const fault = this.fault;
    if (fault === null) return null;
    this.remaining -= 1;
    if (this.remaining <= 0) this.fault = null;
    return fault;
  }
}
