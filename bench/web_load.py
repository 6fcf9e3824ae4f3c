"""Load test of the HTTP API: `/api/ask` under concurrent clients.

Starts the web app with waitress (threads=8) in a child process on a loopback
port, waits for /healthz, loads the model with one request, then runs
N concurrent clients × M requests each over keep-alive connections, rotating
through ~20 questions, and prints p50 / p95 / max latency and the error count.

    .venv/bin/python bench/web_load.py                 # 8 clients × 200 requests
    .venv/bin/python bench/web_load.py --no-cache      # measure the engine itself
    .venv/bin/python bench/web_load.py --json --check  # exit 1 if a target is missed
    .venv/bin/python bench/web_load.py --uncached      # every request a never-seen question
    .venv/bin/python bench/web_load.py --attack        # SPARQL bombs while /healthz is probed

``--attack``: ``--clients`` attackers send hostile SPARQL (a 4-way cartesian
product, a backtracking regular expression, a 9,000-term FILTER) for
``--seconds`` while one prober GETs /healthz every 0.2 s; prints the /healthz
p50 / p95 / max and the attack answers by status.  Target: /healthz p95 ≤ 100 ms.

Targets: zero errors, p95 ≤ 100 ms (rotating questions) or ≤ 150 ms (--uncached:
1,296 distinct questions made of 6 openings × 36 topics × 6 scopes, each asked
once, so neither the answer cache nor the query-embedding LRU can help; the
query micro-batcher, search/qembed.py, is what keeps concurrent misses fast).
Only loopback addresses are used.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOST = "127.0.0.1"
QUESTIONS = [
    "ai chủ trì số hóa kết quả TTHC",
    "cơ quan nào phối hợp đánh giá chỉ số PAR INDEX",
    "thời hạn triển khai chỉ số hài lòng SIPAS",
    "Sở Nội vụ chủ trì những nhiệm vụ gì",
    "nâng cao chỉ số PAPI năm 2024",
    "ai chu tri cong khai thu tuc hanh chinh",
    "khi nào hoàn thành kiểm soát thủ tục hành chính",
    "ai phụ trách cải cách tổ chức bộ máy",
    "cơ quan nào chủ trì xây dựng chính quyền điện tử ở Tiền Giang",
    "thời hạn báo cáo cải cách hành chính quý",
    "ai chủ trì tuyên truyền cải cách hành chính",
    "who leads the digital transformation of administrative procedures",
    "Sở Tư pháp phối hợp nhiệm vụ nào",
    "rà soát văn bản quy phạm pháp luật",
    "cơ chế một cửa, một cửa liên thông Vĩnh Phúc 2023",
    "ai chủ trì đào tạo bồi dưỡng cán bộ công chức",
    "dịch vụ công trực tuyến toàn trình",
    "thời hạn sắp xếp đơn vị sự nghiệp công lập",
    "Sở Tài chính chủ trì kinh phí cải cách hành chính",
    "kiểm tra công tác cải cách hành chính tại các cơ quan",
]


_OPENINGS = ["ai chủ trì", "cơ quan nào phối hợp", "thời hạn", "who leads", "đơn vị nào phụ trách", "khi nào hoàn thành"]
_TOPICS = ["số hóa kết quả thủ tục hành chính", "chỉ số hài lòng SIPAS", "chỉ số PAR INDEX", "chỉ số PAPI",
           "dịch vụ công trực tuyến toàn trình", "bộ phận một cửa cấp xã", "rà soát văn bản quy phạm pháp luật",
           "tuyển dụng công chức", "đào tạo bồi dưỡng cán bộ", "sắp xếp đơn vị sự nghiệp công lập",
           "cơ sở dữ liệu dân cư", "chữ ký số", "trung tâm điều hành thông minh", "thanh toán trực tuyến",
           "kiểm tra công tác cải cách hành chính", "tuyên truyền cải cách hành chính", "văn hóa công vụ",
           "vị trí việc làm", "tự chủ tài chính", "hồ sơ điện tử", "khiếu nại tố cáo", "chuyển đổi số cấp xã",
           "đánh giá tác động thủ tục hành chính", "camera giám sát", "hạ tầng mạng", "báo cáo quý",
           "cổng dịch vụ công", "quản lý tài sản công", "ISO 9001", "đề án 06", "công khai ngân sách",
           "bưu chính công ích", "thủ tục nội bộ", "chính quyền điện tử", "kinh tế số", "an toàn thông tin"]
_SCOPES = ["", " ở Vĩnh Phúc", " ở Tiền Giang", " năm 2023", " năm 2024", " theo kế hoạch"]


def uncached_questions() -> list[str]:
    """1,296 distinct questions (openings × topics × scopes)."""
    return [f"{o} {t}{s}" for t in _TOPICS for o in _OPENINGS for s in _SCOPES]


# ------------------------------------------------------------------ server --
def serve(args) -> None:
    """Child process: build if needed, then serve with waitress on loopback."""
    from waitress import serve as waitress_serve

    from service import Store
    from web import create_app

    data = Path(args.data or os.environ.get("LEGALKG_DATA") or REPO / "data" / "corpus")
    home = Path(args.home or os.environ.get("LEGALKG_HOME") or REPO / ".legalkg")
    store = Store(data, home)
    store.ensure_built()
    config = {"STORE": store, "WARMUP": True}
    if args.no_cache:
        config["ASK_CACHE_SIZE"] = 0
    app = create_app(config)
    waitress_serve(app, host=HOST, port=args.port, threads=args.threads, _quiet=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept": "application/json"})
    r = conn.getresponse()
    return r.status, r.read()


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"web_load: server exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            status, _ = _get(conn, "/healthz")
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("web_load: server did not become ready")


# ------------------------------------------------------------------ attack --
ATTACKS = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    'SELECT ?x WHERE { ?s ?p ?x . BIND("' + "a" * 40 + '!" AS ?y) FILTER(REGEX(CONCAT(?y, STR(?x)), "(a+)+$")) }',
    "SELECT ?s WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * 9000) + " > 0) } LIMIT 1",
]


def _attacker(port: int, until: float, statuses: dict, lock: threading.Lock, cid: int) -> None:
    i = cid
    while time.time() < until:
        q = ATTACKS[i % len(ATTACKS)]
        i += 1
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            conn.request("POST", "/sparql", body=q.encode(), headers={
                "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
            r = conn.getresponse()
            r.read()
            key = str(r.status)
        except (OSError, http.client.HTTPException) as exc:
            key = type(exc).__name__
        finally:
            conn.close()
        with lock:
            statuses[key] = statuses.get(key, 0) + 1


def attack(port: int, clients: int, seconds: float) -> dict:
    until = time.time() + seconds
    statuses: dict = {}
    lock = threading.Lock()
    threads = [threading.Thread(target=_attacker, args=(port, until, statuses, lock, c)) for c in range(clients)]
    for t in threads:
        t.start()
    probes: list[float] = []
    failures = 0
    while time.time() < until:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        t0 = time.perf_counter()
        try:
            status, _ = _get(conn, "/healthz")
            failures += status != 200
        except (OSError, http.client.HTTPException):
            failures += 1
        probes.append(time.perf_counter() - t0)
        conn.close()
        time.sleep(0.2)
    for t in threads:
        t.join()
    ms = lambda x: round(x * 1000.0, 1)
    return {"attackers": clients, "seconds": seconds, "attack_answers": statuses, "healthz_probes": len(probes),
            "healthz_failures": failures, "healthz_p50_ms": ms(_pct(probes, 50)),
            "healthz_p95_ms": ms(_pct(probes, 95)), "healthz_max_ms": ms(max(probes) if probes else 0.0),
            "targets_met": failures == 0 and _pct(probes, 95) <= 0.1}


# ------------------------------------------------------------------ client --
def _client(cid: int, port: int, n: int, lat: list, errors: list, first_seen: set, first_lat: list,
            lock: threading.Lock, k: int, own: list | None = None) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    for i in range(len(own) if own is not None else n):
        q = own[i] if own is not None else QUESTIONS[(cid * 7 + i) % len(QUESTIONS)]
        path = "/api/ask?" + urlencode({"q": q, "k": k})
        t0 = time.perf_counter()
        try:
            status, body = _get(conn, path)
            dt = time.perf_counter() - t0
            ok = status == 200
            if ok:
                obj = json.loads(body)
                ok = obj.get("query") == q and isinstance(obj.get("results"), list) and "answer" in obj
            if not ok:
                errors.append(f"{status} {q}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            dt = time.perf_counter() - t0
            errors.append(f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=120)
        with lock:
            lat.append(dt)
            if q not in first_seen:
                first_seen.add(q)
                first_lat.append(dt)
    conn.close()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    idx = min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[idx]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=200, help="requests per client")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--home", type=Path)
    ap.add_argument("--port", type=int, default=0, help="loopback port (default: a free one)")
    ap.add_argument("--no-cache", action="store_true", help="disable the app's answer cache")
    ap.add_argument("--uncached", action="store_true",
                    help="each request a never-seen question (1,296 split over the clients)")
    ap.add_argument("--ready-timeout", type=float, default=1800.0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--attack", action="store_true", help="hostile SPARQL while /healthz is probed")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the --attack run")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve:
        serve(args)
        return 0

    port = args.port or _free_port()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", "--port", str(port),
           "--threads", str(args.threads)]
    if args.data:
        cmd += ["--data", str(args.data)]
    if args.home:
        cmd += ["--home", str(args.home)]
    if args.no_cache:
        cmd.append("--no-cache")
    proc = subprocess.Popen(cmd, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        _wait_ready(port, proc, args.ready_timeout)
        if args.attack:
            res = attack(port, args.clients, args.seconds)
            print(json.dumps(res, ensure_ascii=False) if args.json else
                  f"SPARQL attack: {res['attackers']} clients for {res['seconds']:g} s, answers {res['attack_answers']}\n"
                  f"  /healthz p50 {res['healthz_p50_ms']} ms  p95 {res['healthz_p95_ms']} ms  "
                  f"max {res['healthz_max_ms']} ms  failures {res['healthz_failures']}")
            return 0 if (res["targets_met"] or not args.check) else 1
        conn = http.client.HTTPConnection(HOST, port, timeout=600)
        status, _ = _get(conn, "/api/ask?" + urlencode({"q": "khởi động", "k": 1}))   # loads the model
        conn.close()
        if status != 200:
            raise SystemExit(f"web_load: warm-up request failed with {status}")
        ready = time.time() - t0

        lat: list[float] = []
        first_lat: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        first_seen: set = set()
        fresh = uncached_questions() if args.uncached else None
        threads = [threading.Thread(target=_client, args=(c, port, args.requests, lat, errors, first_seen,
                                                         first_lat, lock, args.k,
                                                         fresh[c::args.clients] if fresh else None))
                   for c in range(args.clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()

    ms = lambda x: round(x * 1000.0, 1)
    target = 150.0 if args.uncached else 100.0
    res = {"clients": args.clients, "requests": len(lat), "errors": len(errors), "cache": not args.no_cache,
           "uncached": args.uncached, "waitress_threads": args.threads,
           "questions": len(uncached_questions()) if args.uncached else len(QUESTIONS),
           "p50_ms": ms(_pct(lat, 50)), "p95_ms": ms(_pct(lat, 95)), "p99_ms": ms(_pct(lat, 99)),
           "max_ms": ms(max(lat) if lat else float("nan")), "mean_ms": ms(statistics.fmean(lat) if lat else float("nan")),
           "first_seen_p50_ms": ms(_pct(first_lat, 50)), "first_seen_max_ms": ms(max(first_lat) if first_lat else 0.0),
           "throughput_rps": round(len(lat) / wall, 1) if wall else None, "startup_s": round(ready, 1)}
    passed = res["errors"] == 0 and res["p95_ms"] <= target
    res["targets_met"] = passed
    if args.json:
        print(json.dumps(res, ensure_ascii=False))
    else:
        print(f"/api/ask load: {args.clients} clients × {args.requests} requests "
              f"({res['questions']} {'never-seen' if args.uncached else 'rotating'} questions, "
              f"waitress threads={args.threads}, "
              f"answer cache {'on' if res['cache'] else 'off'})")
        print(f"  requests {res['requests']}  errors {res['errors']}  throughput {res['throughput_rps']} req/s")
        print(f"  latency p50 {res['p50_ms']} ms  p95 {res['p95_ms']} ms  p99 {res['p99_ms']} ms  "
              f"max {res['max_ms']} ms  mean {res['mean_ms']} ms")
        print(f"  first request per question: p50 {res['first_seen_p50_ms']} ms  max {res['first_seen_max_ms']} ms")
        print(f"  targets (0 errors, p95 ≤ {target:.0f} ms): {'met' if passed else 'MISSED'}")
        for e in errors[:5]:
            print(f"  error: {e}")
    return 0 if (passed or not args.check) else 1


if __name__ == "__main__":
    sys.exit(main())
