from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from knox.models import AuthToken
from knox.settings import knox_settings

from registry.models import User


class Command(BaseCommand):
    help = (
        "Issue a new API token for a user and print it (only its digest is stored, so this is "
        "the one time it can be read; it expires after API_TOKEN_DAYS days). A user may hold "
        "several tokens (one per integration). --rotate deletes the user's other tokens first; "
        "--revoke deletes them all, after which requests with them get 401. Tokens can also be "
        "revoked in the admin (Knox → Auth tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--revoke", action="store_true", help="delete the user's tokens")
        action.add_argument(
            "--rotate",
            action="store_true",
            help="replace the user's tokens with a new one",
        )

    @transaction.atomic
    def handle(self, *args, username, revoke=False, rotate=False, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        if revoke:
            deleted, _ = AuthToken.objects.filter(user=user).delete()
            message = (
                f"tokens of {username} revoked ({deleted})"
                if deleted
                else (f"{username} had no token")
            )
            self.stderr.write(message)
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive; activate the account first")
        if rotate:
            AuthToken.objects.filter(user=user).delete()
        instance, token = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        if options["verbosity"] > 1:
            self.stderr.write(f"new token for {username}, valid until {instance.expiry:%Y-%m-%d}")
        # Only the token on stdout, so that scripts can capture it.
        self.stdout.write(token)
