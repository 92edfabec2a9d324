import { test } from "node:test";
import assert from "node:assert/strict";
import { filesFromDataTransfer, filesFromList, isSystemFile, isZip, walkEntry } from "../../static/js/upload/entries.js";

// Minimal stand-ins for FileSystemFileEntry / FileSystemDirectoryEntry.
function fileEntry(fullPath) {
  const name = fullPath.split("/").pop();
  return { isFile: true, isDirectory: false, name, fullPath, file: (resolve) => resolve({ name, size: 1, type: "" }) };
}

function dirEntry(fullPath, children, chunk = 2) {
  return {
    isFile: false,
    isDirectory: true,
    name: fullPath.split("/").pop(),
    fullPath,
    createReader() {
      let offset = 0;
      // Answers in chunks, like Chromium (100 at a time), then an empty batch.
      return { readEntries: (resolve) => setTimeout(() => resolve(children.slice(offset, (offset += chunk)))) };
    },
  };
}

test("a dropped folder is walked recursively, every chunk read, in natural name order", async () => {
  const tree = dirEntry("/scan", [
    fileEntry("/scan/10.dcm"),
    fileEntry("/scan/2.dcm"),
    dirEntry("/scan/sub", [fileEntry("/scan/sub/a.dcm")]),
    fileEntry("/scan/1.dcm"),
    fileEntry("/scan/3.dcm"),
  ]);
  const files = await walkEntry(tree);
  assert.deepEqual(files.map((f) => f.path), ["scan/1.dcm", "scan/2.dcm", "scan/3.dcm", "scan/10.dcm", "scan/sub/a.dcm"]);
});

test("dropped files, folders and zips are all collected, entries taken before any await", async () => {
  let itemsReadable = true;
  const items = [fileEntry("/a.dcm"), dirEntry("/d", [fileEntry("/d/b.dcm")]), fileEntry("/series.zip")].map((entry) => ({
    kind: "file",
    webkitGetAsEntry: () => (itemsReadable ? entry : null),
  }));
  const pending = filesFromDataTransfer({ items, files: [] });
  itemsReadable = false; // the browser empties DataTransfer once the drop handler returns
  const files = await pending;
  assert.deepEqual(files.map((f) => f.path), ["a.dcm", "d/b.dcm", "series.zip"]);
});

test("without the entry API a drop falls back to its flat file list", async () => {
  const files = await filesFromDataTransfer({ items: [{ kind: "file" }], files: [{ name: "x.dcm", webkitRelativePath: "" }] });
  assert.deepEqual(files.map((f) => f.path), ["x.dcm"]);
});

test("a folder picker's files keep their relative paths", () => {
  const files = filesFromList([{ name: "1.dcm", webkitRelativePath: "ct/1.dcm" }, { name: "2.dcm", webkitRelativePath: "" }]);
  assert.deepEqual(files.map((f) => f.path), ["ct/1.dcm", "2.dcm"]);
});

test("zips are recognised by name or type, system files by name", () => {
  assert.ok(isZip({ name: "A.ZIP", type: "" }));
  assert.ok(isZip({ name: "download", type: "application/zip" }));
  assert.ok(!isZip({ name: "1.dcm", type: "" }));
  assert.ok(isSystemFile("x/.DS_Store") && isSystemFile("Thumbs.db") && isSystemFile("cd/DICOMDIR"));
  assert.ok(!isSystemFile("x/IM00001") && !isSystemFile("x/1.dcm"));
});
