"""Saved cohort definitions that filtered by study date now filter by the year of that date: study dates are
years outside the uploading clinician, and the cohort API refuses date_from and date_to."""

from django.db import migrations


def dates_to_years(apps, schema_editor):
    CohortDefinition = apps.get_model("cohorts", "CohortDefinition")
    for definition in CohortDefinition.objects.all():
        filters = dict(definition.filters or {})
        changed = False
        for old, new in (("date_from", "year_from"), ("date_to", "year_to")):
            value = filters.pop(old, None)
            if value is not None:
                changed = True
                if str(value)[:4].isdigit():
                    filters[new] = int(str(value)[:4])
        if changed:
            definition.filters = filters
            definition.save(update_fields=["filters"])


class Migration(migrations.Migration):
    dependencies = [("cohorts", "0001_initial")]

    operations = [migrations.RunPython(dates_to_years, migrations.RunPython.noop)]
