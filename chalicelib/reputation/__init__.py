"""Sending reputation: day counters of sends, bounces and complaints per mail
kind and mailbox provider, and the guard that pauses nurture mail before SES
or Gmail would act against the account."""
