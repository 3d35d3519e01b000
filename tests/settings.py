"""Test settings: the real settings, with a fast password hasher."""
from config.settings import *  # noqa: F403

# PBKDF2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
