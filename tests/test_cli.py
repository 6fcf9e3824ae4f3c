"""The `legalkg` command line as the contract describes it (exit codes, JSON shapes)."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"
SEED = sorted(CORPUS.glob("*.txt"))[0]


def run(*args, env=None):
    e = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=e, timeout=300)


def test_extract_json_shape():
    r = run("extract", SEED, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 1
    ex = data[0]
    assert ex["source"] == str(SEED)
    for key in ("id", "number", "type", "date", "issuer", "province", "title", "signer"):
        assert key in ex["document"]
    for ref in ex["references"]:
        assert set(["number", "type", "date", "issuer", "title", "relation", "target_id", "span"]) <= set(ref)
        assert ref["relation"] in ("based_on", "implements", "amends", "replaces", "repeals", "guides", "cites")
        assert isinstance(ref["span"], list) and len(ref["span"]) == 2
    for t in ex["tasks"]:
        assert set(["id", "section", "no", "text", "lead", "support", "deadline", "product", "references"]) <= set(t)
    for a in ex["assignments"]:
        assert set(["agency", "text"]) <= set(a)
    for a in ex["agencies"]:
        assert set(["id", "name", "aliases", "province"]) <= set(a)
    assert ex["document"]["number"] not in [r["number"] for r in ex["references"]]


def test_extract_bad_files_do_not_stop_the_others(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    r = run("extract", empty, SEED, tmp_path / "missing.txt", binary, "--json")
    assert r.returncode == 2
    assert len(json.loads(r.stdout)) == 1
    lines = [l for l in r.stderr.splitlines() if not l.startswith("legalkg: warning")]
    assert len(lines) == 3
    assert "empty.txt" in lines[0] and "missing.txt" in lines[1] and "bin.txt" in lines[2]


def test_extract_readable_table():
    r = run("extract", SEED)
    assert r.returncode == 0
    assert "319/KH-UBND" in r.stdout and "tasks: 71" in r.stdout


def test_usage_errors_exit_2():
    r = run("frobnicate")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    r = run("cites")
    assert r.returncode == 2
    r = run("--data", "/nonexistent/folder", "build")
    assert r.returncode == 2 and "/nonexistent/folder" in r.stderr


def test_build_cites_path_agency_export(tmp_path):
    env = {"LEGALKG_HOME": str(tmp_path / "home")}
    r = run("build", "--json", "--no-index", env=env)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["documents"] == 5 and s["tasks"] > 300 and s["errors"] == []
    r2 = run("build", "--json", "--no-index", env=env)
    assert json.loads(r2.stdout)["reused"] == 5
    r = run("cites", "61/2018/NĐ-CP", "--direction", "in", "--json", env=env)
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["root"]["number"] == "61/2018/NĐ-CP"
    citing = {n["number"] for n in c["nodes"] if n["in_corpus"]}
    assert {"2704/QĐ-UBND", "45/QĐ-UBND", "319/KH-UBND"} <= citing
    assert all(e["target"] == c["root"]["id"] for e in c["edges"])
    r = run("cites", "131/KH-UBND", "--json", env=env)
    assert r.returncode == 0 or r.returncode == 2
    r = run("cites", "999/QĐ-XYZ", "--json", env=env)
    assert r.returncode == 2 and "999/QĐ-XYZ" in r.stderr
    r = run("agency", "Sở Nội vụ", "--json", env=env)
    a = json.loads(r.stdout)
    assert {x["province"] for x in a["agencies"]} >= {"Vĩnh Phúc", "Tiền Giang"}
    r = run("export", "--format", "nt", "-o", tmp_path / "g.nt", env=env)
    assert r.returncode == 0 and (tmp_path / "g.nt").stat().st_size > 1000


def test_separate_homes_do_not_share_state(tmp_path):
    d1 = tmp_path / "c1"
    d1.mkdir()
    (d1 / "a.txt").write_text((CORPUS / SEED.name).read_text(encoding="utf-8"), encoding="utf-8")
    r = run("--data", d1, "--home", tmp_path / "h1", "build", "--json", "--no-index")
    assert json.loads(r.stdout)["documents"] == 1
    r = run("--home", tmp_path / "h2", "--data", CORPUS, "build", "--json", "--no-index")
    assert json.loads(r.stdout)["documents"] == 5
    r = run("--data", d1, "--home", tmp_path / "h1", "build", "--json", "--no-index")
    assert json.loads(r.stdout)["documents"] == 1


def test_build_reports_and_skips_bad_files(tmp_path):
    d = tmp_path / "c"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "a.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (d / "bad.txt").write_bytes(b"\x00\x01" * 100)
    (d / "empty.md").write_bytes(b"")
    r = run("--data", d, "--home", tmp_path / "h", "build", "--json", "--no-index")
    assert r.returncode == 0
    s = json.loads(r.stdout)
    assert s["documents"] == 1 and len(s["errors"]) == 2
    assert any("bad.txt" in e for e in s["errors"]) and any("empty.md" in e for e in s["errors"])
    assert "bad.txt" in r.stderr and "empty.md" in r.stderr


def test_sparql_cli(tmp_path):
    env = {"LEGALKG_HOME": str(tmp_path / "home")}
    q = ("PREFIX eli: <http://data.europa.eu/eli/ontology#> "
         "SELECT ?n WHERE { ?d a eli:LegalResource ; eli:id_local ?n } ORDER BY ?n")
    r = run("sparql", q, "--json", env=env)
    assert r.returncode == 0, r.stderr
    nums = [b["n"]["value"] for b in json.loads(r.stdout)["results"]["bindings"]]
    assert "319/KH-UBND" in nums and "61/2018/NĐ-CP" in nums
    r = run("sparql", "DELETE WHERE { ?s ?p ?o }", "--json", env=env)
    assert r.returncode == 2 and "read-only" in r.stderr
    r = run("sparql", "SELEC nonsense", "--json", env=env)
    assert r.returncode == 2 and r.stderr.startswith("legalkg: sparql:")
