from django.db import migrations

# Defaults from the domain guide (Guangdong 2022 rule 粤民规字〔2022〕2号, as summarised
# publicly): association: 3 individual founders (or 2 legal persons) and 10 members;
# service: 2 founders (or 1 legal person) and 2 staff. Administrators change them in the admin.
DEFAULTS = [
    {
        "org_type": "association",
        "min_individual_founders": 3,
        "min_legal_person_founders": 2,
        "min_members": 10,
        "min_staff": 0,
        "requires_service_norms": False,
    },
    {
        "org_type": "service",
        "min_individual_founders": 2,
        "min_legal_person_founders": 1,
        "min_members": 0,
        "min_staff": 2,
        "requires_service_norms": True,
    },
]


def create_defaults(apps, schema_editor):
    FilingConditions = apps.get_model("registry", "FilingConditions")
    for values in DEFAULTS:
        FilingConditions.objects.get_or_create(org_type=values["org_type"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
