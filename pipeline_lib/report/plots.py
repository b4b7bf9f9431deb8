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
    """One panel per target attribute; each method's MDC (predictor solid, oracle dashed), the legend
    (with each curve's MDS) right of its panel so that it covers no curve; a bound in black, marked."""
    targets = list(dict.fromkeys(curves["attribute"]))
    cols = min(3, len(targets))
    rows = -(-len(targets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.4 * cols, 3.8 * rows), squeeze=False)
    methods = sorted(curves["method"].unique())
    bounds = bound_methods(scores)
    colours = {**dict(zip([m for m in methods if m not in bounds], plt.cm.tab10.colors)), **dict.fromkeys(bounds, "k")}
    mds = scores.set_index(["method", "attribute", "source"])["mds"]
    for ax, target in zip(axes.flat, targets):
        for (method, source), c in curves[curves["attribute"] == target].groupby(["method", "source"]):
            ax.plot(c["accuracy"], c["disentanglement"], "-o" if source == "pred" else "--",
                    color=colours[method], ms=3, lw=1.5 if source == "pred" else 1,
                    label=f"{label(method, bounds)}{' (oracle)' if source != 'pred' else ''}: "
                          f"{mds[method, target, source]:.2f}")
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
    """The MDS table as text cells: one row per method with ``MDS [95% interval]`` per target attribute or
    group, the mean, the means over single attributes and over groups apart (where the table has them),
    the mean arrival score (where it has it) and the oracle mean, by name, then the bounds (marked); a last row with the predictor's held-out
    error per target."""
    summaries = scores[scores["source"] == "pred"].set_index(["method", "attribute"])
    scores = task_rows(scores)
    pred = scores[scores["source"] == "pred"]
    attrs = list(dict.fromkeys(pred["attribute"]))
    extra = [name for name in SUMMARIES if name in summaries.index.get_level_values("attribute")]
    arrival = ["arrival mean"] if "arrival" in pred else []
    bounds, rows = bound_methods(scores), []
    for method, group in sorted(pred.groupby("method", sort=True), key=lambda item: item[0] in bounds):
        cell = group.set_index("attribute")
        oracle = scores[(scores["method"] == method) & (scores["source"] == "oracle")]["mds"]
        rows.append([label(method, bounds)]
                    + [f"{cell.at[a, 'mds']:.3f} [{cell.at[a, 'ci_low']:.2f}, {cell.at[a, 'ci_high']:.2f}]"
                       if a in cell.index else "" for a in attrs]
                    + [f"{group['mds'].mean():.3f}"]
                    + [f"{summaries.at[(method, name), 'mds']:.3f}" if (method, name) in summaries.index else ""
                       for name in extra]
                    + [f"{group['arrival'].mean():.3f}" for _ in arrival]
                    + [f"{oracle.mean():.3f}" if len(oracle) else "n/a"])
    errors = pred.drop_duplicates("attribute").set_index("attribute")["predictor_error"]
    blank = [""] * (2 + len(extra) + len(arrival))
    rows.append(["predictor held-out error"] + [f"{errors[a]:.3f}" for a in attrs] + blank)
    return pd.DataFrame(rows, columns=["method", *attrs, "mean", *(n.replace("_", " ") for n in extra), *arrival,
                                       "oracle mean"])


def mds_markdown(scores: pd.DataFrame) -> str:
    """:func:`mds_summary` as a markdown table."""
    table = mds_summary(scores)
    line = lambda cells: "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"  # noqa: E731
    lines = [line(table.columns), "|---" * len(table.columns) + "|", *map(line, table.itertuples(index=False))]
    return "\n".join(lines) + "\n"


def predictor_figure(evaluation: dict) -> plt.Figure:
    """The attribute predictor's training loss per epoch and its held-out error per attribute.

    An imported predictor has neither (no loss, errors ``None``): the panels say so.
    """
    fig, (curve, bars) = plt.subplots(1, 2, figsize=(9, 3.4))
    losses = evaluation["loss_history"]
    curve.plot(np.arange(1, len(losses) + 1), losses, "-o", ms=3)
    curve.set(xlabel="epoch", ylabel="training loss", title="predictor training curve")
    curve.grid(alpha=0.3)
    errors = {k: v for k, v in evaluation["held_out_error"].items() if v is not None}
    for ax, empty in ((curve, not losses), (bars, not errors)):
        if empty:
            ax.text(0.5, 0.5, "imported predictor: not trained here", ha="center", va="center",
                    transform=ax.transAxes)
    bars.bar(list(errors), list(errors.values()))
    bars.set(ylabel="error (binary: rate; continuous: MAE)", title="held-out error per attribute")
    bars.tick_params(axis="x", rotation=45, labelsize=8)
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


def sweep_figure(table: pd.DataFrame, knob: str) -> plt.Figure:
    """Mean MDS against a generator knob, one line per method (a bound black, dotted, marked); predictor
    and oracle side by side."""
    sources = [s for s in ("pred", "oracle") if s in set(table["source"])]
    bounds = bound_methods(table)
    fig, axes = plt.subplots(1, len(sources), figsize=(5 * len(sources), 3.8), squeeze=False, sharey=True)
    for ax, source in zip(axes.flat, sources):
        for method, rows in table[table["source"] == source].groupby("method", sort=True):
            rows = rows.sort_values(knob)
            style = {"color": "k", "ls": ":"} if method in bounds else {}
            ax.plot(rows[knob], rows["mean_mds"], "-o", ms=4, label=label(method, bounds), **style)
        ax.set(xlabel=knob, ylabel="mean MDS over targets", ylim=(0, 1.02),
               title="predictor" if source == "pred" else "oracle")
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
    ax.set_title("mean MDS over targets (predictor)", fontsize=10)
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
