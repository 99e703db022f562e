/** Reading what a provider stored in state, typed, with an actionable error when it does not fit. */
import type { z } from "zod";

/** Reads stored outputs; state written by this provider always parses, so a failure is a real bug. */
export function readState<T>(schema: z.ZodType<T>, props: unknown, resource: string): T {
  const parsed = schema.safeParse(props);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${resource}: its state is not what this provider wrote (${issue.path.join(".")}: ${issue.message}). ` +
        "If the package was upgraded, run `pulumi up` with the new version before `destroy`.",
    );
  }
  return parsed.data;
}
