"""Two labellers saving the same version at the same moment: exactly one wins, the other gets 412.

Needs PostgreSQL (real row locks and concurrent connections); SQLite serialises writers anyway.
"""

import threading

import numpy as np
import pytest
from django.db import connection

from annotations import services
from annotations.models import Annotation, AnnotationRevision
from annotations.selectors import label_set_get
from core.errors import ApplicationError
from tests.conftest import require_postgresql

from .conftest import png, square_mask

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql_only():
    require_postgresql("racing saves need PostgreSQL (set DATABASE_URL)")


def race(monkeypatch, hook_name: str, saves: list[dict]) -> list[object]:
    """Run each save in its own thread; all of them pass `hook_name` before any may go on."""
    barrier = threading.Barrier(len(saves), timeout=20)
    original = getattr(services, hook_name)

    def in_step(*args, **kwargs):
        result = original(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(services, hook_name, in_step)
    outcomes: list[object] = [None] * len(saves)

    def run(index: int) -> None:
        try:
            services.annotation_mask_save(**saves[index])
            outcomes[index] = "saved"
        except ApplicationError as error:
            outcomes[index] = error.http_status
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def saves_of(image, users, values, version: int) -> list[dict]:
    label_set = label_set_get()
    return [
        dict(
            image=image,
            label_set=label_set,
            author=user,
            png=png(square_mask(image, value=value)),
            expected_version=version,
            seconds_active=1.0,
        )
        for user, value in zip(users, values, strict=True)
    ]


def test_two_saves_of_the_same_version_let_exactly_one_win(monkeypatch, make_user, make_image):
    image = make_image()
    labeller = make_user("labeller", name="racer")[0]
    users = [labeller, labeller]  # two tabs: another labeller may not write to this draft at all (403)
    services.annotation_mask_save(**saves_of(image, users[:1], [1], version=0)[0])
    outcomes = race(monkeypatch, "_annotation_get_or_create", saves_of(image, users, [1, 2], version=1))
    assert sorted(outcomes, key=str) == [412, "saved"], outcomes
    annotation = Annotation.objects.get()
    assert annotation.version == 2 and AnnotationRevision.objects.count() == 2
    winner = outcomes.index("saved")
    stored = services.mask_load(annotation.current_revision.mask_png)
    assert np.array_equal(stored, square_mask(image, value=[1, 2][winner]))


def test_two_first_saves_of_a_new_image_let_exactly_one_win(monkeypatch, make_user, make_image):
    image = make_image()
    users = [make_user("labeller", name=f"first-{i}")[0] for i in (1, 2)]
    outcomes = race(monkeypatch, "prelabel_latest", saves_of(image, users, [1, 2], version=0))
    assert sorted(outcomes, key=str) == [412, "saved"], outcomes
    assert Annotation.objects.count() == 1 and AnnotationRevision.objects.count() == 1
