import { FaultInjector } from "../fault-injector";
import type { WangsuErrorBody } from "./dto";

/**
 * A misbehaviour the emulator can be told to show, applied to the next `times` requests (every request until
 * cleared when `times` is omitted), before routing and authentication: it stands for the upstream's own
 * infrastructure failing, which happens whoever is asking.
 */
export type WangsuCdnProFault =
  /** That HTTP status with a `{code, message}` JSON body. */
  | { kind: "status"; status: number; times?: number }
  /** Wait this long before the response headers, then answer normally. */
  | { kind: "delay"; ms: number; times?: number }
  /** 200 with a body that is not JSON, or JSON of the wrong shape (alternating, starting with not-JSON). */
  | { kind: "malformed"; times?: number };

/** The shared injector, plus the alternation of malformed bodies, which restarts with each new fault. */
export class WangsuFaultInjector extends FaultInjector<WangsuCdnProFault> {
  private malformedServed = 0;

  override set(fault: WangsuCdnProFault | null): void {
    super.set(fault);
    this.malformedServed = 0;
  }

  /** The next malformed body: not JSON first, then JSON that fits neither the list nor the detail shape. */
  nextMalformedBody(): string {
    const body = this.malformedServed % 2 === 0 ? MALFORMED_NOT_JSON : MALFORMED_WRONG_SHAPE;
    this.malformedServed += 1;
    return body;
  }
}

/** A body cut off mid-way, as a proxy that drops the connection would leave it. */
const MALFORMED_NOT_JSON = '{"count": 3, "prefetchRequests": [{"id": "5dca2205f9e9cc0001df7b33", "na';
/** Valid JSON with wrong types for every key a list or detail reader needs. */
const MALFORMED_WRONG_SHAPE = JSON.stringify({
  count: "three",
  prefetchRequests: { id: 42 },
  fileList: "none",
  metadata: [],
});

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: "InvalidParameter",
  401: "AuthenticationFailed",
  403: "AccessDenied",
  404: "NotFound",
  409: "Conflict",
  429: "TooManyRequests",
  500: "InternalError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

export function statusFaultBody(status: number): WangsuErrorBody {
  return {
    code: STATUS_CODES[status] ?? "SandboxFault",
    message: `HTTP ${status} injected by the sandbox's fault setting.`,
  };
}
