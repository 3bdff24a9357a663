"""A marimo app: draw a digit, watch the probabilities and the robot vision update.

Run it with ``marimo run examples/app.py`` (or edit it with ``marimo edit examples/app.py``).
"""

import marimo

app = marimo.App(width="medium")


@app.cell
def _():
    import base64
    import io

    import marimo as mo

    from digitwidget import DrawPad
    from digitwidget.plots import plot_model_input, plot_probabilities

    def png(fig, alt):
        """A matplotlib Figure as an inline PNG (a data URL: nothing to fetch while it updates)."""
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        data = base64.b64encode(buffer.getvalue()).decode()
        return mo.Html(
            f'<img src="data:image/png;base64,{data}" alt="{alt}" style="max-width:100%">'
        )

    return DrawPad, mo, plot_model_input, plot_probabilities, png


@app.cell
def _(mo):
    mo.md(
        """
        # Draw a digit

        A small neural network, written in plain NumPy, reads your drawing live.
        Press the network button in the toolbar to look inside it.
        """
    )
    return


@app.cell
def _(DrawPad, mo):
    pad = mo.ui.anywidget(DrawPad())
    pad
    return (pad,)


@app.cell
def _(mo, pad, plot_model_input, plot_probabilities, png):
    drawn = pad.widget
    charts = mo.hstack(
        [
            png(plot_probabilities(drawn.probabilities), "Probability of each digit"),
            png(plot_model_input(drawn.pixels, drawn.model_input), "Drawing and robot vision"),
        ],
        widths="equal",
    )
    charts
    return (charts,)


if __name__ == "__main__":
    app.run()
