from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rooms", "0003_chat_client_id"),
    ]

    operations = [
        migrations.AddField(
            model_name="livebreakoutstate",
            name="rounds",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="A multi-round sequence and how far it got (rooms.rounds; empty: none)."),
        ),
    ]
