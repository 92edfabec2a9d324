from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from modelhub.services.demo import DemoPlan, demo_seed


class Command(BaseCommand):
    help = (
        "Seed the demo cohort: phantom CT from several device profiles through the real ingest path, accepted "
        "SEED annotations, and a base model trained on the first device as a visible job. Re-running is harmless."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(settings.VAR_DIR / "demo-cohort"))
        parser.add_argument("--subjects", type=int, default=DemoPlan.subjects, help="subjects per device")
        parser.add_argument("--base-epochs", type=int, default=DemoPlan.base_epochs)

    def handle(self, *args, folder: str, subjects: int, base_epochs: int, **options):
        users = {}
        for role in ("clinician", "labeller", "reviewer", "ml-lead"):
            users[role] = User.objects.filter(username=f"demo-{role}").first()
            if users[role] is None:
                raise CommandError("run `manage.py seed_demo_accounts` first")
        result = demo_seed(
            folder=Path(folder),
            plan=DemoPlan(subjects=subjects, base_epochs=base_epochs),
            clinician=users["clinician"],
            labeller=users["labeller"],
            reviewer=users["reviewer"],
            ml_lead=users["ml-lead"],
        )
        job = f"base model job {result['base_job_id']}" if result["base_job_id"] else "base model exists"
        self.stdout.write(f"  {result['images']} phantom images, {result['accepted']} new accepted masks, {job}")
