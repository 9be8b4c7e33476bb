"""MOD003: `if (!fd_file(f)) goto out;` after `f = fdget(fd)` is fdget()'s failure: the
struct fd holds nothing there (drivers/media/mc/mc-request.c of 6.12,
media_request_get_by_fd(); new-driver seed 157)."""

from reviewbot.checks.module import get_without_put_on_exit
from tests.checks.module.test_get_without_put_on_exit import _at, new_file
from tests.helpers import assert_fires, assert_quiet

BY_FD = """
struct foo_request *
foo_request_get_by_fd(struct foo_device *mdev, int request_fd)
{
\tstruct fd f;
\tstruct foo_request *req;

\tf = fdget(request_fd);
\tif (!fd_file(f))
\t\tgoto err_no_req_fd;

\tif (fd_file(f)->f_op != &request_fops)
\t\tgoto err_fput;
\treq = fd_file(f)->private_data;
\tif (req->mdev != mdev)
\t\tgoto err_fput;

\tfoo_request_get(req);
\tfdput(f);

\treturn req;

err_fput:
\tfdput(f);

err_no_req_fd:
\tdev_dbg(mdev->dev, "cannot find request_fd %d\\n", request_fd);
\treturn ERR_PTR(-EINVAL);
}
"""

PATH = "drivers/media/foo/foo-request.c"


def test_quiet_when_the_exit_is_fdgets_failure():
    assert_quiet(get_without_put_on_exit, new_file(PATH, BY_FD))


def test_fires_when_a_held_fd_skips_fdput():
    code = BY_FD.replace("\tif (fd_file(f)->f_op != &request_fops)\n\t\tgoto err_fput;",
                         "\tif (fd_file(f)->f_op != &request_fops)\n\t\tgoto err_no_req_fd;")
    assert_fires(get_without_put_on_exit, new_file(PATH, code),
                 at=[(PATH, _at(code, "goto err_no_req_fd;") + 3)], include_low=True)
