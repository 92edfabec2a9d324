from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed

        from .signin_limits import on_login_failed

        user_login_failed.connect(on_login_failed, dispatch_uid="accounts.signin_failures_per_address")
