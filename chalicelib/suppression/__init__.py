"""Suppression: addresses that must never be mailed again (hard bounces,
complaints, repeated soft bounces), fed by SES events."""
