from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from studies.services import upload_ingest


class NamedFile:
    """A file on disk that looks like an upload (a name and a seekable binary stream)."""

    def __init__(self, path: Path, root: Path):
        self.name = str(path.relative_to(root))
        self._stream = path.open("rb")

    def __getattr__(self, attr):
        return getattr(self._stream, attr)


class Command(BaseCommand):
    help = "Ingest every DICOM file (or zip) under a folder through the normal upload path. Re-running is harmless."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--quiet", action="store_true", help="print only the totals")
        parser.add_argument("--as", dest="username", default=None, help="the uploading user (default: none)")

    def handle(self, *args, folder: str, quiet: bool, username: str | None, **options):
        root = Path(folder)
        if not root.is_dir():
            raise CommandError(f"{folder} is not a folder")
        user = None
        if username is not None:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no user named {username!r}")
        paths = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
        totals = {"stored": 0, "duplicate": 0, "rejected": 0}
        for path in paths:
            upload = NamedFile(path, root)
            try:
                outcomes = upload_ingest(files=[upload], user=user)
            finally:
                upload.close()
            for outcome in outcomes:
                totals[outcome.status] += 1
                if not quiet:
                    detail = f": {outcome.reason}" if outcome.status == "rejected" else ""
                    self.stdout.write(f"  {outcome.status:<9} {outcome.file}{detail}")
        self.stdout.write(
            f"  {totals['stored']} stored, {totals['duplicate']} already there, {totals['rejected']} not CT images"
        )
