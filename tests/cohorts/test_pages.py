"""The cohort page: for researchers, ML leads and admins; its options name devices and model versions."""

import pytest
from django.test import Client


def signed_in(make_user, role: str) -> Client:
    client = Client()
    client.force_login(make_user(role)[0])
    return client


@pytest.mark.parametrize("role,status", [("researcher", 200), ("ml_lead", 200), ("admin", 200), ("clinician", 403)])
def test_the_cohort_page_is_for_research_roles(cohort, make_user, role, status):
    assert signed_in(make_user, role).get("/cohorts/").status_code == status


def test_the_page_offers_the_devices_and_the_measuring_model_versions(cohort, make_user):
    page = signed_in(make_user, "researcher").get("/cohorts/").content.decode()
    assert 'id="cohort-options"' in page and "vnet-base-v1" in page
    for image in cohort.images.values():
        assert image.device.display_name in page
    assert "cohort.html" not in page and "/cohorts/" in page


def test_the_navigation_links_the_cohort_page_for_researchers_only(cohort, make_user):
    assert 'href="/cohorts/"' in signed_in(make_user, "researcher").get("/").content.decode()
    assert 'href="/cohorts/"' not in signed_in(make_user, "clinician").get("/").content.decode()
