import { test } from "node:test";
import assert from "node:assert/strict";
import { DONE, FAILED, PROCESSING, SENT_SHARE, SKIPPED, UploadQueue, itemOutcome, makeItem, overallProgress, reasonSentence, resultsFromResponse, studiesOf, tally } from "../../static/js/upload/queue.js";

const file = (name, size = 100, type = "") => ({ name, size, type });
const stored = (name, studyId = 1, extra = {}) => ({ file: name, status: "stored", http_status: 201, code: null, reason: null, study_id: studyId, image_id: 10, device: "GE LightSpeed Ultra", ...extra });
const rejected = (name, reason = "Not a DICOM file") => ({ file: name, status: "rejected", http_status: 400, code: "not_dicom", reason, study_id: null, image_id: null, device: null });

test("each result in an answer becomes one outcome, zip members included", () => {
  const body = { results: [stored("a.zip/x/1.dcm"), rejected("a.zip/x/notes.txt")], stored: 1, duplicates: 0, rejected: 1 };
  const results = resultsFromResponse(207, body, "a.zip");
  assert.deepEqual(results.map((r) => [r.file, r.status, r.studyId]), [["a.zip/x/1.dcm", "stored", 1], ["a.zip/x/notes.txt", "rejected", null]]);
  assert.equal(results[1].reason, "Not a DICOM file");
});

test("an answer without results (a proxy's 413 page) rejects the whole file with the HTTP status", () => {
  const [result] = resultsFromResponse(413, "<html>Request Entity Too Large</html>", "big.dcm");
  assert.equal(result.status, "rejected");
  assert.equal(result.file, "big.dcm");
  assert.match(result.reason, /413/);
});

test("a DRF error body gives its detail as the reason", () => {
  const [result] = resultsFromResponse(403, { detail: "Uploading CT needs the clinician role." }, "a.dcm");
  assert.equal(result.reason, "Uploading CT needs the clinician role.");
});

test("an unknown result status counts as rejected, never as stored", () => {
  const [result] = resultsFromResponse(200, { results: [{ file: "a.dcm", status: "weird" }] }, "a.dcm");
  assert.equal(result.status, "rejected");
  assert.ok(result.reason);
});

test("system clutter and oversized files are skipped before sending; zips are left to the server", () => {
  assert.equal(makeItem({ file: file(".DS_Store"), path: "scan/.DS_Store" }).state, SKIPPED);
  assert.equal(makeItem({ file: file("DICOMDIR"), path: "cd/DICOMDIR" }).state, SKIPPED);
  const big = makeItem({ file: file("big.dcm", 70 * 1048576), path: "big.dcm" }, { maxBytes: 64 * 1048576 });
  assert.equal(big.state, SKIPPED);
  assert.match(big.error, /64 MB/);
  const zip = makeItem({ file: file("series.zip", 70 * 1048576), path: "series.zip" }, { maxBytes: 64 * 1048576 });
  assert.equal(zip.state, "queued");
  assert.ok(zip.zip);
});

test("the tally counts results, failures, skips and files still in flight", () => {
  const items = [
    { state: DONE, results: [{ status: "stored" }, { status: "stored" }, { status: "rejected" }] },
    { state: DONE, results: [{ status: "duplicate" }] },
    { state: FAILED, results: [] },
    { state: SKIPPED, results: [] },
    { state: "uploading", results: [] },
  ];
  assert.deepEqual(tally(items), { files: 5, stored: 2, duplicates: 1, rejected: 1, failed: 1, skipped: 1, pending: 1, finished: 4 });
});

test("studies are listed once each with their new and duplicate images", () => {
  const items = [
    { results: resultsFromResponse(201, { results: [stored("1.dcm", 4), stored("2.dcm", 4)] }, "x") },
    { results: resultsFromResponse(200, { results: [{ ...stored("3.dcm", 4), status: "duplicate" }] }, "x") },
    { results: resultsFromResponse(400, { results: [rejected("n.txt")] }, "x") },
  ];
  assert.deepEqual(studiesOf(items), [{ id: 4, device: "GE LightSpeed Ultra", stored: 2, duplicates: 1 }]);
});

test("overall progress weighs files by size and counts answered files as whole", () => {
  const items = [
    { state: DONE, size: 300, loaded: 0 },
    { state: "uploading", size: 100, loaded: 50 },
    { state: "queued", size: 100, loaded: 0 },
    { state: SKIPPED, size: 1e9, loaded: 0 },
  ];
  assert.equal(overallProgress(items), (300 + 50 * SENT_SHARE) / 500);
  assert.equal(overallProgress([]), 1);
});

