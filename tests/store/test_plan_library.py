"""The plan library: shipped TOML files, clinic overrides, and clear errors for bad files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facilitator.core.errors import InputError
from facilitator.core.rules import BlockKind
from facilitator.store.plans import PlanLibrary, load_plan_file, shipped_plans_dir

SHIPPED = shipped_plans_dir()

CLINIC_PLAN = """\
title = "Clinic version of the triggers evening"
kind = "iop-evening"

[[blocks]]
kind = "check-in"
title = "Check-in"
minutes = 30

[[blocks]]
kind = "wrap-up"
title = "Wrap-up"
minutes = 30
"""


def write(directory: Path, name: str, text: str | bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_plan_loads() -> None:
    library = PlanLibrary.load(SHIPPED, None)
    assert library.errors == []
    assert len(library.all()) >= 12
    assert len(list(SHIPPED.glob("*.toml"))) == len(library)
    titles = [p.title.casefold() for p in library.all()]
    assert titles == sorted(titles)


def test_shipped_plans_are_complete() -> None:
    library = PlanLibrary.load(SHIPPED, None)
    kinds = {p.kind for p in library.all()}
    assert {"early-recovery", "relapse-prevention", "family-education", "social-support",
            "iop-evening"} <= kinds
    for plan in library.all():
        assert plan.description, plan.plan_id
        for block in plan.blocks:
            if block.kind is not BlockKind.BREAK:
                assert 1 <= len(block.prompts) <= 4, (plan.plan_id, block.title)


def test_three_hour_evenings() -> None:
    library = PlanLibrary.load(SHIPPED, None)
    evenings = [p for p in library.all() if p.kind == "iop-evening"]
    assert len(evenings) >= 2
    for plan in evenings:
        assert plan.total_minutes == 180
        assert plan.countable_minutes == 170
        assert [b.minutes for b in plan.blocks] == [20, 45, 10, 45, 45, 15]
    runs = library.get("iop-evening-triggers").block_runs()
    assert [r.countable for r in runs] == [True, True, False, True, True, True]


def test_clinic_plan_overrides_shipped_by_id(tmp_path: Path) -> None:
    clinic = tmp_path / "plans"
    write(clinic, "iop-evening-triggers.toml", CLINIC_PLAN)
    write(clinic, "clinic-extra.toml", CLINIC_PLAN.replace("Clinic version", "Extra"))
    shipped_count = len(PlanLibrary.load(SHIPPED, None))
    library = PlanLibrary.load(SHIPPED, clinic)
    assert library.errors == []
    plan = library.get("iop-evening-triggers")
    assert plan.title == "Clinic version of the triggers evening"
    assert plan.total_minutes == 60
    assert library.sources["iop-evening-triggers"].parent == clinic
    assert len(library) == shipped_count + 1
    assert "clinic-extra" in library


def test_missing_clinic_dir_is_fine(tmp_path: Path) -> None:
    library = PlanLibrary.load(SHIPPED, tmp_path / "nope")
    assert library.errors == [] and len(library) >= 12


def test_broken_clinic_toml_is_reported_and_others_load(tmp_path: Path) -> None:
    clinic = tmp_path / "plans"
    write(clinic, "good-one.toml", CLINIC_PLAN)
    write(clinic, "broken.toml", 'title = "Broken"\nkind = "other"\nminutes = = 3\n')
    library = PlanLibrary.load(SHIPPED, clinic)
    assert len(library.errors) == 1
    err = library.errors[0]
    assert err.line == 3
    assert "broken.toml, line 3" in str(err) and "not valid TOML" in str(err)
    assert "good-one" in library and "broken" not in library
    assert len(library) >= 13


def test_broken_override_keeps_shipped_plan(tmp_path: Path) -> None:
    clinic = tmp_path / "plans"
    write(clinic, "rp-urge-surfing.toml", CLINIC_PLAN.replace("minutes = 30", "minutes = 0", 1))
    library = PlanLibrary.load(SHIPPED, clinic)
    assert len(library.errors) == 1
    assert library.get("rp-urge-surfing").title.startswith("Relapse Prevention")


def test_validation_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "late.toml", CLINIC_PLAN.replace("minutes = 30\n", "minutes = 999\n")
                 .replace("minutes = 30", "minutes = 10"))
    with pytest.raises(InputError) as caught:
        load_plan_file(path)
    text = str(caught.value)
    assert "late.toml, line 7, field 'blocks[0].minutes'" in text
    assert "'Check-in'" in text and "999" in text


def test_missing_key_points_at_block_header(tmp_path: Path) -> None:
    path = write(tmp_path, "nokind.toml", CLINIC_PLAN.replace('kind = "wrap-up"\n', ""))
    with pytest.raises(InputError) as caught:
        load_plan_file(path)
    assert caught.value.field == "blocks[1].kind" and caught.value.line == 9


def test_non_utf8_file(tmp_path: Path) -> None:
    path = write(tmp_path, "latin.toml", 'title = "Caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InputError) as caught:
        load_plan_file(path)
    text = str(caught.value)
    assert text.startswith(f"{path}, line 1: ") and "not UTF-8" in text and "0xe9" in text


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.toml", b"\xef\xbb\xbf" + CLINIC_PLAN.encode())
    assert load_plan_file(path).plan_id == "bom"


def test_id_mismatch_with_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "named.toml", 'id = "other"\n' + CLINIC_PLAN)
    with pytest.raises(InputError) as caught:
        load_plan_file(path)
    assert caught.value.field == "id" and caught.value.line == 1


def test_bad_file_stem_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "My Plan.toml", CLINIC_PLAN)
    with pytest.raises(InputError, match="not a valid plan id"):
        load_plan_file(path)


def test_unknown_plan(tmp_path: Path) -> None:
    library = PlanLibrary.load(SHIPPED, None)
    with pytest.raises(InputError, match="no session plan named 'rp-urge-surf'.*rp-urge-surfing"):
        library.get("rp-urge-surf")


def test_missing_shipped_dir_is_reported(tmp_path: Path) -> None:
    library = PlanLibrary.load(tmp_path / "gone", None)
    assert len(library) == 0 and "missing" in str(library.errors[0])


def test_readme_example_is_valid(tmp_path: Path) -> None:
    if not (SHIPPED / "README.md").is_file():
        pytest.skip("README not shipped")
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert example is not None
    plan = load_plan_file(write(tmp_path, "clinic-thursday-video.toml", example.group(1)))
    assert (plan.total_minutes, plan.countable_minutes) == (90, 50)


def test_a_php_day_plan_fills_five_hours_with_breaks_and_clears_the_php_week() -> None:
    from facilitator.core.rules import LEVELS_OF_CARE, BlockKind
    from facilitator.store.plans import PlanLibrary, shipped_plans_dir
    plan = PlanLibrary.load(shipped_plans_dir(), shipped_plans_dir()).get("php-day-recovery-skills")
    assert plan.total_minutes == 300
    breaks = [b for b in plan.blocks if b.kind is BlockKind.BREAK]
    assert len(breaks) >= 2 and all(not b.countable for b in breaks)
    # 245 countable minutes a day, five days: 1225 min >= 20 h (ASAM 2.5 PHP)
    assert plan.countable_minutes == 245
    assert 5 * plan.countable_minutes >= LEVELS_OF_CARE["PHP"] * 60
