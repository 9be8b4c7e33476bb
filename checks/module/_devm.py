"""devres facts for the devm rules (data).

devres releases everything attached to a device when that device's driver unbinds (after
`.remove()`, and on a failed or deferred probe), "with no reference counting".  Memory from a
`devm_k*()` allocator is therefore only valid while the binding lasts.  The tables below name
the kernel APIs (6.12) that store a pointer into an object whose lifetime is *not* the binding:
a refcounted or user-reachable object with its own release, or a global structure.

Each sink: API name -> (argument index that receives the memory, why it outlives the binding,
documented).  The argument is either the devm pointer itself or `&ptr->member` (an object
embedded in the devm memory).  `documented` marks APIs whose kernel-doc says in so many words
not to use devm memory (or whose structure is never freed): those are reported at medium
confidence even in new code.
"""

from __future__ import annotations

# Allocators whose result lives until the *device's* driver unbinds.
DEVM_ALLOCATORS = ("devm_kzalloc", "devm_kmalloc", "devm_kcalloc", "devm_kmalloc_array", "devm_kmemdup_array", "devm_krealloc",
                   "devm_krealloc_array", "devm_kmemdup", "devm_kstrdup", "devm_kstrdup_const",
                   "devm_kasprintf", "devm_kvasprintf")

_REFCOUNTED = "a refcounted object that user space can keep after unbind"
_DRM = "DRM mode objects live until the last drm_dev_put(), after unbind while user space holds the device"
_OF = "the device tree keeps a property for the life of the node; of_remove_property() does not free it"

SINKS: dict[str, tuple[int, str, bool]] = {
    # private data of an object with its own lifetime
    "hci_set_drvdata": (1, _REFCOUNTED, False),
    "video_set_drvdata": (1, _REFCOUNTED, False),
    # (not input_set_drvdata(): input_unregister_device() marks the device going away and
    # disconnects its handlers before it returns, and evdev_release() of a file still open
    # after that calls no driver callback (drivers/input/input.c input_disconnect_device(),
    # drivers/input/evdev.c): the driver data is never reached after unbind)
    "tty_set_drvdata": (1, _REFCOUNTED, False),
    "v4l2_set_subdevdata": (1, _REFCOUNTED, False),
    "snd_card_set_private_data": (1, _REFCOUNTED, False),
    # objects embedded in the memory and initialised/registered with their own refcount
    "cdev_init": (0, _REFCOUNTED, False),
    "cdev_add": (0, _REFCOUNTED, False),
    "cdev_device_add": (0, _REFCOUNTED, False),
    "auxiliary_device_init": (0, _REFCOUNTED, False),
    "tty_port_register_device": (0, _REFCOUNTED, False),
    "tty_port_register_device_attr": (0, _REFCOUNTED, False),
    "device_initialize": (0, _REFCOUNTED, False),
    "device_register": (0, _REFCOUNTED, False),
    "kobject_init": (0, _REFCOUNTED, False),
    "kobject_init_and_add": (0, _REFCOUNTED, False),
    "kref_init": (0, _REFCOUNTED, False),
    "misc_register": (0, _REFCOUNTED, False),
    "tty_port_init": (0, _REFCOUNTED, False),
    "logic_pio_register_range": (0, "the logic PIO range list is global: the range stays listed unless unregistered", False),
    "video_register_device": (0, _REFCOUNTED, False),
    "v4l2_device_register": (1, _REFCOUNTED, False),
    "drm_dev_init": (0, _DRM, False),
    # DRM mode objects: "should not be allocated with devm_kzalloc()" (drm_encoder.c, drm_crtc.c,
    # drm_plane.c, drm_connector.c kernel-doc)
    "drm_encoder_init": (1, _DRM, True),
    "drm_simple_encoder_init": (1, _DRM, True),
    "drm_crtc_init_with_planes": (1, _DRM, True),
    "drm_universal_plane_init": (1, _DRM, True),
    "drm_connector_init": (1, _DRM, True),
    "drm_connector_init_with_ddc": (1, _DRM, True),
    "drm_writeback_connector_init": (1, _DRM, True),
    "drm_writeback_connector_init_with_encoder": (1, _DRM, True),
    "drm_simple_display_pipe_init": (1, _DRM, True),
    # the device tree
    "of_add_property": (1, _OF, True),
    "of_update_property": (1, _OF, True),
    "of_changeset_add_property": (2, _OF, True),
    "of_changeset_update_property": (2, _OF, True),
}

