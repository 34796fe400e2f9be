from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from registry.models import User


class Command(BaseCommand):
    help = (
        "Print the API token of a user, creating it if there is none (one token per user). "
        "--rotate replaces it with a new one; --revoke deletes it, after which requests with it "
        "get 401. Tokens can also be managed in the admin (Auth Token → Tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--revoke", action="store_true", help="delete the user's token")
        action.add_argument(
            "--rotate", action="store_true", help="replace the user's token with a new one"
        )

    @transaction.atomic
    def handle(self, *args, username, revoke=False, rotate=False, **options):
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user named {username!r}") from None
        if revoke:
            deleted, _ = Token.objects.filter(user=user).delete()
            message = f"token of {username} revoked" if deleted else f"{username} had no token"
            self.stderr.write(message)
            return
        if not user.is_active:
            raise CommandError(f"{username} is inactive; activate the account first")
        if rotate:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created and options["verbosity"] > 1:
            self.stderr.write(f"new token for {username}")
        # Only the key on stdout, so that scripts can capture it.
        self.stdout.write(token.key)
