"""What the results pages show: the findings of each forge review (lists keep theirs in
``watch_jobs.findings``).  One row per forge job, written when the job is done; a re-run of the
same job replaces it.
"""

from __future__ import annotations

import json
import threading
import time

import sqlalchemy as sa

from reviewbot.db import metadata
from reviewbot.forge.jobs import Processor
from reviewbot.forge.queue import Job

reviews = sa.Table(
    "service_reviews", metadata,
    sa.Column("job_id", sa.Integer, primary_key=True),  # forge_jobs.id
    sa.Column("findings", sa.Text, nullable=False),  # JSON: [{rule, path, line, message, level, fp, ...}]
    sa.Column("created", sa.Float, nullable=False),
)


def finding_dict(f) -> dict:
    return {"rule": f.rule.id, "path": f.path, "line": f.line, "message": f.message,
            "level": f.effective_level.name.lower(), "fp": f.fingerprint,
            "confidence": f.effective_confidence.value, "side": f.side.value, "text": f.text}


class RecordingProcessor(Processor):
    """The forge Processor, keeping the findings of each done job for the results pages."""

    def __init__(self, *a, engine: sa.Engine, **kw):
        super().__init__(*a, **kw)
        self.engine = engine
        self._local = threading.local()

    def _review(self, series, body, rc):
        review, findings = super()._review(series, body, rc)
        self._local.findings = findings
        return review, findings

    def __call__(self, job: Job) -> tuple[str, str]:
        self._local.findings = None
        state, result = super().__call__(job)
        if state == "done" and self._local.findings is not None:
            data = json.dumps([finding_dict(f) for f in self._local.findings])
            with self.engine.begin() as c:
                c.execute(reviews.delete().where(reviews.c.job_id == job.id))
                c.execute(reviews.insert().values(job_id=job.id, findings=data, created=time.time()))
        return state, result
