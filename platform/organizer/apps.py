from django.apps import AppConfig


class OrganizerConfig(AppConfig):
    name = "organizer"
    label = "organizer"
    verbose_name = "Organizer pages"
