"""A disk that fills up while an export is written: the job fails saying so, and no file (not even a partial
one) is left or published. (A full disk during an upload is tested in tests/studies/test_upload_api.py;
mask saves write only database rows, which roll back.)"""

import errno

from cohorts import services
from cohorts.models import Export
from studies import storage
from tests.cohorts.conftest import cohort  # noqa: F401 - a fixture


def test_a_full_disk_while_exporting_fails_the_job_visibly_and_keeps_no_file(
    cohort,  # noqa: F811
    client_for,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    def write_half_then_fill_the_disk(rows, path, columns):
        path.write_bytes(b"image_id,sma_cm2\n1,")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(services.WRITERS, "csv", write_half_then_fill_the_disk)
    client = client_for("researcher")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/exports/", {"format": "csv"}, format="json")
    status = client.get(f"/api/exports/{response.json()['id']}/").json()
    assert status["state"] == "failed" and "No space left on device" in status["error"], status
    assert status["download_url"] is None and Export.objects.get().file_path == ""
    assert storage.names_under("exports") == []
