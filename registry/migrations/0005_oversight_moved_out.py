# The oversight models moved to their own app (oversight/migrations/0001_initial.py). Their
# tables stay where they are: this only takes them out of the registry's migration state, and
# hands the content types (and with them permissions and admin log entries) to the new app.

from django.db import migrations

MOVED = [
    "oversightsettings",
    "annualreport",
    "creditlistentry",
    "dormancycase",
    "historicaloversightsettings",
    "historicalannualreport",
    "historicalcreditlistentry",
    "historicaldormancycase",
]


def content_types_to_oversight(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        # A fresh database may already have the new app's rows (post_migrate of an earlier run).
        if not ContentType.objects.using(db).filter(app_label="oversight", model=model).exists():
            ContentType.objects.using(db).filter(app_label="registry", model=model).update(
                app_label="oversight"
            )


def content_types_to_registry(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label="registry", model=model).exists():
            ContentType.objects.using(db).filter(app_label="oversight", model=model).update(
                app_label="registry"
            )


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0004_history_reason_as_text"),
        ("oversight", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="HistoricalAnnualReport"),
                migrations.DeleteModel(name="HistoricalCreditListEntry"),
                migrations.DeleteModel(name="HistoricalDormancyCase"),
                migrations.DeleteModel(name="HistoricalOversightSettings"),
                migrations.DeleteModel(name="DormancyCase"),
                migrations.DeleteModel(name="CreditListEntry"),
                migrations.DeleteModel(name="AnnualReport"),
                migrations.DeleteModel(name="OversightSettings"),
            ],
        ),
        migrations.RunPython(content_types_to_oversight, content_types_to_registry),
    ]
