/** What makes a bucket registration (or its validation) a different one: another bucket or account. */
import { isUnknown } from "../check";
import { accountIdFor } from "../context";

export function registrationReplaces(
  news: Record<string, unknown>,
  old: { destinationConf: string; accountId: string },
): string[] {
  const replaces: string[] = [];
  if (isUnknown(news.destinationConf) || news.destinationConf !== old.destinationConf) {
    replaces.push("destinationConf");
  }
  // The account may come from config: compare the account the new inputs resolve to.
  if (isUnknown(news.accountId) || accountIdFor(news.accountId as string | undefined) !== old.accountId) {
    replaces.push("accountId");
  }
  return replaces;
}
