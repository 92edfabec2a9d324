"""Load: 50 simulated people against gunicorn + PostgreSQL + Redis + a Celery worker, with locust on loopback.

Labellers (each owns one image, so no save of theirs is ever stale) view pixels, save masks with If-Match
and list studies and annotations; researchers export a small cohort (CSV job) and poll it until done.
Each user waits 1-3 s between actions, as a person does; every loop is bounded (an export is polled at
most EXPORT_POLLS times). Any non-2xx answer, a save answered without an ETag, or an export that fails
or does not finish counts as an error.

Writes the "load" key of benchmarks/results/reliability.json (other keys are kept): p50/p95/p99 per
endpoint, errors, throughput, and a check that every successful save is a stored revision.
Usage: .venv/bin/python benchmarks/load.py [--duration 5m] [--users 50] [--web-workers 3]
This file is also the locustfile: locust imports it with MUSCLESEED_LOAD_PLAN naming the seeded users.
"""

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["MUSCLESEED_LOAD_PLAN"]).read_text()) if "MUSCLESEED_LOAD_PLAN" in os.environ else {}
EXPORT_POLLS = 40  # x 0.25 s: an export of a small cohort must be done within 10 s
_labeller_slots = itertools.count()
_researcher_slots = itertools.count()


class Labeller(HttpUser):
    wait_time = between(1, 3)
    weight = 9

    def on_start(self) -> None:
        me = PLAN["labellers"][next(_labeller_slots) % len(PLAN["labellers"])]
        self.client.headers["Authorization"] = f"Token {me['token']}"
        self.image_id = me["image_id"]
        self.masks = [bytes.fromhex(png) for png in PLAN["mask_pngs"][me["size"]]]
        self.etag = self.client.get(f"/api/images/{self.image_id}/annotation", name="/api/images/[id]/annotation")
        self.etag = self.etag.headers.get("ETag", "")

    @task(5)
    def view_pixels(self) -> None:
        self.client.get(f"/api/images/{self.image_id}/pixels", name="/api/images/[id]/pixels")

    @task(3)
    def save_mask(self) -> None:
        with self.client.put(
            f"/api/images/{self.image_id}/annotation/mask",
            data=random.choice(self.masks),
            headers={"Content-Type": "image/png", "If-Match": self.etag, "X-Active-Seconds": "2.5"},
            name="/api/images/[id]/annotation/mask",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.headers.get("ETag"):
                self.etag = response.headers["ETag"]
                response.success()
            else:
                response.failure(f"save answered {response.status_code}: {response.text[:200]}")

    @task(1)
    def list_studies(self) -> None:
        self.client.get("/api/studies/")

    @task(1)
    def list_annotations(self) -> None:
        self.client.get("/api/annotations/")


class Researcher(HttpUser):
    wait_time = between(1, 3)
    weight = 1

    def on_start(self) -> None:
        token = PLAN["researchers"][next(_researcher_slots) % len(PLAN["researchers"])]
        self.client.headers["Authorization"] = f"Token {token}"

    @task(3)
    def export_cohort(self) -> None:
        started = time.perf_counter()
        response = self.client.post("/api/exports/", json={"format": "csv", "filters": PLAN["export_filter"]})
        if response.status_code != 202:
            return
        export_id = response.json()["id"]
        for _ in range(EXPORT_POLLS):
            state = self.client.get(f"/api/exports/{export_id}/", name="/api/exports/[id]/").json().get("state")
            if state in {"succeeded", "failed", "cancelled"}:
                break
            time.sleep(0.25)
        self.environment.events.request.fire(
            request_type="JOB",
            name="export job: POST to finished",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None if state == "succeeded" else RuntimeError(f"export {export_id} ended {state}"),
            context={},
        )

    @task(1)
    def list_annotations(self) -> None:
        self.client.get("/api/annotations/")


@events.quitting.add_listener
def write_figures(environment, **_) -> None:
    """Final per-endpoint figures, after every user stopped (locust's CSV may be written a moment before)."""
    if "MUSCLESEED_LOAD_FIGURES" not in os.environ:
        return
    endpoints = {}
    for entry in environment.stats.entries.values():
        endpoints[f"{entry.method} {entry.name}"] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            **{f"p{p}_ms": entry.get_response_time_percentile(p / 100) for p in (50, 95, 99)},
            "max_ms": round(entry.max_response_time or 0, 1),
            "per_s": round(entry.total_rps, 2),
        }
    total = environment.stats.total
    errors = [
        {"endpoint": f"{e.method} {e.name}", "error": str(e.error)[:300], "occurrences": e.occurrences}
        for e in environment.stats.errors.values()
    ]
    figures = {
        "requests": total.num_requests,
        "errors": total.num_failures,
        "requests_per_s": round(total.total_rps, 2),
        "endpoints": dict(sorted(endpoints.items())),
        "error_samples": errors[:20],
    }
    Path(os.environ["MUSCLESEED_LOAD_FIGURES"]).write_text(json.dumps(figures))


