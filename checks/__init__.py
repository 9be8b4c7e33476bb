"""All check modules, listed explicitly (greppable; no registration at import).

tests/contract asserts that every module under checks/ is listed here exactly once.
"""

from reviewbot.checks.module import missing_owner, removed_needed_ref, removed_owner, module_self_pin
from reviewbot.checks.module import module_ref_for_unbind, symbol_get_imbalance, unchecked_module_get
from reviewbot.checks.module import init_exit_self_ref, register_time_pin, unmatched_module_put
from reviewbot.checks.module import code_after_module_put, fops_misuse, unconditional_module_get
from reviewbot.checks.module import ownerless_register_api, try_get_made_unconditional
from reviewbot.checks.module import (cdev_freed_with_container, deferred_callback_not_cancelled,
                                     device_ref_imbalance, devm_lifetime,
                                     devm_wrong_device, get_without_put_on_exit, kref_misuse,
                                     iterator_ref_leak, release_bypassed_by_kfree, use_after_put)

ALL = (
    module_self_pin,
    removed_needed_ref,
    removed_owner,
    missing_owner,
    unchecked_module_get,
    symbol_get_imbalance,
    module_ref_for_unbind,
    register_time_pin,
    unmatched_module_put,
    init_exit_self_ref,
    code_after_module_put,
    fops_misuse,
    unconditional_module_get,
    try_get_made_unconditional,
    ownerless_register_api,
    get_without_put_on_exit,
    device_ref_imbalance,
    use_after_put,
    devm_wrong_device,
    devm_lifetime,
    release_bypassed_by_kfree,
    kref_misuse,
    cdev_freed_with_container,
    deferred_callback_not_cancelled,
    iterator_ref_leak,
)
