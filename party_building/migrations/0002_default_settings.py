from django.db import migrations


def create_settings(apps, schema_editor):
    Settings = apps.get_model("party_building", "PartyBuildingSettings")
    # The defaults of the domain guide: 3 formal party members, a warning.
    Settings.objects.get_or_create(
        pk=1, defaults={"min_formal_members": 3, "three_member_rule_severity": "warning"}
    )


class Migration(migrations.Migration):
    dependencies = [("party_building", "0001_initial")]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
