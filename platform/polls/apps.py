from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "polls"
    label = "polls"
    verbose_name = "Polls"
