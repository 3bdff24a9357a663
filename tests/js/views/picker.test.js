import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { pickerEntries, pickerTitle } from "../../../js/views/picker.js";

const SHIPPED = [
  { name: "cnn", label: "CNN", title: "a small convolutional network (the default)" },
  { name: "mlp", label: "MLP", title: "the original design's 784-128-256-10 dense network" },
];

describe("pickerEntries", () => {
  test("lists Python's models as they came", () => {
    assert.deepEqual(pickerEntries(SHIPPED, "cnn"), SHIPPED);
  });

  test("a custom model is listed after the shipped ones", () => {
    const custom = { name: "custom", label: "Custom", title: "mine.keras" };
    assert.deepEqual(pickerEntries([...SHIPPED, custom], "custom").at(-1), custom);
  });

  test("the model in use is shown even when the list lacks it", () => {
    const entries = pickerEntries(SHIPPED, "custom");
    assert.deepEqual(entries.at(-1), { name: "custom", label: "custom", title: "" });
    assert.equal(entries.length, 3);
  });

  test("malformed entries are skipped, missing labels fall back to the name", () => {
    const models = [null, 3, { label: "no name" }, { name: "" }, { name: "mlp" }, { name: "mlp", label: "again" }];
    assert.deepEqual(pickerEntries(models, "mlp"), [{ name: "mlp", label: "mlp", title: "" }]);
  });

  test("nothing usable yet: an empty list, or just the model in use", () => {
    assert.deepEqual(pickerEntries(undefined, undefined), []);
    assert.deepEqual(pickerEntries("cnn", "cnn"), [{ name: "cnn", label: "cnn", title: "" }]);
  });
});

describe("pickerTitle", () => {
  test("names the model in use and what it is", () => {
    assert.equal(pickerTitle(SHIPPED, "cnn"), "Model: CNN, a small convolutional network (the default)");
  });

  test("without a description, the label alone; unknown, just Model", () => {
    assert.equal(pickerTitle([{ name: "x", label: "X", title: "" }], "x"), "Model: X");
    assert.equal(pickerTitle(SHIPPED, "gone"), "Model");
  });
});
