from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Every playbook section rejects keys it does not know, so a typo fails
    validation with the key's path instead of being silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_origins(origins: tuple[str, ...]) -> tuple[str, ...]:
    """CORS origins (scheme://host[:port], nothing more)."""
    for origin in origins:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise ValueError(f"{origin!r} is not an origin like https://www.example.com")
    return origins
