"""An independent set of drawn digits, from public sources the project did not make.

EVALUATION ONLY. These digits measure how well a model reads what people draw; no training
code may ever read them (nor anything derived from them), or they stop measuring that.
Nothing under src/ imports this module, bench/, or these sources.

Every digit is rendered the way the pad would see it: white ink on a black 280x280
``uint8`` canvas, 40-85% of the canvas high, off-centre, with a small rotation, slant and
change of aspect (seeded), then sent through :func:`digitwidget.preprocess.preprocess` to
become the 28x28 model input. The sources, all installed by the project's dev dependencies
(``package.json`` devDependencies and the ``test`` extra; nothing is downloaded):

``hershey:<font>``
    The Hershey vector fonts (A. V. Hershey, U.S. National Bureau of Standards, 1967;
    public domain), single-line glyphs of several styles (sans, serif, italic, script,
    gothic; the "medium"/"bold" ones draw each line two or three times side by side), from
    the npm package ``hersheytext`` (MIT; its JSON font data public domain). Drawn as pen
    strokes with a round pen of 14-20 px (``testkit.strokes.render_strokes``).
``ems:<font>``
    The EMS single-line fonts of Evil Mad Scientist Laboratories (SIL OFL 1.1; line-traced
    versions of typefaces such as Allura and Readability), from the same ``hersheytext``
    package (``svg_fonts/``). Drawn as pen strokes like the Hershey fonts.
``font:<family>``
    Handwriting fonts of Google Fonts' "handwriting" category (SIL OFL 1.1 or Apache 2.0,
    per font: see :data:`HANDWRITING_FONTS` and each package's ``metadata.json``), from the
    npm packages ``@fontsource/<family>`` (their ``files/*-latin-400-normal.woff``).
    Rendered filled, with the font's own stroke.
``uci-digits``
    Real handwriting: the UCI "Optical Recognition of Handwritten Digits" test set
    (E. Alpaydin, C. Kaynak, 1998; 1,797 digits by 13 writers, 32x32 bitmaps counted down
    to 8x8 blocks of 0..16; CC BY 4.0), as shipped inside scikit-learn's wheel
    (``sklearn.datasets.load_digits``, BSD-3-Clause). Smoothly enlarged onto the canvas.

Duplicate vector glyphs are kept once, under the first font of :data:`HERSHEY_FONTS` that
has them: several Hershey fonts share their digits (``scripts`` = ``scriptc`` = ``timesi``,
``timesr`` = ``cyrillic`` = ``timesg``, ``futural`` = ``cursive`` = ``greek``), which
leaves 7 Hershey and 9 EMS designs per digit. Every source gives the same number of images
per digit (:data:`PER_DIGIT`): 800 vector (350 Hershey, 450 EMS), 800 font (20 per font)
and 800 UCI digits, 2,400 in all, built in a few seconds. :func:`vector_strokes` gives
the vector digits' pen strokes before rendering (``bench/live.py`` draws them on the pad).

    >>> images, labels, styles = independent_set(seed=0)
    >>> images.shape[1:], images.dtype, sorted({s.split(":")[0] for s in styles})
    ((28, 28), dtype('float32'), ['ems', 'font', 'hershey', 'uci-digits'])
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from digitwidget.preprocess import preprocess
from testkit.strokes import render_strokes

CANVAS = 280
"""Side of the pad's canvas in pixels (DrawPad's default size)."""

HEIGHT_RANGE = (0.40, 0.85)
"""The digit's height, as a fraction of the canvas."""

PEN_RANGE = (14.0, 20.0)
"""Pen width in pixels for the vector (stroke) fonts."""

ROTATION_DEGREES = 12.0
"""Rotation, uniform in plus or minus this many degrees."""

SLANT = 0.25
"""Slant (horizontal shear per unit of height), uniform in plus or minus this."""

ASPECT_RANGE = (0.85, 1.15)
"""Width stretched by a factor in this range."""

GLYPH_HEIGHT = 300
"""Font digits are rasterised once per font, the tallest this many pixels high, then shrunk."""

UCI_FILE = "sklearn/datasets/data/digits.csv.gz"
"""The UCI digits inside scikit-learn's wheel: 64 pixel columns and the label, per row."""

