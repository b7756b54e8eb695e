import {
  ValidatorConstraint,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from "class-validator";
import { isProviderKind } from "../domain/provider-kind";
import { providerModule } from "../providers/modules";

/** A DNS hostname: letters, digits, hyphens and dots, at most 253 characters, no scheme or path. */
export const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;

/** Longest window a connection may span; it is split into the provider's own maximum span upstream. */
export const MAX_TOTAL_WINDOW_DAYS = 366;

interface SiteHolder {
  provider?: unknown;
  site?: string | null;
  after?: string | null;
}

/** `site`: required where the provider needs it (a capability of the provider, not a list here), and a hostname. */
@ValidatorConstraint({ name: "siteForProvider" })
export class SiteForProviderConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const o = args.object as SiteHolder;
    if (value === null || value === undefined) {
      return !(isProviderKind(o.provider) && providerModule(o.provider).capabilities.siteRequired);
    }
    return typeof value === "string" && HOSTNAME_PATTERN.test(value);
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
