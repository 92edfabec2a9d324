from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.services import demo_accounts_create, demo_accounts_write


class Command(BaseCommand):
    help = "Create one demo account per role; new passwords are printed once and saved to var/demo-accounts.txt."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.VAR_DIR / "demo-accounts.txt"))

    def handle(self, *args, out: str, **options):
        accounts = demo_accounts_create()
        demo_accounts_write(accounts=accounts, path=Path(out))
        for account in accounts:
            secret = account.password or f"(unchanged; see {out})"
            self.stdout.write(f"  {account.role:<11} {account.username:<18} {secret}")
