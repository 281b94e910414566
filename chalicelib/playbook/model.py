from pydantic import Field

from .base import Strict
from .forms import FormDefinition
from .optin import CaptureLimits, DoubleOptIn
from .suppression import SuppressionRules


class Playbook(Strict):
    version: str = Field(min_length=1)
    forms: dict[str, FormDefinition] = Field(min_length=1)
    double_opt_in: DoubleOptIn = DoubleOptIn()
    capture: CaptureLimits = CaptureLimits()
    suppression: SuppressionRules = SuppressionRules()
