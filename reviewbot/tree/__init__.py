"""Tree mode: give the checks whole files from a kernel git clone instead of bare hunks.

Two ways in, both through git's plumbing (``store.Store``), both falling back to hunk context with a note:

* ``--tree DIR`` with a mailed series (``review_with_tree``): the series is applied on top of
  its base (``base-commit:``, else the configured ref, default DIR's HEAD; a configured ref
  also stands in for a base DIR lacks; the notes say which) one patch at a time with
  ``git apply --cached`` (``--3way`` when that fails; a plain diff is applied in Python, by
  ``patchapply``, with git's rules and messages), so each patch's pre-image is exactly
  what the patches before it left and its post-image what it made.  The patches are applied
  in a scratch area of our own, never in the user's checkout: a private index
  (``GIT_INDEX_FILE`` in a temporary directory) that holds only the files the series touches,
  and a private object directory (``GIT_OBJECT_DIRECTORY``, the clone's objects as an
  alternate) that receives the blobs git writes.  Nothing is checked out and nothing is
  committed, so a full kernel clone costs what the touched files cost; the directory is
  removed on every exit path (errors, KeyboardInterrupt).  The clone is read-only to us: its
  objects, refs, index and work tree are byte for byte what they were.  All reads go through
  one long-lived ``git cat-file --batch`` per repository (per review, or per ``session()``).
  A base commit that DIR does not have, or a patch that does not apply, ends tree context for
  that patch and the rest of the series: they are checked on their hunks, and the Review's
  notes say so.
* ``--git A..B`` (``review_git_series``) and ``--tree`` with a series whose patches *are*
  commits of DIR (git format-patch Message-Ids carry the commit id): nothing is applied, the
  pre-image of a file is ``parent:path`` and the post-image ``commit:path``.

When git applied a patch at other lines than the mail says (offsets, a 3-way merge), the
checks get the diff as git applied it, so that every line number agrees with the images; the
notes say so, and the findings are moved back to the lines of the diff as posted.

What a check receives (``reviewbot.context.Context``, mode ``"tree"``):

``files``
    ``{path: FileImages(pre, post)}`` for every non-binary file the patch touches (``pre`` is
    None for a new file, ``post`` None for a deleted one; a renamed file under both names).
``others``
    Other files, keyed by their path (``Context.read(path)``): the Makefile (or Kbuild) and the
    Kconfig file of each touched ``.c`` file, the headers it includes from its own directory,
    and the other sources of the same composite module.  Each at most 256 KiB, 2 MiB per patch.
``facts``
    ``{path: FileFacts}`` for each touched C file (``Context.facts_of(path)``): its Kconfig
    symbol, type and file, Makefile lines, module name and objects, whether it can be modular,
    the headers it includes, the owner-carrying structs and ``THIS_MODULE`` wrappers those
    headers declare.  A field is None (or empty) when it could not be established.
``base`` / ``commit``
    The commit the series was applied to (or the first commit's parent), and (``--git`` and
    commits of the tree only) the patch's own commit.

The package: ``review`` (the entry points), ``apply`` (the scratch index, line maps back to the
mail), ``patchapply`` (git's plain apply in Python), ``store`` (git objects), ``contexts`` (assembling a Context), ``kbuild`` (Makefile and
Kconfig) and ``headers`` (includes, owner structs, wrappers).
"""

from reviewbot.tree.review import patch_commit, review_git_series, review_with_tree, series_commits
from reviewbot.tree.store import session

__all__ = ["patch_commit", "review_git_series", "review_with_tree", "series_commits", "session"]
