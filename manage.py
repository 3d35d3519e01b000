#!/usr/bin/env python
"""Django's command-line utility for Convene."""
import os
import sys

from config.paths import add_platform_to_path


def main() -> None:
    add_platform_to_path()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
