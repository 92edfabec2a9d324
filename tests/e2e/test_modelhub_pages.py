"""An ML lead works the model hub in the browser: devices, the lineage tree, a version (curves, promote),
a live training job, and the evaluation heatmap that shows catastrophic forgetting.

The data is built with the ORM (no training runs here): a base version, a child fine-tuned for one device
that forgets the other, a grandchild the gate refuses, and a running training job.
"""

from unittest import mock

import pytest
from django.utils import timezone

from tests.e2e.conftest import SerialWSGIServer
from tests.e2e.helpers import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HISTORY = [
    {"epoch": 1, "loss": 0.92, "val_dice": 0.48},
    {"epoch": 2, "loss": 0.61, "val_dice": 0.71},
    {"epoch": 3, "loss": 0.44, "val_dice": 0.83},
    {"epoch": 4, "loss": 0.37, "val_dice": 0.88},
    {"epoch": 5, "loss": 0.35, "val_dice": 0.87},
]

LOG_EPOCHS = [(1, 0.92, 0.48), (2, 0.61, 0.71), (3, 0.4412, 0.8123)]
# what a running training job reports after each epoch: the curve so far, with each epoch's seconds
LIVE_EPOCHS = [*LOG_EPOCHS, (4, 0.37, 0.85), (5, 0.34, 0.86), (6, 0.31, 0.874)]
LIVE = [
    {"epoch": e, "loss": loss, "val_dice": dice, "seconds": seconds}
    for (e, loss, dice), seconds in zip(LIVE_EPOCHS, [95, 60, 62, 58, 60, 61], strict=True)
]


def write(update):
    """ORM writes while the page polls: take the live server's lock so in-memory SQLite is never shared mid-request."""
    with SerialWSGIServer.lock:
        return update()


@pytest.fixture
def hub(transactional_db, make_user):
    from jobs.models import Job
    from modelhub.models import Evaluation, ModelVersion
    from studies.models import Device

    lead, password = make_user("ml_lead", "lead")
    ge = Device.objects.create(
        key="ge|lightspeed16", manufacturer="GE", model_name="LightSpeed16", display_name="GE LightSpeed16"
    )
    siemens = Device.objects.create(
        key="siemens|somatom", manufacturer="Siemens", model_name="SOMATOM", display_name="Siemens SOMATOM"
    )

    def version(name, device, parent, status, dice, history, checksum):
        made = ModelVersion.objects.create(
            name=name,
            device=device,
            parent=parent,
            status=status,
            arch="vnet",
            label_names=["muscle"],
            checksum=checksum * 64,
            hyperparameters={"epochs": len(history), "lr": 0.001, "freeze_encoder": False},
            training_set=[1, 2, 3, 4],
            training_set_hash="ab" * 32,
            code_version="0.1.0+test",
            history=history,
            train_seconds=95.0,
        )
        for device_row, (mean, sma) in zip((ge, siemens), dice, strict=True):
            Evaluation.objects.create(
                version=made, device=device_row, images=6, dice_mean=mean, dice_sd=0.02, sma_error_median=sma
            )
        return made

    base = version("vnet-base", None, None, "active", [(0.62, 0.21), (0.70, 0.12)], HISTORY[:3], "b")
    child = version("vnet-ge-1", ge, base, "candidate", [(0.91, 0.03), (0.66, 0.15)], HISTORY, "c")
    grandchild = version("vnet-siemens-1", siemens, child, "candidate", [(0.90, 0.04), (0.69, 0.13)], HISTORY[:4], "d")
    job = Job.objects.create(
        kind="train",
        state="running",
        progress=0.3,
        attempts=1,
        created_by=lead,
        params={"version_id": child.id},
        heartbeat_at=timezone.now(),
        progress_detail={
            "epoch": 3,
            "epochs": 10,
            "loss": 0.4412,
            "val_dice": 0.8123,
            "best_dice": 0.8123,
            "history": LIVE[:3],
        },  # fmt: skip
        log_tail="".join(f"epoch {e}/10 loss {loss:.4f} val Dice {dice:.4f}\n" for e, loss, dice in LOG_EPOCHS),
    )
    return {
        "lead": lead,
        "password": password,
        "ge": ge,
        "siemens": siemens,
        "base": base,
        "child": child,
        "grandchild": grandchild,
        "job": job,
    }


