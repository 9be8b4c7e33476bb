"""Cut GitHub's official REST description to the operations reviewbot calls.

    npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python tests/forge/cut_openapi.py package/generated/api.github.com.json \
        tests/data/forge/github-openapi-subset.json

Keeps the request side (parameters, request bodies and every component they reference) and
replaces responses by a stub: the tests validate what reviewbot *sends*.
"""

from __future__ import annotations

import json
import sys

OPERATIONS = [
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
    ("post", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/user"),
    ("get", "/app"),
    ("get", "/users/{username}"),
    ("post", "/app/installations/{installation_id}/access_tokens"),
    ("get", "/repos/{owner}/{repo}/installation"),
    ("get", "/rate_limit"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
]


def _refs(node, out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            out.add(ref)
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def cut(spec: dict) -> dict:
    paths: dict = {}
    for method, path in OPERATIONS:
        op = dict(spec["paths"][path][method])
        op["responses"] = {"default": {"description": "responses are not part of the test subset"}}
        for k in ("x-github", "externalDocs"):
            op.pop(k, None)
        paths.setdefault(path, {})[method] = op
    comps: dict = {}
    todo: set[str] = set()
    _refs(paths, todo)
    done: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in done:
            continue
        done.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = spec["components"][kind][name]
        comps.setdefault(kind, {})[name] = node
        found: set[str] = set()
        _refs(node, found)
        todo |= found - done
    return {"openapi": spec["openapi"], "info": spec["info"], "servers": spec.get("servers", []),
            "paths": paths, "components": comps}


if __name__ == "__main__":
    with open(sys.argv[1]) as fh:
        full = json.load(fh)
    with open(sys.argv[2], "w") as fh:
        json.dump(cut(full), fh, indent=1, sort_keys=True)
        fh.write("\n")
