from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from modelhub.services.demo import DemoPlan, demo_seed


class Command(BaseCommand):
    help = (
        "Seed the demo cohort: phantom CT from several device profiles through the real ingest path, accepted "
        "SEED annotations, the shipped base model (active, evaluated) and a transfer-learning job from it as the "
        "visible job. Re-running is harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(settings.VAR_DIR / "demo-cohort"))
        parser.add_argument("--subjects", type=int, default=DemoPlan.subjects, help="subjects per device")
        parser.add_argument("--transfer-epochs", type=int, default=DemoPlan.transfer_epochs)

    def handle(self, *args, folder: str, subjects: int, transfer_epochs: int, **options):
        users = {}
        for role in ("clinician", "labeller", "reviewer", "ml-lead"):
            users[role] = User.objects.filter(username=f"demo-{role}").first()
            if users[role] is None:
                raise CommandError("run `manage.py seed_demo_accounts` first")
        result = demo_seed(
            folder=Path(folder),
            plan=DemoPlan(subjects=subjects, transfer_epochs=transfer_epochs),
            clinician=users["clinician"],
            labeller=users["labeller"],
            reviewer=users["reviewer"],
            ml_lead=users["ml-lead"],
        )
        base = "shipped base-v1 imported and active" if result["base"] else "a base model exists"
        job = f"transfer-learning job {result['transfer_job_id']}" if result["transfer_job_id"] else "no new job"
        self.stdout.write(
            f"  {result['images']} phantom images, {result['accepted']} new accepted masks, {base}, {job}"
        )
