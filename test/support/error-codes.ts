import { AppError } from "../../src/errors/app-error";

/** The AppError code `run` throws; "not an AppError: …" for anything else; undefined where it returns. */
export function codeThrownBy(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}

/** The AppError code `promise` rejects with; the error's text for anything else; "resolved" where it resolves. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
  return "resolved";
}
