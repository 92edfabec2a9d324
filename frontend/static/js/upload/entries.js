// Turns what the user dropped or picked into a flat list of { file, path }: folders are walked
// recursively (DataTransferItem.webkitGetAsEntry), plain files and zips are kept as they are
// (the server opens zips). No DOM beyond the entry objects handed in, so it runs under node --test.

/** Operating-system clutter that is never CT: hidden files, Thumbs.db, desktop.ini, DICOMDIR indexes. */
export function isSystemFile(path) {
  const name = path.split("/").pop() ?? "";
  return name.startsWith(".") || /^(thumbs\.db|desktop\.ini|dicomdir)$/i.test(name);
}

export function isZip(file, path = file.name) {
  return /\.zip$/i.test(path) || file.type === "application/zip" || file.type === "application/x-zip-compressed";
}

const fileOf = (entry) => new Promise((resolve, reject) => entry.file(resolve, reject));

// readEntries answers in chunks (100 in Chromium) and must be called until it returns nothing.
async function readAllEntries(directory) {
  const reader = directory.createReader();
  const all = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** All files under a FileSystemEntry, depth first, in name order, with paths relative to the drop. */
export async function walkEntry(entry) {
  const path = (entry.fullPath ?? entry.name).replace(/^\//, "");
  if (entry.isFile) return [{ file: await fileOf(entry), path }];
  if (!entry.isDirectory) return [];
  const children = (await readAllEntries(entry)).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  const nested = [];
  for (const child of children) nested.push(...(await walkEntry(child)));
  return nested;
}

/**
 * Files from a drop. Entries are taken synchronously, before any await: the browser empties
 * DataTransfer once the drop handler returns.
 */
export async function filesFromDataTransfer(dataTransfer) {
  const items = Array.from(dataTransfer.items ?? []).filter((item) => item.kind === "file");
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((entry) => entry === null)) {
    // No entry API (or a non-file item): fall back to the flat file list; folders are then not walked.
    return filesFromList(dataTransfer.files);
  }
  const nested = [];
  for (const entry of entries) nested.push(...(await walkEntry(entry)));
  return nested;
}

/** Files from an <input type=file>, with the folder-relative path when it was a folder picker. */
export function filesFromList(fileList) {
  return Array.from(fileList ?? []).map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}
