from pydantic import Field, model_validator

from .activities import Activities
from .base import Strict
from .forms import FormDefinition
from .integrations import Integrations
from .nurture import Nurture
from .optin import CaptureLimits, DoubleOptIn
from .outcomes import Outcomes
from .prediction import Prediction
from .reputation import Reputation
from .routing import Routing
from .scoring import Scoring
from .sender import Sender
from .suppression import SuppressionRules


class Playbook(Strict):
    version: str = Field(min_length=1)
    forms: dict[str, FormDefinition] = Field(min_length=1)
    double_opt_in: DoubleOptIn = DoubleOptIn()
    capture: CaptureLimits = CaptureLimits()
    suppression: SuppressionRules = SuppressionRules()
    activities: Activities = Activities()
    scoring: Scoring = Scoring()
    routing: Routing = Routing()
    outcomes: Outcomes = Outcomes()
    nurture: Nurture = Nurture()
    integrations: Integrations = Integrations()
    reputation: Reputation = Reputation()
    prediction: Prediction = Prediction()
    sender: Sender | None = None

    @model_validator(mode="after")
    def _scoring_names_known_activities(self) -> "Playbook":
        unknown = sorted(self.scoring.activity_types() - set(self.activities.types))
        if unknown:
            raise ValueError(f"scoring.engagement: unknown activity types {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _marketing_names_its_sender(self) -> "Playbook":
        if self.sender is not None:
            return self
        if self.nurture.sequences:
            raise ValueError("sender: nurture mails need the imprint (company, postal_address, privacy_url)")
        for name, form in self.forms.items():
            if form.consent.privacy_link:
                raise ValueError(f"forms.{name}.consent.privacy_link: links to sender.privacy_url, which is not set")
        return self

    @model_validator(mode="after")
    def _nurture_names_known_forms(self) -> "Playbook":
        for name, sequence in self.nurture.sequences.items():
            unknown = sorted(set(sequence.enrol.forms) - set(self.forms))
            if unknown:
                raise ValueError(f"nurture.sequences.{name}.enrol.forms: unknown forms {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _prediction_counts_known_activities(self) -> "Playbook":
        unknown = sorted(set(self.prediction.activity_types) - set(self.activities.types))
        if unknown:
            raise ValueError(f"prediction.activity_types: unknown activity types {', '.join(unknown)}")
        return self
