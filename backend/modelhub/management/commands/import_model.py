from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from modelhub.services.versions import model_version_import
from studies.models import Device


class Command(BaseCommand):
    help = "Import a checkpoint file as a model version (a base version unless --device), validated by the engine."

    def add_arguments(self, parser):
        parser.add_argument("checkpoint", type=Path)
        parser.add_argument("--name", required=True)
        parser.add_argument("--device", help="device key (e.g. siemens/biograph40_mct); omit for a base version")
        parser.add_argument("--activate", action="store_true", help="make it the active version at once")

    def handle(self, *args, checkpoint: Path, name: str, device: str | None, activate: bool, **options):
        target = None
        if device:
            target = Device.objects.filter(key=device).first()
            if target is None:
                raise CommandError(f"no device with key {device!r}")
        try:
            version = model_version_import(path=checkpoint, name=name, device=target, activate=activate)
        except ApplicationError as refusal:
            raise CommandError(refusal.message) from refusal
        self.stdout.write(f"  {version.name}: {version.arch}, sha256 {version.checksum[:12]}, {version.status}")