test("overall progress reaches 100 % only when every file has its outcome, not when its bytes are sent", () => {
  const sent = [
    { state: DONE, size: 300, loaded: 300 },
    { state: PROCESSING, size: 100, loaded: 100 }, // every byte sent, the server still checking it
  ];
  assert.ok(overallProgress(sent) < 1);
  assert.equal(Math.round(overallProgress(sent) * 100) < 100, true, "not even rounded up to 100 %");
  assert.equal(overallProgress([sent[0], { ...sent[1], state: DONE }]), 1);
  assert.equal(overallProgress([sent[0], { ...sent[1], state: FAILED }]), 1, "a failure is an outcome too");
  assert.ok(overallProgress([{ state: PROCESSING, size: 0, loaded: 0 }]) < 1, "an empty file waits for its outcome too");
});

test("a row's outcome is its state in flight, then its results' status", () => {
  assert.equal(itemOutcome({ state: "uploading", results: [] }), "uploading");
  assert.equal(itemOutcome({ state: DONE, results: [{ status: "stored" }] }), "stored");
  assert.equal(itemOutcome({ state: DONE, results: [{ status: "stored" }, { status: "duplicate" }] }), "stored");
  assert.equal(itemOutcome({ state: DONE, results: [{ status: "stored" }, { status: "rejected" }] }), "partly rejected");
});

function deferredSender() {
  const pending = [];
  const send = (item, onProgress) =>
    new Promise((resolve, reject) => pending.push({ item, onProgress, resolve, reject }));
  return { pending, send };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("the queue sends one file per request, two at a time, and records each outcome", async () => {
  const { pending, send } = deferredSender();
  const queue = new UploadQueue({ send });
  queue.add(["01.dcm", "02.dcm", "03.dcm", "notes.txt"].map((name) => ({ file: file(name), path: name })));
  await tick();
  assert.equal(pending.length, 2, "two requests in flight");
  pending[0].onProgress(40);
  assert.equal(queue.items[0].loaded, 40);
  pending[0].onProgress(100);
  assert.equal(queue.items[0].state, "processing");
  pending[0].resolve({ status: 201, body: { results: [stored("01.dcm")] } });
  await tick();
  assert.equal(pending.length, 3, "the next file starts when one finishes");
  pending[1].resolve({ status: 201, body: { results: [stored("02.dcm")] } });
  await tick();
  pending[2].resolve({ status: 201, body: { results: [stored("03.dcm")] } });
  pending[3].resolve({ status: 400, body: { results: [rejected("notes.txt")] } });
  const items = await queue.whenIdle();
  const counts = tally(items);
  assert.equal(counts.stored, 3);
  assert.equal(counts.rejected, 1);
  assert.equal(counts.pending, 0);
  assert.equal(items[3].results[0].reason, "Not a DICOM file");
});

test("a network failure or a server error page fails that file and the queue goes on", async () => {
  const answers = [
    () => Promise.reject(new Error("Network error: the upload did not reach the server")),
    () => Promise.resolve({ status: 502, body: "<html>Bad gateway</html>" }),
    () => Promise.resolve({ status: 201, body: { results: [stored("c.dcm")] } }),
  ];
  const queue = new UploadQueue({ send: () => answers.shift()(), concurrency: 1 });
  queue.add(["a.dcm", "b.dcm", "c.dcm"].map((name) => ({ file: file(name), path: name })));
  const items = await queue.whenIdle();
  assert.deepEqual(items.map((item) => item.state), [FAILED, FAILED, DONE]);
  assert.match(items[0].error, /Network error/);
  assert.match(items[1].error, /502/);
});

test("skipped files are never sent", async () => {
  const sent = [];
  const queue = new UploadQueue({ send: async (item) => (sent.push(item.name), { status: 201, body: { results: [stored(item.name)] } }) });
  queue.add([{ file: file(".DS_Store"), path: "d/.DS_Store" }, { file: file("1.dcm"), path: "d/1.dcm" }]);
  await queue.whenIdle();
  assert.deepEqual(sent, ["d/1.dcm"]);
});

test("every change is reported so the page can redraw", async () => {
  let changes = 0;
  const queue = new UploadQueue({ send: async () => ({ status: 201, body: { results: [stored("a")] } }), onChange: () => changes++ });
  queue.add([{ file: file("a.dcm"), path: "a.dcm" }]);
  await queue.whenIdle();
  assert.ok(changes >= 3, `only ${changes} changes`);
});

test("an ingest reason reads as a sentence after the file's name; whole sentences stay as they are", () => {
  assert.equal(reasonSentence("a.zip/x/notes.txt", "is not a DICOM file (it looks like a text file)"), "notes.txt is not a DICOM file (it looks like a text file)");
  assert.equal(reasonSentence("a.dcm", "Uploading CT needs the clinician role."), "Uploading CT needs the clinician role.");
  assert.equal(reasonSentence("a.dcm", null), "Rejected");
});
