from django.apps import AppConfig


class ConveningsConfig(AppConfig):
    name = "convenings"
    verbose_name = "Convenings and agenda"
