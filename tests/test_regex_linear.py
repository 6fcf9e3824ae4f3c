"""Issue 12 item 2: no regular expression in kg/ is catastrophic or quadratic.

Every compiled pattern found in the globals of every kg module is fed long
runs (5,000 characters) of each character class and of mixed classes; each
search must finish well under a time bound. The whole pipeline is run on
pathological files under a bound, and the per-file time budget is checked."""
import json
import importlib
import pickle
import pkgutil
import re
import signal
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import kg
from kg import budget
from kg.budget import BudgetedExtractor, ExtractionTimeout, extract_file_within, time_limit
from kg.model import InputError
from kg.pipeline import extract_string

BOUND_S = 0.5
N = 5000


def _patterns():
    out = {}
    for mi in pkgutil.walk_packages(kg.__path__, "kg."):
        mod = importlib.import_module(mi.name)
        for name, v in vars(mod).items():
            vals = [v]
            if isinstance(v, dict):
                vals = list(v.values())
            elif isinstance(v, (list, tuple)):
                vals = [y for x in v for y in (x if isinstance(x, tuple) else (x,))]
            for i, p in enumerate(vals):
                if isinstance(p, re.Pattern):
                    out[f"{mi.name}.{name}" + (f"[{i}]" if len(vals) > 1 else "")] = p
    return out


PATTERNS = _patterns()
UNITS = [" ", "\t", "|", "1", "a", "A", "ệ", "Đ", ".", ",", ":", ";", "/", "-", "*", "(", "\n", "\r\n",
         " |", "\t\n", " \n", "|\n", "\n ", "Sở ", "1/", "1 ", "1.", "a ", "ngày ", "- ", " x", "Số: ", "VI. "]


def _timed(p: re.Pattern, s: str) -> float:
    def boom(*_):
        raise TimeoutError

    if isinstance(p.pattern, bytes):  # the Word reader scans XML bytes
        s = s.encode("utf-8")
    old = signal.signal(signal.SIGALRM, boom)
    signal.setitimer(signal.ITIMER_REAL, 10)
    t0 = time.perf_counter()
    try:
        p.search(s)
        for _ in p.finditer(s):
            pass
    except TimeoutError:
        return 10.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    return time.perf_counter() - t0


def test_patterns_collected():
    assert len(PATTERNS) > 60
    assert "kg.assignments._COLON_RE" in PATTERNS and "kg.identity._DATE_TAIL_RE" in PATTERNS


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_long_runs_of_each_class(name):
    p = PATTERNS[name]
    slow = []
    for unit in UNITS:
        run = (unit * (N // len(unit) + 1))[:N]
        for tail in ("", "x:"):
            dt = _timed(p, run + tail)
            if dt > BOUND_S:
                slow.append((unit, tail, round(dt, 2)))
    assert not slow, f"{name} is slow on long runs: {slow}"


_runs = st.lists(st.tuples(st.sampled_from(UNITS), st.integers(1, 2500)), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(runs=_runs)
def test_mixed_runs_every_pattern(runs):
    s = "".join(u * k for u, k in runs)[:N]
    slow = [(n, round(dt, 2)) for n, p in PATTERNS.items() if (dt := _timed(p, s)) > BOUND_S]
    assert not slow, f"slow on {[(u, k) for u, k in runs]}: {slow}"


# ------------------------------------------------------------- pipeline ----
PATHOLOGICAL = {
    "spaces then x": " " * 800 + "x",
    "line of tabs": "\t" * 3000,
    "pipes": "|" * 100_000,
    "pipes and newlines": "|\n" * 30_000,
    "indented lines": ("Số: 12/KH-UBND\n" + "".join(" " * 120 + f"{i}. Sở Nội vụ chủ trì thực hiện\n" for i in range(400))),
    "tabs and newlines": "\t\n" * 20_000,
    "digits": "1" * 50_000,
    "spaces then colon": (" " * 3000 + "a" + " " * 3000 + ":\n") * 5,
    "numbered colons": "1. " + "Sở " * 5000 + ":\n",
    "date words": "Hà Nội, ngày " * 5000,
    "slashes": "1/" * 20_000,
    "table of pipes": "|\n".join(["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian"]) + "\n|\n" + "|\n \n" * 10_000,
    "tab rows": ("STT\tNhiệm vụ\tCơ quan chủ trì\tThời gian\n" + "\t" * 200 + "\n") * 200,
    "labels": "Cơ quan chủ trì: " * 3000,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pipeline_on_pathological_text(name):
    text = PATHOLOGICAL[name]
    t0 = time.perf_counter()
    with time_limit(20, name):
        extract_string(text, name)
    assert time.perf_counter() - t0 < 5.0


# --------------------------------------------------------------- budget ----
def _slow_extract(path, label=None):
    if "slow" in str(path):
        time.sleep(30)
    return extract_string("Số: 12/KH-UBND\n", str(path))


def test_worker_budget_kills_and_recovers(monkeypatch, tmp_path):
    monkeypatch.setattr(budget, "extract_file", _slow_extract)
    with BudgetedExtractor(1.0) as ex:
        t0 = time.perf_counter()
        with pytest.raises(ExtractionTimeout) as e:
            ex.extract(tmp_path / "slow.txt")
        assert time.perf_counter() - t0 < 5
        assert "slow.txt" in str(e.value) and "1 s" in str(e.value)
        assert ex.extract(tmp_path / "fast.txt").document.number == "12/KH-UBND"


def test_alarm_budget(monkeypatch, tmp_path):
    monkeypatch.setattr(budget, "extract_file", _slow_extract)
    t0 = time.perf_counter()
    with pytest.raises(ExtractionTimeout):
        extract_file_within(tmp_path / "slow.txt", 0.5)
    assert time.perf_counter() - t0 < 5
    assert extract_file_within(tmp_path / "fast.txt", 5).document.number == "12/KH-UBND"


def test_alarm_interrupts_a_runaway_regex():
    with pytest.raises(ExtractionTimeout):
        with time_limit(0.3, "x.txt"):
            re.match(r"(a+)+$", "a" * 40 + "b")


def test_budget_outside_the_main_thread(monkeypatch, tmp_path):
    monkeypatch.setattr(budget, "extract_file", _slow_extract)
    got = {}

    def run():
        try:
            extract_file_within(tmp_path / "slow.txt", 0.5)
        except ExtractionTimeout as e:
            got["e"] = e

    th = threading.Thread(target=run)
    th.start()
    th.join(20)
    assert isinstance(got.get("e"), ExtractionTimeout)


def test_input_errors_cross_processes_intact():
    """Workers (processes, Dask) send these back pickled: the file and the
    problem must survive, not turn into an unpicklable internal error."""
    for e in (InputError("a b.txt", "bad table"), ExtractionTimeout("x.pdf", 2.5)):
        back = pickle.loads(pickle.dumps(e))
        assert type(back) is type(e) and str(back) == str(e) and back.path == e.path


def test_budgeted_runner_with_a_forkserver_runs_any_job():
    with BudgetedExtractor(30.0, fn=budget.extract_bytes, start_method="forkserver") as ex:
        js, text = ex.call("k.txt", "Số: 12/KH-UBND\n".encode(), "k.txt", ".txt")
    assert json.loads(js)["document"]["number"] == "12/KH-UBND" and text.startswith("Số".encode())
