"""Certificates of attendance: the organizer's rule per convening, and what was issued.

An issued certificate keeps a snapshot of everything it says (name, convening, dates,
sessions and hours, organization), so verifying it later shows what was issued even if
attendance rows, the agenda or the person's account change afterwards.
"""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

DEFAULT_PERCENT = 80
DEFAULT_CATEGORY = "CTLE"


class CertificateRule(models.Model):
    """How attendance turns into PD hours for one convening."""

    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE,
                                     related_name="certificate_rule")
    percent = models.PositiveSmallIntegerField(
        default=DEFAULT_PERCENT, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="A session counts its hours when someone attended at least this share of it.")
    survey = models.ForeignKey(
        "surveys.Survey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="If set, certificates wait until the person has answered this survey.")
    organization = models.CharField(max_length=200, blank=True,
                                    help_text="The issuing organization, as printed on the certificate.")
    categories = models.TextField(default=DEFAULT_CATEGORY,
                                  help_text="Credit categories your state uses, one per line (e.g. CTLE).")
    # {"<session id>": "<category>"}; "" means the session earns no credit. A session not
    # listed earns the first category, so a new rule credits the whole agenda.
    session_categories = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Certificate rule · {self.convening}"

    @property
    def category_list(self) -> list[str]:
        names = [line.strip() for line in self.categories.splitlines() if line.strip()]
        return list(dict.fromkeys(names)) or [DEFAULT_CATEGORY]

    def category_of(self, session_id: int) -> str:
        chosen = self.session_categories.get(str(session_id))
        if chosen is None:
            return self.category_list[0]
        return chosen if chosen in self.category_list else ""


class Certificate(models.Model):
    """One issued certificate. A newer one for the same person and convening replaces it."""

    code = models.CharField(max_length=16, unique=True, editable=False)
    # SET_NULL: a certificate stays verifiable after the account or convening is removed;
    # the snapshot holds everything it says.
    convening = models.ForeignKey("convenings.Convening", on_delete=models.SET_NULL, null=True,
                                  related_name="certificates")
    participant = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True,
                                    related_name="certificates")
    snapshot = models.JSONField(editable=False)
    # The PDF as issued (and emailed): downloads hand out these exact bytes, and the zip of
    # a whole convening needs no rendering.
    pdf = models.BinaryField(editable=False)
    issued_at = models.DateTimeField()
    replaced_at = models.DateTimeField(null=True, blank=True,
                                       help_text="When a newer certificate with other hours replaced this one.")

    class Meta:
        ordering = ["-issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "participant"], condition=Q(replaced_at__isnull=True),
                                    name="one_current_certificate_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.snapshot.get('name', '')} · {self.snapshot.get('convening', '')}"
