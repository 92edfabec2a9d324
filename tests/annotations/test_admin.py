"""Operators can browse label sets, pre-labels, annotations (with their revisions) and reviews."""

from django.test import Client

from annotations.models import Annotation, Prelabel, Review
from annotations.services import prelabel_store

from .conftest import accepted, square_mask


def test_every_annotations_admin_page_opens(client_for, image, label_set):
    from django.contrib.auth.models import User

    prelabel_store(image=image, mask=square_mask(image), model_version_id=1, model_version_name="m", uncertainty=0.5)
    accepted(client_for("labeller"), client_for("reviewer"), image)
    admin = Client()
    admin.force_login(User.objects.create_superuser("operator", password="unused-password-1"))
    for model, pk in (
        ("labelset", label_set.pk),
        ("prelabel", Prelabel.objects.get().pk),
        ("annotation", Annotation.objects.get().pk),
        ("review", Review.objects.get().pk),
    ):
        for url in (f"/admin/annotations/{model}/", f"/admin/annotations/{model}/{pk}/change/"):
            assert admin.get(url).status_code == 200, url
