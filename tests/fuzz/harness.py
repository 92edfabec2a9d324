"""Send one fuzz case through POST /api/studies/ and check what the issue asks of every answer."""

import io
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import pydicom
from django.core.cache import cache

from studies import storage
from studies.dicomio import find_identifying
from studies.models import Image, Study, Subject
from tests.studies.uploads import bytes_upload

from .mutators import Case

MIB = 1024 * 1024


@dataclass
class Answer:
    case: Case
    status: int
    body: dict | None
    seconds: float
    peak_bytes: int
    problems: list[str] = field(default_factory=list)


def send(client, case: Case) -> Answer:
    """Upload one case, timing it and measuring the peak of Python-tracked memory (numpy included)."""
    cache.clear()  # the upload throttle counts in the cache; the fuzzer is one user sending hundreds of files
    baseline, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    client.raise_request_exception = False  # a crash is a finding to record, not the end of the run
    started = time.monotonic()
    response = client.post("/api/studies/", {"files": [bytes_upload(case.name, case.data)]}, format="multipart")
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    try:
        body = response.json()
    except ValueError:
        body = None
    answer = Answer(case, response.status_code, body, seconds, max(0, peak - baseline))
    if getattr(response, "exc_info", None):
        answer.problems.append(f"raised {response.exc_info[1]!r}")
    return answer


def check_answer(answer: Answer) -> None:
    """Never a 5xx; every rejected file names a 4xx status, a code and a reason."""
    if answer.status >= 500:
        answer.problems.append(f"HTTP {answer.status}")
    results = (answer.body or {}).get("results")
    if not results:
        answer.problems.append(f"HTTP {answer.status} without per-file results: {answer.body!r:.300}")
        return
    for result in results:
        if result["status"] == "rejected":
            if not 400 <= result["http_status"] < 500:
                answer.problems.append(f"rejected with http_status {result['http_status']}: {result['reason']}")
            if not (result.get("code") and result.get("reason")):
                answer.problems.append(f"rejected without a code or reason: {result!r}")
    if all(result["status"] == "rejected" for result in results) and not 400 <= answer.status < 500:
        answer.problems.append(f"every file rejected but the request answered {answer.status}")


def check_storage(answer: Answer, media_root: Path) -> None:
    """Exactly the stored outcomes are rows (the archive starts empty); every file on disk belongs to a row;
    every stored file reads back and is de-identified."""
    results = (answer.body or {}).get("results") or []
    stored = {r["image_id"] for r in results if r["status"] == "stored"}
    images = set(Image.objects.values_list("id", flat=True))
    if images != stored:
        answer.problems.append(f"Image rows {sorted(images)} != stored {sorted(stored)}")
    orphans = files_on_disk(media_root) - files_of_images()
    if orphans:
        answer.problems.append(f"files on disk that no Image row holds: {sorted(orphans)[:5]}")
    for image in Image.objects.filter(pk__in=stored):
        answer.problems += stored_image_problems(image)


def files_on_disk(media_root: Path) -> set[str]:
    if not media_root.exists():
        return set()
    return {str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()}


def files_of_images() -> set[str]:
    paths = Image.objects.values_list("dicom_path", "hu_path", "thumbnail_path")
    return {path for row in paths for path in row if path}


def stored_image_problems(image: Image) -> list[str]:
    content = storage.read_bytes(image.dicom_path)
    problems = [f"stored image {image.pk} identifies: {p}" for p in find_identifying(content)]
    try:
        ds = pydicom.dcmread(io.BytesIO(storage.read_bytes(image.dicom_path)))
        hu = storage.hu_load(image.hu_path)
    except Exception as error:  # noqa: BLE001 - any failure to read back is the finding
        return [*problems, f"stored image {image.pk} cannot be read back: {error!r}"]
    if hu.shape != (image.rows, image.columns) or (int(ds.Rows), int(ds.Columns)) != hu.shape:
        problems.append(f"stored image {image.pk}: HU {hu.shape}, row {image.rows}x{image.columns}")
    return problems


def forget_stored(media_root: Path) -> None:
    """Drop what the last case stored, so the next variant of the same slice is stored (and de-identified)
    afresh instead of being answered as a duplicate of its unmutated SOP instance."""
    for relative in files_of_images():
        storage.remove_quietly(relative)
    Study.objects.all().delete()  # cascades to series and images
    Subject.objects.all().delete()
