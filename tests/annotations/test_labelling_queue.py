"""GET /api/labelling/queue: what a labeller should label next."""

from annotations.services import prelabel_store

from .conftest import accepted, save, square_mask, submit

QUEUE = "/api/labelling/queue"


def prelabel(image, uncertainty):
    prelabel_store(
        image=image, mask=square_mask(image), model_version_id=1, model_version_name="base", uncertainty=uncertainty
    )


def queued(client, **params) -> list[int]:
    response = client.get(QUEUE, params)
    assert response.status_code == 200, response.json()
    return [item["image_id"] for item in response.json()["results"]]


def test_the_most_uncertain_images_come_first_and_unpredicted_ones_last(client_for, make_image):
    calm, unsure, unknown, middling = make_image(), make_image(), make_image(), make_image()
    prelabel(calm, 0.1)
    prelabel(unsure, 0.2)
    prelabel(unsure, 0.9)  # the newest pre-label's uncertainty counts
    prelabel(middling, 0.5)
    assert queued(client_for("labeller")) == [unsure.pk, middling.pk, calm.pk, unknown.pk]


def test_test_split_images_are_left_out_unless_asked_for(client_for, make_image):
    train, test = make_image(split="train"), make_image(split="test")
    labeller = client_for("labeller")
    assert queued(labeller) == [train.pk]
    assert queued(labeller, split="test") == [test.pk]
    assert set(queued(labeller, split="all")) == {train.pk, test.pk}


def test_accepted_and_submitted_images_leave_the_queue(client_for, make_image):
    labeller, reviewer = client_for("labeller"), client_for("reviewer")
    done, waiting, todo = make_image(), make_image(), make_image()
    accepted(labeller, reviewer, done)
    save(labeller, waiting, square_mask(waiting))
    submit(labeller, waiting)
    assert queued(labeller) == [todo.pk]


def test_my_draft_stays_in_my_queue_but_not_in_anyone_elses(client_for, client_as, make_image):
    mine, free = make_image(), make_image()
    labeller = client_for("labeller")
    save(labeller, mine, square_mask(mine))
    assert set(queued(labeller)) == {mine.pk, free.pk}
    assert queued(client_as("labeller", "colleague")) == [free.pk]


def test_the_queue_filters_by_device_and_honours_the_limit(client_for, make_image):
    a1, _, b1 = make_image("A"), make_image("A"), make_image("B")
    labeller = client_for("labeller")
    assert queued(labeller, device=b1.device_id) == [b1.pk]
    assert queued(labeller, device=a1.device_id, limit=1) == [a1.pk]


def test_random_order_is_the_same_all_day_for_one_labeller(client_for, make_image):
    images = {make_image().pk for _ in range(8)}
    labeller = client_for("labeller")
    first = queued(labeller, strategy="random")
    assert set(first) == images and queued(labeller, strategy="random") == first


def test_coverage_takes_turns_over_devices_starting_with_the_least_labelled(client_for, make_image):
    labeller, reviewer = client_for("labeller"), client_for("reviewer")
    covered = [make_image("Covered") for _ in range(3)]
    bare = [make_image("Bare") for _ in range(2)]
    accepted(labeller, reviewer, covered[0])
    devices = [item["device"] for item in labeller.get(QUEUE, {"strategy": "coverage"}).json()["results"]]
    assert devices == ["Bare", "Covered", "Bare", "Covered"]
    assert {bare[0].pk, bare[1].pk} <= set(queued(labeller, strategy="coverage"))


def test_an_unknown_strategy_is_refused(client_for, image):
    assert client_for("labeller").get(QUEUE, {"strategy": "vibes"}).status_code == 400