# Objects with a refcount (or an open file) of their own: embedded in devm memory, the memory
# is freed at unbind while that refcount may still be held (an open cdev or misc device, a
# registered struct device or video device a user keeps open, a kref'ed object, a tty port).
REFCOUNTED_MEMBERS = ("cdev", "miscdevice", "kref", "device", "kobject", "video_device", "tty_port",
                      "v4l2_device")

# Assignments that hand the memory to a file (an open file descriptor outlives the unbind).
FILE_PRIVATE = r"\b(?:file|filp|fp|f)->private_data"

# Parameter types of a bus probe: a function taking one of these is (or is called from) probe.
BUS_DEVICE_TYPES = frozenset({
    "device", "platform_device", "i2c_client", "spi_device", "usb_interface", "pci_dev",
    "auxiliary_device", "serdev_device", "mdio_device", "sdio_func", "amba_device", "hid_device",
    "virtio_device", "pnp_dev", "acpi_device", "sdw_slave", "spmi_device", "mei_cl_device",
    "hda_codec", "snd_soc_component", "phy_device", "usb_device", "of_device_id",
})

# Parameter types that make a function a callback run per open file, per call, per transfer
# or per event (not once per binding): a devm resource made there piles up until unbind.
# File and memory-map operations, a tty's operations, sysfs show/store and seq_file reads,
# ALSA PCM and control callbacks, V4L2 file handles and buffers, i2c/spi transfers, packets,
# URBs and gadget requests, block and SCSI requests, ethtool and ifreq ioctls, DMA channel
# requests, crypto transforms and requests, pinctrl's dt_node_to_map(), PWM apply, DRM atomic
# commits, work items, timers.
PER_CALL_TYPES = ("file", "inode", "vm_area_struct", "tty_struct", "device_attribute", "kobj_attribute",
                  "bin_attribute", "seq_file", "snd_pcm_substream", "snd_ctl_elem_value", "v4l2_fh",
                  "v4l2_format", "v4l2_buffer", "vb2_buffer", "i2c_msg", "spi_message", "spi_transfer",
                  "sk_buff", "urb", "usb_request", "usb_ctrlrequest", "request", "bio", "scsi_cmnd",
                  "mmc_request", r"ethtool_\w+", "ifreq", "dma_chan", r"crypto_\w+", r"\w+_request",
                  "pinctrl_map", "pwm_state", "drm_atomic_state", "work_struct", "timer_list", "hrtimer")

# Managed allocators tied to an object that outlives the binding: DRM-managed memory and objects
# (`drmm_kzalloc(drm, ...)`, `drmm_encoder_alloc()`, `drmm_universal_plane_alloc()`) are freed
# when the last reference to the drm_device goes (drm_managed.c: "the memory is freed ... when
# the final drm_dev_put() is called"), which an open file of the card holds after unbind.
# Prefix -> what owns the memory.
LONGER_MANAGED = {"drmm_": "the drm_device, which an open file keeps after unbind"}

# Allocators of a core object with a struct device (or a kref) of its own, sized to carry the
# driver's private data: the object, and the private data with it, lives until its last
# reference, not until unbind.  A devm_k*() allocation in their place puts such an object in
# memory devres frees at unbind.  name -> what it allocates.
OBJECT_ALLOCATORS: dict[str, str] = {
    "devm_pwmchip_alloc": "pwm_chip", "pwmchip_alloc": "pwm_chip",
    "devm_counter_alloc": "counter_device", "counter_alloc": "counter_device",
    "devm_iio_device_alloc": "iio_dev", "iio_device_alloc": "iio_dev",
    "devm_drm_dev_alloc": "drm_device", "drm_dev_alloc": "drm_device",
    "devm_input_allocate_device": "input_dev", "input_allocate_device": "input_dev",
    "devm_rc_allocate_device": "rc_dev", "rc_allocate_device": "rc_dev",
    "devm_alloc_etherdev": "net_device", "devm_alloc_etherdev_mqs": "net_device", "alloc_etherdev": "net_device",
    "alloc_candev": "net_device", "snd_devm_card_new": "snd_card", "video_device_alloc": "video_device",
    "devm_mux_chip_alloc": "mux_chip", "mux_chip_alloc": "mux_chip",
    "devm_spi_alloc_host": "spi_controller", "devm_spi_alloc_target": "spi_controller",
    "devm_spi_alloc_master": "spi_controller", "devm_spi_alloc_slave": "spi_controller",
    "spi_alloc_host": "spi_controller", "spi_alloc_target": "spi_controller",
}
