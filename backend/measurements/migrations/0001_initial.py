"""Measurement arrives from modelhub with its table: state only, no data is copied or lost.

The content type is renamed so that admin history and permissions that point at the old
(modelhub, measurement) row keep pointing at the model."""

import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="measurements", model="measurement").exists():
        content_types.objects.filter(app_label="modelhub", model="measurement").update(app_label="measurements")


def content_type_returns(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="modelhub", model="measurement").exists():
        content_types.objects.filter(app_label="measurements", model="measurement").update(app_label="modelhub")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("modelhub", "0002_measurement_moves_to_measurements"),
        ("studies", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Measurement",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "source",
                            models.CharField(
                                choices=[("annotation", "Accepted annotation"), ("model", "Model prediction")],
                                max_length=20,
                            ),
                        ),
                        ("annotation_revision_id", models.BigIntegerField(blank=True, null=True)),
                        ("sma_cm2", models.FloatField()),
                        ("mean_muscle_hu", models.FloatField(blank=True, null=True)),
                        ("imat_cm2", models.FloatField(blank=True, null=True)),
                        ("smi_cm2_m2", models.FloatField(blank=True, null=True)),
                        ("liver_area_cm2", models.FloatField(blank=True, null=True)),
                        ("mean_liver_hu", models.FloatField(blank=True, null=True)),
                        ("values", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "image",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="measurements",
                                to="studies.image",
                            ),
                        ),
                        (
                            "model_version",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                to="modelhub.modelversion",
                            ),
                        ),
                    ],
                    options={"db_table": "modelhub_measurement", "ordering": ["-created_at"]},
                ),
                migrations.AddConstraint(
                    model_name="measurement",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("source", "model")),
                        fields=("image", "model_version"),
                        name="one_model_measurement",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
