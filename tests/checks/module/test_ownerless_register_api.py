from reviewbot.checks.module import ownerless_register_api
from tests.helpers import assert_fires, assert_quiet, diff

NEW_API = diff("""
    --- a/include/linux/foo.h
    +++ b/include/linux/foo.h
    @@ -10,2 +10,8 @@ struct foo;
     
    +struct foo_backend_ops {
    +\tint (*start)(struct foo *foo);
    +\tvoid (*stop)(struct foo *foo);
    +};
    +
    +int foo_backend_register(const struct foo_backend_ops *ops);
     #endif
""")

# include/linux/fpga/fpga-mgr.h (6.12): ops without an owner member, but the register macro
# captures THIS_MODULE (lines 241-245, abridged ops struct).
REAL_FPGA_WRAPPER = diff("""
    --- a/include/linux/fpga/fpga-mgr.h
    +++ b/include/linux/fpga/fpga-mgr.h
    @@ -169,2 +169,13 @@ struct fpga_manager_info {
     
    +struct fpga_manager_ops {
    +\tsize_t initial_header_size;
    +\tbool skip_header;
    +\tenum fpga_mgr_states (*state)(struct fpga_manager *mgr);
    +\tu64 (*status)(struct fpga_manager *mgr);
    +};
    +
    +#define fpga_mgr_register(parent, name, mops, priv) \\
    +\t__fpga_mgr_register(parent, name, mops, priv, THIS_MODULE)
    +struct fpga_manager *
    +__fpga_mgr_register(struct device *parent, const char *name, const struct fpga_manager_ops *mops, void *priv, struct module *owner);
     #endif
""")

# The registered object carries its own owner (NTB transport backend shape).
OWNER_MEMBER = diff("""
    --- a/include/linux/foo.h
    +++ b/include/linux/foo.h
    @@ -10,2 +10,14 @@ struct foo;
     
    +struct foo_backend_ops {
    +\tint (*start)(struct foo *foo);
    +};
    +
    +struct foo_backend {
    +\tconst char *name;
    +\tstruct module *owner;
    +\tconst struct foo_backend_ops *ops;
    +};
    +
    +int foo_backend_register(struct foo_backend *b);
    +void foo_backend_unregister(struct foo_backend *b);
     #endif
""")


def test_fires_on_new_register_api_without_owner():
    assert_fires(ownerless_register_api, NEW_API, at=[("include/linux/foo.h", 16)])


def test_quiet_on_real_fpga_register_wrapper():
    assert_quiet(ownerless_register_api, REAL_FPGA_WRAPPER, include_low=True)


def test_quiet_when_registered_object_has_an_owner():
    assert_quiet(ownerless_register_api, OWNER_MEMBER, include_low=True)


# drivers/soundwire/qcom.c (6.12, lines 1297-1315) as a new driver: a file-private helper that
# registers DAIs with ops of its own; no other module calls it.  The same function exported
# from a header is an API and gets the question.
PRIVATE_HELPER = """
    --- /dev/null
    +++ b/drivers/soundwire/foo.c
    @@ -0,0 +1,9 @@
    +struct foo_dai_ops {
    +\tint (*startup)(struct foo_ctrl *ctrl);
    +\tvoid (*shutdown)(struct foo_ctrl *ctrl);
    +};
    +
    +static int foo_register_dais(struct foo_dai_ops *ops)
    +{
    +\treturn 0;
    +}
"""


def test_quiet_on_a_static_helper_of_a_c_file():
    assert_quiet(ownerless_register_api, diff(PRIVATE_HELPER), include_low=True)
    # exported: other modules call it (a new file that does not export it is module-internal)
    public = PRIVATE_HELPER.replace("+static int foo_register_dais", "+int foo_register_dais").replace(
        "@@ -0,0 +1,9 @@", "@@ -0,0 +1,10 @@").replace("    +}\n", "    +}\n    +EXPORT_SYMBOL_GPL(foo_register_dais);\n")
    assert_fires(ownerless_register_api, diff(public), at=[("drivers/soundwire/foo.c", 6)])