def test_the_devices_page_shows_each_device_with_its_active_model_and_dice(hub, live_server, page, screenshot_dir):
    from jobs.models import Job

    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/devices/")
    ge_row = page.locator(f"tr[data-device-id='{hub['ge'].id}']")
    assert ge_row.locator("[data-active-version]").get_attribute("data-active-version") == str(hub["base"].id)
    assert "base model" in ge_row.locator("[data-active-version]").inner_text()
    assert ge_row.locator("[data-active-dice]").inner_text() == "0.620 (n=6)"
    assert page.locator(f"tr[data-device-id='{hub['siemens'].id}'] [data-active-dice]").inner_text() == "0.700 (n=6)"

    ge_row.locator("[data-train-open]").click()
    form = page.locator(f"tr[data-train-row='{hub['ge'].id}'] form")
    options = form.locator("select[name=parent_id] option")
    assert options.count() == 3
    assert form.locator("select[name=parent_id]").input_value() == str(hub["base"].id), (
        "the active version is the default parent"
    )
    page.screenshot(path=str(screenshot_dir / "modelhub-devices.png"), full_page=True)

    form.locator("[data-train-submit]").click()  # no accepted annotations: the server's reason shows inline
    message = form.locator("[data-train-message]")
    message.wait_for()
    assert "no accepted SEED annotations" in message.inner_text()

    def queued(*, device, parent, options, user):
        assert options == {"epochs": 12, "freeze_encoder": True, "replay": True, "auto_promote": False}
        return Job.objects.create(kind="train", state="queued", created_by=user, params={"version_id": parent.id})

    form.locator("select[name=parent_id]").select_option(str(hub["child"].id))
    form.locator("input[name=epochs]").fill("12")
    form.locator("input[name=freeze_encoder]").check()
    with mock.patch("modelhub.api.training_start", side_effect=queued):
        form.locator("[data-train-submit]").click()
        page.wait_for_url("**/jobs/*/")
    assert page.locator("[data-job-state] .badge").get_attribute("data-status") == "queued"


def test_the_lineage_tree_shows_each_version_under_its_parent(hub, live_server, page, screenshot_dir):
    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/models/")
    rows = page.locator("tr.lineage-row")
    assert rows.count() == 3
    ids = [int(rows.nth(i).get_attribute("data-version-id")) for i in range(3)]
    assert ids == [hub["base"].id, hub["child"].id, hub["grandchild"].id], "depth first: parent, then child"
    depths = [int(rows.nth(i).get_attribute("data-depth")) for i in range(3)]
    assert depths == [0, 1, 2]
    child_row = page.locator(f"tr[data-version-id='{hub['child'].id}']")
    assert child_row.get_attribute("data-parent-id") == str(hub["base"].id)
    assert child_row.locator(".tree-elbow").count() == 1
    assert child_row.locator(".badge").get_attribute("data-status") == "candidate"
    assert child_row.locator(".checksum").inner_text() == "c" * 12
    assert "0.910" in child_row.inner_text(), "Dice on its own device"
    assert page.locator(f"tr[data-version-id='{hub['base'].id}'] .badge").get_attribute("data-status") == "active"
    page.screenshot(path=str(screenshot_dir / "modelhub-versions.png"), full_page=True)
    child_row.locator("a.version-link").click()
    page.wait_for_url(f"**/models/{hub['child'].id}/")


