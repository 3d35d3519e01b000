from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "registration"
    label = "registration"
    verbose_name = "Registration"
