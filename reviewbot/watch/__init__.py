"""`reviewbot watch`: follow public-inbox lists (epoch git repos), review each new series once,
reply by mail through a durable outbox (README: Following lore lists).

Modules: policy (the [lists.NAME] config), epochs (GitPython walk of git/N.git), follow
(cursor + seen, series assembly through the b4 adapter, jobs), outbox (record, send, confirm),
patchwork_post (the patchwork checks of reviewed series: record, post, confirm), tables (the database schema).
"""
