import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from "class-validator";
import { isProviderKind, type ProviderKind } from "../domain/provider-kind";
import { isHostname, type TaskRefRules } from "../domain/task-ref-rules";
import { providerModule } from "../providers/modules";

export { HOSTNAME_PATTERN } from "../domain/task-ref-rules";

/** Longest window a connection may span; it is split into the provider's own maximum span upstream. */
export const MAX_TOTAL_WINDOW_DAYS = 366;

interface SiteHolder {
  provider?: unknown;
  site?: string | null;
  after?: string | null;
}

/** Whether the provider's lookups and lists need a site: a capability of the provider, not a list here. */
export function siteRequiredFor(provider: ProviderKind): boolean {
  return providerModule(provider).capabilities.siteRequired;
}

/** The rules decodeGlobalId holds a decoded ref to: the typed arguments' own (see task-ref-rules.ts). */
export function taskRefRules(now: Date): TaskRefRules {
  return { now, siteRequired: siteRequiredFor };
}

/** `site`: required where the provider needs it (a capability of the provider, not a list here), and a hostname. */
@ValidatorConstraint({ name: "siteForProvider" })
export class SiteForProviderConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const o = args.object as SiteHolder;
    if (value === null || value === undefined) {
      return !(isProviderKind(o.provider) && siteRequiredFor(o.provider));
    }
    return typeof value === "string" && isHostname(value);
  }

  defaultMessage(args: ValidationArguments): string {
    const o = args.object as SiteHolder;
    return args.value === null || args.value === undefined
      ? `site is required for ${String(o.provider)}`
      : "site must be a hostname such as www.example.com (no scheme, port or path)";
  }
}

interface WindowHolder {
  startTime?: Date | null;
  endTime?: Date | null;
}

/** startTime <= endTime (endTime defaults to now), and the window no longer than MAX_TOTAL_WINDOW_DAYS. */
@ValidatorConstraint({ name: "timeWindow" })
export class TimeWindowConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (!(value instanceof Date)) return true;
    const end = (args.object as WindowHolder).endTime ?? new Date();
    return (
      value.getTime() <= end.getTime() &&
      end.getTime() - value.getTime() <= MAX_TOTAL_WINDOW_DAYS * 86_400_000
    );
  }

  defaultMessage(args: ValidationArguments): string {
    const o = args.object as WindowHolder;
    const end = o.endTime ?? new Date();
    return o.startTime instanceof Date && o.startTime.getTime() > end.getTime()
      ? `startTime must not be after ${o.endTime ? "endTime" : "now (the default endTime)"}`
      : `the window from startTime to endTime must not exceed ${MAX_TOTAL_WINDOW_DAYS} days`;
  }
}
