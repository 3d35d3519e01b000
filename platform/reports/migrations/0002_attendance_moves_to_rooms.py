"""Attendance moves to rooms (issue 15): it is live state that rooms writes; reports only read it.

The table keeps its rows: it is renamed to ``rooms_attendance`` here, then reports forget the
model (state only) and rooms 0005 takes it over (state only). Reversible: rooms 0005 goes first
backwards, then this renames the table back.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(name="attendance", table="rooms_attendance"),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Attendance")],
            database_operations=[],
        ),
    ]
