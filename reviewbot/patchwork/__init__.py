"""Patchwork checks: one check (context ``reviewbot``) on every patch the follower reviews.

Modules: checks (a check from a patch's findings: pure), client (patchwork's REST API 1.3
over the forges' HTTP client: patches by Message-Id, a patch's checks, posting one without
duplicates), settings (the [lists.NAME] patchwork_* keys), tables (the database rows),
byhand (`reviewbot review --patchwork URL [--post]`).  The follower posts through
reviewbot.watch.patchwork_post (record before posting, confirm by reading back, give up on
patches never ingested).
"""
