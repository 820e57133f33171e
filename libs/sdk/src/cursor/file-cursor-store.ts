import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Signal } from "@breakwater/proto";
import type { MarketControlsJson } from "../market-controls.js";
import {
  type ApplyOutcome,
  type CursorPosition,
  type CursorRecord,
  type CursorStore,
  decodeStoredSignal,
  EMPTY_CURSOR,
  encodeStoredSignal,
  type PendingAck,
} from "./cursor-store.js";
import { CursorStoreError } from "./errors.js";

/** What an effect run against the file store sees: the venue's own state, kept in the same file. */
export interface FileStoreTx<S> {
  state: S;
}

interface FileContents<S> {
  readonly version: 1;
  readonly venueId: string;
  readonly position: { covered: number; lastInScope: number | null };
  readonly inbox: string[];
  readonly pendingAcks: PendingAck[];
  readonly controls: MarketControlsJson | null;
  readonly state: S;
}

export interface FileCursorStoreOptions<S> {
  /** The file; its folder is created if missing. */
  readonly path: string;
  readonly venueId: string;
  /** The venue's state before any signal, when the file does not exist yet. */
  readonly initialState: S;
}

/**
 * A cursor store in one JSON file, rewritten whole on every change: written
 * to a temporary file, fsynced, renamed over the old one and the folder
 * fsynced, so a crash leaves either the old or the new file, never a torn one.
 * The venue's own state (any JSON value) lives in the same file, so an effect
 * that changes it commits together with the cursor. One process per file.
 */
export class FileCursorStore<S = unknown> implements CursorStore<FileStoreTx<S>> {
  private contents: FileContents<S> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private writes = 0;

  constructor(private readonly opts: FileCursorStoreOptions<S>) {}

  /** The venue's state as last committed. */
  get state(): S {
    return this.loaded().state;
  }

  async load(): Promise<CursorRecord> {
    const contents = await this.read();
    this.contents = contents;
    return {
      position: {
        covered: contents.position.covered,
        lastInScope: contents.position.lastInScope ?? undefined,
      },
      inbox: contents.inbox.map((b64) => decodeStoredSignal(Buffer.from(b64, "base64"))),
      pendingAcks: contents.pendingAcks,
      controls: contents.controls ?? undefined,
    };
  }

  receive(signal: Signal, position: CursorPosition): Promise<void> {
    return this.commit((c) => ({
      ...c,
      position: positionJson(position),
      inbox: [...c.inbox, Buffer.from(encodeStoredSignal(signal)).toString("base64")],
    }));
  }

  advance(position: CursorPosition): Promise<void> {
    return this.commit((c) =>
      position.covered > c.position.covered ? { ...c, position: positionJson(position) } : c,
    );
  }

  async apply(
    sequence: number,
    outcome: ApplyOutcome,
    controls: MarketControlsJson,
    effect: ((tx: FileStoreTx<S>) => Promise<void> | void) | undefined,
    detail?: string,
  ): Promise<boolean> {
    let applied = false;
    await this.commit(async (c) => {
      const at = c.inbox.findIndex(
        (b64) => decodeStoredSignal(Buffer.from(b64, "base64")).sequence === sequence,
      );
      if (at < 0) return c;
      // The effect works on a copy: if it throws, the committed state is untouched.
      const tx: FileStoreTx<S> = { state: structuredClone(c.state) };
      await effect?.(tx);
      applied = true;
      const ack: PendingAck = detail === undefined ? { sequence, outcome } : { sequence, outcome, detail };
      return {
        ...c,
        inbox: c.inbox.filter((_, i) => i !== at),
        pendingAcks: [...c.pendingAcks, ack],
        controls,
        state: tx.state,
      };
    });
    return applied;
  }

  acked(sequences: readonly number[]): Promise<void> {
    const done = new Set(sequences);
    return this.commit((c) =>
      c.pendingAcks.some((a) => done.has(a.sequence))
        ? { ...c, pendingAcks: c.pendingAcks.filter((a) => !done.has(a.sequence)) }
        : c,
    );
  }

  async close(): Promise<void> {
    await this.writing;
  }

  /** Changes the contents and writes them durably; changes are applied one at a time. */
  private commit(change: (c: FileContents<S>) => FileContents<S> | Promise<FileContents<S>>): Promise<void> {
    const next = this.writing.then(async () => {
      const before = this.loaded();
      const after = await change(before);
      if (after === before) return;
      await this.write(after);
      this.contents = after;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }

  private loaded(): FileContents<S> {
    if (!this.contents)
      throw new CursorStoreError(this.opts.path, "the store was not loaded (call load first)");
    return this.contents;
  }

  private async read(): Promise<FileContents<S>> {
    let text: string;
    try {
      text = await readFile(this.opts.path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT")
        throw new CursorStoreError(this.opts.path, "cannot read", err);
      return {
        version: 1,
        venueId: this.opts.venueId,
        position: positionJson(EMPTY_CURSOR.position),
        inbox: [],
        pendingAcks: [],
        controls: null,
        state: this.opts.initialState,
      };
    }
    let parsed: FileContents<S>;
    try {
      parsed = JSON.parse(text) as FileContents<S>;
    } catch (err) {
      throw new CursorStoreError(
        this.opts.path,
        "is not valid JSON (refusing to start from an unknown position)",
        err,
      );
    }
    if (
      parsed.version !== 1 ||
      !Number.isSafeInteger(parsed.position?.covered) ||
      !Array.isArray(parsed.inbox)
    )
      throw new CursorStoreError(this.opts.path, "is not a Breakwater cursor file (version 1)");
    if (parsed.venueId !== this.opts.venueId)
      throw new CursorStoreError(
        this.opts.path,
        `belongs to venue ${parsed.venueId}, not ${this.opts.venueId}`,
      );
    return parsed;
  }

  private async write(contents: FileContents<S>): Promise<void> {
    const dir = dirname(this.opts.path);
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.${process.pid}.${++this.writes}.tmp`);
    const file = await open(tmp, "w");
    try {
      await file.writeFile(JSON.stringify(contents));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.opts.path);
    const folder = await open(dir, "r");
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }
}

function positionJson(p: CursorPosition): { covered: number; lastInScope: number | null } {
  return { covered: p.covered, lastInScope: p.lastInScope ?? null };
}