def main() -> None:
    import argparse
    import platform
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from stack import VENV_BIN, Stack, results_merge, wait_until

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", default="5m", help="locust run time, e.g. 5m, 90s")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--researchers", type=int, default=5)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-save", action="store_true", help="print the figures, do not write reliability.json")
    args = parser.parse_args()

    stack = Stack("load", database="muscleseed_load", redis_db=13, port=args.port, web_workers=args.web_workers)
    try:
        stack.migrate()
        stack.django_setup()
        stack.start_worker()
        plan = seed(stack.work, labellers=args.users - args.researchers, researchers=args.researchers)
        (stack.work / "plan.json").write_text(json.dumps(plan))
        from jobs.models import Job

        wait_until(lambda: not Job.objects.exclude(state="succeeded").exists(), timeout=300)
        stack.start_web()
        load_before = os.getloadavg()[0]
        command = [
            str(VENV_BIN / "locust"),
            "-f",
            __file__,
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            "10",
            "--run-time",
            args.duration,
            "--host",
            stack.url,
            "--only-summary",
            "--stop-timeout",
            "15",
            "--exit-code-on-error",
            "0",
            Labeller.__name__,
            Researcher.__name__,
        ]
        figures_path = stack.work / "figures.json"
        env = {
            **os.environ,
            "MUSCLESEED_LOAD_PLAN": str(stack.work / "plan.json"),
            "MUSCLESEED_LOAD_FIGURES": str(figures_path),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run(command, env=env, check=True, cwd=stack.work)
        figures = summarise(figures_path)
    finally:
        web_log = stack.log_tail("web.log", 2000)
        stack.stop()
    figures |= {
        "command": (".venv/bin/python benchmarks/load.py " + " ".join(sys.argv[1:])).strip()
        + "  (makes its own database muscleseed_load, Redis db 13, gunicorn and worker)",
        "users": args.users,
        "researchers": args.researchers,
        "duration": args.duration,
        "stack": f"gunicorn {args.web_workers} workers x 4 threads, PostgreSQL, Redis broker, 1 Celery worker "
        "(prefork, concurrency 1), locust on the same machine",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before_after": [load_before, os.getloadavg()[0]],
            "note": "the machine was shared with other benchmarks and tests while this ran",
        },
        "images": f"phantom CT of 4 device profiles, one per labeller, int16 pixels; sizes {plan['sizes']}",
        "targets": {"errors": 0, "p95_ms_pixels_and_mask_saves": 200},
    }
    figures["meets_targets"] = figures["errors"] == 0 and all(
        figures["endpoints"][name]["p95_ms"] <= 200
        for name in ("GET /api/images/[id]/pixels", "PUT /api/images/[id]/annotation/mask")
    )
    print(json.dumps(figures, indent=2))
    if figures["errors"]:
        print("--- web log tail ---\n" + web_log)
    if not args.no_save:
        results_merge("load", figures)


