"""Create one account bound to a node and print its one-time set-password link."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from registry.accounts import NODE_ROLES, account_create, set_password_link


class Command(BaseCommand):
    help = (
        "Create an account (community staff, street, district or city officer) bound to a "
        "division code, and print its one-time set-password link. No password is ever typed."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="the person's name")
        parser.add_argument("--role", required=True, choices=[str(r) for r in NODE_ROLES])
        parser.add_argument("--node", required=True, help="the division code it is bound to")
        parser.add_argument("--phone", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--base-url", default="", help="the site's address, e.g. https://registry.example"
        )

    def handle(self, *args, **options):
        try:
            user = account_create(
                acting_user=None,
                username=options["username"],
                name=options["name"],
                role=options["role"],
                node=options["node"],
                phone=options["phone"],
                email=options["email"],
                reason="create_account",
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        self.stdout.write(set_password_link(user, options["base_url"]))
