import { Directive, Field, ObjectType } from "type-graphql";

/**
 * A CDN site (domain) as the company graph knows it. Another subgraph owns the entity; this one contributes
 * its prefetch tasks, so that a graph that knows a site can list them.
 */
@Directive('@key(fields: "domain")')
@ObjectType("CdnSite", { description: "A CDN site (domain); prefetch-graph contributes its prefetch tasks." })
export class CdnSiteType {
  @Field(() => String, { description: "The site's hostname, e.g. www.example.com." })
  @Directive("@shareable")
  domain!: string;
}
