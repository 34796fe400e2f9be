from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.demo import DEMO_PASSWORD, DEMO_USERS
from registry.models import Division, User


class Command(BaseCommand):
    help = "Create the demo logins (one per role) on top of the loaded divisions. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true",
            help="allow demo logins with a published password even when DEBUG is off",
        )

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo logins have a published password. "
                               "Use --force if this really is a demo server.")
        codes = {code for _u, _r, code, _n in DEMO_USERS}
        divisions = Division.objects.in_bulk(codes)
        if missing := codes - divisions.keys():
            raise CommandError(
                f"divisions {', '.join(sorted(missing))} are not loaded; run load_divisions first"
            )
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        for username, role, code, display in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"role": role, "division": divisions[code], "first_name": display},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.full_clean()
                user.save()
        self.stdout.write(self.style.SUCCESS(
            f"demo logins: admin, {', '.join(u for u, *_ in DEMO_USERS)} "
            f"(password {DEMO_PASSWORD})"
        ))
