import { createServer, request as rawRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { request } from "undici";
import { createLandingPage, type LandingPageOptions } from "../../../src/landing/landing-page";

const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

const OPTIONS: LandingPageOptions = {
  graphqlPath: "/graphql",
  title: 'Tasks <script>alert("title")</script>',
  // Everything that could end the embedding <script> element early or confuse the HTML parser.
  defaultQuery: "# </script><script>alert(1)</script> <!-- & \u2028\nquery Tasks { prefetchTasks { id } }\n",
  defaultVariables: '{ "first": 5 }',
};

let server: Server;
let origin: string;

beforeAll(async () => {
  const page = createLandingPage(OPTIONS);
  server = createServer((req, res) => {
    if (page.handle(req, res)) return;
    // Marks "not handled" so tests can tell it from a 404 the landing page wrote itself.
    res.writeHead(404, { "x-not-handled": "1" }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function get(
  path: string,
  headers: Record<string, string> = {},
  method: "GET" | "HEAD" | "POST" = "GET",
) {
  const response = await request(`${origin}${path}`, { method, headers });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body, text: body.toString("utf8") };
}

/** undici (like any WHATWG URL user) resolves `..` before sending; node:http sends the path byte for byte. */
function getRawPath(path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = rawRequest(`${origin}/`, { path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

function referencedUrls(html: string): string[] {
  const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"/g)].map((m) => m[1]!);
  const links = [...html.matchAll(/<link\b[^>]*\bhref="([^"]*)"/g)].map((m) => m[1]!);
  return [...scripts, ...links];
}

function embeddedConfig(html: string): { raw: string; value: Record<string, unknown> } {
  const match = /<script type="application\/json" id="graphiql-config">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error("no config block");
  return { raw: match[1]!, value: JSON.parse(match[1]!) as Record<string, unknown> };
}

describe("GraphiQL landing page", () => {
  it("serves /graphiql as HTML under a same-origin Content-Security-Policy", async () => {
    const res = await get("/graphiql");

    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    const csp = String(res.headers["content-security-policy"]);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.text).toContain('<div id="graphiql">');
  });

  it("references only same-origin scripts and stylesheets, each served with its content-type", async () => {
    const { text: html } = await get("/graphiql");
    const urls = referencedUrls(html);

    expect(urls.length).toBeGreaterThanOrEqual(6);
    for (const url of urls) {
      expect(url).toMatch(/^\/graphiql\/assets\/[\w.-]+\?v=[0-9a-f]{16}$/);
      const asset = await get(url);
      expect({ url, status: asset.status }).toEqual({ url, status: 200 });
      const expectedType = url.includes(".js?")
        ? "text/javascript; charset=utf-8"
        : url.includes(".css?")
          ? "text/css; charset=utf-8"
          : "image/svg+xml";
      expect({ url, type: asset.headers["content-type"] }).toEqual({ url, type: expectedType });
      expect(asset.headers["x-content-type-options"]).toBe("nosniff");
      expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
      expect(asset.body.byteLength).toBeGreaterThan(0);
    }
  });

  it("loads React before ReactDOM before GraphiQL, and the WebSocket client, before the bootstrap script", async () => {
    const { text: html } = await get("/graphiql");
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="\/graphiql\/assets\/([^"?]*)/g)].map((m) => m[1]);

    expect(scripts).toEqual([
      "react.production.min.js",
      "react-dom.production.min.js",
      "graphiql.min.js",
      "graphql-ws.min.js",
      "bootstrap.js",
    ]);
  });

  it("points at no other origin from the page or the stylesheets", async () => {
    const { text: html } = await get("/graphiql");
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9]/i);

    const stylesheets = referencedUrls(html).filter((url) => url.includes(".css?"));
    expect(stylesheets.length).toBeGreaterThan(0);
    for (const url of stylesheets) {
      const { text: css } = await get(url);
      const references = [...css.matchAll(/url\(\s*['"]?([^'")]*)/g)].map((m) => m[1]!);
      expect(references.filter((ref) => !ref.startsWith("data:") && !ref.startsWith("#"))).toEqual([]);
      expect(css).not.toMatch(/@import/);
    }
  });

  it("strips the bundles' sourceMappingURL comments, so dev tools ask for no map that is not served", async () => {
    const { text: html } = await get("/graphiql");
    for (const url of referencedUrls(html).filter((u) => !u.includes(".svg?"))) {
      expect((await get(url)).text).not.toMatch(/sourceMappingURL=/);
    }
  });

  it("serves the page at /graphiql/ too, and answers HEAD with headers only", async () => {
    const slash = await get("/graphiql/");
    expect(slash.status).toBe(200);
    expect(slash.text).toContain('<div id="graphiql">');

    const head = await get("/graphiql", {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(Number(head.headers["content-length"])).toBe(slash.body.byteLength);
    expect(head.body.byteLength).toBe(0);
  });

  it("serves the page to a browser opening the GraphQL path, varying on Accept", async () => {
    const res = await get("/graphql", { accept: BROWSER_ACCEPT });

    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["vary"]).toBe("Accept");
    expect(String(res.headers["content-security-policy"])).toContain("default-src 'self'");
  });

  it("leaves JSON requests and POSTs to the GraphQL path alone", async () => {
    expect((await get("/graphql", { accept: "application/json" })).headers["x-not-handled"]).toBe("1");
    expect((await get("/graphql?query={__typename}", { accept: "*/*" })).headers["x-not-handled"]).toBe("1");
    expect((await get("/graphql", { accept: BROWSER_ACCEPT }, "POST")).headers["x-not-handled"]).toBe("1");
  });

  it("leaves paths outside its own alone", async () => {
    expect((await get("/")).headers["x-not-handled"]).toBe("1");
    expect((await get("/graphiqlx")).headers["x-not-handled"]).toBe("1");
    expect((await get("/graphiql/other")).headers["x-not-handled"]).toBe("1");
  });

  it("redirects a browser opening / to /graphiql, keeping a share link's query string", async () => {
    const res = await get("/", { accept: BROWSER_ACCEPT });
    expect(res.status).toBe(302);
    expect(res.headers["location"]).toBe("/graphiql");
    expect(res.headers["vary"]).toBe("Accept");
    expect(String(res.headers["content-security-policy"])).toContain("default-src 'self'");

    const shared = await get("/?query=%7B__typename%7D&operationName=Tasks", { accept: BROWSER_ACCEPT });
    expect(shared.status).toBe(302);
    expect(shared.headers["location"]).toBe("/graphiql?query=%7B__typename%7D&operationName=Tasks");

    const head = await get("/", { accept: BROWSER_ACCEPT }, "HEAD");
    expect(head.status).toBe(302);
    expect(head.headers["location"]).toBe("/graphiql");
    expect(head.body.byteLength).toBe(0);
  });

  it("never redirects off the server's origin, whatever the query string holds", async () => {
    const raw = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      const req = rawRequest(
        `${origin}/`,
        {
          path: "/?//evil.example/\\x%0d%0aSet-Cookie:x=1",
          method: "GET",
          headers: { accept: BROWSER_ACCEPT },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, location: res.headers.location });
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(raw.status).toBe(302);
    expect(raw.location).toMatch(/^\/graphiql\?/);
    expect(raw.location).toBe("/graphiql?//evil.example/\\x%0d%0aSet-Cookie:x=1");
  });

  it("leaves / alone for non-browser clients, other methods and other paths", async () => {
    expect((await get("/", { accept: "application/json" })).headers["x-not-handled"]).toBe("1");
    expect((await get("/", { accept: "*/*" })).headers["x-not-handled"]).toBe("1");
    expect((await get("/", { accept: BROWSER_ACCEPT }, "POST")).headers["x-not-handled"]).toBe("1");
    expect((await get("/index.html", { accept: BROWSER_ACCEPT })).headers["x-not-handled"]).toBe("1");
  });

  it("answers 404 to a path traversal attempt under /graphiql/assets/", async () => {
    const dotted = await getRawPath("/graphiql/assets/../../package.json");
    expect(dotted.status).toBe(404);
    expect(dotted.text).not.toContain('"dependencies"');

    const encoded = await getRawPath("/graphiql/assets/%2e%2e%2f%2e%2e%2fpackage.json");
    expect(encoded.status).toBe(404);
    expect(encoded.text).not.toContain('"dependencies"');

    // What a WHATWG URL client actually sends for the same string.
    expect((await get("/graphiql/assets/../../package.json")).status).toBe(404);
  });

  it("answers 404 for anything not on the asset allow-list", async () => {
    for (const path of [
      "/graphiql/assets/",
      "/graphiql/assets/graphiql.min.js.map",
      "/graphiql/assets/react/umd/react.production.min.js",
      "/graphiql/assets/GRAPHIQL.MIN.JS",
    ]) {
      const res = await get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.headers["x-not-handled"]).toBeUndefined();
    }
  });

  it("embeds the default query and endpoint as inert JSON with every < escaped", async () => {
    const { text: html } = await get("/graphiql");
    const config = embeddedConfig(html);

    expect(config.raw).not.toMatch(/[<>\u2028]/);
    expect(config.value).toEqual({
      endpoint: "/graphql",
      defaultQuery: OPTIONS.defaultQuery,
      defaultVariables: OPTIONS.defaultVariables,
      title: OPTIONS.title,
    });
    // The only script elements are the config block and the five served files.
    expect(html.match(/<script\b/g)).toHaveLength(6);
  });

  it("HTML-escapes the title", async () => {
    const { text: html } = await get("/graphiql");

    expect(html).toContain("<title>Tasks &lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;</title>");
  });

  it("bootstraps GraphiQL with a fetcher that POSTs JSON to the configured endpoint", async () => {
    const { text: html } = await get("/graphiql");
    const bootstrapUrl = referencedUrls(html).find((url) => url.includes("bootstrap.js"))!;
    const { text: script } = await get(bootstrapUrl);

    expect(script).toContain("fetch(config.endpoint");
    expect(script).toContain('method: "POST"');
    expect(script).toContain('headers["content-type"] = "application/json"');
    expect(script).not.toMatch(/https?:\/\//);
  });

  it("revalidates unfingerprinted asset URLs and answers a matching If-None-Match with 304", async () => {
    const plain = await get("/graphiql/assets/bootstrap.js");
    expect(plain.status).toBe(200);
    expect(plain.headers["cache-control"]).toBe("no-cache");
    const etag = String(plain.headers["etag"]);
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);

    const again = await get("/graphiql/assets/bootstrap.js", { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);

    const page = await get("/graphiql");
    expect((await get("/graphiql", { "if-none-match": String(page.headers["etag"]) })).status).toBe(304);
  });

  it("gzips assets for clients that accept it", async () => {
    const identity = await get("/graphiql/assets/graphiql.min.js");
    const gzipped = await get("/graphiql/assets/graphiql.min.js", { "accept-encoding": "gzip, deflate" });

    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gzipped.headers["vary"]).toBe("Accept-Encoding");
    expect(gzipped.body.byteLength).toBeLessThan(identity.body.byteLength / 2);
    expect(gunzipSync(gzipped.body).equals(identity.body)).toBe(true);
    expect(
      (await get("/graphiql/assets/graphiql.min.js", { "accept-encoding": "gzip;q=0" })).headers[
        "content-encoding"
      ],
    ).toBeUndefined();
  });

  it("answers 405 to other methods on its own paths", async () => {
    const res = await get("/graphiql", {}, "POST");

    expect(res.status).toBe(405);
    expect(res.headers["allow"]).toBe("GET, HEAD");
  });
});

describe("createLandingPage", () => {
  it("rejects a GraphQL path that is not absolute or lives under /graphiql", () => {
    expect(() => createLandingPage({ ...OPTIONS, graphqlPath: "graphql" })).toThrow(/absolute path/);
    expect(() => createLandingPage({ ...OPTIONS, graphqlPath: "/graphiql/graphql" })).toThrow(
      /must not live under/,
    );
  });

  it("rejects default variables that are not JSON", () => {
    expect(() => createLandingPage({ ...OPTIONS, defaultVariables: "{ first: 5 }" })).toThrow(
      /not valid JSON/,
    );
  });
});
