"""Vietnamese name order against ICU's Vietnamese collation: the given name whole first (letters, then tone,
as ICU orders given names), then the surname, then the middle names. The ICU order is a committed table
(tests/fixtures/icu_vi_given_names.txt, made by make_icu_name_order.py), so no PyICU is needed here."""
from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest

from server.services.award_batches import stage_key
from server.services.text import vietnamese_key, vietnamese_name_key

TABLE = Path(__file__).parent.parent / "fixtures" / "icu_vi_given_names.txt"
ICU_GIVEN = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Lã", "La"]
MIDDLES = ["Văn", "Thị", "Minh", "Thu", "Ngọc", "Đức", "Thị Ngọc"]


def ordered(names: list[str]) -> list[str]:
    return sorted(names, key=vietnamese_name_key)


def test_the_icu_table_is_there_and_in_nfc():
    assert len(ICU_GIVEN) >= 60
    assert len(set(ICU_GIVEN)) == len(ICU_GIVEN)
    assert all(unicodedata.normalize("NFC", g) == g and " " not in g for g in ICU_GIVEN)


def test_given_names_sort_as_icu_sorts_them():
    rng = random.Random(15)
    for _ in range(10):
        names = ICU_GIVEN[:]
        rng.shuffle(names)
        assert sorted(names, key=lambda g: vietnamese_key([g])) == ICU_GIVEN
    keys = [vietnamese_key([g]) for g in ICU_GIVEN]
    assert all(a < b for a, b in zip(keys, keys[1:])), "two different given names must not tie"


def test_full_names_follow_the_icu_order_of_their_given_names():
    """Each given name under several surnames: sorted, the given names come out in ICU's order, every
    "Anh" before any "Ánh", whatever the surnames."""
    rank = {g: i for i, g in enumerate(ICU_GIVEN)}
    rng = random.Random(2020)
    names = [f"{s} {m} {g}" for g in ICU_GIVEN for s, m in zip(rng.sample(SURNAMES, 3), rng.sample(MIDDLES, 3))]
    rng.shuffle(names)
    given = [n.split()[-1] for n in ordered(names)]
    assert [rank[g] for g in given] == sorted(rank[g] for g in given)


def test_the_issue_example():
    names = ["Bùi Văn Ánh", "Lê Thị Anh", "Nguyễn Thị Ánh", "Vũ Văn Anh"]
    assert ordered(names) == ["Lê Thị Anh", "Vũ Văn Anh", "Bùi Văn Ánh", "Nguyễn Thị Ánh"]


# (first, second, why): `first` is read out before `second`.
PAIRS = [
    ("Vũ Văn Anh", "Bùi Văn Ánh", "the given name's tone before the surname"),
    ("Vũ Thị Thùy", "An Thị Thủy", "huyền < hỏi, whatever the surname"),
    ("Trần Thị Ý", "Bùi Thị Yến", "Ý < Yến: a shorter word first, whatever its tone"),
    ("Lê Văn An", "Nguyễn Văn An", "same given name: by surname"),
    ("Bùi Văn Nam", "Trần Văn Nam", "same given name: by surname"),
    ("La Văn Anh", "Lã Thị Anh", "same given name: the surname whole (its tone) before the middle name"),
    ("Nguyễn Thị An", "Nguyễn Văn An", "same given name and surname: by middle name"),
    ("Nguyễn Thị Ánh", "Nguyễn Thị Ngọc Ánh", "a middle name that is a prefix of another first"),
    ("Đỗ Ngọc An", "Đỗ Ngọc Ân", "a < â"),
    ("Dương Văn An", "Đỗ Văn An", "d < đ in the surname"),
    ("nguyễn văn anh", "Nguyễn Văn Ánh", "case does not matter"),
]


@pytest.mark.parametrize("first, second, why", PAIRS, ids=[why for *_, why in PAIRS])
def test_pairs(first, second, why):
    assert vietnamese_name_key(first) < vietnamese_name_key(second), why
    assert ordered([second, first]) == [first, second], why


def test_same_name_in_nfd_and_nfc_ties():
    assert vietnamese_name_key(unicodedata.normalize("NFD", "Bùi Văn Ánh")) == vietnamese_name_key("Bùi Văn Ánh")


class _Kind:
    position, id = 1, 1


class _Award:
    level = ""

    def __init__(self, collective):
        self.collective = collective


class _Delegate:
    def __init__(self, full_name):
        self.full_name = full_name


def test_stage_order_uses_the_rule_for_people_and_word_by_word_for_collectives():
    people = ["Nguyễn Thị Ánh", "Vũ Văn Anh", "Bùi Văn Ánh", "Lê Thị Anh"]
    collectives = ["Xã Hạ Long", "Xã Hà Trung"]            # Hà < Hạ decides before Long < Trung
    rows = [(_Award(None), _Kind(), _Delegate(n)) for n in people] + \
           [(_Award(c), _Kind(), None) for c in collectives]
    got = [a.collective or d.full_name for a, _k, d in sorted(rows, key=lambda r: stage_key(*r))]
    assert got == ["Lê Thị Anh", "Vũ Văn Anh", "Bùi Văn Ánh", "Nguyễn Thị Ánh", "Xã Hà Trung", "Xã Hạ Long"]