def seed(work: Path, *, labellers: int, researchers: int) -> dict:
    """Phantom CT through the real ingest, accepted masks on a few (the export's cohort), users with tokens."""
    from django.contrib.auth.models import User
    from rest_framework.authtoken.models import Token

    from accounts.roles import ensure_role_groups, user_set_role
    from annotations.services import annotation_import_accepted
    from modelhub.services.phantom_cohort import phantom_cohort_ingest, phantom_cohort_write, phantom_labels
    from studies.models import Image

    ensure_role_groups()
    people = {}
    for role in ("clinician", "labeller", "reviewer"):  # the seed's own uploader and ground-truth labellers
        people[role] = User.objects.create_user(username=f"seed-{role}", password="load-password-123")
        user_set_role(user=people[role], role=role)
    exported = 6  # images with accepted masks: the researchers' cohort
    subjects = -(-(labellers + exported) // 4)
    folder = work / "cohort"
    manifest = phantom_cohort_write(folder, subjects=subjects, devices=("A", "B", "C", "D"))
    labels = phantom_labels(folder)
    stored = phantom_cohort_ingest(folder, manifest, user=people["clinician"])
    sop_of = {image.sop_uid: sop for sop, image in stored.items()}
    images = list(Image.objects.order_by("id"))
    tokens = []
    for n in range(labellers):
        user = User.objects.create_user(username=f"load-labeller-{n}", password="load-password-123")
        user_set_role(user=user, role="labeller")
        size = f"{images[n].rows}x{images[n].columns}"
        tokens.append({"token": Token.objects.create(user=user).key, "image_id": images[n].id, "size": size})
    export_devices = set()
    for image in images[labellers : labellers + exported]:
        mask = labels[sop_of[image.sop_uid]]
        annotation_import_accepted(image=image, mask=mask, labeller=people["labeller"], reviewer=people["reviewer"])
        export_devices.add(image.device_id)
    researcher_tokens = []
    for n in range(researchers):
        user = User.objects.create_user(username=f"load-researcher-{n}", password="load-password-123")
        user_set_role(user=user, role="researcher")
        researcher_tokens.append(Token.objects.create(user=user).key)
    sizes = {(image.rows, image.columns) for image in images[:labellers]}
    masks = {f"{rows}x{columns}": mask_pngs(rows, columns) for rows, columns in sizes}
    return {
        "labellers": tokens,
        "researchers": researcher_tokens,
        "mask_pngs": masks,
        "sizes": sorted(masks),
        "export_filter": {"device": sorted(export_devices)},
    }


def mask_pngs(rows: int, columns: int, count: int = 8) -> list[str]:
    """A few different masks of this size, each a plausible muscle ring with some liver (hex PNG)."""
    import numpy as np

    from annotations.masks import mask_encode

    rng = np.random.default_rng(rows)
    masks = []
    for _ in range(count):
        mask = np.zeros((rows, columns), np.uint8)
        top, left = (int(v) for v in rng.integers(rows // 6, rows // 3, size=2))
        mask[top : rows - top, left : columns - left] = 1
        mask[top + 30 : rows - top - 30, left + 30 : columns - left - 30] = 0
        mask[top + 40 : top + 90, left + 40 : left + 120] = 2
        masks.append(mask_encode(mask).hex())
    return masks


def summarise(figures_path: Path) -> dict:
    """Locust's figures, and the stored revisions against the successful saves."""
    from annotations.models import AnnotationRevision

    figures = json.loads(figures_path.read_text())
    saves = figures["endpoints"].get("PUT /api/images/[id]/annotation/mask", {"requests": 0, "failures": 0})
    figures["mask_saves_ok"] = saves["requests"] - saves["failures"]
    figures["revisions_stored"] = AnnotationRevision.objects.filter(author__username__startswith="load-").count()
    return figures


if __name__ == "__main__":
    main()
