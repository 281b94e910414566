"""Funnel analytics: counters kept by the stream consumer, the funnel report
and its picture, campaign spend."""
