#!/usr/bin/env python3
"""Real reference-counting fixes found in the noise mbox, reversed: defects nobody tuned for.

The noise sample (2,059 ordinary patch mails of 18 lists) holds a handful of real fixes of the
families the rules cover: a missing of_node_put()/pci_dev_put(), a double kobject_put(), a
devm registration whose error path still puts, a firmware handle never released on unbind.
Reversed (`git apply -R` of the fix), each is the defect as a developer could have posted it:
a positive no rule was written for.  The fix as posted is its negative (it is also a noise mail).

This is the same construction as the labelled corpora (a reversed fix, its expected lines on
the side where the defect is), on a sample drawn for another purpose, so it measures how the
rules generalise.  It is small (9 cases, chosen by reading the 25 noise mails whose message
names a leak/refcount defect and whose changed lines name an API of checks/data/refs.tsv).

    .venv/bin/python benchmarks/noise_fixes.py [--mbox PATH] [--out DIR] [--tree DIR]
    .venv/bin/reviewbot eval DIR -v [--tree /path/to/6.12-git-tree]

--mbox defaults to ../shared/corpus/noise/patches.mbox beside the repository; with --tree (a git
repository of the 6.12 source), `applies_to_6_12` says which reversed fixes apply to it, for
`reviewbot eval --tree`.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MBOX = ROOT.parent / "shared" / "corpus" / "noise" / "patches.mbox"

# Message-Id of the fix -> (tag, [(side of the reversed patch, text of the expected line)], why)
CASES = {
    "<tencent_E20B88FB4461F8F299301AE67009CF1E8708@qq.com>": (
        "ref-leak", [("old", "of_node_put(pd_args.np);")],
        "of_parse_phandle_with_args() node never put in omap_prm_domain_attach_dev()"),
    "<20220707062112.308239-1-windhl@126.com>": (
        "kref-imbalance", [("new", "cdev->np = np;"), ("old", "cdev->np = of_node_get(np);")],
        "a node stored in a long-lived cooling device without the reference of_node_get() took"),
    "<20221118093303.214163-1-yangyingliang@huawei.com>": (
        "ref-leak", [("old", "pci_dev_put(host_bridge);")],
        "pci_get_domain_bus_and_slot() reference never put (loop return and the straight path)"),
    "<20190706132130.3129-1-nishkadg.linux@gmail.com>": (
        "ref-leak", [("old", "of_node_put(child);")],
        "return from inside for_each_child_of_node() keeps the loop's node"),
    "<20220511114203.47420-1-linmq006@gmail.com>": (
        "unbalanced-error-path", [("old", "of_node_put(syscon_np);")],
        "of_parse_phandle() node kept on two error returns of probe"),
    "<20260112231928.68185-1-ckulkarnilinux@gmail.com>": (
        "extra-put", [("new", "kobject_put(&dev->kobj);")],
        "rnbd_destroy_sysfs() puts the kobject that rnbd_clt_put_dev() puts again: underflow"),
    "<tencent_AC7D389CE7E24318445E226F7CDCCC2F0D07@qq.com>": (
        "extra-put", [("new", "spi_controller_put(ctlr);"),
                      ("new", "ctlr = spi_alloc_host(&pdev->dev, sizeof(struct sprd_adi));")],
        "devm_spi_register_controller() of a non-devm controller: devres unregistration drops the "
        "allocation reference, the error path's spi_controller_put() drops it again"),
    "<20241220085346.533675-1-joe@pf.is.s.u-tokyo.ac.jp>": (
        "unbalanced-error-path", [("new", "ret = led_classdev_register(&pdev->dev, &led->cdev);"),
                                  ("old", "ret = devm_led_classdev_register(&pdev->dev, &led->cdev);")],
        "LEDs registered in a loop, an earlier one left registered when a later one fails"),
    "<20201112163630.17177-5-nsaenzjulienne@suse.de>": (
        "other", [("new", "fw = rpi_firmware_get(fw_node);"),
                  ("old", "fw = devm_rpi_firmware_get(&pdev->dev, fw_node);")],
        "firmware handle taken with rpi_firmware_get() in probe, never released on unbind"),
}

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$")


def body_of(msg) -> str:
    parts = [msg] if not msg.is_multipart() else [p for p in msg.walk() if not p.is_multipart()]
    return b"".join(p.get_payload(decode=True) or b"" for p in parts).decode("utf-8", "replace")


def diff_of(body: str) -> str:
    diff = body[body.index("\ndiff --git") + 1:]
    return re.split(r"\n-- \n|\n---\nbase-commit", diff)[0].rstrip("\n") + "\n"


def reverse(diff: str) -> str:
    out = []
    for line in diff.splitlines():
        m = HUNK.match(line)
        if m:
            a, b, c, d, tail = m.groups()
            out.append(f"@@ -{c},{d or 1} +{a},{b or 1} @@{tail}")
        elif line.startswith(("--- a/", "+++ b/", "--- /dev/null", "+++ /dev/null")):
            out.append(line)
        elif line[:1] in "+-":
            out.append({"+": "-", "-": "+"}[line[0]] + line[1:])
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def locate(diff: str, side: str, text: str) -> list[dict]:
    """Every line of `diff` on `side` whose stripped text is `text`, with its number."""
    found, path, old, new = [], None, 0, 0
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            path = line[6:]
            continue
        m = HUNK.match(line)
        if m:
            old, new = int(m.group(1)), int(m.group(3))
            continue
        if line.startswith(("--- ", "diff ", "index ")):
            continue
        tag, body = line[:1], line[1:].strip()
        if tag == "-" and side == "old" and body == text:
            found.append({"path": path, "old_line": old, "text": text})
        if tag == "+" and side == "new" and body == text:
            found.append({"path": path, "new_line": new, "text": text})
        old += tag in " -"
        new += tag in " +"
    return found


def mail(mid: str, subject: str, text: str) -> str:
    return (f"From: reviewbot benchmark <bench@example.org>\nDate: Mon, 7 Dec 2026 00:00:00 +0000\n"
            f"Subject: {subject}\nMessage-Id: {mid}\n\n{text}")


def build(mbox: Path, out: Path, tree: Path | None = None) -> int:
    """Write the cases and manifest.json under `out`; return how many reversed fixes."""
    (out / "cases").mkdir(parents=True, exist_ok=True)
    manifest = []
    for msg in mailbox.mbox(str(mbox)):
        mid = str(msg["Message-ID"] or "").strip()
        label = CASES.get(mid)
        if not label:
            continue
        tag, expected, why = label
        subject = " ".join(str(msg["Subject"] or "").split())
        body = body_of(msg)
        fix = diff_of(body)
        bug = reverse(fix)
        lines = [hit for side, text in expected for hit in locate(bug, side, text)]
        if not lines:
            raise ValueError(f"{mid}: expected line not found")
        cid = "nf-" + re.sub(r"[^a-z0-9]+", "-", subject.split("]", 1)[-1].lower()).strip("-")[:48]
        src = {"repository": "noise", "path": "patches.mbox", "commit": "", "message_id": mid,
               "subject": subject, "note": "a mail of the noise sample"}
        (out / "cases" / f"{cid}.patch").write_text(mail(
            f"<{cid}@reviewbot.bench>", "[PATCH] reversed fix",
            "Reversed form of a fix in the noise sample (its message is not kept).\n\n---\n" + bug))
        (out / "cases" / f"{cid}.fix.patch").write_text(mail(mid, subject, body))
        applies = bool(tree) and subprocess.run(
            ["git", "-C", str(tree), "apply", "--check", "-"], input=bug, text=True,
            capture_output=True).returncode == 0
        manifest.append({"id": cid, "kind": "positive", "rule": tag, "file": f"cases/{cid}.patch",
                         "expected_lines": lines, "source": src, "derived": "reversed-fix",
                         "fix_file": f"cases/{cid}.fix.patch", "note": why, "applies_to_6_12": applies})
        manifest.append({"id": cid + "-fix", "kind": "negative", "rule": tag,
                         "file": f"cases/{cid}.fix.patch", "source": src, "derived": "fix-as-posted",
                         "note": "the fix as posted", "applies_to_6_12": applies})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return len(manifest) // 2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mbox", type=Path, default=MBOX)
    ap.add_argument("--tree", type=Path, help="6.12 git tree: mark the cases that apply to it")
    ap.add_argument("--out", type=Path, default=ROOT / ".cache" / "bench" / "noise-fixes")
    args = ap.parse_args()
    if not args.mbox.is_file():
        print(f"noise_fixes: no noise mbox at {args.mbox} (pass --mbox)", file=sys.stderr)
        return 2
    n = build(args.mbox, args.out, args.tree)
    print(f"{n} reversed fixes and their fixes in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
