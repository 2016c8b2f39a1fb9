/** BoundedMap (src/filter/bounded-map.ts): the filter's parsed-key cache never grows past its bound. */
import { describe, expect, it } from "@jest/globals";
import { BoundedMap } from "../../src/filter/bounded-map.js";

describe("BoundedMap", () => {
  it("drops the oldest key when a new one would pass the bound", () => {
    const m = new BoundedMap<string, number>(3);
    for (const [k, v] of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
    ] as const)
      m.set(k, v);
    expect([...m.keys()]).toEqual(["b", "c", "d"]);
    m.set("c", 30); // an existing key: nothing is dropped
    expect([...m.entries()]).toEqual([
      ["b", 2],
      ["c", 30],
      ["d", 4],
    ]);
    for (let i = 0; i < 1000; i++) m.set(`k${i}`, i);
    expect(m.size).toBe(3);
    expect(m.get("k999")).toBe(999);
  });
});
