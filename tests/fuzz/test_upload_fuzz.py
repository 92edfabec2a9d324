"""Hundreds of mutated DICOM files and zips through the real upload endpoint, as a clinician.

Each answer must be a 4xx with a reason (or a clean store), within a time bound, with bounded memory, and
leave nothing partial on disk or in the database. Seeded: a failure names the case, and FUZZ_SEED plus the
index rebuild it. FUZZ_CASES (default 500) sets how many; failing inputs are saved for tests/fuzz/cases/.
"""

import json
import os
import tracemalloc
from pathlib import Path

import pytest

from studies.models import Image
from tests.studies.uploads import bytes_upload

from .harness import MIB, Answer, check_answer, check_storage, forget_stored, send
from .mutators import Case, make_case
from .seeds import load_seeds

FUZZ_CASES = int(os.environ.get("FUZZ_CASES", "500"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261130"))
MAX_SECONDS = float(os.environ.get("FUZZ_MAX_SECONDS", "10"))
MAX_PEAK_MB = float(os.environ.get("FUZZ_MAX_PEAK_MB", "300"))
CASES_DIR = Path(__file__).parent / "cases"
# pydicom warns about every odd value it meets; on mutated files that is thousands of lines of noise.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


@pytest.fixture
def traced():
    tracemalloc.start()
    yield
    tracemalloc.stop()


@pytest.mark.slow
def test_every_mutated_upload_is_refused_with_a_reason_or_stored_clean(
    client_for, ct_dir, media_root, traced, tmp_path
):
    seeds = load_seeds(ct_dir)
    client = client_for("clinician")
    answers = []
    for index in range(FUZZ_CASES):
        answer = send(client, make_case(seeds, FUZZ_SEED, index))
        check_answer(answer)
        check_storage(answer, media_root)
        _check_bounds(answer)
        answers.append(answer)
        forget_stored(media_root)
    figures = _figures(answers)
    print(json.dumps(figures, indent=2))
    if path := os.environ.get("FUZZ_REPORT"):
        Path(path).write_text(json.dumps(figures, indent=2))
    failed = [a for a in answers if a.problems]
    saved = _save_failures(failed, Path(os.environ.get("FUZZ_FAILURES_DIR", tmp_path / "failures")))
    assert not failed, _failure_message(failed, saved)


def _check_bounds(answer: Answer) -> None:
    if answer.seconds > MAX_SECONDS:
        answer.problems.append(f"took {answer.seconds:.1f} s, more than {MAX_SECONDS} s")
    if answer.peak_bytes > MAX_PEAK_MB * MIB:
        answer.problems.append(f"peak memory {answer.peak_bytes / MIB:.0f} MB, more than {MAX_PEAK_MB} MB")


def _figures(answers: list[Answer]) -> dict:
    slowest = max(answers, key=lambda a: a.seconds)
    hungriest = max(answers, key=lambda a: a.peak_bytes)
    outcomes: dict[str, int] = {}
    codes: dict[str, int] = {}
    for answer in answers:
        for result in (answer.body or {}).get("results") or []:
            outcomes[result["status"]] = outcomes.get(result["status"], 0) + 1
            if result.get("code"):
                codes[result["code"]] = codes.get(result["code"], 0) + 1
    return {
        "seed": FUZZ_SEED,
        "cases": len(answers),
        "zips": sum(a.case.name.endswith(".zip") for a in answers),
        "failures": sum(bool(a.problems) for a in answers),
        "http_5xx": sum(a.status >= 500 for a in answers),
        "slowest_s": round(slowest.seconds, 3),
        "slowest_case": f"{slowest.case.name} {slowest.case.recipe}",
        "peak_memory_mb": round(hungriest.peak_bytes / MIB, 1),
        "peak_memory_case": f"{hungriest.case.name} {hungriest.case.recipe}",
        "outcomes": dict(sorted(outcomes.items())),
        "rejection_codes": dict(sorted(codes.items())),
    }


def _save_failures(failed: list[Answer], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for answer in failed:
        path = folder / answer.case.name
        path.write_bytes(answer.case.data)
        saved.append(path)
    return saved


def _failure_message(failed: list[Answer], saved: list[Path]) -> str:
    lines = [f"{len(failed)} of the fuzz cases failed (seed {FUZZ_SEED}); inputs saved in {saved[0].parent}:"]
    for answer in failed[:25]:
        lines.append(f"- {answer.case.name} [{answer.case.recipe}] HTTP {answer.status}: {answer.problems}")
    return "\n".join(lines)


# ---- regressions: every input the fuzzer once broke the endpoint with ---------------------------------


def saved_cases() -> list[Path]:
    return sorted(p for p in CASES_DIR.glob("*") if p.is_file() and p.name != "README.md")


@pytest.mark.parametrize("path", saved_cases(), ids=lambda p: p.name)
def test_a_saved_crash_case_answers_without_5xx_and_stores_nothing_partial(client_for, media_root, path, traced):
    case = Case(path.name, path.read_bytes(), "saved regression case")
    answer = send(client_for("clinician"), case)
    check_answer(answer)
    check_storage(answer, media_root)
    _check_bounds(answer)
    assert not answer.problems, answer.problems
    assert Image.objects.count() == sum(r["status"] == "stored" for r in answer.body["results"])


def test_the_fuzzer_rebuilds_the_same_case_from_its_seed_and_index(ct_dir):
    seeds = load_seeds(ct_dir)
    assert make_case(seeds, 7, 3) == make_case(seeds, 7, 3)
    assert bytes_upload("x", make_case(seeds, 7, 4).data).size > 0