UCI_EDGE = (0.3, 0.6)
"""The enlarged UCI coverage, 0..1, is ink from none at the first level to full at the
second: a soft threshold around the stroke's edge (half coverage)."""

PER_DIGIT = {"vector": 80, "font": 80, "uci-digits": 80}
"""Images per digit from each source: the vector fonts (Hershey and EMS together), the
handwriting fonts and the UCI digits; 2,400 images in all."""

HERSHEY_FONTS = (
    "futural",  # sans, 1 stroke
    "futuram",  # sans, 2 strokes
    "cursive",  # script, 1 stroke (alternative)
    "scripts",  # script, 1 stroke
    "scriptc",  # script, 2 strokes
    "timesr",  # serif (complex)
    "timesi",  # serif italic
    "timesrb",  # serif bold (triplex)
    "timesib",  # serif bold italic
    "gothiceng",  # gothic (its digits are the triplex ones)
    "cyrillic",
    "greek",
    "timesg",
)
"""The Hershey fonts of ``hersheytext.json`` that have Latin digits (the rest are symbols)."""

EMS_FONTS = (
    "ems_allure",
    "ems_elfin",
    "ems_felix",
    "ems_nixish",
    "ems_nixish_italic",
    "ems_osmotron",
    "ems_readability",
    "ems_readability_italic",
    "ems_tech",
)
"""The EMS single-line fonts of ``hersheytext/svg_fonts``."""

HANDWRITING_FONTS = (
    "annie-use-your-telescope",
    "architects-daughter",
    "bad-script",
    "caveat",
    "caveat-brush",
    "cedarville-cursive",
    "chilanka",
    "comic-neue",
    "covered-by-your-grace",
    "dancing-script",
    "delicious-handrawn",
    "delius",
    "gloria-hallelujah",
    "gochi-hand",
    "handlee",
    "herr-von-muellerhoff",
    "homemade-apple",
    "indie-flower",
    "itim",
    "kalam",
    "kaushan-script",
    "mansalva",
    "marck-script",
    "mr-de-haviland",
    "nanum-pen-script",
    "neucha",
    "patrick-hand",
    "permanent-marker",
    "reenie-beanie",
    "rock-salt",
    "sacramento",
    "satisfy",
    "schoolbell",
    "shadows-into-light",
    "short-stack",
    "sriracha",
    "sue-ellen-francisco",
    "swanky-and-moo-moo",
    "the-girl-next-door",
    "yellowtail",
)
"""``@fontsource/<id>`` packages: Google Fonts' handwriting category, chosen before any model
was scored on them (casual print and cursive; the few with large CJK subsets left out)."""


@dataclass(frozen=True)
class Source:
    """Where one group of styles comes from."""

    prefix: str
    package: str
    registry: str
    license: str
    what: str


SOURCES = (
    Source(
        "hershey",
        "hersheytext",
        "npm",
        "MIT (code); font data public domain",
        "Hershey vector fonts (NBS, 1967), drawn as pen strokes",
    ),
    Source(
        "ems",
        "hersheytext",
        "npm",
        "MIT (code); EMS fonts SIL OFL 1.1",
        "EMS single-line fonts (Evil Mad Scientist), drawn as pen strokes",
    ),
    Source(
        "font",
        "@fontsource/*",
        "npm",
        "package Apache-2.0/OFL; fonts OFL-1.1 or Apache-2.0 (see metadata.json)",
        f"{len(HANDWRITING_FONTS)} Google Fonts handwriting families, filled",
    ),
    Source(
        "uci-digits",
        "scikit-learn",
        "PyPI",
        "BSD-3-Clause (code); data CC BY 4.0 (UCI)",
        "UCI optical digits test set, 13 writers, 8x8 (load_digits)",
    ),
)


class SourceMissingError(FileNotFoundError):
    """A source of the set is not installed (the dev dependencies are missing)."""


def source_of(style: str) -> str:
    """The source prefix of a style: ``"font:Caveat"`` -> ``"font"``."""
    return style.split(":", 1)[0]


# ---------------------------------------------------------------------------------------
# Finding the installed sources.


