"""Fuzz `reviewbot review` and `reviewbot b4-check` with seeded mutations of the real patches in
tests/, each input with a time and a memory budget; and webhook payloads through the real server.

Mail: every input is a real patch or mail from tests/data (and examples/) with one to three
mutations: byte flips, line-end changes (CRLF, bare CR, mixed), truncation, giant lines,
NUL bytes, invalid UTF-8, nested MIME, base64 garbage, huge hunk counts, hunks at absurd line
numbers, hostile headers (encoded CR/LF, RFC 6532 addresses, 500 Cc).  Each input runs through
both commands in a forked child of one warmed-up process (imports done once, so start-up is
not in the numbers), stdin from a file, stdout/stderr to files; the parent measures the
child's wall time, CPU time and peak RSS (wait4) and kills it at three times the budget (wall
clock).  The CLI's own budget (REVIEWBOT_TIME_BUDGET) is set to half the budget less 0.5 s per
step.  An input fails when:
  - the exit status is not 0, 1 or 2, or stderr holds a traceback;
  - exit 2 without exactly one `reviewbot: ...` line on stderr (b4-check: plus its JSON row);
  - it used more CPU than the budget, was killed, or its peak RSS passed the memory budget.

Webhooks (--webhooks N): the real service app on uvicorn (loopback), signed deliveries of
mutated GitHub/GitLab payloads (types swapped, huge numbers, deep nesting, long strings, lists
for objects); any 5xx fails.

Run:  .venv/bin/python benchmarks/fuzz.py [--count 2000] [--seed 1] [--budget 5] [--memory 500]
                                           [--webhooks 500] [--json out.json] [--save-failures DIR]
Exit status 0 when nothing failed.  tests/test_fuzz_harness.py runs 200 inputs of it.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COMMANDS = ("review", "b4-check")
MAX_INPUT = 32 * 1024 * 1024  # the mutations stop growing an input here


def seeds() -> list[tuple[str, bytes]]:
    """The real patches and mails the mutations start from (small ones: the mutations grow them)."""
    found = sorted({*ROOT.glob("tests/data/**/*.patch"), *ROOT.glob("tests/data/**/*.eml"),
                    *ROOT.glob("examples/*.patch")})
    out = []
    for p in found:
        data = p.read_bytes()
        if 200 < len(data) <= 64 * 1024 and (b"\n@@ " in data or b"base64" in data):
            out.append((str(p.relative_to(ROOT)), data))
    return out


# -- mutations ---------------------------------------------------------------------------------

def _split(data: bytes) -> tuple[bytes, bytes]:
    data = data.replace(b"\r\n", b"\n")
    head, sep, body = data.partition(b"\n\n")
    return (head, body) if sep else (b"", data)


def byte_flips(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def line_ends(rng: random.Random, data: bytes) -> bytes:
    data = data.replace(b"\r\n", b"\n")
    kind = rng.choice(["crlf", "cr", "mixed", "body-cr", "lfcr"])
    if kind == "crlf":
        return data.replace(b"\n", b"\r\n")
    if kind == "cr":
        return data.replace(b"\n", b"\r")
    if kind == "lfcr":
        return data.replace(b"\n", b"\n\r")
    if kind == "body-cr":
        head, body = _split(data)
        return head + b"\n\n" + body.replace(b"\n", b"\r")
    lines = data.split(b"\n")
    return b"".join(ln + rng.choice([b"\n", b"\r", b"\r\n"]) for ln in lines)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(1, max(2, len(data)))]


def giant_line(rng: random.Random, data: bytes) -> bytes:
    unit = rng.choice([b"a", b"a #", b"Fixes: ", b"+", b"@", b" ", b"\t", b"x:", b"(", b"<a@b.c> ", b"-- \n"[:3]])
    line = unit * (rng.randint(20_000, 1_000_000) // len(unit))
    if rng.random() < 0.3:  # a trailer-shaped giant line
        line = b"Signed-off-by: " + line
    lines = data.split(b"\n")
    i = rng.randrange(len(lines) + 1)
    return b"\n".join(lines[:i] + [line] + lines[i:])


def nul_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 5)):
        b.insert(rng.randrange(len(b) + 1), 0)
    return bytes(b)


def invalid_utf8(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 10)):
        junk = rng.choice([b"\xff", b"\xfe\xfe", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80"])
        i = rng.randrange(len(b) + 1)
        b[i:i] = junk
    return bytes(b)


def nested_mime(rng: random.Random, data: bytes) -> bytes:
    head, body = _split(data)
    depth = rng.choice([1, 2, 5, 50, 500])
    inner = b"Content-Type: text/plain; charset=utf-8\n\n" + body
    for d in range(depth):
        bnd = f"b{d}x".encode()
        inner = (b"Content-Type: multipart/mixed; boundary=\"" + bnd + b"\"\n\n--" + bnd + b"\n" + inner
                 + b"\n--" + bnd + b"--\n")
    head = b"\n".join(ln for ln in head.split(b"\n") if not ln.lower().startswith((b"content-", b"mime-")))
    return head + b"\nMIME-Version: 1.0\n" + inner


def base64_garbage(rng: random.Random, data: bytes) -> bytes:
    head, body = _split(data)
    head = b"\n".join(ln for ln in head.split(b"\n") if not ln.lower().startswith((b"content-", b"mime-")))
    kind = rng.choice(["garbage", "truncated", "crlf-inside", "bare-cr-inside"])
    if kind == "garbage":
        payload = bytes(rng.randrange(256) for _ in range(rng.randint(10, 5000)))
        enc = base64.encodebytes(payload)
        enc = bytes(c if rng.random() > 0.02 else rng.choice(b"!@#$%^&*") for c in enc)
    elif kind == "truncated":
        enc = base64.encodebytes(body)[: rng.randrange(1, len(body) + 2)]
    else:
        sep = b"\r\n" if kind == "crlf-inside" else b"\r"
        enc = base64.encodebytes(body.replace(b"\n", sep))
    return head + b"\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n" \
                  b"Content-Transfer-Encoding: base64\n\n" + enc


def huge_hunks(rng: random.Random, data: bytes) -> bytes:
    """One hunk of the patch repeated many times (its line numbers moved on each time)."""
    m = re.search(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@[^\n]*\n(?:[ +\-\\][^\n]*\n)*", data, re.M)
    if m is None:
        return data
    hunk = m.group(0)
    n = rng.choice([1000, 3000, 6000, 20_000, 100_000])
    n = max(1, min(n, MAX_INPUT // max(1, len(hunk))))  # a giant line in the hunk: fewer copies
    step = max(int(m.group(2) or 1), int(m.group(4) or 1)) + 3
    body = hunk[hunk.index(b"\n") + 1:]
    tail = hunk[hunk.index(b"@@", 2) + 2: hunk.index(b"\n")]
    parts = []
    for k in range(n):
        o, nn = int(m.group(1)) + k * step, int(m.group(3)) + k * step
        parts.append(b"@@ -%d,%s +%d,%s @@%s\n" % (o, m.group(2) or b"1", nn, m.group(4) or b"1", tail) + body)
    return data[: m.start()] + b"".join(parts) + data[m.end():]


def absurd_line_numbers(rng: random.Random, data: bytes) -> bytes:
    shift = rng.choice([10**6, 10**9, 2**31, 10**18, 10**40])
    return re.sub(rb"^@@ -(\d+)", lambda m: b"@@ -%d" % (int(m.group(1)) + shift), re.sub(
        rb"(?m)^(@@ -\S+ \+)(\d+)", lambda m: m.group(1) + b"%d" % (int(m.group(2)) + shift), data), flags=re.M)


def hostile_headers(rng: random.Random, data: bytes) -> bytes:
    head, body = _split(data)
    kind = rng.choice(["crlf-from", "utf8-from", "cc500", "long-subject", "refs", "no-headers", "dup-msgid"])
    lines = [ln for ln in head.split(b"\n") if ln]
    if kind == "crlf-from":
        lines = [ln for ln in lines if not ln.startswith(b"From:")]
        lines.insert(0, b"From: =?utf-8?q?Ann=0D=0ABcc=3A_x=40evil=2Eexample?= <ann@example.org>")
    elif kind == "utf8-from":
        lines = [ln for ln in lines if not ln.startswith(b"From:")]
        lines.insert(0, "From: Änn Ö <änn.ö@exämple.org>".encode())
    elif kind == "cc500":
        lines.append(b"Cc: " + b", ".join(b"dev%d@example.net" % i for i in range(500)))
    elif kind == "long-subject":
        lines = [ln for ln in lines if not ln.startswith(b"Subject:")]
        lines.append(b"Subject: [PATCH " + b"v9999999999999999999 " * rng.randint(1, 2000) + b"1/1] x")
    elif kind == "refs":
        lines.append(b"References: " + b" ".join(b"<r%d@x>" % i for i in range(rng.randint(100, 50_000))))
    elif kind == "no-headers":
        return body
    else:
        lines += [ln for ln in lines if ln.lower().startswith(b"message-id")] * 50
    return b"\n".join(lines) + b"\n\n" + body


MUTATIONS = (byte_flips, line_ends, truncate, giant_line, nul_bytes, invalid_utf8, nested_mime, base64_garbage,
             huge_hunks, absurd_line_numbers, hostile_headers)


def mutant(seed: int, index: int, pool: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    """Input `index` of run `seed`: (description, bytes), the same on every machine."""
    rng = random.Random(seed * 1_000_003 + index)
    name, data = pool[rng.randrange(len(pool))]
    ops = [MUTATIONS[index % len(MUTATIONS)]] + rng.sample(MUTATIONS, rng.choice([0, 0, 1, 2]))
    for op in ops:
        data = op(rng, data)[:MAX_INPUT]
    return f"{Path(name).name}: {'+'.join(op.__name__ for op in ops)}", data


# -- running one input ---------------------------------------------------------------------------

@dataclass
class Outcome:
    index: int
    what: str
    command: str
    size: int
    rc: int
    seconds: float  # wall clock
    cpu: float  # user + system seconds of the child
    rss_mb: float
    problem: str = ""  # empty: the input was handled as the contract says


def _warm() -> None:
    """Load, review and render one real patch in this process before forking: every child then
    starts with b4, the rules, the templates and tree-sitter already imported."""
    from reviewbot import cli, pipeline  # noqa: F401
    from reviewbot.commands import b4_check, review  # noqa: F401
    from reviewbot.report import terminal

    for series in pipeline.load([str(ROOT / "examples/zram-sysfs-self-pin.patch")]):
        terminal.format_review(pipeline.review_series(series), False)
    pipeline.batch_gc()


def _child(argv: list[str], stdin: str, out: str, err: str) -> None:
    fd_in = os.open(stdin, os.O_RDONLY)
    fd_out = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fd_err = os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd_in, 0)
    os.dup2(fd_out, 1)
    os.dup2(fd_err, 2)
    code = 70
    try:
        from reviewbot import cli

        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        sys.stderr = open(2, "w", closefd=False)
        code = cli.main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # a crash: the traceback is the finding
        import traceback

        traceback.print_exc()
        code = 70
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _run_child(argv: list[str], data: bytes, budget: float) -> tuple[int, float, float, float, str, str]:
    """(exit status or -signal, wall s, CPU s, peak RSS MB, stdout, stderr) of one forked run.  The
    input file is the child's stdin (b4-check) and `@input` in argv names it (review)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, n) for n in ("in", "out", "err")]
        Path(paths[0]).write_bytes(data)
        argv = [a if a != "@input" else paths[0] for a in argv]
        t0 = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _child(argv, paths[0], paths[1], paths[2])
        status, usage = 0, None
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() - t0 > budget:
                os.kill(pid, signal.SIGKILL)
                _, status, usage = os.wait4(pid, 0)
                break
            time.sleep(0.005)
        seconds = time.monotonic() - t0
        rc = os.waitstatus_to_exitcode(status)
        out = Path(paths[1]).read_text(errors="replace")
        err = Path(paths[2]).read_text(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime if usage else 0.0
    return rc, seconds, cpu, usage.ru_maxrss / 1024 if usage else 0.0, out, err


def judge(command: str, rc: int, seconds: float, cpu: float, rss_mb: float, out: str, err: str, budget: float,
          memory_mb: float) -> str:
    """'' when the run kept the contract, else what went wrong.  Time is judged on CPU seconds
    (wall time on a shared machine measures the other tenants too); a run the parent had to
    kill (3x the budget, wall clock) fails whatever its CPU time."""
    if rc < 0:
        return f"killed by signal {-rc} after {seconds:.1f} s" + (" (time budget)" if seconds >= budget else "")
    if "Traceback" in err or rc == 70:
        return "traceback: " + (err.strip().splitlines() or ["?"])[-1][:200]
    if rc not in (0, 1, 2):
        return f"exit status {rc}"
    if rss_mb > memory_mb:
        return f"peak RSS {rss_mb:.0f} MB over the {memory_mb:.0f} MB budget"
    if cpu > budget:
        return f"{cpu:.1f} s of CPU over the {budget:g} s budget"
    if rc == 2:
        lines = err.splitlines()
        if len(lines) != 1 or not lines[0].startswith("reviewbot: "):
            return f"exit 2 without a one-line error: {err[:200]!r}"
        if command == "b4-check":
            try:
                (row,) = json.loads(out)
                assert row["status"] == "fail"
            except Exception:  # noqa: BLE001
                return f"b4-check exit 2 without its fail row: {out[:200]!r}"
    if command == "b4-check" and rc in (0, 1):
        try:
            (row,) = json.loads(out)
            assert row["status"] in ("pass", "warn", "fail")
        except Exception:  # noqa: BLE001
            return f"b4-check printed no valid row: {out[:200]!r}"
    return ""


def run_mail(count: int, seed: int, budget: float, memory_mb: float, save: Path | None = None,
             progress: bool = False) -> list[Outcome]:
    pool = seeds()
    if not pool:
        raise SystemExit("no seed patches found under tests/data")
    # the CLI's own budget (CPU s per step: loading the input, reviewing its series)
    os.environ.setdefault("REVIEWBOT_TIME_BUDGET", str(max(0.5, budget / 2 - 0.5)))
    _warm()
    out: list[Outcome] = []
    for i in range(count):
        what, data = mutant(seed, i, pool)
        for command in COMMANDS:
            argv = ["review", "-q", "@input"] if command == "review" else ["b4-check"]
            rc, secs, cpu, rss, sout, serr = _run_child(argv, data, budget * 3)
            problem = judge(command, rc, secs, cpu, rss, sout, serr, budget, memory_mb)
            out.append(Outcome(i, what, command, len(data), rc, round(secs, 3), round(cpu, 3), round(rss, 1),
                               problem))
            if problem and save is not None:
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{seed}-{i}.in").write_bytes(data)
        if progress and (i + 1) % 100 == 0:
            bad = sum(1 for o in out if o.problem)
            print(f"  {i + 1}/{count} inputs, {bad} problem(s)", file=sys.stderr, flush=True)
    return out


def table(outcomes: list[Outcome]) -> str:
    rows = ["| command | inputs | exit 0 | exit 1 | exit 2 | other | problems | max CPU (s) | p99 CPU (s) "
            "| max wall (s) | max peak RSS (MB) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for command in COMMANDS:
        mine = [o for o in outcomes if o.command == command]
        if not mine:
            continue
        rcs = Counter(o.rc for o in mine)
        times = sorted(o.cpu for o in mine)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        rows.append(f"| {command} | {len(mine)} | {rcs[0]} | {rcs[1]} | {rcs[2]} | "
                    f"{sum(v for k, v in rcs.items() if k not in (0, 1, 2))} | {sum(1 for o in mine if o.problem)} | "
                    f"{times[-1]:.2f} | {p99:.2f} | {max(o.seconds for o in mine):.2f} | "
                    f"{max(o.rss_mb for o in mine):.0f} |")
    return "\n".join(rows)


def by_mutation(outcomes: list[Outcome]) -> str:
    rows = ["| first mutation | runs | exit 2 | max CPU (s) | max peak RSS (MB) |", "|---|---:|---:|---:|---:|"]
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.what.split(": ", 1)[1].split("+")[0], []).append(o)
    for name in sorted(groups):
        g = groups[name]
        rows.append(f"| {name} | {len(g)} | {sum(1 for o in g if o.rc == 2)} | {max(o.cpu for o in g):.2f} | "
                    f"{max(o.rss_mb for o in g):.0f} |")
    return "\n".join(rows)


# -- webhooks -----------------------------------------------------------------------------------

def _mutate_json(rng: random.Random, value, depth: int = 0):
    """A payload with some values replaced by hostile ones of other types and sizes."""
    hostile = [None, [], {}, [1, 2], "x" * rng.choice([1, 300, 100_000]), 2**70, -1, 0, 1.5, True, "\u0000",
               "a/b\r\nX: y", {"id": [1]}, "ä" * 50]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            r = rng.random()
            if r < 0.08:
                continue  # dropped
            out[k] = rng.choice(hostile) if r < 0.2 else _mutate_json(rng, v, depth + 1)
        return out
    if isinstance(value, list):
        return [_mutate_json(rng, v, depth + 1) for v in value[:5]]
    return rng.choice(hostile) if rng.random() < 0.15 else value


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def run_webhooks(count: int, seed: int) -> list[tuple[str, int, str]]:
    """(what, status, detail) for `count` signed deliveries of mutated payloads to the real app."""
    import hashlib
    import hmac

    import httpx

    from reviewbot.service.app import Service
    from tests.server_thread import serving

    secret = "fuzz-secret"
    os.environ["REVIEWBOT_GITHUB_WEBHOOK_SECRET"] = secret
    os.environ["REVIEWBOT_GITLAB_WEBHOOK_TOKEN"] = secret
    gh = json.loads((ROOT / "tests/data/forge/github/pull_request-opened.json").read_text())
    gl = {"object_kind": "merge_request", "project": {"id": 7, "path_with_namespace": "acme/drivers"},
          "object_attributes": {"action": "open", "iid": 3, "target_project_id": 7, "oldrev": None,
                                "last_commit": {"id": "a" * 40}}}
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        service = Service({"data_dir": tmp}, workers=0, follow=False)
        with serving(service.app(), **service.limits.uvicorn_options()) as url, httpx.Client(timeout=60) as client:
            for i in range(count):
                rng = random.Random(seed * 7919 + i)
                forge = rng.choice(["github", "gitlab"])
                kind = rng.random()
                if kind < 0.05:
                    body, what = _nested(rng.choice([1000, 100_000])), "deep nesting"
                elif kind < 0.1:
                    body, what = json.dumps(rng.choice([[], "x", 1, None])).encode(), "not an object"
                else:
                    body = json.dumps(_mutate_json(rng, gh if forge == "github" else gl)).encode()
                    what = "mutated payload"
                if forge == "github":
                    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": f"fz-{seed}-{i}",
                               "Content-Type": "application/json",
                               "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body,
                                                                           hashlib.sha256).hexdigest()}
                else:
                    headers = {"X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": secret,
                               "X-Gitlab-Event-UUID": f"fz-{seed}-{i}", "Content-Type": "application/json"}
                res = client.post(f"{url}/webhooks/{forge}", content=body, headers=headers)
                results.append((f"{forge} {what}", res.status_code, res.text[:200]))
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000, help="mail inputs (each through both commands)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=5.0, help="CPU seconds per run (killed at 3x, wall clock)")
    ap.add_argument("--memory", type=float, default=500.0, help="peak RSS budget per run, MB")
    ap.add_argument("--webhooks", type=int, default=0, help="also this many webhook deliveries")
    ap.add_argument("--json", metavar="FILE", help="write every outcome as JSON")
    ap.add_argument("--save-failures", metavar="DIR", help="keep the inputs that failed")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    outcomes = run_mail(args.count, args.seed, args.budget, args.memory,
                        Path(args.save_failures) if args.save_failures else None, progress=True)
    hooks = run_webhooks(args.webhooks, args.seed) if args.webhooks else []
    print(f"## Fuzz: {args.count} inputs x {len(COMMANDS)} commands, seed {args.seed}, budget {args.budget:g} s / "
          f"{args.memory:g} MB ({time.monotonic() - t0:.0f} s)\n")
    print(table(outcomes))
    print()
    print(by_mutation(outcomes))
    bad = [o for o in outcomes if o.problem]
    for o in bad[:30]:
        print(f"FAIL #{o.index} {o.command} ({o.what}, {o.size} bytes): {o.problem}")
    hook_bad = [h for h in hooks if h[1] >= 500]
    if hooks:
        st = Counter(h[1] for h in hooks)
        print(f"\nwebhooks: {len(hooks)} deliveries: " + ", ".join(f"{k}: {v}" for k, v in sorted(st.items())))
        for h in hook_bad[:20]:
            print(f"FAIL webhook {h}")
    if args.json:
        Path(args.json).write_text(json.dumps({"mail": [asdict(o) for o in outcomes],
                                               "webhooks": hooks}, indent=1))
    return 1 if bad or hook_bad else 0


if __name__ == "__main__":
    sys.exit(main())
