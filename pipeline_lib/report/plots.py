"""Figures and tables for people: MDC curves, edit grids, the MDS table."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline_lib.scoring.rows import SUMMARIES, task_rows  # noqa: E402
from pipeline_lib.scoring.bounds import bound_methods, label, ranked  # noqa: E402
from pipeline_lib.util.images import to_grid  # noqa: E402


def mdc_figure(curves: pd.DataFrame, scores: pd.DataFrame) -> plt.Figure:
    """One panel per target attribute; each method's MDC (judge solid, oracle dashed; the guide's, a
    diagnostic, left out), the legend (with each curve's MDS) right of its panel so that it covers no curve;
    a bound in black, marked."""
    targets = list(dict.fromkeys(curves["attribute"]))
    cols = min(3, len(targets))
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 3.8 * rows), squeeze=False)
    methods = sorted(curves["method"].unique())
    bounds = bound_methods(scores)
    colours = {**dict(zip([m for m in methods if m not in bounds], plt.cm.tab10.colors)), **dict.fromkeys(bounds, "k")}
    mds = scores.set_index(["method", "attribute", "source"])["mds"]
    shown = curves[curves["source"].isin(["judge", "oracle"])]
    for ax, target in zip(axes.flat, targets):
        for (method, source), c in shown[shown["attribute"] == target].groupby(["method", "source"]):
            ax.plot(c["accuracy"], c["disentanglement"], "-o" if source == "judge" else "--",
                    color=colours[method], ms=3, lw=1.5 if source == "judge" else 1,
                    label=f"{label(method, bounds)}{' (oracle)' if source != 'judge' else ''}: {mds[method, target, source]:.2f}")
        ax.set(title=f"target: {target}", xlabel="accuracy A(s)", ylabel="disentanglement D(s)",
               xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1), title="MDS", title_fontsize=7)
    for ax in list(axes.flat)[len(targets):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def edit_grid_figure(images, strengths: np.ndarray, title: str) -> plt.Figure:
    """(rows, cols, 3, H, W) images along a path; columns labelled with their strength."""
    rows, cols = images.shape[:2]
    fig, ax = plt.subplots(figsize=(0.9 * cols + 0.6, 0.9 * rows + 0.8))
    grid = to_grid(images)
    ax.imshow(grid, interpolation="nearest")
    h = grid.shape[1] / cols  # a cell's width, its padding included
    ax.set_xticks((np.arange(cols) + 0.5) * h, [f"{s:.2g}" for s in strengths], fontsize=7)
    ax.set_yticks([])
    ax.set_xlabel("strength")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def mds_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """The MDS table as text cells: one row per method with the judge's ``MDS [95% interval]`` per target,
    its mean, the means over single attributes and over group tasks apart (where the table has them), the
    mean arrival score (where it has one), the oracle's mean (where there is one), the guide's mean, judge - oracle (the noise
    penalty: what an imperfect reader costs) and guide - judge (what a method gains from the reader it saw);
    the bounds after the methods, marked; last, a row per reader with its held-out error per target."""
    summaries = scores[scores["source"] == "judge"].set_index(["method", "attribute"])
    scores = task_rows(scores)
    judge = scores[scores["source"] == "judge"]
    attrs = list(dict.fromkeys(judge["attribute"]))
    extra = [name for name in SUMMARIES if name in summaries.index.get_level_values("attribute")]
    mean = scores.groupby(["method", "source"])["mds"].mean()
    has_oracle = "oracle" in set(scores["source"])
    arrival = ["arrival mean"] if "arrival" in judge else []
    bounds, rows = bound_methods(scores), []
    for method, group in sorted(judge.groupby("method", sort=True), key=lambda item: item[0] in bounds):
        cell = group.set_index("attribute")
        j, g = mean[method, "judge"], mean.get((method, "guide"), float("nan"))
        o = mean[method, "oracle"] if has_oracle else None
        rows.append([label(method, bounds)]
                    + [f"{cell.at[a, 'mds']:.3f} [{cell.at[a, 'ci_low']:.2f}, {cell.at[a, 'ci_high']:.2f}]"
                       if a in cell.index else "" for a in attrs]
                    + [f"{j:.3f}"]
                    + [f"{summaries.at[(method, name), 'mds']:.3f}" if (method, name) in summaries.index else ""
                       for name in extra]
                    + [f"{group['arrival'].mean():.3f}" for _ in arrival]
                    + ["n/a" if o is None else f"{o:.3f}", f"{g:.3f}",
                       "n/a" if o is None else f"{j - o:+.3f}", f"{g - j:+.3f}"])
    for role in ("judge", "guide"):
        errors = judge.drop_duplicates("attribute").set_index("attribute")[f"{role}_error"]
        rows.append([f"{role} held-out error"] + [f"{errors[a]:.3f}" for a in attrs] + [""] * (5 + len(extra) + len(arrival)))
    return pd.DataFrame(rows, columns=["method", *attrs, "mean", *(n.replace("_", " ") for n in extra), *arrival,
                                       "oracle mean", "guide mean", "judge - oracle (noise penalty)", "guide - judge"])


def mds_markdown(scores: pd.DataFrame) -> str:
    """:func:`mds_summary` as a markdown table."""
    table = mds_summary(scores)
    line = lambda cells: "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"  # noqa: E731
    lines = [line(table.columns), "|---" * len(table.columns) + "|", *map(line, table.itertuples(index=False))]
    return "\n".join(lines) + "\n"


def readers_figure(evaluations: dict[str, dict]) -> plt.Figure:
    """The guide's and the judge's training (train and validation loss per epoch) and held-out error per
    attribute, side by side. An imported or calibrated reader (faces' MTCNN judge) has neither (no loss, errors
    ``None``): its panels say so."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    curve, bars = axes
    names = list(next(iter(evaluations.values()))["held_out_error"])
    x = np.arange(len(names))
    for k, (role, evaluation) in enumerate(evaluations.items()):
        losses, val = evaluation["loss_history"], evaluation.get("val_loss_history", [])
        line, = curve.plot(np.arange(1, len(losses) + 1), losses, "-o", ms=3, label=f"{role} (train)")
        if val:
            curve.plot(np.arange(1, len(val) + 1), val, "--", color=line.get_color(), label=f"{role} (validation)")
        errors = [np.nan if evaluation["held_out_error"][n] is None else evaluation["held_out_error"][n]
                  for n in names]
        bars.bar(x + (k - 0.5) * 0.4, errors, 0.4, label=role)
    curve.set(xlabel="epoch", ylabel="loss", title="guide and judge training")
    curve.grid(alpha=0.3)
    curve.legend(fontsize=7)
    imported = [role for role, e in evaluations.items() if not e["loss_history"]]
    if imported:
        curve.text(0.5, 0.5, f"not trained here (imported or calibrated): {', '.join(imported)}", ha="center", va="center",
                   transform=curve.transAxes, fontsize=8)
    bars.set_xticks(x, names, rotation=45, fontsize=8)
    bars.set(ylabel="error (binary: rate; continuous: MAE)", title="held-out error per attribute")
    bars.legend(fontsize=7)
    fig.tight_layout()
    return fig


FIT_PANELS = ("loss_history", "response_diagonal", "neumann_term_norms", "component_effects", "direction_effects",
              "svm_validation_accuracy")


def fit_figure(summary: dict) -> plt.Figure:
    """What a method's fit produced: training curves, SGF's response diagnostic and Neumann term norms,
    an effect matrix, or validation accuracies."""
    panels = [k for k in FIT_PANELS if k in summary]
    fig, axes = plt.subplots(1, max(len(panels), 1), figsize=(4.5 * max(len(panels), 1), 3.4), squeeze=False)
    names = summary["attributes"]
    for ax, key in zip(axes.flat, panels):
        value = summary[key]
        if key == "loss_history":
            for split, losses in value.items():
                ax.plot(np.arange(1, len(losses) + 1), losses, label=split)
            ax.set(yscale="symlog", xlabel="epoch (or 50 iterations)", ylabel="loss", title="training curve")
            ax.legend(fontsize=8)
        elif key == "response_diagonal":
            _response_panel(ax, summary)
        elif key == "neumann_term_norms":
            ks = np.arange(1, len(value) + 1)
            ax.plot(ks, value, "-o", ms=3)
            ax.axhline(1.0, color="grey", lw=0.8)
            ax.set_yscale("log" if min(value) > 0 else "linear")  # F that ignores c: v = 0, every term 0
            radius = summary["Jz_spectral_radius"]
            ax.set(xticks=ks, xlabel="k", ylabel="median |J_z^k v| / |v|",
                   title=f"Neumann terms on a probe step\nJ_z spectral radius: median {radius['median']:.2f}, "
                         f"max {radius['max']:.2f}")
            ax.title.set_fontsize(9)
        elif key == "svm_validation_accuracy":
            ax.bar(names, value)
            ax.set(ylim=(0, 1), title="SVM validation accuracy")
            ax.tick_params(axis="x", rotation=45, labelsize=7)
        else:
            effects = np.asarray(value)
            lim = np.abs(effects).max() or 1.0
            im = ax.imshow(effects, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
            named = summary.get("assigned_component" if key == "component_effects" else "assigned_direction")
            if named is not None:  # the one-to-one naming: attribute j takes direction named[j]
                ax.scatter(range(len(named)), named, marker="s", s=90, facecolors="none", edgecolors="k")
            ax.set_xticks(range(len(names)), names, rotation=45, fontsize=7)
            ax.set(ylabel="direction", title="mean attribute change per direction (boxed: named)")
            fig.colorbar(im, ax=ax)
    if not panels:
        axes[0, 0].text(0.5, 0.5, f"{summary['method']}: nothing is fitted", ha="center", va="center")
        axes[0, 0].axis("off")
    fig.suptitle(summary["method"], fontsize=10)
    fig.tight_layout()
    return fig


def _response_panel(ax: plt.Axes, summary: dict) -> None:
    """SGF's response R = D(C o G) J_c F per requested attribute: on-target (median R_aa) and
    off-target (median column mass) bars; 1 (faithful), min_response and the median eigenvalue as lines."""
    names, x = summary["attributes"], np.arange(len(summary["attributes"]))
    ax.bar(x - 0.2, summary["response_diagonal"], 0.4, label="on-target R_aa")
    ax.bar(x + 0.2, summary["response_off_diagonal"], 0.4, label="off-target sum |R_ia|")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.axhline(summary["min_response"], color="red", ls=":", lw=1, label=f"min_response {summary['min_response']:g}")
    ax.axhline(summary["response_median_eigenvalue"], color="black", ls="--", lw=1,
               label=f"median eigenvalue {summary['response_median_eigenvalue']:.2f}")
    ax.set_xticks(x, names, rotation=45, fontsize=7)
    noise = summary.get("noise", {})
    trained = f"\nF trained with noise sigma {noise['chosen']:g}" + (
        f" (auto: least response gap over {noise['grid']})" if "grid" in noise else "") if noise else ""
    ax.set(ylabel="measured change per requested change", title=f"response to a requested change (held out){trained}")
    ax.title.set_fontsize(9)
    ax.legend(fontsize=6)


def sweep_figure(summary: pd.DataFrame, knob: str) -> plt.Figure:
    """A sweep's :func:`~pipeline_lib.scoring.sweep.spread` table -> mean score over seeds against a generator
    knob, one line per method with +- one standard deviation over seeds (a bound black, dotted, marked);
    a row per score (MDS, arrival), judge, oracle and guide side by side."""
    sources = [s for s in ("judge", "oracle", "guide") if s in set(summary["source"])]
    scores = list(dict.fromkeys(summary["score"]))
    bounds = bound_methods(summary)
    fig, axes = plt.subplots(len(scores), len(sources), figsize=(5 * len(sources), 3.8 * len(scores)),
                             squeeze=False, sharey=True)
    for row, score in zip(axes, scores):
        for ax, source in zip(row, sources):
            part = summary[(summary["source"] == source) & (summary["score"] == score)]
            for method, rows in part.groupby("method", sort=True):
                rows = rows.sort_values(knob)
                style = {"color": "k", "ls": ":"} if method in bounds else {}
                ax.errorbar(rows[knob], rows["mean"], yerr=rows["sd"].fillna(0), fmt="-o", ms=4, capsize=3,
                            label=label(method, bounds), **style)
            ax.set(xlabel=knob, ylabel=f"mean {score} over targets", ylim=(0, 1.02), title=f"{source} {score}")
            ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def gan_figure(history: dict[str, list[float]], samples, real, generated, kl: float) -> plt.Figure:
    """GAN training: loss curves, a grid of (64, 3, R, R) samples, real vs generated class histograms."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for name, losses in history.items():
        axes[0].plot(np.arange(1, len(losses) + 1), losses, label=name)
    axes[0].set(xlabel="x50 iterations", ylabel="hinge loss", title="GAN training")
    axes[0].legend(fontsize=8)
    side = int(len(samples) ** 0.5)
    axes[1].imshow(to_grid(samples[: side * side].view(side, side, *samples.shape[1:])), interpolation="nearest")
    axes[1].set(title="generated samples")
    axes[1].axis("off")
    classes = np.arange(len(real))
    axes[2].bar(classes - 0.2, real.numpy(), 0.4, label="real")
    axes[2].bar(classes + 0.2, generated.numpy(), 0.4, label="generated")
    axes[2].set(xticks=classes, xlabel="class (probe)", ylabel="fraction", title=f"class histogram, KL {kl:.3f}")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    return fig


def cross_dataset_markdown(means: pd.DataFrame, bounds: set[str] = frozenset()) -> str:
    """Mean MDS (methods x datasets) as markdown, methods ordered by their mean over datasets, then the
    ``bounds`` (marked, unranked)."""
    lines = ["| method | " + " | ".join(means.columns) + " | mean over datasets |",
             "|---" * (len(means.columns) + 2) + "|"]
    for method in ranked(means.mean(axis=1), bounds):
        row = means.loc[method]
        lines.append(f"| {label(method, bounds)} | " + " | ".join("" if pd.isna(v) else f"{v:.3f}" for v in row)
                     + f" | {row.mean():.3f} |")
    return "\n".join(lines) + "\n"


def cross_dataset_figure(means: pd.DataFrame, bounds: set[str] = frozenset()) -> plt.Figure:
    """Heat map of mean MDS, methods x datasets, each cell annotated; the ``bounds`` last, marked."""
    means = means.loc[ranked(means.mean(axis=1), bounds)]
    fig, ax = plt.subplots(figsize=(1.6 * len(means.columns) + 2.5, 0.45 * len(means) + 1.4))
    im = ax.imshow(means.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for (i, j), v in np.ndenumerate(means.to_numpy()):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if v < 0.6 else "black", fontsize=8)
    ax.set_xticks(range(len(means.columns)), means.columns)
    ax.set_yticks(range(len(means)), [label(m, bounds) for m in means.index])
    ax.set_title("mean MDS over targets (judge)", fontsize=10)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


def text_edit_figure(images, strengths: np.ndarray, titles: list[str], labels: list[str]) -> plt.Figure:
    """(rows, cols, 3, H, W) images along text-edit paths; each row titled with its captions, labelled
    on the left (the method); columns labelled with their strength, the first being the source."""
    rows, cols = images.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(max(1.1 * cols + 0.5, 7.5), 1.45 * rows + 0.3), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(images[r, c].clamp(0, 1).permute(1, 2, 0).cpu().numpy(), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == rows - 1:
                ax.set_xlabel("source" if c == 0 else f"s={strengths[c]:.2g}", fontsize=7)
        axes[r, 0].set_ylabel(labels[r], fontsize=8)
        axes[r, 0].set_title(titles[r], loc="left", fontsize=7, clip_on=False)
    fig.subplots_adjust(left=0.06, right=0.99, top=1 - 0.3 / fig.get_figheight(), bottom=0.25 / fig.get_figheight(),
                        hspace=0.55, wspace=0.05)
    return fig