def _node_package(name: str) -> Path:
    """``node_modules/<name>`` from the current directory upward, or from this checkout."""
    here = Path(__file__).resolve().parent
    roots = [Path.cwd().resolve(), *Path.cwd().resolve().parents, here, *here.parents]
    for root in roots:
        folder = root / "node_modules" / name
        if (folder / "package.json").is_file():
            return folder
    msg = (
        f"npm package {name!r} not found in any node_modules/ above {Path.cwd()} or {here}. "
        "It is a devDependency of this project: run `npm ci` (or `make install`)."
    )
    raise SourceMissingError(msg)


def _node_version(name: str) -> str:
    return json.loads((_node_package(name) / "package.json").read_text())["version"]


def provenance() -> list[dict[str, str]]:
    """One row per source: prefix, package, registry, installed version, license, what."""
    rows = []
    for source in SOURCES:
        if source.registry == "PyPI":
            version = metadata.version(source.package)
        elif source.package == "@fontsource/*":
            versions = sorted({_node_version(f"@fontsource/{f}") for f in HANDWRITING_FONTS})
            version = "/".join(versions)
        else:
            version = _node_version(source.package)
        rows.append({**source.__dict__, "version": version})
    return rows


# ---------------------------------------------------------------------------------------
# Glyphs: vector strokes (Hershey, EMS), font files, 8x8 bitmaps.

_PATH_TOKEN = re.compile(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:[eE]-?\d+)?")


def _parse_path(d: str, flip_y: bool) -> list[np.ndarray]:
    """Polylines of an SVG path made of M and L commands only (y downward in the result)."""
    strokes: list[list[tuple[float, float]]] = []
    numbers: list[float] = []
    for token in _PATH_TOKEN.findall(d):
        if token.isalpha():
            if token not in "ML":
                msg = f"Unexpected path command {token!r} in a single-line glyph."
                raise ValueError(msg)
            if token == "M":
                strokes.append([])
            continue
        numbers.append(float(token))
        if len(numbers) == 2:
            x, y = numbers
            strokes[-1].append((x, -y if flip_y else y))
            numbers = []
    return [np.asarray(s, dtype=float) for s in strokes if len(s) > 0]


def _hershey_glyphs() -> list[tuple[str, int, list[np.ndarray]]]:
    """``(style, digit, strokes)`` for every vector font and digit."""
    package = _node_package("hersheytext")
    glyphs = []
    fonts = json.loads((package / "hersheytext.json").read_text())
    for key in HERSHEY_FONTS:
        chars = fonts[key]["chars"]
        for digit in range(10):
            d = chars[ord(str(digit)) - 33]["d"]  # the JSON starts at "!" (33)
            glyphs.append((f"hershey:{key}", digit, _parse_path(d, flip_y=False)))
    index = json.loads((package / "svg_fonts" / "index.json").read_text())
    for key in EMS_FONTS:
        svg = (package / "svg_fonts" / index[key]["file"]).read_text()
        for digit in range(10):
            found = re.search(rf'<glyph unicode="{digit}"[^>]*?\sd="([^"]*)"', svg)
            if found is None:
                msg = f"{index[key]['file']} has no glyph for {digit}."
                raise ValueError(msg)
            style = "ems:" + key.removeprefix("ems_")
            glyphs.append((style, digit, _parse_path(found.group(1), flip_y=True)))
    return glyphs


def _unique_vector_glyphs() -> dict[int, list[tuple[str, list[np.ndarray]]]]:
    """Per digit, the distinct vector glyphs (by shape), each under its first font."""
    out: dict[int, list[tuple[str, list[np.ndarray]]]] = {d: [] for d in range(10)}
    seen: set[tuple[int, bytes]] = set()
    for style, digit, strokes in _hershey_glyphs():
        points = np.concatenate(strokes)
        low, span = points.min(axis=0), max(float(np.ptp(points, axis=0).max()), 1e-9)
        key = (digit, b"|".join(np.round((s - low) / span * 100).tobytes() for s in strokes))
        if key not in seen:
            seen.add(key)
            out[digit].append((style, strokes))
    return out


@dataclass(frozen=True)
class _Font:
    family: str
    license: str
    path: Path


