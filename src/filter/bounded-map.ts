/**
 * A Map that keeps at most `max` entries: adding a new key to a full map first drops the oldest
 * one (Map keeps insertion order). The verifier's parsed-key cache in a long-running filter is
 * one, so that mail from ever more domains cannot grow it without end.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (!this.has(key) && this.size >= this.max) {
      this.delete(this.keys().next().value as K);
    }
    return super.set(key, value);
  }
}
