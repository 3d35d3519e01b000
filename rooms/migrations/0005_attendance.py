"""Attendance comes from reports (issue 15): the model only; reports 0002 renamed its table,
rows and all, to ``rooms_attendance``. The content type follows too, so permissions granted on
"attendance" stay granted."""
import django.db.models.deletion
from django.db import migrations, models


def content_type_follows(apps, schema_editor, old="reports", new="rooms"):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label=new, model="attendance").exists():
        content_types.objects.filter(app_label=old, model="attendance").update(app_label=new)


def content_type_returns(apps, schema_editor):
    content_type_follows(apps, schema_editor, old="rooms", new="reports")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("convenings", "0002_initial"),
        ("people", "0001_initial"),
        ("reports", "0002_attendance_moves_to_rooms"),
        ("rooms", "0004_rounds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Attendance",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("space", models.CharField(max_length=120)),
                        ("joined_at", models.DateTimeField()),
                        ("left_at", models.DateTimeField(blank=True, help_text="Empty while they are still there.", null=True)),
                        ("convening", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attendance", to="convenings.convening")),
                        ("participant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attendance", to="people.participant")),
                    ],
                    options={
                        "verbose_name_plural": "attendance",
                        "ordering": ["convening", "joined_at"],
                        "indexes": [models.Index(fields=["convening", "participant", "space"], name="attendance_lookup_idx")],
                        "constraints": [models.CheckConstraint(condition=models.Q(("left_at__isnull", True), ("left_at__gte", models.F("joined_at")), _connector="OR"), name="attendance_leaves_after_joining")],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
