import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { BOOTSTRAP_SCRIPT, FAVICON_SVG, LANDING_CSS } from "./landing-static";

export const JAVASCRIPT = "text/javascript; charset=utf-8";
export const CSS = "text/css; charset=utf-8";
export const SVG = "image/svg+xml";

/** A file the landing page may serve, by the one name it is requested under. */
export interface GraphiqlAsset {
  readonly name: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** First 16 hex digits of the body's SHA-256: the `?v=` fingerprint in asset URLs and the ETag. */
  readonly hash: string;
  /** Compressed on first request that accepts gzip, then kept: only the ~1 MB GraphiQL bundle really needs it. */
  gzipped(): Buffer;
}

interface PackageFile {
  readonly name: string;
  readonly packageName: string;
  /** Path inside the package; these packages' `exports` maps hide these files from `require.resolve`. */
  readonly file: string;
  readonly contentType: string;
}

/**
 * The allow-list. GraphiQL 3's UMD bundle expects React and ReactDOM as globals and brings everything else
 * (CodeMirror 5, markdown-it, the GraphQL language service) inside itself; its CSS carries its fonts and
 * images as data: URIs, so nothing else is ever fetched. graphql-ws's UMD client runs subscriptions.
 */
const PACKAGE_FILES: readonly PackageFile[] = [
  {
    name: "react.production.min.js",
    packageName: "react",
    file: "umd/react.production.min.js",
    contentType: JAVASCRIPT,
  },
  {
    name: "react-dom.production.min.js",
    packageName: "react-dom",
    file: "umd/react-dom.production.min.js",
    contentType: JAVASCRIPT,
  },
  { name: "graphiql.min.js", packageName: "graphiql", file: "graphiql.min.js", contentType: JAVASCRIPT },
  { name: "graphiql.min.css", packageName: "graphiql", file: "graphiql.min.css", contentType: CSS },
  // The graphql-transport-ws client (the `graphqlWs` global) for subscriptions, over the page's own origin.
  {
    name: "graphql-ws.min.js",
    packageName: "graphql-ws",
    file: "umd/graphql-ws.min.js",
    contentType: JAVASCRIPT,
  },
];

/**
 * The bundles end with a `sourceMappingURL` comment; dev tools would then ask for a `.map` we do not serve
 * (and do not want to ship: 4 MB). Dropping the comment keeps the console free of 404s.
 */
const SOURCE_MAP_COMMENT = /\n?(?:\/\/# sourceMappingURL=[^\n]*|\/\*# sourceMappingURL=[^*]*\*\/)\s*$/;

function locate(entry: PackageFile): string {
  // Resolve through `package.json` (which every package exports) so the file comes from whichever copy of the
  // package Node itself would load, including from `dist/`.
  const path = join(dirname(require.resolve(`${entry.packageName}/package.json`)), entry.file);
  if (!existsSync(path)) {
    throw new Error(
      `GraphiQL landing page: ${entry.packageName} has no ${entry.file}; the installed version does not ship the expected build.`,
    );
  }
  return path;
}

function asset(name: string, contentType: string, body: Buffer): GraphiqlAsset {
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 16);
  let gzipped: Buffer | undefined;
  return {
    name,
    contentType,
    body,
    hash,
    gzipped: () => (gzipped ??= gzipSync(body)),
  };
}

/** Reads every allow-listed file once; throws at start-up when a package is missing or changed its layout. */
export function loadGraphiqlAssets(): ReadonlyMap<string, GraphiqlAsset> {
  const assets = new Map<string, GraphiqlAsset>();
  for (const entry of PACKAGE_FILES) {
    const text = readFileSync(locate(entry), "utf8").replace(SOURCE_MAP_COMMENT, "\n");
    assets.set(entry.name, asset(entry.name, entry.contentType, Buffer.from(text, "utf8")));
  }
  assets.set("bootstrap.js", asset("bootstrap.js", JAVASCRIPT, Buffer.from(BOOTSTRAP_SCRIPT, "utf8")));
  assets.set("landing.css", asset("landing.css", CSS, Buffer.from(LANDING_CSS, "utf8")));
  assets.set("favicon.svg", asset("favicon.svg", SVG, Buffer.from(FAVICON_SVG, "utf8")));
  return assets;
}
