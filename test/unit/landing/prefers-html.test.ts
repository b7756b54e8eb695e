import { prefersHtml } from "../../../src/landing/landing-page";

const CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

describe("prefersHtml", () => {
  it("is true for what browsers send when navigating", () => {
    expect(prefersHtml(CHROME)).toBe(true);
    expect(prefersHtml(FIREFOX)).toBe(true);
  });

  it("is false for GraphQL clients asking for JSON", () => {
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("application/graphql-response+json, application/json;q=0.9")).toBe(false);
  });

  it("is false without an Accept header, or when everything is equally acceptable (curl's */*)", () => {
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml("")).toBe(false);
    expect(prefersHtml("*/*")).toBe(false);
  });

  it("weighs quality values rather than the order of the list", () => {
    expect(prefersHtml("application/json;q=0.5, text/html")).toBe(true);
    expect(prefersHtml("text/html;q=0.5, application/json")).toBe(false);
    expect(prefersHtml("text/html;q=0, */*")).toBe(false);
  });

  it("lets the most specific range decide a type's quality", () => {
    expect(prefersHtml("text/*, application/json;q=0.9")).toBe(true);
    expect(prefersHtml("*/*;q=0.1, application/json;q=0.2, TEXT/HTML;q=0.3")).toBe(true);
    expect(prefersHtml("text/*;q=0.1, */*")).toBe(false);
  });

  it("ignores malformed entries instead of throwing", () => {
    expect(prefersHtml("garbage, ;q=1, text/html;q=abc")).toBe(false);
    expect(prefersHtml("garbage, text/html")).toBe(true);
  });
});
