from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"
    label = "recordings"
    verbose_name = "Recordings"
