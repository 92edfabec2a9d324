"""Measurement moved to the measurements app: only Django's model state changes here; the table stays
(measurements.Measurement keeps db_table "modelhub_measurement" and takes over its state)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("modelhub", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="measurement", name="one_model_measurement"),
                migrations.DeleteModel(name="Measurement"),
            ],
            database_operations=[],
        ),
    ]
