"""MOD019: an added put after the put or free of an object whose callback, set elsewhere in the
file (`card->private_free = fn;`, `x->dev.release = fn;`), puts the same member of a same-typed
object: the last put runs the callback, which puts it again (shape of 6.12.118's
drivers/media/usb/go7007/snd-go7007.c, where `go7007_snd_card_free()` puts `&go->v4l2_dev`)."""

from reviewbot.checks.module import device_ref_imbalance
from tests.helpers import assert_fires, assert_quiet, tree_case

PATH = "drivers/media/usb/bar/snd-bar.c"
PRE = """\
struct bar_snd {
\tstruct snd_card *card;
\tstruct snd_pcm *pcm;
};

static void bar_snd_card_free(struct snd_card *card)
{
\tstruct bar_dev *bar = card->private_data;

\tv4l2_device_put(&bar->v4l2_dev);
}

int bar_snd_init(struct bar_dev *bar)
{
\tstruct bar_snd *bsnd;
\tint ret;

\tbsnd = kzalloc(sizeof(*bsnd), GFP_KERNEL);
\tif (!bsnd)
\t\treturn -ENOMEM;
\tret = snd_card_new(bar->dev, -1, NULL, THIS_MODULE, 0, &bsnd->card);
\tif (ret < 0)
\t\tgoto free_snd;
\tret = snd_card_register(bsnd->card);
\tif (ret < 0)
\t\tgoto free_card;
\tbar->snd_context = bsnd;
\tv4l2_device_get(&bar->v4l2_dev);
\tbsnd->card->private_data = bar;
\tbsnd->card->private_free = bar_snd_card_free;
\treturn 0;

free_card:
\tsnd_card_free(bsnd->card);
free_snd:
\tkfree(bsnd);
\treturn ret;
}

int bar_snd_remove(struct bar_dev *bar)
{
\tstruct bar_snd *bsnd = bar->snd_context;

\tsnd_card_disconnect(bsnd->card);
\tsnd_card_free_when_closed(bsnd->card);
\treturn 0;
}
"""
POST = PRE.replace("\tsnd_card_free_when_closed(bsnd->card);\n",
                   "\tsnd_card_free_when_closed(bsnd->card);\n\tv4l2_device_put(&bar->v4l2_dev);\n")


def test_tree_mode_fires_on_a_put_the_card_callback_makes_again():
    series, ctx = tree_case(PATH, PRE, POST)
    assert_fires(device_ref_imbalance, series, at=[(PATH, 46)], context_for=ctx)


def test_quiet_on_the_fix():
    series, ctx = tree_case(PATH, POST, PRE)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_the_callback_puts_another_member():
    pre = PRE.replace("\tv4l2_device_put(&bar->v4l2_dev);\n}", "\tv4l2_device_put(&bar->other_v4l2);\n}")
    post = pre.replace("\tsnd_card_free_when_closed(bsnd->card);\n",
                       "\tsnd_card_free_when_closed(bsnd->card);\n\tv4l2_device_put(&bar->v4l2_dev);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)


def test_quiet_when_only_an_unregister_runs_before():
    # disconnecting the card does not drop its last reference: the callback has not run
    pre = PRE.replace("\tsnd_card_free_when_closed(bsnd->card);\n", "")
    post = pre.replace("\tsnd_card_disconnect(bsnd->card);\n",
                       "\tsnd_card_disconnect(bsnd->card);\n\tv4l2_device_put(&bar->v4l2_dev);\n")
    series, ctx = tree_case(PATH, pre, post)
    assert_quiet(device_ref_imbalance, series, include_low=True, context_for=ctx)
