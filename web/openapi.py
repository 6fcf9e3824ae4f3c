"""OpenAPI 3.1 description of the HTTP API (served at /openapi.json)."""
from __future__ import annotations


def _q(name, desc, required=False, schema=None, example=None):
    p = {"name": name, "in": "query", "required": required, "description": desc,
         "schema": schema or {"type": "string"}}
    if example is not None:
        p["example"] = example
    return p


def _path(name, desc, example=None):
    p = {"name": name, "in": "path", "required": True, "description": desc,
         "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._#/-]{0,299}$"}}
    if example:
        p["example"] = example
    return p


ERR = {"description": "Lỗi (JSON: error, status, message, candidates?)",
       "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
# an ambiguous document reference, in the API and the pages alike
AMBIGUOUS = {"description": "Số hiệu ứng với nhiều văn bản (JSON: error=ambiguous, message, candidates)",
             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
JSON_OK = {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}


def _agenda_params() -> list[dict]:
    return [_q("agency", "Tên, tên khác hoặc mã cơ quan (tỉnh trong tên thu hẹp kết quả)", True,
               example="Sở Nội vụ tỉnh Vĩnh Phúc"),
            _q("period", "Kỳ: 'quý IV/2023', 'tháng 10/2023', 'năm 2024', '2023-10-01..2023-12-31'",
               example="quý IV/2023"),
            _q("from", "Từ ngày (YYYY-MM-DD), thay cho period", schema={"type": "string", "format": "date"}),
            _q("to", "Đến ngày (YYYY-MM-DD), thay cho period", schema={"type": "string", "format": "date"})]


def _lineage_paths() -> dict:
    """Lineage and agendas (web/lineage.py)."""
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    window = [p for p in _agenda_params() if p["name"] != "agency"]
    return {
        "/api/lineage": {"get": {
            "summary": "Liên kết nhiệm vụ giữa các kế hoạch (giống `legalkg lineage [REF] --json`)",
            "parameters": [_q("ref", "Số hiệu / mã văn bản hoặc mã nhiệm vụ; bỏ trống: mọi liên kết",
                              example="319/KH-UBND")],
            "responses": {"200": {"description": "links, documents, coverage, new, not_carried", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Lineage"}}}},
                "300": AMBIGUOUS, "400": ERR, "404": ERR}}},
        "/api/agenda": {"get": {
            "summary": "Nhiệm vụ của một cơ quan đến hạn trong kỳ, gộp theo lịch sử nhiệm vụ "
                       "(giống `legalkg agenda --json`)",
            "parameters": _agenda_params(),
            "responses": {"200": JSON_OK, "400": ERR, "404": ERR}}},
        "/api/agenda.xlsx": {"get": {
            "summary": "Lịch nhiệm vụ dạng Excel (ngày là ô ngày thật, văn bản là chuỗi)",
            "parameters": _agenda_params(),
            "responses": {"200": {"description": "XLSX", "content": {xlsx: {"schema": {"type": "string"}}}},
                          "400": ERR, "404": ERR}}},
        "/api/agenda.ics": {"get": {
            "summary": "Lịch nhiệm vụ dạng iCalendar: mỗi nhiệm vụ có hạn một sự kiện; "
                       "'hằng năm' / 'hằng quý' là sự kiện lặp (RRULE)",
            "parameters": _agenda_params(),
            "responses": {"200": {"description": "iCalendar", "content": {
                "text/calendar": {"schema": {"type": "string"}}}}, "400": ERR, "404": ERR}}},
        "/agency/{id}/agenda": {"get": {
            "summary": "Trang lịch nhiệm vụ của cơ quan ('đến hạn quý IV/2023'); hậu tố .json .xlsx .ics",
            "parameters": [_path("id", "Mã cơ quan", "vinh-phuc/so-noi-vu"), *window],
            "responses": {"200": {"description": "HTML, JSON, XLSX hoặc iCalendar"}, "400": ERR, "404": ERR}}},
    }


def spec(server: str = "") -> dict:
    ref_doc = _path("id", "Mã văn bản (vd. vinh-phuc/319-kh-ubnd, vn/61-2018-nd-cp)", "vinh-phuc/319-kh-ubnd")
    rdf_content = {m: {"schema": {"type": "string"}} for m in
                   ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")}
    paths = {
        "/api/ask": {"get": {
            "summary": "Hỏi đáp: ai chủ trì / phối hợp / thời hạn (giống `legalkg ask --json`)",
            "parameters": [_q("q", "Câu hỏi tiếng Việt (tối đa 1000 ký tự)", True, example="ai chủ trì số hóa kết quả TTHC"),
                           _q("k", "Số kết quả (1–50, mặc định 5)", schema={"type": "integer", "minimum": 1, "maximum": 50}),
                           _q("mode", "hybrid | bm25 | dense", schema={"type": "string", "enum": ["hybrid", "bm25", "dense"]})],
            "responses": {"200": {"description": "Câu trả lời", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Ask"}}}}, "400": ERR, "413": ERR}}},
        "/api/cites": {"get": {
            "summary": "Đồ thị trích dẫn quanh một văn bản (giống `legalkg cites --json`)",
            "parameters": [_q("ref", "Số hiệu hoặc mã văn bản", True, example="319/KH-UBND"),
                           _q("direction", "out | in | both", schema={"type": "string", "enum": ["out", "in", "both"]}),
                           _q("depth", "Độ sâu 0–10 (mặc định 1)", schema={"type": "integer", "minimum": 0, "maximum": 10})],
            "responses": {"200": {"description": "root, nodes, edges", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Cites"}}}},
                "300": AMBIGUOUS, "400": ERR, "404": ERR}}},
        "/api/document": {"get": {"summary": "Chi tiết văn bản: quan hệ vào/ra, nhiệm vụ",
                                  "parameters": [_q("ref", "Số hiệu hoặc mã", True)],
                                  "responses": {"200": JSON_OK, "300": AMBIGUOUS, "400": ERR, "404": ERR}}},
        "/api/path": {"get": {"summary": "Đường trích dẫn ngắn nhất giữa hai văn bản",
                              "parameters": [_q("a", "Văn bản thứ nhất", True), _q("b", "Văn bản thứ hai", True)],
                              "responses": {"200": JSON_OK, "300": AMBIGUOUS, "400": ERR, "404": ERR}}},
        "/api/top": {"get": {"summary": "Văn bản được trích dẫn nhiều nhất",
                             "parameters": [_q("n", "Số văn bản (1–100)", schema={"type": "integer"})],
                             "responses": {"200": JSON_OK}}},
        "/api/agency": {"get": {"summary": "Nhiệm vụ chủ trì / phối hợp của một cơ quan (theo tên)",
                                "parameters": [_q("name", "Tên cơ quan", True, example="Sở Nội vụ")],
                                "responses": {"200": JSON_OK, "404": ERR}}},
        "/api/documents": {"get": {"summary": "Danh sách văn bản", "parameters": [
            _q("q", "Lọc theo số hiệu / trích yếu"), _q("scope", "all | corpus"), _q("type", "Loại văn bản"),
            _q("province", "Tỉnh/TP")], "responses": {"200": JSON_OK}}},
        "/api/agencies": {"get": {"summary": "Danh sách cơ quan", "parameters": [
            _q("q", "Lọc theo tên"), _q("province", "Tỉnh/TP")], "responses": {"200": JSON_OK}}},
        "/sparql": {
            "get": {"summary": "SPARQL 1.1 (chỉ đọc)", "parameters": [_q("query", "Truy vấn SPARQL", True)],
                    "responses": {"200": {"description": "Kết quả", "content": {
                        "application/sparql-results+json": {"schema": {"type": "object"}},
                        "text/turtle": {"schema": {"type": "string"}}}},
                        "400": ERR, "413": ERR, "503": ERR}},
            "post": {"summary": "SPARQL 1.1 (chỉ đọc); UPDATE bị từ chối với 400",
                     "requestBody": {"content": {
                         "application/sparql-query": {"schema": {"type": "string"}},
                         "application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": {
                             "query": {"type": "string"}}}}}},
                     "responses": {"200": {"description": "Kết quả", "content": {
                         "application/sparql-results+json": {"schema": {"type": "object"}}}},
                         "400": ERR, "413": ERR, "503": ERR}}},
        "/export.ttl": {"get": {"summary": "Toàn bộ đồ thị, Turtle", "responses": {"200": {
            "description": "Turtle", "content": {"text/turtle": {"schema": {"type": "string"}}}}}}},
        "/export.jsonld": {"get": {"summary": "Toàn bộ đồ thị, JSON-LD", "responses": {"200": {
            "description": "JSON-LD", "content": {"application/ld+json": {"schema": {"type": "object"}}}}}}},
        "/export.nt": {"get": {"summary": "Toàn bộ đồ thị, N-Triples", "responses": {"200": {
            "description": "N-Triples", "content": {"application/n-triples": {"schema": {"type": "string"}}}}}}},
        "/export.rdf": {"get": {"summary": "Toàn bộ đồ thị, RDF/XML", "responses": {"200": {
            "description": "RDF/XML", "content": {"application/rdf+xml": {"schema": {"type": "string"}}}}}}},
        "/doc/{id}": {"get": {
            "summary": "Trang văn bản (HTML) hoặc mô tả RDF/JSON theo Accept; hậu tố .json .ttl .jsonld .nt .rdf",
            "parameters": [ref_doc], "responses": {"200": {"description": "HTML, JSON hoặc RDF", "content": dict(
                {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}},
                **rdf_content)}, "302": {"description": "Số hiệu → mã văn bản"}, "404": ERR}}},
        "/agency/{id}": {"get": {"summary": "Cơ quan: nhiệm vụ chủ trì/phối hợp; hậu tố .json .csv .xlsx",
                                 "parameters": [_path("id", "Mã cơ quan", "vinh-phuc/so-noi-vu")],
                                 "responses": {"200": {"description": "HTML, JSON, CSV hoặc XLSX"}, "404": ERR}}},
        "/task/{id}": {"get": {"summary": "Nhiệm vụ (mã chứa # được mã hóa %23); hậu tố .json",
                               "parameters": [_path("id", "Mã nhiệm vụ", "vinh-phuc/319-kh-ubnd#task-025")],
                               "responses": {"200": {"description": "HTML hoặc JSON"}, "404": ERR}}},
        "/search": {"get": {"summary": "Trang tìm kiếm (JSON: /search.json)", "parameters": [
            _q("q", "Câu hỏi"), _q("province", "Lọc tỉnh"), _q("document", "Lọc văn bản (mã)"),
            _q("agency", "Lọc cơ quan"), _q("year", "Lọc năm", schema={"type": "integer"})],
            "responses": {"200": {"description": "HTML hoặc JSON"}, "400": ERR}}},
        "/graph": {"get": {"summary": "Đồ thị trích dẫn (HTML; .json có tọa độ; .svg)", "parameters": [
            _q("ref", "Số hiệu hoặc mã"), _q("direction", "out | in | both"),
            _q("depth", "0–4", schema={"type": "integer"})], "responses": {"200": {"description": "HTML/JSON/SVG"},
                                                                           "404": ERR}}},
        "/healthz": {"get": {"summary": "Tình trạng dịch vụ", "responses": {"200": JSON_OK, "503": ERR}}},
        **_lineage_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "legalkg API", "version": "0.1.0",
                 "description": "Đồ thị tri thức và tìm kiếm ngữ nghĩa trên văn bản hành chính Việt Nam. "
                                "Mọi trang HTML có bản JSON (hậu tố .json hoặc Accept: application/json)."},
        "servers": [{"url": server or "/"}],
        "paths": paths,
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "status", "message"], "properties": {
                "error": {"type": "string"}, "status": {"type": "integer"}, "message": {"type": "string"},
                "candidates": {"type": "array", "items": {"type": "object"}}}},
            "Ask": {"type": "object", "required": ["query", "intent", "answer", "results"], "properties": {
                "query": {"type": "string"}, "intent": {"type": "string", "enum": ["lead", "support", "deadline", "search"]},
                "province": {"type": ["string", "null"]},
                "answer": {"type": "object", "properties": {"agencies": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "task_ids": {"type": "array", "items": {"type": "string"}}}}}}},
                "results": {"type": "array", "items": {"type": "object", "properties": {
                    "score": {"type": "number"}, "kind": {"type": "string", "enum": ["task", "assignment"]},
                    "task": {"type": "object"}, "document": {"type": "object"}}}}}},
            "Lineage": {"type": "object", "required": ["links"], "properties": {
                "links": {"type": "array", "items": {"type": "object",
                                                     "required": ["child", "parent", "kind", "confidence", "evidence"],
                                                     "properties": {
                    "child": {"type": "string"}, "parent": {"type": "string"},
                    "kind": {"type": "string", "enum": ["same", "part_of", "continued"]},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                    "evidence": {"type": "string"}}}},
                "documents": {"type": "array", "items": {"type": "object"}},
                "coverage": {"type": "array", "items": {"type": "object"}},
                "new": {"type": "array", "items": {"type": "string"}},
                "not_carried": {"type": "array", "items": {"type": "string"}}}},
            "Cites": {"type": "object", "required": ["root", "nodes", "edges"], "properties": {
                "root": {"type": "object"}, "nodes": {"type": "array", "items": {"type": "object"}},
                "edges": {"type": "array", "items": {"type": "object", "properties": {
                    "source": {"type": "string"}, "target": {"type": "string"}, "type": {"type": "string"}}}}}},
        }},
    }
