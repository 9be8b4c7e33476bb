"""One configuration schema (issue: a misspelt section was silently ignored; `quiet_minutes =
"thirty"` and `data_dir = 5` gave tracebacks; `send = "no"` was taken as true; a missing inbox
logged an error while `watch --once` exited 0)."""

from __future__ import annotations

import pytest

from tests.cli.clirun import ROOT, run

MINIMAL = '[lists.leds]\ninbox = "/srv/lore/leds"\n'


def _cfg(tmp_path, text: str):
    path = tmp_path / "reviewbot.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, line", [
    ('[list.leds]\ninbox = "/x"\n', "top level: unknown section 'list' (did you mean 'lists'?)"),
    ('[smtpp]\nhost = "x"\n', "top level: unknown section 'smtpp' (did you mean 'smtp'?)"),
    (MINIMAL + 'reply_too = "all"\n', "[lists.leds]: unknown key 'reply_too' (did you mean 'reply_to'?)"),
    ('[service]\nleese = 5\n', "[service]: unknown key 'leese' (did you mean 'lease'?)"),
    ('[repos."acme/linux"]\ninline_comments = false\n', "[repos.\"acme/linux\"]: unknown key 'inline_comments'"),
    (MINIMAL + 'quiet_minutes = "thirty"\n', "[lists.leds]: quiet_minutes = 'thirty': expected a number"),
    ('data_dir = 5\n', "top level: data_dir = 5: expected a string (in quotes)"),
    (MINIMAL + 'send = "no"\n', "[lists.leds]: send = 'no': expected true or false"),
    (MINIMAL + 'fetch = 1\n', "[lists.leds]: fetch = 1: expected true or false"),
    (MINIMAL + 'reply_to = "everyone"\n', "[lists.leds]: reply_to = 'everyone': expected one of 'author', 'list' or 'all'"),
    ('[lists.leds]\naddress = "x@y"\n', "[lists.leds]: missing required key 'inbox'"),
    ('[smtp]\nport = 25.5\n', "[smtp]: port = 25.5: expected a whole number"),
    (MINIMAL + 'diff_mode = "file"\n',
     "[lists.leds]: diff_mode = 'file': expected one of 'diff_context', 'changed' or 'added'"),
    ('[repos."acme/linux"]\ndiff_mode = "nofilter"\n',
     "[repos.\"acme/linux\"]: diff_mode = 'nofilter': expected one of 'diff_context', 'changed' or 'added'"),
])
def test_each_problem_is_one_line(tmp_path, text, line):
    path = _cfg(tmp_path, text)
    res = run("config", "check", str(path))
    assert res.rc == 2 and res.out == ""
    assert res.err.splitlines() == [f"reviewbot: {path}: {line}"], res.err
    # every command that reads the file refuses it the same way, in one line, no traceback
    assert run("watch", "--once", "--config", str(path)).one_line_error() == f"reviewbot: {path}: {line}"


def test_all_problems_listed_and_the_first_named_by_commands(tmp_path):
    path = _cfg(tmp_path, 'data_dir = 5\n[smtpp]\n' + MINIMAL + 'send = "no"\n')
    res = run("config", "check", str(path))
    assert len(res.err.splitlines()) == 3 and "Traceback" not in res.err
    err = run("watch", "--once", "--config", str(path)).one_line_error()
    assert err.endswith(f"(and 2 more: reviewbot config check {path})")


def test_the_shipped_example_is_valid():
    res = run("config", "check", str(ROOT / "deploy/reviewbot.toml"))
    assert (res.rc, res.out, res.err) == (0, f"{ROOT / 'deploy/reviewbot.toml'}: ok\n", "")


def test_feature_rules_beyond_types_are_checked_too(tmp_path):
    path = _cfg(tmp_path, MINIMAL + "send = true\n")  # and no [smtp] relay
    res = run("config", "check", str(path))
    assert res.rc == 2 and res.err == f"reviewbot: {path}: [lists.leds]: send = true needs an SMTP relay ([smtp] host)\n"


def test_watch_once_fails_when_a_round_fails(tmp_path):
    path = _cfg(tmp_path, f'data_dir = "{tmp_path / "data"}"\n[lists.leds]\ninbox = "{tmp_path / "missing"}"\n')
    res = run("watch", "--once", "--config", str(path))
    assert res.rc == 1
    assert "leds: errors 1" in res.out and "reviewbot: errors in leds" in res.err
