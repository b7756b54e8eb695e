/** What GraphiQL opens with: a useful first look at the sandbox data (its seeded site is www.example.com). */
export const EXAMPLE_OPERATION = `# prefetch-graph: CDN prefetch (cache warm-up) tasks across providers.
# Without credentials the server answers from its built-in sandbox providers.
# Press the run button (or Ctrl-Enter); open "Docs" for every type and field.

query RecentPrefetchTasks {
  providerAccounts {
    name
    provider
    sandbox
  }
  baidu: prefetchTasks(provider: BAIDU_GEO, site: "www.example.com", first: 10) {
    nodes {
      ...TaskSummary
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
  wangsu: prefetchTasks(provider: WANGSU_CDN_PRO, first: 5) {
    nodes {
      ...TaskSummary
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}

fragment TaskSummary on PrefetchTask {
  id
  taskId
  site
  status
  providerStatus
  successRate
  createdAt
  startedAt
  finishedAt
  queueDuration(unit: SECONDS)
  runDuration(unit: SECONDS)
  totalDuration(unit: MINUTES)
  providerDetails {
    __typename
    ... on BaiduGeoPrefetch {
      url
      progress
      reason
    }
    ... on WangsuCdnProPrefetch {
      regions
      fileList {
        url
      }
      metadata {
        successRate
        apiRequestId
      }
    }
  }
}
`;
