import { validateSync } from "class-validator";
import { WangsuCdnProCredentials } from "../../../../src/providers/wangsu-cdn-pro/credentials";

function credentials(
  values: Partial<Record<keyof WangsuCdnProCredentials, unknown>>,
): WangsuCdnProCredentials {
  return Object.assign(new WangsuCdnProCredentials(), values);
}

function invalidProperties(c: WangsuCdnProCredentials): string[] {
  return validateSync(c).map((e) => e.property);
}

describe("WangsuCdnProCredentials", () => {
  it("accepts a non-empty username and apiKey", () => {
    expect(
      invalidProperties(credentials({ username: "example_username", apiKey: "example_apiKey" })),
    ).toEqual([]);
  });

  it("rejects an empty apiKey", () => {
    expect(invalidProperties(credentials({ username: "example_username", apiKey: "" }))).toEqual(["apiKey"]);
  });

  it("rejects a missing username", () => {
    expect(invalidProperties(credentials({ apiKey: "example_apiKey" }))).toEqual(["username"]);
  });

  it("rejects a username that is not a string", () => {
    expect(invalidProperties(credentials({ username: 42, apiKey: "example_apiKey" }))).toEqual(["username"]);
  });
});
