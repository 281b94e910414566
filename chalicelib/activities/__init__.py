"""Activities (web events, e-mail opens and clicks, server-side facts) and
profile edits: the facts the score is computed from."""
