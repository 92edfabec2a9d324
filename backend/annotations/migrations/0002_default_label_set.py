"""Seed the default label set: body composition (muscle 1, liver 2)."""

from django.db import migrations

BODY_COMPOSITION = [
    {"value": 1, "name": "muscle", "color": "#e5484d"},
    {"value": 2, "name": "liver", "color": "#3e63dd"},
]


def seed(apps, schema_editor):
    LabelSet = apps.get_model("annotations", "LabelSet")
    has_default = LabelSet.objects.filter(is_default=True).exists()
    LabelSet.objects.get_or_create(
        name="body-composition", defaults={"labels": BODY_COMPOSITION, "is_default": not has_default}
    )


def unseed(apps, schema_editor):
    LabelSet = apps.get_model("annotations", "LabelSet")
    LabelSet.objects.filter(name="body-composition", annotations=None, prelabels=None).delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
