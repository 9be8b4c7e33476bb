"""MOD021: a get moved past the unlock of the lock its object was looked up under
(riocm_get_channel() of 6.12's rio_cm.c, shape)."""

from reviewbot.checks.module import kref_misuse
from tests.helpers import assert_fires, assert_quiet, diff

_MOVED = """
    --- a/drivers/rapidio/rio_cm.c
    +++ b/drivers/rapidio/rio_cm.c
    @@ -288,9 +288,9 @@ static struct rio_channel *riocm_get_channel(u16 nr)
     
     \tspin_lock_bh(&idr_lock);
     \tch = idr_find(&ch_idr, nr);
    +\tspin_unlock_bh(&idr_lock);
     \tif (ch)
     \t\tkref_get(&ch->ref);
    -\tspin_unlock_bh(&idr_lock);
     \treturn ch;
     }
     
"""
MOVED = diff(_MOVED)
# the fix: the get back under the lock
FIX = diff("""
    --- a/drivers/rapidio/rio_cm.c
    +++ b/drivers/rapidio/rio_cm.c
    @@ -288,9 +288,9 @@ static struct rio_channel *riocm_get_channel(u16 nr)
     
     \tspin_lock_bh(&idr_lock);
     \tch = idr_find(&ch_idr, nr);
    -\tspin_unlock_bh(&idr_lock);
     \tif (ch)
     \t\tkref_get(&ch->ref);
    +\tspin_unlock_bh(&idr_lock);
     \treturn ch;
     }
     
""")
# the object is not what the locked region looked up (taken from a parameter)
NOT_LOOKED_UP = diff(_MOVED.replace("\tch = idr_find(&ch_idr, nr);", "\tnr_active++;"))


def test_fires_when_the_unlock_moves_above_the_get():
    assert_fires(kref_misuse, MOVED, at=[("drivers/rapidio/rio_cm.c", 291)])


def test_quiet_on_the_fix():
    assert_quiet(kref_misuse, FIX, include_low=True)


def test_quiet_when_the_object_was_not_looked_up_under_the_lock():
    assert_quiet(kref_misuse, NOT_LOOKED_UP, include_low=True)
