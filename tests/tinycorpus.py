"""Tiny corpora for build tests: small plans with a header, a task table, an
assignment and citations (three passages each), so a build takes seconds."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

AGENCIES = ["Sở Nội vụ", "Sở Tư pháp", "Sở Tài chính", "Sở Y tế", "Sở Xây dựng", "Sở Công Thương"]
TOPICS = ["Số hóa hồ sơ thủ tục hành chính", "Xây dựng kho dữ liệu dùng chung", "Kiểm tra công vụ",
          "Cải cách hành chính", "Đào tạo cán bộ về chuyển đổi số", "Rà soát văn bản quy phạm pháp luật"]


def doc_text(n: int, cites: tuple = (), header: bool = True, rows: int = 2) -> str:
    a, b = AGENCIES[n % len(AGENCIES)], AGENCIES[(n + 1) % len(AGENCIES)]
    table = "\n".join(f"{i + 1}\t{TOPICS[(n + i) % len(TOPICS)]} đợt {n}\t{AGENCIES[(n + i) % len(AGENCIES)]}\t{b}\t"
                      f"Quý {['I', 'II', 'III', 'IV'][i % 4]}/2023" for i in range(rows))
    cite = "".join(f"Căn cứ Kế hoạch số {c}/KH-UBND ngày 02/01/2023 của UBND tỉnh Vĩnh Phúc;\n" for c in cites)
    head = ("ỦY BAN NHÂN DÂN\nTỈNH VĨNH PHÚC\n"
            f"Số: {n}/KH-UBND\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
            f"Vĩnh Phúc, ngày {1 + n % 27} tháng 3 năm 2023\n\n") if header else ""
    return (f"{head}KẾ HOẠCH\nTriển khai nhiệm vụ số {n} năm 2023\n\n"
            "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa;\n"
            f"{cite}Ủy ban nhân dân tỉnh ban hành Kế hoạch như sau:\n\n"
            "II. NHIỆM VỤ\nSTT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành\n"
            f"{table}\n\nIII. TỔ CHỨC THỰC HIỆN\n{a}: bố trí kinh phí thực hiện kế hoạch số {n}.\n\n"
            "Nơi nhận:\nTM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\nNguyễn Văn A\n")


def make_corpus(folder: Path, numbers=(101, 102, 103)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prev = ()
    for n in numbers:
        (folder / f"kh_{n}.txt").write_text(doc_text(n, prev), encoding="utf-8")
        prev = (n,)
    return folder


def cli(*args, data: Path, home: Path, env: dict | None = None, timeout: float = 300, **kw):
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    e.pop("LEGALKG_SPARQL_URL", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "cli", "--data", str(data), "--home", str(home), *args],
                          capture_output=True, text=True, cwd=ROOT, env=e, timeout=timeout, **kw)
