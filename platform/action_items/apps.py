from django.apps import AppConfig


class ActionItemsConfig(AppConfig):
    name = "action_items"
    verbose_name = "Top 5 action items"
