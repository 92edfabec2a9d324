"""One labeller saving the same mask from two tabs over and over, each tab retrying after a 412: no update is
lost. (Only a draft's labeller and admins may write to it: another labeller gets 403, not a race.)

Each save sends the ETag its client last saw; the server must answer each save with that save's own
ETag, keep every successful save as a revision (numbered without gaps) and end on the last one.
"""

import threading

import numpy as np
import pytest
from django.db import connection
from rest_framework.test import APIClient

from annotations.masks import mask_encode, mask_load, mask_sha256
from annotations.models import Annotation, AnnotationRevision
from tests.conftest import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)

SAVES_EACH = 50


def mask_for(image, writer: int, attempt: int) -> np.ndarray:
    """A mask no other save sends: one pixel set at a place only this writer and attempt use."""
    mask = np.zeros((image.rows, image.columns), np.uint8)
    mask.flat[writer * SAVES_EACH * 2 + attempt] = 1
    return mask


def labeller_loop(client: APIClient, image, writer: int, log: list[dict], start: threading.Barrier) -> None:
    url = f"/api/images/{image.pk}/annotation"
    try:
        etag = client.get(url)["ETag"]
        start.wait()
        for attempt in range(SAVES_EACH):
            png = mask_encode(mask_for(image, writer, attempt))
            response = client.put(f"{url}/mask", png, content_type="image/png", HTTP_IF_MATCH=etag)
            entry = {"status": response.status_code, "sent_etag": etag, "sha256": mask_sha256(png), "writer": writer}
            if response.status_code == 200:
                body = response.json()
                entry |= {"version": body["version"], "revision_sha256": body["current_revision"]["sha256"]}
                etag = response["ETag"]
            else:
                etag = client.get(url)["ETag"]  # someone else saved: load their version, then try again
            log.append(entry)
    finally:
        connection.close()


def test_two_tabs_saving_one_mask_in_a_loop_lose_no_update(make_user, make_image):
    require_postgresql()
    image = make_image()
    labeller = make_user("labeller")[0]
    clients = [APIClient(), APIClient()]
    for client in clients:
        client.force_authenticate(labeller)
    logs: list[list[dict]] = [[], []]
    start = threading.Barrier(2, timeout=30)
    threads = [threading.Thread(target=labeller_loop, args=(clients[w], image, w, logs[w], start)) for w in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    saves = logs[0] + logs[1]
    saved = [s for s in saves if s["status"] == 200]
    stale = [s for s in saves if s["status"] == 412]
    assert len(saves) == 2 * SAVES_EACH and len(saved) + len(stale) == len(saves), {s["status"] for s in saves}
    assert stale, "the two tabs never collided: the test proves nothing"

    # Each answer describes that save: the version after the one it named, and the mask it sent.
    for save in saved:
        sent_version = int(save["sent_etag"].strip('"').rsplit(".", 1)[1])
        assert save["version"] == sent_version + 1 and save["revision_sha256"] == save["sha256"], save

    annotation = Annotation.objects.get(image=image)
    revisions = list(AnnotationRevision.objects.filter(annotation=annotation).order_by("number"))
    assert [r.number for r in revisions] == list(range(1, len(saved) + 1))
    assert annotation.version == len(saved)
    assert sorted(r.sha256 for r in revisions) == sorted(s["sha256"] for s in saved)
    by_version = {s["version"]: s["sha256"] for s in saved}
    assert [r.sha256 for r in revisions] == [by_version[n] for n in range(1, len(saved) + 1)]
    last = revisions[-1]
    assert annotation.current_revision_id == last.pk
    assert mask_sha256(mask_encode(mask_load(last.mask_png))) == by_version[len(saved)]


def test_a_save_answers_with_its_own_etag_when_another_save_lands_right_after_it(make_user, make_image, monkeypatch):
    """The window the loop above may or may not hit: B saves between A's commit and A's answer. A must get
    the ETag of its own save, so that its next save is refused (412) instead of overwriting B's unseen."""
    from annotations import selectors, services
    from annotations.selectors import label_set_get

    image = make_image()
    # B is an admin: a labeller may not edit another labeller's draft at all, an admin may (and races like this).
    users = [make_user("labeller", name="labeller-a")[0], make_user("admin", name="admin-b")[0]]
    client = APIClient()
    client.force_authenticate(users[0])
    original = selectors.annotation_state
    interleaved = []

    def b_saves_first(**kwargs):
        if not interleaved:
            interleaved.append(
                services.annotation_mask_save(
                    image=image,
                    label_set=label_set_get(),
                    author=users[1],
                    png=mask_encode(mask_for(image, 1, 0)),
                    expected_version=1,
                    seconds_active=1.0,
                )
            )
        return original(**kwargs)

    monkeypatch.setattr(selectors, "annotation_state", b_saves_first)
    url = f"/api/images/{image.pk}/annotation/mask"
    mine = mask_encode(mask_for(image, 0, 0))
    answer = client.put(url, mine, content_type="image/png", HTTP_IF_MATCH=f'"{image.pk}.{label_set_get().pk}.0"')
    assert answer.status_code == 200 and interleaved[0].version == 2
    assert answer.json()["version"] == 1 and answer.json()["current_revision"]["sha256"] == mask_sha256(mine)
    again = client.put(url, mask_encode(mask_for(image, 0, 1)), content_type="image/png", HTTP_IF_MATCH=answer["ETag"])
    assert again.status_code == 412  # B's save is not overwritten unseen
