"""Command line: `python -m daekeras {exp1,exp2,dropout} ...`.

Progress goes to stderr; with `--json` the last line of stdout is one JSON
object with every run; with `--out PATH` the same object (plus the command and
the versions that produced it) is written atomically to PATH.
"""

import argparse
import json
import os
import sys


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, without the usage block."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _typed(convert, accept, expected):
    """An argparse type: `convert` the text, then check it with `accept`."""

    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, received {text!r}")
        return value

    return parse


_rate = _typed(float, lambda v: 0.0 <= v < 1.0, "a number in [0, 1)")
_count = _typed(int, lambda v: v >= 1, "a positive integer")
_seed = _typed(int, lambda v: v >= 0, "a non-negative integer")


def build_parser():
    from daekeras.experiments import DROPOUT_CONDITIONS

    parser = _Parser(
        prog="python -m daekeras",
        description="Run the experiments of the daekeras book.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p):
        p.add_argument("--seeds", type=_seed, nargs="+", default=[0], metavar="SEED",
                       help="seeds to run, one run per seed and setting (default: 0)")
        p.add_argument("--seed", type=_seed, dest="seeds", nargs=1, metavar="SEED",
                       help="a single seed (same as --seeds SEED)")
        p.add_argument("--n-train", type=_count, default=None, metavar="N",
                       help="train on the first N images only (default: the experiment's set)")
        p.add_argument("--json", action="store_true",
                       help="print one JSON object with every run on stdout's last line")
        p.add_argument("--out", metavar="PATH",
                       help="also write the JSON object, with provenance, to PATH (atomically)")
        p.add_argument("--quiet", action="store_true", help="no progress output on stderr")

    p1 = sub.add_parser(
        "exp1",
        help="DeepLearnToolbox stacked denoising autoencoder 784-100-100-10",
        description="Experiment 1: greedy pretraining of two untied sigmoid autoencoders "
        "(784-100-784, 100-100-100) with masking, then fine-tuning of 784-100-100-10; "
        "SGD lr 1, momentum 0.5, batch 100, ½·SSE. Reports the test error.",
    )
    p1.add_argument("--masking", type=_rate, nargs="+", default=[0.0, 0.5], metavar="P",
                    help="masking fraction(s) during pretraining (default: 0 0.5)")
    p1.add_argument("--pretrain-epochs", type=_count, default=1, metavar="N",
                    help="epochs per autoencoder (default: 1)")
    p1.add_argument("--finetune-epochs", type=_count, default=1, metavar="N",
                    help="fine-tuning epochs (default: 1)")
    common(p1)

    p2 = sub.add_parser(
        "exp2",
        help="Theano dA tutorial: 784-500 tied-weight denoising autoencoder",
        description="Experiment 2: 784-500 tied sigmoid dA, cross-entropy summed over "
        "pixels, SGD lr 0.1, batch 20, no shuffling, first 50,000 training images. "
        "Prints the mean cost of every epoch.",
    )
    p2.add_argument("--corruption", type=_rate, nargs="+", default=[0.3], metavar="P",
                    help="corruption level(s) (default: 0.3)")
    p2.add_argument("--epochs", type=_count, default=15, metavar="N",
                    help="training epochs (default: 15)")
    p2.add_argument("--filters", metavar="PATH",
                    help="write the first 100 filters as a 10x10 tile image (PNG) to PATH; "
                    "with several runs, the seed and corruption are added to the name")
    common(p2)

    p3 = sub.add_parser(
        "dropout",
        help="dropout (hidden, fine-tuning) against denoising (input, pretraining)",
        description="The Experiment 1 network under several conditions: "
        + ", ".join(DROPOUT_CONDITIONS) + ".",
    )
    p3.add_argument("--conditions", nargs="+", choices=list(DROPOUT_CONDITIONS),
                    default=list(DROPOUT_CONDITIONS), metavar="NAME",
                    help="conditions to run (default: all of " + ", ".join(DROPOUT_CONDITIONS) + ")")
    p3.add_argument("--finetune-epochs", type=_count, nargs="+", default=[1], metavar="N",
                    help="fine-tuning budget(s) in epochs (default: 1)")
    common(p3)
    return parser


def _progress(args, message):
    if not args.quiet:
        print(message, file=sys.stderr, flush=True)


def _filters_path(path, run, several):
    if not several:
        return path
    root, ext = os.path.splitext(path)
    return f"{root}_seed{run['seed']}_c{run['corruption']:g}{ext or '.png'}"


def run(argv=None):
    args = build_parser().parse_args(argv)
    from daekeras import experiments

    runs = []
    if args.command == "exp1":
        for masking in args.masking:
            for seed in args.seeds:
                r = experiments.toolbox_run(
                    seed, masking, pretrain_epochs=args.pretrain_epochs,
                    finetune_epochs=args.finetune_epochs, n_train=args.n_train,
                )
                runs.append(r)
                _progress(args, f"exp1 masking={masking:g} seed={seed}: test error "
                          f"{100 * r['test_error']:.2f}% ({r['seconds']:.1f} s)")
    elif args.command == "exp2":
        several = len(args.seeds) * len(args.corruption) > 1
        log = None if args.quiet else sys.stderr
        for corruption in args.corruption:
            for seed in args.seeds:
                _progress(args, f"exp2 corruption={corruption:g} seed={seed}")
                kwargs = {} if args.n_train is None else {"n_train": args.n_train}
                r = experiments.theano_run(
                    seed, corruption, epochs=args.epochs, log=log,
                    return_model=bool(args.filters), **kwargs,
                )
                if args.filters:
                    import matplotlib

                    matplotlib.use("Agg")
                    import matplotlib.pyplot as plt

                    from daekeras.plotting import tile_raster_images

                    model = r.pop("model")
                    kernel = model.encoder.get_weights()[0]
                    path = _filters_path(args.filters, r, several)
                    image = tile_raster_images(kernel.T, (28, 28), (10, 10))
                    plt.imsave(path, image, cmap="gray", vmin=0, vmax=255)
                    r["filters_image"] = path
                runs.append(r)
    else:
        for epochs in args.finetune_epochs:
            for name in args.conditions:
                setting = experiments.DROPOUT_CONDITIONS[name]
                for seed in args.seeds:
                    r = experiments.toolbox_run(
                        seed, setting["masking"], pretrain=setting["pretrain"],
                        dropout=setting["dropout"], finetune_epochs=epochs,
                        n_train=args.n_train,
                    )
                    r["condition"] = name
                    runs.append(r)
                    _progress(args, f"dropout {name} epochs={epochs} seed={seed}: test error "
                              f"{100 * r['test_error']:.2f}% ({r['seconds']:.1f} s)")
    result = {"experiment": args.command, "runs": runs}
    if args.command == "exp2" and len(runs) == 1:
        result["costs"] = runs[0]["costs"]
    if args.out:
        provenance = {
            "command": "python -m daekeras " + " ".join(argv if argv is not None else sys.argv[1:]),
            "environment": experiments.environment(),
        }
        experiments.write_json_atomic({**result, **provenance}, args.out)
        _progress(args, f"wrote {args.out}")
    if args.json:
        print(json.dumps(result))
    return result


def main(argv=None):
    """Entry point of `python -m daekeras` and the `daekeras` script."""
    try:
        run(argv)
    except (ValueError, TypeError, FileNotFoundError, OSError) as error:
        print(f"python -m daekeras: error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("python -m daekeras: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
