from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Every playbook section rejects keys it does not know, so a typo fails
    validation with the key's path instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
