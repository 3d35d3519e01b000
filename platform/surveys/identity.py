"""Who answered, without saying who: the respondent key.

Every response stores ``respondent_key = HMAC-SHA256(secret, "<survey id>:<participant id>")``
and the database keeps it unique per survey, so each participant has exactly one
response per survey even when the survey is anonymous and ``Response.participant``
stays empty.

What this protects and what it doesn't:
- Someone reading the database or an export cannot tell whose response is whose:
  the key is never exported or shown, and without the secret it can't be recomputed.
- The key includes the survey id, so the same person's responses to two surveys
  cannot be linked by comparing keys.
- Whoever holds the secret (the server's operators) could recompute the key for every
  registered participant and re-identify responses. Anonymity here means "anonymous
  to organizers and in results", not "anonymous to the server".
- The secret is ``SURVEY_RESPONDENT_SECRET`` if set, else ``SECRET_KEY``. Rotating it
  means existing respondents are no longer recognized and could answer a second time.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT = "convene.surveys.respondent-key"


def respondent_key(survey_id: int, participant_id: int) -> str:
    secret = getattr(settings, "SURVEY_RESPONDENT_SECRET", None) or settings.SECRET_KEY
    return salted_hmac(_SALT, f"{survey_id}:{participant_id}", secret=secret, algorithm="sha256").hexdigest()
