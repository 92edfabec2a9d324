"""`manage.py import_ct FOLDER --as USER`: the folder's CT stored through the upload path as that user's studies
(make run imports ../shared/data/ct as the demo clinician's, so the clinician sees real CT on first login)."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from tests.studies import corpus


def test_imported_ct_belongs_to_the_named_clinician_and_no_other(client_for, make_user, tmp_path):
    from rest_framework.test import APIClient

    shutil.copy(corpus.GE_SMALL, tmp_path / "slice.dcm")
    owner = client_for("clinician")
    call_command("import_ct", str(tmp_path), "--quiet", "--as", owner.user.username)
    assert owner.get("/api/studies/").json()["count"] == 1
    other = APIClient()
    other.force_authenticate(make_user("clinician", name="another-clinician")[0])
    assert other.get("/api/studies/").json()["count"] == 0


@pytest.mark.django_db
def test_an_unknown_user_is_refused_before_anything_is_stored(tmp_path):
    from studies.models import Image

    shutil.copy(corpus.GE_SMALL, tmp_path / "slice.dcm")
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("import_ct", str(tmp_path), "--as", "nobody")
    assert Image.objects.count() == 0
