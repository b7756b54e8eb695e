import { FaultInjector, type EmulatorFault } from "../../../src/sandbox/fault-injector";

describe("FaultInjector", () => {
  it("hands a fault out `times` times, then none", () => {
    const faults = new FaultInjector<EmulatorFault>();
    faults.set({ kind: "status", status: 503, times: 2 });
    expect(faults.take()).toEqual({ kind: "status", status: 503, times: 2 });
    expect(faults.take()).toEqual({ kind: "status", status: 503, times: 2 });
    expect(faults.take()).toBeNull();
  });

  it("keeps a fault without `times` until cleared", () => {
    const faults = new FaultInjector<EmulatorFault>();
    faults.set({ kind: "malformed" });
    for (let i = 0; i < 5; i += 1) expect(faults.take()).toEqual({ kind: "malformed" });
    faults.set(null);
    expect(faults.take()).toBeNull();
  });

  it("serves a copy, not the caller's object", () => {
    const faults = new FaultInjector<EmulatorFault>();
    const fault = { kind: "delay" as const, ms: 10 };
    faults.set(fault);
    fault.ms = 99;
    expect(faults.take()).toEqual({ kind: "delay", ms: 10 });
  });

  it.each<[string, EmulatorFault]>([
    ["a non-error status", { kind: "status", status: 200 }],
    ["a status beyond 599", { kind: "status", status: 600 }],
    ["a fractional status", { kind: "status", status: 500.5 }],
    ["a negative delay", { kind: "delay", ms: -1 }],
    ["an infinite delay", { kind: "delay", ms: Infinity }],
    ["times 0", { kind: "malformed", times: 0 }],
    ["fractional times", { kind: "malformed", times: 1.5 }],
  ])("rejects %s and keeps the current fault", (_label, fault) => {
    const faults = new FaultInjector<EmulatorFault>();
    faults.set({ kind: "malformed", times: 1 });
    expect(() => faults.set(fault)).toThrow(RangeError);
    expect(faults.take()).toEqual({ kind: "malformed", times: 1 });
  });
});
