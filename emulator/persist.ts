/**
 * Durable state: `<dataDir>/state.json`, replaced atomically (temp file, fsync, rename, fsync of the
 * directory) before an answer is sent, so a crash or restart never loses anything a client was told
 * succeeded, and a reader never sees half a file.
 */
import { randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { StateSnapshot } from "./state";

export const STATE_FILE = "state.json";

export async function saveState(dataDir: string, snapshot: StateSnapshot): Promise<void> {
  const target = join(dataDir, STATE_FILE);
  const temp = join(dataDir, `.${STATE_FILE}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const file = await open(temp, "wx");
    try {
      await file.writeFile(JSON.stringify(snapshot));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dataDir);
}

/** Makes the rename itself durable; some platforms cannot open a directory, which is harmless there. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort (e.g. Windows): the rename is still atomic.
  }
}

/** Temp files of {@link saveState}: only a process killed between writing and renaming leaves one. */
const TEMPORARY = /^\.state\.json\.[0-9a-f]+\.tmp$/;

/**
 * The saved snapshot, or undefined when there is none yet. Throws on an unreadable file. Removes the
 * half-written temp files a killed process left (never read: state.json is replaced only by rename).
 */
export async function loadState(dataDir: string): Promise<unknown> {
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (TEMPORARY.test(name)) await rm(join(dataDir, name), { force: true });
  }
  let text: string;
  try {
    text = await readFile(join(dataDir, STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as unknown;
}
