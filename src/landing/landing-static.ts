/**
 * The page's own static files, kept as string constants so `tsc` carries them into `dist/` (it copies only .ts).
 * They are served from the asset allow-list like the package files, under CSP `script-src 'self'`.
 */

/**
 * Reads the JSON config the page embeds, then mounts GraphiQL. Plain ES2017 for the browser: it is not
 * type-checked, so it stays small. The fetcher is ours rather than GraphiQL's `createFetcher` so that every
 * request goes to the page's own origin: queries as JSON POSTs (`content-type: application/json` is what Apollo's
 * CSRF prevention accepts), subscriptions over a WebSocket to the same host and path (graphql-transport-ws,
 * graphql-ws's client), with the headers editor's headers (an API key) in connection_init's payload.
 */
export const BOOTSTRAP_SCRIPT = `(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);

  function errorResult(message) {
    return { errors: [{ message: message }] };
  }

  function fetcher(params, options) {
    var headers = { accept: "application/graphql-response+json, application/json" };
    var extra = options && options.headers;
    if (extra && typeof extra === "object") {
      Object.keys(extra).forEach(function (name) {
        headers[name] = String(extra[name]);
      });
    }
    if (isSubscription(params, options)) {
      delete headers.accept;
      return subscribe(params, headers);
    }
    headers["content-type"] = "application/json";
    return fetch(config.endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("content-type") || "";
      if (/json/i.test(type)) return response.json();
      // A proxy's HTML error page or a plain-text 413 would otherwise surface as a JSON syntax error.
      return response.text().then(function (text) {
        return errorResult("HTTP " + response.status + " " + response.statusText + ": " + text.slice(0, 500));
      });
    });
  }

  /** The operation GraphiQL runs is a subscription: the one named, or the document's only operation. */
  function isSubscription(params, options) {
    var ast = options && options.documentAST;
    if (!ast || !ast.definitions) return false;
    var operations = ast.definitions.filter(function (d) {
      return d.kind === "OperationDefinition";
    });
    var chosen = params.operationName
      ? operations.filter(function (d) {
          return d.name && d.name.value === params.operationName;
        })[0]
      : operations.length === 1
        ? operations[0]
        : undefined;
    return Boolean(chosen) && chosen.operation === "subscription";
  }

  /** A subscription as the Observable GraphiQL reads: one WebSocket per run, closed when it ends or is stopped. */
  function subscribe(params, headers) {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + config.endpoint;
    return {
      subscribe: function (observer) {
        var client = graphqlWs.createClient({ url: url, connectionParams: headers, lazy: true, retryAttempts: 0 });
        var stop = client.subscribe(params, {
          next: function (result) {
            observer.next(result);
          },
          error: function (error) {
            if (Array.isArray(error)) {
              observer.next({ errors: error });
              observer.complete();
            } else if (error && typeof error.code === "number") {
              observer.next(errorResult("WebSocket closed: " + error.code + " " + (error.reason || "")));
              observer.complete();
            } else {
              observer.error(error instanceof Error ? error : new Error(String(error)));
            }
            client.dispose();
          },
          complete: function () {
            observer.complete();
            client.dispose();
          },
        });
        return {
          unsubscribe: function () {
            stop();
            client.dispose();
          },
        };
      },
    };
  }

  function hasSavedTabs() {
    try {
      return window.localStorage.getItem("graphiql:tabState") !== null;
    } catch (error) {
      return false; // storage disabled: GraphiQL keeps nothing either, so every visit is a first one
    }
  }

  // Share links, as GraphiQL's own examples do: ?query=, ?variables= and ?operationName= fill the editors on
  // open (over whatever GraphiQL stored), and the URL follows every edit through history.replaceState (no
  // reload, no history entries). Headers stay out of the URL on purpose: they carry API keys.
  var SHARED = ["query", "variables", "operationName"];
  var shared = {};
  var opened = new URLSearchParams(window.location.search);
  SHARED.forEach(function (name) {
    var value = opened.get(name);
    if (value) shared[name] = value;
  });
  var editors = null; // GraphiQL's editor context, once mounted (see ShareLink below)

  function updateUrl(name, value) {
    shared[name] = value;
    // The link carries the whole state, even when only one part has been edited so far.
    if (editors && editors.queryEditor && shared.query === undefined) shared.query = editors.queryEditor.getValue();
    if (editors && editors.variableEditor && shared.variables === undefined) {
      shared.variables = editors.variableEditor.getValue();
    }
    var parts = [];
    new URLSearchParams(window.location.search).forEach(function (v, k) {
      if (SHARED.indexOf(k) === -1) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(v));
    });
    SHARED.forEach(function (k) {
      if (shared[k]) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(shared[k]));
    });
    var search = parts.length ? "?" + parts.join("&") : "";
    try {
      window.history.replaceState(window.history.state, "", window.location.pathname + search + window.location.hash);
    } catch (error) {
      // A URL longer than the browser takes: the address bar keeps the last one that fitted.
    }
  }

  // Rendered inside GraphiQL (in its logo slot), so it can reach the editors. GraphiQL 3's operationName prop
  // would pin every execution to that name, even after edits; selecting it once instead leaves the choice to
  // the user, as GraphiQL does when the cursor moves.
  var operationApplied = false;
  function ShareLink() {
    var context = GraphiQL.React.useEditorContext();
    editors = context;
    var queryEditor = context && context.queryEditor;
    React.useEffect(
      function () {
        if (operationApplied || !queryEditor) return;
        operationApplied = true;
        if (shared.operationName) context.setOperationName(shared.operationName);
      },
      [queryEditor],
    );
    return null;
  }

  var props = {
    fetcher: fetcher,
    defaultQuery: config.defaultQuery,
    // Used only when the browser has no saved tabs for this origin; afterwards GraphiQL restores the user's own.
    defaultTabs: [{ query: config.defaultQuery, variables: config.defaultVariables }],
    defaultEditorToolsVisibility: config.defaultVariables ? "variables" : false,
    onEditQuery: function (query) {
      updateUrl("query", query);
    },
    onEditVariables: function (variables) {
      updateUrl("variables", variables);
    },
    onEditOperationName: function (operationName) {
      updateUrl("operationName", operationName);
    },
  };
  if (shared.query) {
    // A share link: its query (and its variables, or none) wins over the stored tabs, in a new tab if needed.
    props.query = shared.query;
    props.variables = shared.variables || "";
    // A browser without saved tabs would otherwise open the default tab beside the shared query.
    props.defaultTabs = [{ query: shared.query, variables: shared.variables || "" }];
    props.defaultEditorToolsVisibility = shared.variables ? "variables" : false;
  } else if (shared.variables) {
    props.variables = shared.variables;
    props.defaultEditorToolsVisibility = "variables";
  } else if (config.defaultVariables && !hasSavedTabs()) {
    // GraphiQL 3 fills the variables editor from the variables prop or its own storage, never from defaultTabs;
    // passing the prop on later visits would overwrite what the user typed, so only the first visit gets it.
    props.variables = config.defaultVariables;
  }
  var logo = React.createElement(GraphiQL.Logo, null, config.title, React.createElement(ShareLink));
  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, props, logo));
})();
`;

/** GraphiQL sizes itself to its container; the container has to fill the viewport. */
export const LANDING_CSS = `html,
body {
  height: 100%;
  margin: 0;
  overflow: hidden;
}
#graphiql {
  height: 100vh;
}
.landing-loading {
  font-family: system-ui, sans-serif;
  padding: 2rem;
}
`;

/** Served locally so the browser does not go looking for /favicon.ico (a 404 in the console). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#e10098" d="M16 2 28.1 9v14L16 30 3.9 23V9z"/><path fill="#fff" d="M16 8.5 22.5 12.25v7.5L16 23.5 9.5 19.75v-7.5z"/></svg>
`;
