"""Routing of sales-qualified leads to reps: rules, capacity, SLA, speed-to-lead."""
