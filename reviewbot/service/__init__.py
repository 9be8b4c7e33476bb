"""Running reviewbot as a service (docs/design.md, Durability).

    app.py       the composition: embedded (SQLite, table queue, one process) or scale-out
                 (PostgreSQL + huey/Redis, `serve --workers 0` replicas, `reviewbot worker`s)
    queue.py     LeasedQueue (claim by compare-and-set, fencing token, heartbeat, reclaim) and
                 HueyBroker (job ids through huey's Redis storage)
    runner.py    worker threads with heartbeat and graceful stop; the reconciler
    lists.py     list series jobs (queued by the list follower with their raw messages):
                 rebuild, review, record under the claim's fence, reply through the outbox
    migrate.py   Alembic migrations (reviewbot/migrations/) at start or by `reviewbot db upgrade`
    metrics.py   Prometheus /metrics and /readyz
    logs.py      one JSON object per log line
"""
