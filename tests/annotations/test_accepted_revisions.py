"""accepted_revisions / revision_mask: only reviewed-and-accepted masks reach training."""

import numpy as np

from annotations.selectors import accepted_revisions, revision_mask

from .conftest import accepted, review, save, square_mask, submit


def test_only_accepted_current_revisions_are_returned_with_their_image_ids(client_for, make_image):
    labeller, reviewer = client_for("labeller"), client_for("reviewer")
    draft, waiting, rejected, good = (make_image() for _ in range(4))
    save(labeller, draft, square_mask(draft))
    save(labeller, waiting, square_mask(waiting))
    submit(labeller, waiting)
    save(labeller, rejected, square_mask(rejected))
    submit(labeller, rejected)
    review(reviewer, rejected, "reject", "no")
    mask = square_mask(good, value=2)
    accepted(labeller, reviewer, good, mask)
    revisions = list(accepted_revisions())
    assert [r.image_id for r in revisions] == [good.pk]
    assert np.array_equal(revision_mask(revisions[0]), mask)


def test_accepted_revisions_filter_by_device_and_split(client_for, make_image):
    labeller, reviewer = client_for("labeller"), client_for("reviewer")
    a_train, a_test, b_train = make_image("A"), make_image("A", split="test"), make_image("B")
    for image in (a_train, a_test, b_train):
        accepted(labeller, reviewer, image)
    assert [r.image_id for r in accepted_revisions(device=a_train.device)] == [a_train.pk]
    assert [r.image_id for r in accepted_revisions(device=a_train.device_id, split="test")] == [a_test.pk]
    assert {r.image_id for r in accepted_revisions(split=None)} == {a_train.pk, a_test.pk, b_train.pk}
