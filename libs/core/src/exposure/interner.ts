/**
 * Interns strings as dense integer ids (0, 1, 2, …), so hot loops index typed
 * arrays instead of hashing strings. Ids are never reused.
 *
 * @example
 * const assets = new Interner();
 * assets.idOf("ETH"); // 0
 * assets.nameOf(0);   // "ETH"
 */
export class Interner {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [];

  /** The id of `name`, assigning the next one when it is new. */
  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** The id of `name`, or -1 when it was never interned. */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  nameOf(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new RangeError(`no interned name has id ${id}`);
    return name;
  }

  get size(): number {
    return this.names.length;
  }

  /** Every name, in id order. */
  all(): readonly string[] {
    return this.names;
  }
}
