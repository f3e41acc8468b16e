"""The concentration figure against hand-computed values, in Python and in the database."""

from decimal import Decimal

import pytest

from roadmap.material_selectors import concentration, material_register
from roadmap.materials import ConcentrationClass, concentration_of

pytestmark = pytest.mark.django_db

# Hand-computed from the reference shares: HHI = sum of squared percentage shares.
EXPECTED = {
    # full coverage: Brazil 92, Canada 8 -> 8464 + 64
    "niobium": {"top": 92, "hhi": 8528, "coverage": 100, "class": ConcentrationClass.HIGH},
    # China 80, Germany 8, Ukraine 5 -> 6400 + 64 + 25
    "gallium": {"top": 80, "hhi": 6489, "coverage": 93, "class": ConcentrationClass.HIGH},
    # partial coverage: only China 56 is known -> 3136, 44 % unattributed
    "aluminium": {"top": 56, "hhi": 3136, "coverage": 56, "class": ConcentrationClass.HIGH},
    # Canada 19, China 15, Australia 13, South Africa 12 -> 361 + 225 + 169 + 144
    "titanium-metal": {"top": 19, "hhi": 899, "coverage": 59, "class": ConcentrationClass.LOW},
    # Chile 38, Australia 36, Argentina 12, China 7 -> 1444 + 1296 + 144 + 49
    "lithium": {"top": 38, "hhi": 2933, "coverage": 93, "class": ConcentrationClass.HIGH},
    # Spain 31, Iran 30, China 19, Mexico 17 -> 961 + 900 + 361 + 289
    "strontium": {"top": 31, "hhi": 2511, "coverage": 97, "class": ConcentrationClass.HIGH},
    # no supplier share is known: no figure at all
    "arsenic": {"top": None, "hhi": None, "coverage": None, "class": ConcentrationClass.NO_DATA},
    "manganese": {"top": None, "hhi": None, "coverage": None, "class": ConcentrationClass.NO_DATA},
}


@pytest.mark.parametrize("slug", EXPECTED)
def test_database_figure_matches_hand_computed_values(register, observer, slug):
    material = material_register(user=observer).get(slug=slug)
    figure = concentration(material)
    expected = EXPECTED[slug]

    assert figure.top_share == (None if expected["top"] is None else Decimal(expected["top"]))
    assert figure.hhi == (None if expected["hhi"] is None else Decimal(expected["hhi"]))
    assert figure.coverage == (
        None if expected["coverage"] is None else Decimal(expected["coverage"])
    )
    assert figure.concentration_class == expected["class"]


def test_no_shares_is_no_data_not_zero():
    figure = concentration_of([])

    assert (figure.top_share, figure.hhi, figure.coverage) == (None, None, None)
    assert not figure.has_data
    assert figure.class_label == "No data"
    assert "not 0" in figure.explain()


def test_partial_coverage_says_the_hhi_is_a_lower_bound():
    figure = concentration_of([56])

    assert figure.uncovered == Decimal(44)
    assert "44 % is not attributed to any country, so the HHI is a lower bound" in figure.explain()
    assert "not an official score" in figure.explain()


def test_fractional_shares():
    figure = concentration_of(["12.5", "7.25"])

    assert figure.hhi == Decimal("208.81")  # 156.25 + 52.5625, rounded to 2 places
    assert figure.coverage == Decimal("19.75")


def test_python_and_database_agree_on_every_material(register, observer):
    for material in material_register(user=observer):
        shares = [s.share_pct for s in material.suppliers.all()]
        assert concentration(material) == concentration_of(shares), material.slug


def test_class_thresholds_follow_settings(settings):
    settings.MATERIALS_HHI_MODERATE = 1000
    settings.MATERIALS_HHI_HIGH = 1800

    assert concentration_of([30, 20]).concentration_class == ConcentrationClass.MODERATE  # 1300
    assert concentration_of([40, 10]).concentration_class == ConcentrationClass.MODERATE  # 1700
    assert concentration_of([40, 20]).concentration_class == ConcentrationClass.HIGH  # 2000
    assert concentration_of([30]).concentration_class == ConcentrationClass.LOW  # 900
