"""Optional codes stored as empty text become NULL (issue 21): two organisations without a
filing number no longer collide in its unique constraint. The imports now store NULL for a
blank code. A change of representation, not of the records' content, so no history row is
written (the history rows keep what was shown then: nothing)."""

from django.db import migrations

CODES = ("filing_number", "credit_code")


def blanks_to_null(apps, schema_editor):
    Organisation = apps.get_model("registry", "Organisation")
    for name in CODES:
        Organisation.objects.filter(**{name: ""}).update(**{name: None})


class Migration(migrations.Migration):
    dependencies = [("registry", "0008_member_id_number_encrypted")]

    operations = [migrations.RunPython(blanks_to_null, migrations.RunPython.noop)]