def test_a_version_page_draws_its_curves_and_an_ml_lead_promotes_it(hub, live_server, page, screenshot_dir):
    from modelhub.models import ModelVersion

    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/models/{hub['grandchild'].id}/")
    page.click("[data-promote]")  # the gate: no better than the base on its own device
    refusal = page.locator("[data-promote-message]")
    refusal.wait_for()
    assert "gate refused" in refusal.inner_text()
    assert ModelVersion.objects.get(pk=hub["grandchild"].id).status == "candidate"

    page.goto(f"{live_server.url}/models/{hub['child'].id}/")
    loss_path = page.locator("svg.chart-loss path.chart-line")
    dice_path = page.locator("svg.chart-dice path.chart-line")
    assert loss_path.get_attribute("data-points") == "5"
    assert dice_path.get_attribute("d").startswith("M")
    assert page.locator("svg.chart-dice .chart-axis-label").all_text_contents() == ["Epoch", "Dice"]
    assert page.locator("[data-evaluation-device]").count() == 2
    assert page.locator("[data-checksum]").inner_text() == "c" * 64
    page.screenshot(path=str(screenshot_dir / "modelhub-version.png"), full_page=True)

    page.click("[data-promote]")
    page.wait_for_selector("[data-version-status] .badge[data-status=active]")
    assert "now the active version" in page.locator("[data-promote-message]").inner_text()
    assert ModelVersion.objects.get(pk=hub["child"].id).status == "active"
    assert ModelVersion.objects.get(pk=hub["base"].id).status == "active", "the base keeps serving other devices"
    page.click("[data-infer-all]")
    page.wait_for_selector("[data-infer-message]:not([hidden])")
    assert "nothing to do" in page.locator("[data-infer-message]").inner_text()  # no images stored here
    page.screenshot(path=str(screenshot_dir / "modelhub-version-promoted.png"), full_page=True)


def test_rolling_back_is_the_ml_leads_decision_with_no_gate_by_default(hub, live_server, page, screenshot_dir):
    from modelhub.models import Evaluation, ModelVersion

    # The GE version before the child: 0.002 Dice worse on two test images, which the gate would refuse.
    previous = ModelVersion.objects.create(
        name="vnet-ge-0", device=hub["ge"], parent=hub["base"], status="retired", arch="vnet", checksum="e" * 64
    )
    Evaluation.objects.create(version=previous, device=hub["ge"], images=2, dice_mean=0.908, dice_sd=0.01)
    hub["child"].status = "active"
    hub["child"].save(update_fields=["status"])

    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/models/{hub['grandchild'].id}/")
    assert page.locator("[data-use-gate]").is_checked(), "a candidate is promoted through the gate by default"
    page.goto(f"{live_server.url}/models/{previous.id}/")
    gate = page.locator("[data-use-gate]")
    assert gate.is_visible() and not gate.is_checked(), "a roll back is not gated unless the ML lead asks"
    assert "off by default for a roll back" in page.locator("[data-gate-hint]").inner_text()
    assert page.locator("[data-promote]").inner_text() == "Roll back to this version"
    page.screenshot(path=str(screenshot_dir / "modelhub-roll-back.png"), full_page=True)
    page.click("[data-promote]")
    page.wait_for_selector("[data-version-status] .badge[data-status=active]")
    assert ModelVersion.objects.get(pk=previous.id).status == "active"
    assert ModelVersion.objects.get(pk=hub["child"].id).status == "retired"


def test_the_job_page_follows_the_row_until_training_succeeds(hub, live_server, page, screenshot_dir):
    from jobs.models import Job

    job = hub["job"]
    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/jobs/{job.id}/")
    assert page.locator("[data-job-progress]").get_attribute("data-value") == "30"
    assert "Epoch 3 / 10" in page.locator("[data-job-progress-text]").inner_text()
    assert page.locator("[data-metric-dice] dd").inner_text() == "0.812"
    assert page.locator("[data-cancel]").is_visible()
    # The curves so far, drawn while it runs; the time left from the median epoch (62 s) x 7 epochs left.
    assert page.locator("[data-job-curves] svg.chart-loss circle.chart-dot").count() == 3
    assert page.locator("[data-job-curves] svg.chart-dice circle.chart-dot").count() == 3
    assert page.locator("[data-metric-eta] dd").inner_text().startswith(("up to 7 min", "up to 6 min"))
    page.screenshot(path=str(screenshot_dir / "modelhub-job-running.png"), full_page=True)

    write(
        lambda: Job.objects.filter(pk=job.pk).update(
            progress=0.6,
            heartbeat_at=timezone.now(),
            progress_detail={
                "epoch": 6,
                "epochs": 10,
                "loss": 0.31,
                "val_dice": 0.874,
                "best_dice": 0.874,
                "history": LIVE,
            },  # fmt: skip
            log_tail=job.log_tail + "epoch 6/10 loss 0.3100 val Dice 0.8740\n",
        )
    )
    page.wait_for_selector("[data-job-progress][data-value='60']", timeout=10_000)
    assert "Epoch 6 / 10" in page.locator("[data-job-progress-text]").inner_text()
    assert "epoch 6/10" in page.locator("[data-job-log]").inner_text()
    assert page.locator("[data-job-curves] svg.chart-dice circle.chart-dot").count() == 6
    assert page.locator("[data-metric-eta] dd").inner_text().startswith(("up to 4 min", "up to 3 min"))
    page.screenshot(path=str(screenshot_dir / "modelhub-job-running-later.png"), full_page=True)

    write(
        lambda: Job.objects.filter(pk=job.pk).update(
            state="succeeded",
            progress=1.0,
            result={"version_id": hub["child"].id, "promoted": "no (candidate)"},
        )
    )
    page.wait_for_selector("[data-job-result] svg.chart-dice path.chart-line", timeout=10_000)
    assert page.locator("[data-job-result] a[data-version-link]").get_attribute("href") == f"/models/{hub['child'].id}/"
    assert not page.locator("[data-cancel]").is_visible()
    assert page.locator("[data-job-curves]").is_hidden(), "once done, the version's curves replace the live ones"
    page.screenshot(path=str(screenshot_dir / "modelhub-job-succeeded.png"), full_page=True)


