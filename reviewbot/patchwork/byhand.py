"""`reviewbot review SOURCE --patchwork URL [--patchwork-project P] [--post]`.

Prints the check each reviewed patch would get, one line per patchwork patch; with ``--post``
posts those the patch does not have yet (the patch's checks are read first, so a second run
posts nothing).  The token comes from $REVIEWBOT_PATCHWORK_TOKEN (``Authorization: Token``).
"""

from __future__ import annotations

import logging
import os
from typing import Sequence, TextIO

from reviewbot.errors import InputError
from reviewbot.filter import Policy
from reviewbot.forge.http import ForgeError
from reviewbot.model import Confidence, Level, Review
from reviewbot.patchwork.checks import check_for
from reviewbot.patchwork.client import Patchwork
from reviewbot.patchwork.settings import TOKEN_ENV


def reported(review: Review, include_low: bool):
    """What a list with the default policy mails: WARNING and up, medium confidence and up."""
    return Policy(min_level=Level.WARNING, min_confidence=Confidence.MEDIUM,
                  include_low=include_low).shown(review.findings)


def run(reviews: Sequence[Review], url: str, project: str | None, post: bool, include_low: bool,
        out: TextIO) -> None:
    if not url.startswith(("http://", "https://")):
        raise InputError("--patchwork", f"expected the instance's http(s) URL, not {url!r}")
    token = os.environ.get(TOKEN_ENV, "")
    if post and not token:
        raise InputError("--post", f"no patchwork token: set ${TOKEN_ENV}")
    # the HTTP client logs its retries and failures; here a failure is the one-line error below
    logging.getLogger("reviewbot.forge.http").addHandler(logging.NullHandler())
    client = Patchwork(url, token, project=project)
    try:
        for review in reviews:
            findings = reported(review, include_low)
            for patch in review.series.patches:
                if not patch.msgid:
                    out.write(f"[{patch.index}/{len(review.series.patches)}] {patch.subject}: no Message-Id, "
                              "not in patchwork\n")
                    continue
                check = check_for([f for f in findings if f.patch_index == patch.index])
                found = client.patches(patch.msgid)
                if not found:
                    out.write(f"<{patch.msgid}>: not in patchwork{f' project {project}' if project else ''}: "
                              f"would be {check.state} \"{check.description}\"\n")
                    continue
                for pw in found:
                    if not post:
                        there = client.existing(pw["id"], check)
                        what = "already there" if there else "would post"
                    else:
                        posted, _ = client.ensure(pw["id"], check)
                        what = "posted" if posted else "already there"
                    out.write(f"patch {pw['id']} ({pw['project']['link_name']}) <{patch.msgid}>: {check.state} "
                              f"{check.context} \"{check.description}\" ({what})\n")
    except ForgeError as exc:
        raise InputError("patchwork", str(exc)) from None
    finally:
        client.close()
