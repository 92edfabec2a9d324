"""Run an export through the API as a user would: request it, let the job run, download the file."""

import csv
import io


def export_through_api(
    client, capture, *, format: str, filters: dict | None = None, unit: str | None = "image"
) -> tuple[dict, bytes]:
    """Image rows (unit=image) unless told otherwise: most export tests check numbers per image.
    unit=None sends no unit (the API's default, one row per subject and study at L3)."""
    filters = {**({"unit": unit} if unit else {}), **(filters or {})}
    with capture(execute=True):
        response = client.post("/api/exports/", {"format": format, "filters": filters}, format="json")
    assert response.status_code == 202, response.content
    status = client.get(f"/api/exports/{response.json()['id']}/").json()
    assert status["state"] == "succeeded", status
    download = client.get(status["download_url"])
    assert download.status_code == 200
    return status, b"".join(download.streaming_content)


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))