def test_a_failed_job_shows_its_reason_and_a_queued_one_can_be_cancelled(hub, live_server, page, screenshot_dir):
    from jobs.models import Job

    failed = Job.objects.create(
        kind="train",
        state="failed",
        attempts=3,
        created_by=hub["lead"],
        error="no accepted SEED annotations on the train split of GE LightSpeed16",
    )
    queued = Job.objects.create(kind="infer", state="queued", created_by=hub["lead"])
    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/jobs/{failed.id}/")
    assert "no accepted SEED annotations" in page.locator("[data-job-error]").inner_text()
    assert not page.locator("[data-cancel]").is_visible()
    page.screenshot(path=str(screenshot_dir / "modelhub-job-failed.png"), full_page=True)

    page.goto(f"{live_server.url}/jobs/{queued.id}/")
    page.click("[data-cancel]")
    page.wait_for_selector("[data-job-state] .badge[data-status=cancelled]")
    assert Job.objects.get(pk=queued.pk).state == "cancelled"


def test_the_heatmap_has_one_cell_per_evaluation_and_outlines_forgetting(hub, live_server, page, screenshot_dir):
    from modelhub.models import Evaluation

    sign_in(page, live_server.url, hub["lead"].username, hub["password"])
    page.goto(f"{live_server.url}/evaluation/")
    page.wait_for_selector("[data-heatmap][data-lineage=loaded]")
    assert page.locator("td[data-cell]").count() == Evaluation.objects.count() == 6
    rows = page.locator("tr[data-version-row]")
    assert [int(rows.nth(i).get_attribute("data-version-row")) for i in range(3)] == [
        hub["base"].id,
        hub["child"].id,
        hub["grandchild"].id,
    ], "rows in creation order"
    forgetting = page.locator("td.heat-forgetting")
    assert forgetting.count() == 1, "only the child lost Dice on the other device (0.70 -> 0.66)"
    assert forgetting.get_attribute("data-cell") == f"{hub['child'].id}:{hub['siemens'].id}"
    cell = page.locator(f"td[data-cell='{hub['child'].id}:{hub['ge'].id}']")
    assert "0.910" in cell.inner_text() and "3.0%" in cell.inner_text(), "Dice and SMA error in the cell"
    assert page.locator(".legend-bar").is_visible()
    page.screenshot(path=str(screenshot_dir / "modelhub-evaluation.png"), full_page=True)


def test_a_clinician_sees_the_models_but_cannot_train_or_promote(hub, live_server, make_user, page):
    user, password = make_user("clinician", "clinician")
    sign_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}/devices/")
    assert page.locator("tr[data-device-id]").count() == 2
    assert page.locator("[data-train-open], [data-infer]").count() == 0
    page.goto(f"{live_server.url}/models/{hub['child'].id}/")
    page.locator("svg.chart-loss path.chart-line").wait_for()
    assert not page.locator("[data-promote-panel]").is_visible()
