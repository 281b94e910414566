"""The `leadflow` command line: the admin API for people (import, leads, reps,
funnel). It runs on a laptop against a local or deployed API and is never
packaged into the Lambda."""
