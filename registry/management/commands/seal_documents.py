"""Move the charters and activity rules that are still in MEDIA_ROOT (a backup restored from
before migration ``registry/0012_private_documents``, files copied in by hand) into the private
storage, sealed, under the same names (docs/security.md, "Uploads")."""

from django.core.management.base import BaseCommand

from core.documents import seal_into_private
from registry.models import Organisation


class Command(BaseCommand):
    help = "Move organisation documents from MEDIA_ROOT into the private, sealed storage."

    def handle(self, *args, **options):
        names = set()
        for field in ("charter_file", "activity_rules_file"):
            names.update(Organisation.objects.exclude(**{field: ""}).values_list(field, flat=True))
        moved = sum(seal_into_private(name) for name in sorted(names))
        self.stdout.write(f"{moved} documents moved into the private storage.")
