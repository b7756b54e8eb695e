import { boundedPath, boundedText, errorForLog, MAX_LOGGED_TEXT } from "../../src/log-fields";
import { withoutSuggestions } from "../../src/errors/format-error";

describe("log fields", () => {
  it("keep short text as it is", () => {
    expect(boundedText("PrefetchTasksPage")).toBe("PrefetchTasksPage");
    expect(boundedText("x".repeat(MAX_LOGGED_TEXT))).toBe("x".repeat(MAX_LOGGED_TEXT));
  });

  it("cut long text and say how much was dropped", () => {
    const cut = boundedText("x".repeat(1_000_000));
    expect(cut).toBe(`${"x".repeat(MAX_LOGGED_TEXT)}…[999800 more chars]`);
  });

  it("bound every name of a path and the path's length", () => {
    const path = boundedPath(["a".repeat(1000), 3, ...Array.from({ length: 40 }, () => "f")])!;
    expect(path).toHaveLength(33);
    expect(String(path[0]).length).toBeLessThan(130);
    expect(path[1]).toBe(3);
    expect(path[32]).toBe("…[10 more]");
  });

  it("keep an error's type, code, message and stack, bounded, and at most two causes deep", () => {
    const err = Object.assign(new TypeError("y".repeat(5_000)), { code: "E_X" });
    const looped = new Error("loop");
    (looped as { cause?: unknown }).cause = looped;
    const logged = errorForLog(err);
    expect(logged).toMatchObject({ type: "TypeError", code: "E_X" });
    expect(String(logged.message).length).toBeLessThan(1_100);
    expect(String(logged.stack).length).toBeLessThan(4_100);
    expect(JSON.stringify(errorForLog(looped)).match(/"loop"/g)).toHaveLength(3);
  });
});

describe("suggestions in error messages", () => {
  it("are dropped, with the sentence before them kept", () => {
    expect(
      withoutSuggestions('Cannot query field "prefetchTask" on type "Query". Did you mean "prefetchTasks"?'),
    ).toBe('Cannot query field "prefetchTask" on type "Query".');
    expect(
      withoutSuggestions(
        'Value "BAIDU" does not exist in "ProviderKind" enum. Did you mean the enum value "BAIDU_GEO"?',
      ),
    ).toBe('Value "BAIDU" does not exist in "ProviderKind" enum.');
    expect(withoutSuggestions("Syntax Error: Expected Name.")).toBe("Syntax Error: Expected Name.");
  });
});