@cache
def _handwriting_fonts() -> tuple[_Font, ...]:
    fonts = []
    for font_id in HANDWRITING_FONTS:
        package = _node_package(f"@fontsource/{font_id}")
        meta = json.loads((package / "metadata.json").read_text())
        weight = 400 if 400 in meta["weights"] else meta["weights"][0]
        path = package / "files" / f"{font_id}-latin-{weight}-normal.woff"
        if not path.is_file():
            msg = f"{path} is missing from @fontsource/{font_id}."
            raise SourceMissingError(msg)
        fonts.append(_Font(meta["family"], meta["license"]["type"], path))
    return tuple(fonts)


@cache
def _font_glyphs(path: Path) -> tuple[np.ndarray, ...]:
    """The ten digits of a font, filled, each cropped to its ink, the tallest ~300 px high."""
    probe = ImageFont.truetype(str(path), 100)
    tallest = max(probe.getbbox(str(d))[3] - probe.getbbox(str(d))[1] for d in range(10))
    font = ImageFont.truetype(str(path), max(8, round(100 * GLYPH_HEIGHT / tallest)))
    glyphs = []
    for digit in range(10):
        left, top, right, bottom = font.getbbox(str(digit))
        image = Image.new("L", (right - left + 8, bottom - top + 8), 0)
        ImageDraw.Draw(image).text((4 - left, 4 - top), str(digit), font=font, fill=255)
        array = np.asarray(image)
        rows, cols = np.flatnonzero(array.any(axis=1)), np.flatnonzero(array.any(axis=0))
        if len(rows) == 0:
            msg = f"{path.name} draws no ink for {digit}."
            raise ValueError(msg)
        glyphs.append(array[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    return tuple(glyphs)


def _uci_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 UCI test digits, ``(n, 8, 8)`` in 0..16, and their labels.

    Read straight from the file that ``sklearn.datasets.load_digits`` reads (importing
    scikit-learn takes seconds); through ``load_digits`` if a release moves the file.
    """
    try:
        csv = metadata.distribution("scikit-learn").locate_file(UCI_FILE)
    except metadata.PackageNotFoundError as error:
        msg = "scikit-learn is missing: it is in the `test` extra (pip install -e '.[test]')."
        raise SourceMissingError(msg) from error
    if Path(str(csv)).is_file():
        data = np.loadtxt(str(csv), delimiter=",")
        return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(int)
    from sklearn.datasets import load_digits  # pragma: no cover - the file has not moved

    digits = load_digits()  # pragma: no cover
    return np.asarray(digits.images), np.asarray(digits.target)  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Placement on the canvas.


def _linear(rng: np.random.Generator, scale: float) -> np.ndarray:
    """A random 2x2 map: ``scale``, aspect, slant and rotation (y downward)."""
    aspect = rng.uniform(*ASPECT_RANGE)
    slant = rng.uniform(-SLANT, SLANT)
    angle = np.radians(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, -slant], [0.0, 1.0]])  # positive slant leans the top right
    return rot @ shear @ np.diag([scale * aspect, scale])


def _offset(rng: np.random.Generator, corners: np.ndarray, margin: float) -> tuple[float, float]:
    """A random shift that puts ``corners`` (already mapped) inside the canvas: off-centre."""
    low, high = corners.min(axis=0), corners.max(axis=0)
    room = np.maximum(CANVAS - 2 * margin - (high - low), 0.0)
    shift = margin - low + rng.uniform(0.0, 1.0, size=2) * room
    return float(shift[0]), float(shift[1])


def _fit(linear: np.ndarray, corners: np.ndarray, margin: float) -> np.ndarray:
    """``linear`` shrunk if needed so the mapped ``corners`` fit inside the canvas."""
    mapped = corners @ linear.T
    extent = float(np.ptp(mapped, axis=0).max())
    return linear * min(1.0, (CANVAS - 2 * margin) / extent)


def _placed_strokes(
    strokes: list[np.ndarray], rng: np.random.Generator, pen: float | None = None
) -> tuple[list[np.ndarray], float]:
    """Vector strokes placed on the canvas (canvas pixels), and the pen they are drawn with.

    The pen is drawn from ``rng`` either way, so a given ``pen`` changes no other draw.
    """
    drawn = float(rng.uniform(*PEN_RANGE))
    pen = drawn if pen is None else float(pen)
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    height = rng.uniform(*HEIGHT_RANGE) * CANVAS - pen  # the pen adds its width to the ink
    linear = _linear(rng, height / max(float(high[1] - low[1]), 1e-9))
    margin = pen / 2 + 2
    linear = _fit(linear, points - low, margin)
    shift = _offset(rng, (points - low) @ linear.T, margin)
    return [(s - low) @ linear.T + shift for s in strokes], pen


def _place_strokes(strokes: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Vector strokes drawn with a round pen on the canvas."""
    placed, pen = _placed_strokes(strokes, rng)
    return render_strokes(placed, CANVAS, pen)


def _place_image(glyph: np.ndarray, rng: np.random.Generator, scale: float) -> np.ndarray:
    """A glyph image (ink bright) mapped onto the canvas: scaled by about ``scale``."""
    h, w = glyph.shape
    corners = np.array([[0, 0], [w, 0], [0, h], [w, h]], dtype=float)
    linear = _fit(_linear(rng, scale), corners, margin=2.0)
    mapped = corners @ linear.T
    shift = np.asarray(_offset(rng, mapped, margin=2.0))
    image = Image.fromarray(np.ascontiguousarray(np.clip(glyph, 0, 255), dtype=np.uint8))
    shrink = min(1.0, float(np.sqrt(abs(np.linalg.det(linear)))))
    if shrink < 1.0:  # shrink first, anti-aliased (the affine map below only samples)
        size = (max(1, round(w * shrink)), max(1, round(h * shrink)))
        image = image.resize(size, Image.Resampling.LANCZOS)
        linear = linear @ np.diag([w / size[0], h / size[1]])
    # Only the box the glyph lands in is computed, then pasted into the black canvas.
    low = np.clip(np.floor((mapped + shift).min(axis=0)) - 1, 0, CANVAS).astype(int)
    high = np.clip(np.ceil((mapped + shift).max(axis=0)) + 1, 0, CANVAS).astype(int)
    inverse = np.linalg.inv(linear)
    back = inverse @ (low - shift)
    coefficients = (*inverse[0], back[0], *inverse[1], back[1])
    box = (int(high[0] - low[0]), int(high[1] - low[1]))
    placed = image.transform(box, Image.Transform.AFFINE, coefficients, Image.Resampling.BICUBIC)
    canvas = np.zeros((CANVAS, CANVAS), dtype=np.uint8)
    canvas[low[1] : high[1], low[0] : high[0]] = np.asarray(placed, dtype=np.uint8)
    return canvas


def _place_uci(block: np.ndarray, rng: np.random.Generator, height: float) -> np.ndarray:
    """An 8x8 UCI digit enlarged onto the canvas as pen-like ink.

    Each of the 8x8 values counts the inked pixels (0..16) of a 4x4 block of the writer's
    32x32 bitmap. Enlarged smoothly (bicubic), that count's half level traces the edge of
    the original stroke, so a soft threshold around it gives strokes with crisp,
    anti-aliased edges, as the pad draws them, instead of an 8x8 blur.
    """
    rows, cols = np.flatnonzero(block.any(axis=1)), np.flatnonzero(block.any(axis=0))
    cropped = block[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    glyph = np.pad(cropped * (255.0 / 16.0), 1)  # a blank border: the ink fades out at the edge
    scale = height / cropped.shape[0]
    coverage = _place_image(glyph, rng, scale).astype(np.float32) / 255.0
    ink = np.clip((coverage - UCI_EDGE[0]) / (UCI_EDGE[1] - UCI_EDGE[0]), 0.0, 1.0)
    return np.round(ink * 255.0).astype(np.uint8)


# ---------------------------------------------------------------------------------------
# The set.


def independent_canvases(seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """The set's 280x280 ``uint8`` canvases (before preprocessing), labels and styles."""
    rng = np.random.default_rng(seed)
    canvases: list[np.ndarray] = []
    labels: list[int] = []
    styles: list[str] = []

    vectors = _unique_vector_glyphs()
    for digit in range(10):
        glyphs = vectors[digit]
        for i in range(PER_DIGIT["vector"]):
            style, strokes = glyphs[i % len(glyphs)]
            canvases.append(_place_strokes(strokes, rng))
            labels.append(digit)
            styles.append(style)

    fonts = _handwriting_fonts()
    for digit in range(10):
        for i in range(PER_DIGIT["font"]):
            font = fonts[i % len(fonts)]
            glyph = _font_glyphs(font.path)[digit]
            height = rng.uniform(*HEIGHT_RANGE) * CANVAS
            canvases.append(_place_image(glyph, rng, height / glyph.shape[0]))
            labels.append(digit)
            styles.append(f"font:{font.family}")

    bitmaps, targets = _uci_digits()
    for digit in range(10):
        chosen = rng.choice(np.flatnonzero(targets == digit), PER_DIGIT["uci-digits"], False)
        for index in chosen:
            height = rng.uniform(*HEIGHT_RANGE) * CANVAS
            canvases.append(_place_uci(bitmaps[index], rng, height))
            labels.append(digit)
            styles.append("uci-digits")
    return canvases, np.asarray(labels), np.asarray(styles)


def vector_strokes(
    per_digit: int, seed: int = 0, pen: float | None = None
) -> tuple[list[list[np.ndarray]], np.ndarray, np.ndarray, np.ndarray]:
    """Pen-stroke digits of the vector fonts (Hershey, EMS), before they are rendered.

    Each is placed on the 280x280 canvas as the set places its vector digits (40-85% of
    the height, off-centre, rotation, slant, aspect), for a pen of ``pen`` pixels or, by
    default, one drawn from :data:`PEN_RANGE` as the set does. Every digit cycles through
    its distinct designs in a seeded random order, so a few per digit mix fonts of both
    kinds; each digit has a random stream of its own, so the first ``k`` of a class are
    the same whatever ``per_digit`` is. Render one with ``render_strokes(strokes, CANVAS, pen)``.

    Args:
        per_digit: Digits per class.
        seed: Seeds the order of the designs and the placement.
        pen: The pen width in pixels the placement leaves room for; None draws one.

    Returns:
        ``strokes`` (per digit, its strokes in the font's drawing order, each ``(k, 2)``
        float ``x, y`` in canvas pixels, y downward), ``labels`` ``(N,)`` int, ``styles``
        ``(N,)`` str such as ``"hershey:timesr"``, and ``pens`` ``(N,)`` float.

    Raises:
        SourceMissingError: ``hersheytext`` is not installed (run ``make install``).
    """
    strokes: list[list[np.ndarray]] = []
    labels: list[int] = []
    styles: list[str] = []
    pens: list[float] = []
    vectors = _unique_vector_glyphs()
    for digit in range(10):
        glyphs = vectors[digit]
        rng = np.random.default_rng([seed, digit])
        order = rng.permutation(len(glyphs))
        for i in range(per_digit):
            style, glyph = glyphs[order[i % len(glyphs)]]
            placed, used = _placed_strokes(glyph, rng, pen)
            strokes.append(placed)
            labels.append(digit)
            styles.append(style)
            pens.append(used)
    return strokes, np.asarray(labels), np.asarray(styles), np.asarray(pens)


def independent_set(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The independent evaluation set, preprocessed like the pad's drawings.

    Args:
        seed: Seeds the placement (size, position, rotation, slant, aspect, pen), the
            fonts' sizes and the choice of UCI digits.

    Returns:
        ``images`` ``(N, 28, 28)`` float32 in [0, 1], ``labels`` ``(N,)`` int, ``styles``
        ``(N,)`` str such as ``"hershey:scriptc"``, ``"ems:allure"``, ``"font:Caveat"`` or
        ``"uci-digits"`` (:func:`source_of` gives the source).

    Raises:
        SourceMissingError: a source is not installed (run ``make install``).
    """
    canvases, labels, styles = independent_canvases(seed)
    images = []
    for canvas in canvases:
        x28 = preprocess(canvas)
        if x28 is None:  # pragma: no cover - every glyph has ink
            msg = "A rendered digit came out blank."
            raise RuntimeError(msg)
        images.append(x28)
    return np.stack(images).astype(np.float32), labels, styles
