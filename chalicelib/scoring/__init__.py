"""Lead scoring and lifecycle stages: pure rules (rules.py, stages.py) and the
use case that applies them to stored leads (service.py)."""
