import { ProviderKind } from "../../../src/domain/provider-kind";
import { PROVIDER_MODULES, providerModule } from "../../../src/providers/modules";

describe("provider modules", () => {
  it("has exactly one module per ProviderKind, filed under its own kind", () => {
    const kinds = Object.values(ProviderKind);
    for (const kind of kinds) expect(providerModule(kind).kind).toBe(kind);
    expect(PROVIDER_MODULES.map((m) => m.kind).sort()).toEqual([...kinds].sort());
  });
});
