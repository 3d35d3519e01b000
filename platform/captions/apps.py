from django.apps import AppConfig


class CaptionsConfig(AppConfig):
    name = "captions"
    label = "captions"
    verbose_name = "Captions and transcripts"
