import { parseTraceparent } from "../../../src/http/traceparent";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";

describe("parseTraceparent", () => {
  it("reads the trace id and parent id of a version 00 header", () => {
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-01`)).toEqual({ traceId: TRACE, parentId: PARENT });
  });

  it("reads the known fields of a later version and ignores what it appends", () => {
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-future`)).toEqual({ traceId: TRACE, parentId: PARENT });
  });

  it.each([
    ["absent", undefined],
    ["sent twice", [`00-${TRACE}-${PARENT}-01`, `00-${TRACE}-${PARENT}-01`]],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["version 00 with extra fields", `00-${TRACE}-${PARENT}-01-extra`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero parent id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["a short trace id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["not hex", `00-${"g".repeat(32)}-${PARENT}-01`],
    ["longer than 256 characters", `01-${TRACE}-${PARENT}-01-${"a".repeat(300)}`],
    ["a log injection attempt", `00-${TRACE}-${PARENT}-01\n{"level":60}`],
  ])("refuses a header that is %s", (_what, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });
});
