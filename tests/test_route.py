"""Table-driven routing tests: question → expected route and what it names.

Questions are written as users type them: accented, unaccented, abbreviated,
English and mixed; other documents and agencies than the bundled corpus too.
"""
import time

import pytest

from search.finders import find_period, year_period
from search.glossary import vi_key
from search.intent import spell_out_provinces
from search.route import route
from search.text import spoken_numbers

Q4_2023 = ("2023-10-01", "2023-12-31")

# (question, expected) — expected keys: kind, number, type, serial, year, doc_province, relation,
# direction, related_type, agency, role, count, period, intent
CASES = [
    # ---- document: numbers, partial references, typed without accents, English
    ("61/2018/NĐ-CP", dict(kind="document", number="61/2018/NĐ-CP", type="Nghị định", serial="61", year=2018)),
    ("nghi dinh 45/2020/ND-CP", dict(kind="document", number="45/2020/NĐ-CP", type="Nghị định")),
    ("61/2018/nd-cp", dict(kind="document", number="61/2018/NĐ-CP")),
    # a text of unnamed type by serial and year; polite and English openings are not a task's words
    ("Xin hỏi văn bản số 2704 năm 2023 là văn bản gì?", dict(kind="document", serial="2704", year=2023, type=None)),
    ("I am looking for Decree 47/2020/ND-CP", dict(kind="document", number="47/2020/NĐ-CP")),
    # an agency asked with "anything", its province as an English possessive; "các sở xây dựng văn bản" drafts
    ("Everything the Department of Justice is involved in", dict(kind="agency", agency="Sở Tư pháp", role="any")),
    ("Which tasks does the Department of Health chair in Decision 2866?",
     dict(kind="agency", agency="Sở Y tế", role="lead")),
    ("Does Vinh Phuc's Department of Health lead anything?",
     dict(kind="agency", agency="Sở Y tế", role="lead")),
    ("ai huong dan cac so xay dung van ban quy pham phap luat", dict(kind="task", agency=None)),
    # with no role word, what an agency must do or has falling due is its own (lead) work
    ("Sở Nội vụ phải làm gì trong kế hoạch 319?", dict(kind="agency", agency="Sở Nội vụ", role="lead")),
    ("Sở Tư pháp có những việc gì đến hạn quý I/2023?", dict(kind="agency", agency="Sở Tư pháp", role="lead")),
    ("Sở Tư pháp làm những gì trong kế hoạch 319?", dict(kind="agency", agency="Sở Tư pháp", role="any")),
    ("Sở Tư pháp phải phối hợp những việc gì?", dict(kind="agency", agency="Sở Tư pháp", role="support")),
    ("Tìm giúp tôi Quyết định số 2704/QĐ-UBND ngày 12/12/2022", dict(kind="document", number="2704/QĐ-UBND")),
    ("Đề án chính quyền số Tiền Giang, quyết định 605", dict(kind="document", serial="605")),   # title, then its ref
    ("Tìm giúp tôi kế hoạch cải cách hành chính năm 2023 của Tiền Giang", dict(kind="document")),
    ("Cho tôi văn bản ban hành kế hoạch CCHC của tỉnh Vĩnh Phúc", dict(kind="document", type="Kế hoạch")),
    ("Quyết định nào phê duyệt đề án chính quyền số của Tiền Giang?", dict(kind="document")),
    ("Cho tôi kế hoạch CCHC 2023 của Tiền Giang", dict(kind="document", type="Kế hoạch")),
    ("Quyết định 2866 dựa trên cơ sở pháp lý nào?", dict(kind="relation", relation="based_on", direction="out")),
    ("Cơ sở pháp lý nào để ban hành Kế hoạch 319?", dict(kind="relation", relation="based_on", direction="out")),
    ("Căn cứ nào để ban hành Quyết định 2704?", dict(kind="relation", relation="based_on", direction="out")),
    ("Show me Vinh Phuc decision 2704 from December 2022", dict(kind="document", serial="2704")),
    ("Quyết định 2704 có mấy nhiệm vụ?", dict(kind="document", serial="2704")),
    ("Mở giúp mình cái kế hoạch cải cách hành chính 2023 của Vĩnh Phúc với", dict(kind="document", type="Kế hoạch")),
    ("tai lieu ke hoach 319 vinh phuc", dict(kind="document", serial="319")),
    # a passive whose agent is the named document: it acts ("bị X bãi bỏ" = X repeals them)
    ("Văn bản nào bị Quyết định 2866 bãi bỏ?", dict(kind="relation", relation="repeals", direction="out")),
    ("Những văn bản nào được Kế hoạch 319 thực hiện?", dict(kind="relation", relation="implements", direction="out")),
    ("Nghị định 61/2018 bị văn bản nào sửa đổi?", dict(kind="relation", relation="amends", direction="in")),
    ("Quyết định 2704 dựa trên những căn cứ pháp lý nào?", dict(kind="relation", relation="based_on", direction="out")),
    ("Xin cho xem Nghị định số 45/2020 (thủ tục hành chính trên môi trường điện tử)",   # type, serial and year
     dict(kind="document", serial="45", year=2020)),
    ("Đề án Chính quyền số Tiền Giang được duyệt bằng Quyết định 605 năm 2021", dict(kind="document", serial="605")),
    ("Nghị định 61/2018 về một cửa được văn bản nào lấy làm căn cứ?",            # title, passive, taking verb
     dict(kind="relation", relation="based_on", direction="in")),
    ("Nghị định 107/2021 sửa nghị định trước đó, nghị định số mấy?",
     dict(kind="relation", relation="amends", direction="out")),
    ("Ai chủ trì số hóa, Quyết định 2704?", dict(kind="task", serial="2704")),                # a who-question is a task
    ("Sở Nội vụ có nhiệm vụ chủ trì nào trong kế hoạch 319?", dict(kind="agency", agency="Sở Nội vụ", role="lead")),
    ("Where can I read decision No. 2704 of Vinh Phuc province?", dict(kind="document", serial="2704")),
    ("Nghị định 61/2018", dict(kind="document", number=None, type="Nghị định", serial="61", year=2018)),
    ("Kế hoạch 319 của Vĩnh Phúc", dict(kind="document", type="Kế hoạch", serial="319", doc_province="Vĩnh Phúc")),
    ("quyết định 2866 vĩnh phúc", dict(kind="document", type="Quyết định", serial="2866", doc_province="Vĩnh Phúc")),
    ("319/KH-UBND", dict(kind="document", number="319/KH-UBND", type="Kế hoạch")),
    ("Kế hoạch số 151/KH-UBND tỉnh Vĩnh Phúc", dict(kind="document", number="151/KH-UBND", doc_province="Vĩnh Phúc")),
    ("QĐ 2866", dict(kind="document", type="Quyết định", serial="2866")),
    ("KH 45 Tiền Giang", dict(kind="document", type="Kế hoạch", serial="45", doc_province="Tiền Giang")),
    ("decree 61/2018", dict(kind="document", type="Nghị định", serial="61", year=2018)),
    ("Decision 2866 of Vinh Phuc", dict(kind="document", type="Quyết định", serial="2866", doc_province="Vĩnh Phúc")),
    ("plan No. 319", dict(kind="document", type="Kế hoạch", serial="319")),
    ("Nghị định 61/2018/NĐ-CP về thực hiện cơ chế một cửa, một cửa liên thông",
     dict(kind="document", number="61/2018/NĐ-CP")),
    ("Kế hoạch 319 ban hành ngày nào", dict(kind="document", serial="319")),
    ("Nghị định 61/2018 có hiệu lực khi nào", dict(kind="document", serial="61")),
    ("What is decree 61/2018 about?", dict(kind="document", type="Nghị định")),
    ("Nội dung Quyết định 2866/QĐ-UBND", dict(kind="document", number="2866/QĐ-UBND")),
    ("Chỉ thị 23/CT-TTg", dict(kind="document", number="23/CT-TTg", type="Chỉ thị")),
    ("23/ct-ttg", dict(kind="document", number="23/CT-TTg")),
    ("Nghị quyết 76/NQ-CP", dict(kind="document", number="76/NQ-CP", type="Nghị quyết")),
    ("18-NQ/TW", dict(kind="document", number="18-NQ/TW")),
        ("Kế hoạch 171/KH-UBND của UBND tỉnh Vĩnh Phúc", dict(kind="document", number="171/KH-UBND")),
    ("Kế hoạch 319 của UBND tỉnh: Sở Nội vụ chủ trì những việc gì", dict(kind="agency", agency="Sở Nội vụ", role="lead")),
    # a reference first, then its issuer and title: the document, not a task search
    ("Thông tư số 03/2022 của Bộ Tư pháp về biểu mẫu đánh giá tác động thủ tục hành chính",
     dict(kind="document", type="Thông tư", serial="3")),
    ("Decree 150/2020 on turning public service units into joint-stock companies",
     dict(kind="document", type="Nghị định", serial="150")),
("Ai ký Quyết định 1234/QĐ-UBND của Bắc Ninh?", dict(kind="document", number="1234/QĐ-UBND", doc_province="Bắc Ninh")),
    # ---- relation: Vietnamese both directions, passive, unaccented, English
    ("Văn bản nào thực hiện Nghị định 61/2018", dict(kind="relation", relation="implements", direction="in", serial="61")),
    ("Những văn bản nào căn cứ vào Nghị định 61/2018/NĐ-CP?",
     dict(kind="relation", relation="based_on", direction="in", number="61/2018/NĐ-CP")),
    ("Kế hoạch 151 căn cứ vào văn bản nào", dict(kind="relation", relation="based_on", direction="out", serial="151")),
    ("Kế hoạch 319 sửa đổi văn bản nào", dict(kind="relation", relation="amends", direction="out")),
    ("Văn bản nào sửa đổi Nghị định 61/2018", dict(kind="relation", relation="amends", direction="in")),
    ("Nghị định 61/2018 bị sửa đổi bởi văn bản nào", dict(kind="relation", relation="amends", direction="in")),
    ("Nghị định 61/2018 đã bị sửa đổi chưa?", dict(kind="relation", relation="amends", direction="in")),
    ("Văn bản nào thay thế Quyết định 2866/QĐ-UBND", dict(kind="relation", relation="replaces", direction="in")),
    ("Quyết định 2866 thay thế văn bản nào", dict(kind="relation", relation="replaces", direction="out")),
    ("Văn bản nào bãi bỏ Quyết định 12/2019/QĐ-UBND", dict(kind="relation", relation="repeals", direction="in")),
    ("Thông tư nào hướng dẫn Nghị định 45/2020/NĐ-CP",
     dict(kind="relation", relation="guides", direction="in", related_type="Thông tư")),
    ("Căn cứ pháp lý của Kế hoạch 319 là gì", dict(kind="relation", relation="based_on", direction="out", serial="319")),
    ("van ban nao thuc hien nghi dinh 61/2018", dict(kind="relation", relation="implements", direction="in")),
    ("ke hoach 151 can cu vao dau", dict(kind="relation", relation="based_on", direction="out")),
    # "làm căn cứ": the document taken as the basis is the one pointed at, whatever the word order
    ("Văn bản nào lấy Nghị định 63/2010/NĐ-CP về kiểm soát thủ tục hành chính làm căn cứ?",
     dict(kind="relation", relation="based_on", direction="in", number="63/2010/NĐ-CP")),
    ("Quyết định 2703/QĐ-UBND được những văn bản nào dùng làm căn cứ?",
     dict(kind="relation", relation="based_on", direction="in", number="2703/QĐ-UBND")),
    ("van ban nao lay nghi dinh 61/2018 lam can cu", dict(kind="relation", relation="based_on", direction="in")),
    ("Văn bản nào căn cứ vào Quyết định 2703/QĐ-UBND của Tiền Giang?",
     dict(kind="relation", relation="based_on", direction="in", number="2703/QĐ-UBND")),
    ("Which Tien Giang plan implements Government Resolution 132/NQ-CP?",
     dict(kind="relation", relation="implements", direction="in", related_type="Kế hoạch", number="132/NQ-CP")),
    ("Quyết định 468/QĐ-TTg là căn cứ của văn bản nào?",
     dict(kind="relation", relation="based_on", direction="in", number="468/QĐ-TTg")),
    ("Kế hoạch 319 lấy những văn bản nào làm căn cứ?",
     dict(kind="relation", relation="based_on", direction="out", serial="319")),
    ("Which documents use Decree 61/2018/ND-CP as a legal basis?",
     dict(kind="relation", relation="based_on", direction="in", number="61/2018/NĐ-CP")),
    ("Kế hoạch nào triển khai Nghị quyết 76/NQ-CP",
     dict(kind="relation", relation="implements", direction="in", related_type="Kế hoạch")),
    ("Văn bản nào trích dẫn Chỉ thị 23/CT-TTg", dict(kind="relation", relation="cites", direction="in")),
    ("Nghị định 61/2018 được những văn bản nào thực hiện", dict(kind="relation", relation="implements", direction="in")),
    ("Văn bản nào hướng dẫn Luật Tổ chức chính quyền địa phương",
     dict(kind="relation", relation="guides", direction="in", type="Luật")),
    ("which documents implement decree 61/2018", dict(kind="relation", relation="implements", direction="in")),
    ("What does plan 151 amend?", dict(kind="relation", relation="amends", direction="out", serial="151")),
    ("What is plan 151 based on?", dict(kind="relation", relation="based_on", direction="out")),
    ("Which plans are based on Resolution 76/NQ-CP?",
     dict(kind="relation", relation="based_on", direction="in", related_type="Kế hoạch")),
    ("Has decree 61/2018 been amended?", dict(kind="relation", relation="amends", direction="in")),
    # an issuer between the asked type and "nào"; a party number typed in lower case; a passive with its agent
    ("Kế hoạch 87/KH-UBND nhằm thực hiện nghị định của chính phủ nào?",
     dict(kind="relation", relation="implements", direction="out", related_type="Nghị định")),
    ("nghi quyet 18-nq/tw duoc tinh uy thuc hien bang chuong trinh hanh dong nao",
     dict(kind="relation", relation="implements", direction="in", number="18-NQ/TW", related_type="Chương trình")),
    ("Nghị định 61/2018 được UBND tỉnh triển khai bằng kế hoạch nào?",
     dict(kind="relation", relation="implements", direction="in", related_type="Kế hoạch")),
    ("Kế hoạch 151/KH-UBND được ban hành nhằm thực hiện văn bản nào?",
     dict(kind="relation", relation="implements", direction="out")),
    ("What legal bases is Decision 2704 built on?", dict(kind="relation", relation="based_on", direction="out")),
    # the asked type between the named document and the cue acts on it; bases "cited by" X are X's
    ("Sau Nghị định 61/2018, có kế hoạch nào được ban hành để triển khai nó không?",
     dict(kind="relation", relation="implements", direction="in", related_type="Kế hoạch")),
    ("What are the legal bases cited by Decision 2704?", dict(kind="relation", relation="based_on", direction="out")),
    ("Những thông tư nào đã sửa Thông tư 04/2012/TT-BNV?",                  # "sửa" alone is "sửa đổi"
     dict(kind="relation", relation="amends", direction="in", related_type="Thông tư")),
    ("Ai sửa chữa trụ sở Sở Nội vụ theo Quyết định 2704?", dict(kind="task")),   # "sửa chữa" repairs
    ("Which plans is Decree 61/2018 the basis for?",
     dict(kind="relation", relation="based_on", direction="in", related_type="Kế hoạch")),
    ("Which documents cite Directive 23/CT-TTg?", dict(kind="relation", relation="cites", direction="in")),
    ("What is the legal basis of plan 319?", dict(kind="relation", relation="based_on", direction="out")),
    ("Which documents were issued on the basis of the 2015 Law on Organization of Local Government?",
     dict(kind="relation", relation="based_on", direction="in", type="Luật")),
    # several document types asked at once; 'issued under' names the basis; a title phrase before a passive
    ("Quyết định 2704 dựa trên những nghị quyết, quyết định nào?",
     dict(kind="relation", relation="based_on", direction="out", related_type=None,
          related_types=("Nghị quyết", "Quyết định"))),
    ("Which document is issued under Decision 2703/QD-UBND of Tien Giang as its legal basis?",
     dict(kind="relation", relation="based_on", direction="in", number="2703/QĐ-UBND")),
    ("Kế hoạch CCHC năm 2023 của Vĩnh Phúc được làm ra để thực hiện những văn bản nào?",
     dict(kind="relation", relation="implements", direction="out", type="Kế hoạch")),
    ("Những văn bản nào lấy Luật Tổ chức chính quyền địa phương làm căn cứ?",
     dict(kind="relation", relation="based_on", direction="in", type="Luật")),
    # agencies: the court and procuracy by short names, "chủ trì gì", "đứng ra", lead or partner
    ("Viện kiểm sát nhân dân phối hợp mấy nhiệm vụ?", dict(kind="agency", agency="Viện kiểm sát nhân dân tỉnh",
                                                          role="support", count=True)),
    ("Thanh tra tỉnh chủ trì gì trong chương trình CCHC 2021-2025?", dict(kind="agency", agency="Thanh tra tỉnh",
                                                                       role="lead")),
    ("How many tasks does the Provincial Court lead?", dict(kind="agency", agency="Tòa án nhân dân tỉnh", role="lead")),
    ("Where is the Department of Industry and Trade named, as lead or partner?",
     dict(kind="agency", agency="Sở Công Thương", role="any")),
    ("Sở Y tế đứng ra làm những việc gì?", dict(kind="agency", agency="Sở Y tế", role="lead")),
    # the agency first, then "với ai, trong những việc nào": its work; a who-word before it asks for another agency
    ("Sở Tài nguyên và Môi trường phối hợp với ai, trong những việc nào của Kế hoạch 151?",
     dict(kind="agency", agency="Sở Tài nguyên và Môi trường", role="support", serial="151")),
    ("Ai phối hợp với Sở Tư pháp trong những việc nào?", dict(kind="task", agency=None)),
    ("Which duties does the Department of Justice head up?", dict(kind="agency", agency="Sở Tư pháp", role="lead")),
    # "cite X as a legal basis" is a basis; "put into effect" carries out; a number typed glued to its type
    ("Which documents cite Decision 468/QĐ-TTg as a legal basis?",
     dict(kind="relation", relation="based_on", direction="in", number="468/QĐ-TTg")),
    ("Which documents cite Decree 61/2018?", dict(kind="relation", relation="cites", direction="in")),
    ("Which resolutions does Plan 151 put into effect?",
     dict(kind="relation", relation="implements", direction="out", serial="151")),
    ("Cho tôi xem QĐ2704-UBND ban hành cuối năm 2022", dict(kind="document", type="Quyết định", serial="2704")),
    ("kh319", dict(kind="document", type="Kế hoạch", serial="319")),
    ("Cho tôi xem kế hoạch nâng cao chỉ số PAPI năm 2024 của Vĩnh Phúc", dict(kind="document", type="Kế hoạch")),
    ("Kế hoạch 232/KH-UBND về PAPI giai đoạn 2022-2025 được cụ thể hóa bằng kế hoạch năm nào?",
     dict(kind="relation", relation="implements", direction="in", serial="232")),
    # more ways to say a relation: cụ thể hóa (implements), cơ sở pháp lý / trên cơ sở / ban hành theo (based on)
    ("Quyết định 2866 được cụ thể hóa bằng văn bản nào?",
     dict(kind="relation", relation="implements", direction="in", serial="2866")),
    ("Những kế hoạch nào cụ thể hóa Quyết định 2866?",
     dict(kind="relation", relation="implements", direction="in", related_type="Kế hoạch")),
    ("Cơ sở pháp lý của Kế hoạch 151 là gì?", dict(kind="relation", relation="based_on", direction="out")),
    ("Kế hoạch 151 được xây dựng trên cơ sở những văn bản nào?",
     dict(kind="relation", relation="based_on", direction="out")),
    ("Kế hoạch 319 ban hành theo văn bản nào?", dict(kind="relation", relation="based_on", direction="out")),
    ("Nghị định 61/2018 là cơ sở pháp lý của những văn bản nào?",
     dict(kind="relation", relation="based_on", direction="in")),
    ("Ai xây dựng kế hoạch trên cơ sở kết quả đánh giá chỉ số PAPI?", dict(kind="task")),
    # a reference followed by its title, then the question: the cue after a passive is not a word of the title
    ("Kế hoạch 171/KH-UBND về Đề án đổi mới một cửa được những văn bản nào triển khai?",
     dict(kind="relation", relation="implements", direction="in", serial="171")),
    ("Thông tư 04/2012/TT-BNV về thôn, tổ dân phố đã được những thông tư nào sửa đổi, bổ sung?",
     dict(kind="relation", relation="amends", direction="in", related_type="Thông tư")),
    ("Quyết định 45/QĐ-UBND về kế hoạch CCHC năm 2023 được ban hành căn cứ vào những văn bản nào?",
     dict(kind="relation", relation="based_on", direction="out")),
    ("Nghị định 61/2018 về thực hiện cơ chế một cửa", dict(kind="document", type="Nghị định", serial="61")),
    ("On the basis of which documents was Plan 319 issued?",
     dict(kind="relation", relation="based_on", direction="out", serial="319")),
    ("Which decisions replace decision 30/2020/QĐ-UBND?",
     dict(kind="relation", relation="replaces", direction="in", related_type="Quyết định")),
    ("Was decree 61/2018 amended by another decree?", dict(kind="relation", relation="amends", direction="in")),
    # ---- agency: named agency + question about its work
    ("Sở Tư pháp phối hợp những việc gì", dict(kind="agency", agency="Sở Tư pháp", role="support", count=False)),
    ("so tu phap phoi hop nhung viec gi", dict(kind="agency", agency="Sở Tư pháp", role="support")),
    ("Trong Kế hoạch 319, Sở Nội vụ đứng ra chủ trì mấy nhiệm vụ?",
     dict(kind="agency", agency="Sở Nội vụ", role="lead", count=True, serial="319")),
    ("Sở Nội vụ chủ trì bao nhiêu nhiệm vụ trong Kế hoạch 319",
     dict(kind="agency", agency="Sở Nội vụ", role="lead", count=True, serial="319", type="Kế hoạch")),
    ("Sở Nội vụ chủ trì những việc gì đến hạn quý IV/2023",
     dict(kind="agency", agency="Sở Nội vụ", role="lead", period=Q4_2023)),
    ("what does the Department of Home Affairs lead", dict(kind="agency", agency="Sở Nội vụ", role="lead")),
    ("Sở NV chủ trì những nhiệm vụ nào", dict(kind="agency", agency="Sở Nội vụ", role="lead")),
    ("How many tasks does the Department of Justice support in plan 319?",
     dict(kind="agency", agency="Sở Tư pháp", role="support", count=True, serial="319")),
    ("Sở TT&TT có những nhiệm vụ gì", dict(kind="agency", agency="Sở Thông tin và Truyền thông", role="any")),
    ("Nhiệm vụ của Sở Y tế", dict(kind="agency", agency="Sở Y tế", role="any")),
    ("Sở Tài chính", dict(kind="agency", agency="Sở Tài chính", role="any")),
    ("Văn phòng UBND tỉnh chủ trì những việc gì trong năm 2023",
     dict(kind="agency", agency="Văn phòng UBND tỉnh", role="lead", period=("2023-01-01", "2023-12-31"))),
    # taking part is either role (a joint lead takes part too)
    ("Sở Kế hoạch và Đầu tư tham gia bao nhiêu nhiệm vụ", dict(kind="agency", agency="Sở Kế hoạch và Đầu tư",
                                                             role="any", count=True)),
    ("How many tasks does the Department of Home Affairs take part in?",
     dict(kind="agency", agency="Sở Nội vụ", role="any", count=True)),
    ("Sở Tư pháp hỗ trợ mấy việc", dict(kind="agency", agency="Sở Tư pháp", role="support", count=True)),
    # the subject of an agency question, as asked; a document's title is not one
    ("Sở Nội vụ làm những việc gì về số hóa?", dict(kind="agency", agency="Sở Nội vụ", about="số hóa")),
    ("What does the Department of Health do about dengue fever?", dict(kind="agency", about="dengue fever")),
    ("Sở Nội vụ chủ trì bao nhiêu nhiệm vụ trong Kế hoạch 319 về cải cách hành chính?",
     dict(kind="agency", about=None, serial="319")),
    ("so tai chinh co vai tro gi trong quyet dinh 2704 ve kiem soat thu tuc hanh chinh", dict(kind="agency", about=None)),
    ("so tai chinh lam gi trong qd 2704 ve kiem soat thu tuc hanh chinh", dict(kind="agency", about=None)),
    ("Sở Nội vụ có bao nhiêu nhiệm vụ năm 2023 về số hóa?", dict(kind="agency", about="số hóa")),
    # bad input: a subject cue with nothing after it names no subject
    ("Sở Nội vụ làm gì về ???", dict(kind="agency", agency="Sở Nội vụ", about=None)),
    ("Sở Nội vụ làm gì về", dict(kind="agency", agency="Sở Nội vụ", about=None)),
    # an agency as a place is not whose work is asked about
    ("Thủ tục đăng ký khai sinh cho con ở UBND xã cần giấy tờ gì?", dict(kind="task", agency=None)),
    ("so tai chinh co vai tro gi trong quyet dinh 2704", dict(kind="agency", agency="Sở Tài chính", role="any",
                                                            serial="2704")),
    ("What role does the Department of Finance play in Decision 2704?",
     dict(kind="agency", agency="Sở Tài chính", role="any")),
    ("Sở Giáo dục và Đào tạo đứng đầu mấy việc?", dict(kind="agency", agency="Sở Giáo dục và Đào tạo", role="lead",
                                                       count=True)),
    ("How many tasks the Department of Health heads in 2024", dict(kind="agency", agency="Sở Y tế", role="lead")),
    # the issuer after a reference signed it: a document question, not an agency one
    ("Quyết định 45 năm 2023 của Chủ tịch UBND tỉnh Tiền Giang", dict(kind="document", serial="45")),
    ("Quyết định 2866 của UBND tỉnh giao Sở Nội vụ làm gì", dict(kind="agency", agency="Sở Nội vụ", serial="2866")),
    ("What tasks is the Department of Information and Communications responsible for?",
     dict(kind="agency", agency="Sở Thông tin và Truyền thông", role="lead")),
    ("Công an tỉnh phối hợp những việc gì trong tháng 12/2023",
     dict(kind="agency", agency="Công an tỉnh", role="support", period=("2023-12-01", "2023-12-31"))),
    ("Sở GD&ĐT chủ trì hoặc phối hợp những nhiệm vụ nào", dict(kind="agency", agency="Sở Giáo dục và Đào tạo", role="any")),
    # tasks "due" are the ones it answers for (every judged set reads "đến hạn" / "phải" so)
    ("List the tasks of the Provincial People's Committee Office due in Q4 2023",
     dict(kind="agency", agency="Văn phòng UBND tỉnh", role="lead", period=Q4_2023)),
    ("Sở Nội vụ chủ trì những việc gì đến hạn 6 tháng đầu năm 2024",
     dict(kind="agency", role="lead", period=("2024-01-01", "2024-06-30"))),
    ("How many tasks does the Department of Finance coordinate in 2023?",
     dict(kind="agency", agency="Sở Tài chính", role="support", count=True, period=("2023-01-01", "2023-12-31"))),
    ("so noi vu tinh bac ninh lam nhung viec gi", dict(kind="agency", agency="Sở Nội vụ", role="any")),
    ("Sở Văn hóa, Thể thao và Du lịch đầu mối những việc gì", dict(kind="agency", agency="Sở Văn hóa, Thể thao và Du lịch",
                                                                  role="lead")),
    # ---- task: who / when / what product, the same agencies as objects
    ("cơ quan nào phối hợp số hóa hồ sơ", dict(kind="task", intent="support")),
    ("Ai chủ trì thí điểm chuyển đổi số toàn diện?", dict(kind="task", intent="lead")),
    ("Who leads the digitization of records?", dict(kind="task", intent="lead")),
    ("Khi nào phải hoàn thành số hóa kết quả giải quyết TTHC?", dict(kind="task", intent="deadline")),
    ("Cơ quan nào phối hợp với Sở Tư pháp rà soát VBQPPL?", dict(kind="task", intent="support")),
    ("Ai chủ trì nhiệm vụ cải cách TTHC trong Kế hoạch 319", dict(kind="task", intent="lead", serial="319")),
    ("ai chu tri xay dung trung tam dieu hanh thong minh", dict(kind="task", intent="lead")),
    ("Which department is responsible for the smart operations center?", dict(kind="task", intent="lead")),
    ("Sở Nội vụ phải hoàn thành việc sắp xếp bộ máy khi nào?", dict(kind="task", intent="deadline")),
    ("Nâng cao chỉ số PAPI", dict(kind="task", intent="search")),
    ("Ai thực hiện Kế hoạch 319?", dict(kind="task", intent="lead", serial="319")),
    ("Thời hạn triển khai Nghị định 61/2018 là khi nào", dict(kind="task", intent="deadline")),
    ("When must the Department of Home Affairs finish digitizing records?", dict(kind="task", intent="deadline")),
    ("Ai vô địch World Cup 2022?", dict(kind="task")),
    ("Đơn vị nào hỗ trợ Sở Nội vụ tổ chức thi tuyển công chức?", dict(kind="task")),
    ("What must the Department of Health do about extra classes in schools?", dict(kind="agency", agency="Sở Y tế")),
    # ---- none: empty or garbage (off-topic but well formed questions are decided on scores)
    ("asdfgh qwerty", dict(kind="none")),
    ("qwpo zmxn tthc lkaj", dict(kind="none")),                  # one abbreviation among keyboard noise
    ("SIPAS PAPI PCI 2023 ai chủ trì", dict(kind="task")),          # index names the glossary may lack
    ("", dict(kind="none")),
    ("   ???  ", dict(kind="none")),
    ("xzqv bnmw", dict(kind="none")),
]


def _actual(r):
    d = r.document
    return {
        "kind": r.kind, "intent": r.intent, "relation": r.relation, "direction": r.direction,
        "related_type": r.related_type, "related_types": r.related_types, "role": r.role, "count": r.count,
        "agency": r.agency.name if r.agency else None,
        "number": d.number if d else None, "type": d.type if d else None, "serial": d.serial if d else None,
        "year": d.year if d else None, "doc_province": d.province if d else None,
        "period": (r.period.start, r.period.end) if r.period else None, "about": r.about,
    }


@pytest.mark.parametrize("question,expected", CASES, ids=[c[0][:50] or "empty" for c in CASES])
def test_route_table(question, expected):
    got = _actual(route(question))
    assert {k: got[k] for k in expected} == expected


def test_table_is_big_and_covers_every_kind():
    kinds = [e["kind"] for _, e in CASES]
    assert len(CASES) >= 60
    assert {"document", "relation", "agency", "task", "none"} <= set(kinds)
    assert min(kinds.count(k) for k in ("document", "relation", "agency", "task")) >= 12


def test_accents_do_not_change_the_route():
    for a, b in [("Sở Tư pháp phối hợp những việc gì", "So Tu phap phoi hop nhung viec gi"),
                 ("Văn bản nào thực hiện Nghị định 61/2018", "van ban nao thuc hien nghi dinh 61/2018"),
                 ("Kế hoạch 319 của Vĩnh Phúc", "ke hoach 319 cua vinh phuc"),
                 ("Ai chủ trì số hoá hồ sơ?", "ai chu tri so hoa ho so?")]:
        assert _actual(route(a)) == _actual(route(b)), (a, b)


def test_spans_point_into_the_question():
    q = "Sở Nội vụ chủ trì bao nhiêu nhiệm vụ trong Kế hoạch 319 của Vĩnh Phúc?"
    r = route(q)
    s, e = r.document.span
    assert q[s:e] == r.document.text == "Kế hoạch 319"
    s, e = r.agency.span
    assert q[s:e] == r.agency.text == "Sở Nội vụ"


def test_to_dict_names_the_route():
    d = route("what does plan 151 amend").to_dict()
    assert d["route"] == "relation" and d["relation"] == "amends" and d["direction"] == "out"
    assert d["document"]["serial"] == "151"


@pytest.mark.parametrize("text,expected", [
    ("đến hạn quý IV/2023", Q4_2023),
    ("quy 4 nam 2023", Q4_2023),
    ("từ quý I đến quý III/2024", ("2024-01-01", "2024-09-30")),
    ("tháng 6/2024", ("2024-06-01", "2024-06-30")),
    ("due by December 2023", ("2023-12-01", "2023-12-31")),
    ("in the fourth quarter of 2023", Q4_2023),
    ("Q2/2024", ("2024-04-01", "2024-06-30")),
    ("6 tháng cuối năm 2023", ("2023-07-01", "2023-12-31")),
    ("trước năm 2025", ("2025-01-01", "2025-12-31")),
    ("Kế hoạch năm 2023", None),
    # a span of months, not only its last month
    ("từ tháng 5 đến tháng 11/2023", ("2023-05-01", "2023-11-30")),
    ("tập huấn từ tháng 10/2022 đến tháng 3 năm 2023", ("2022-10-01", "2023-03-31")),
    ("between May and November 2023", ("2023-05-01", "2023-11-30")),
    ("from March 2023 to June 2024", ("2023-03-01", "2024-06-30")),
])
def test_periods(text, expected):
    p = find_period(text, vi_key(text))
    assert (p and (p.start, p.end)) == expected


@pytest.mark.parametrize("question,expected", [
    ("Năm 2024 Sở Nội vụ chủ trì bao nhiêu việc?", ("2024-01-01", "2024-12-31")),
    ("Sở Y tế làm gì trong năm 2023", ("2023-01-01", "2023-12-31")),
    ("Sở Nội vụ chủ trì bao nhiêu việc giai đoạn 2021-2025?", None),       # a range is no one year
    ("Nghị định 61/2018 giao Sở Nội vụ việc gì?", None),                   # a number's year is the number's
    ("Sở Nội vụ năm 2023 và năm 2024", None),                              # two years: no single period
])
def test_year_period(question, expected):
    p = year_period(question)
    assert (p and (p.start, p.end)) == expected


# the question parser reads whatever is typed (the service cuts a question at 2,000 characters): long runs of the
# pieces its patterns look for must neither blow up nor take long (a catastrophic pattern takes seconds to hours)
_RUNS = ["được ", "duoc bi ", "kế hoạch nào ", "theo ", "Sở ", "1/", "năm ", "hai trăm bốn mươi ", "mười ",
         "văn bản số 1 ", ", ", "Quyết định 2704 ", "ngày 1/1/2023 ", "căn cứ ", "lấy làm ", "which plans is ", "'s ",
         "\t", "??", "ệ", "ở TG ", "SNV ", "tỉnh ", "từ tháng 5 đến ", "between May and ", "phối hợp với "]


@pytest.mark.parametrize("unit", _RUNS)
def test_long_runs_stay_bounded(unit):
    q = (unit * (2000 // len(unit) + 1))[:2000]
    t0 = time.perf_counter()
    r = route(q)
    text = spell_out_provinces(spoken_numbers(q))
    assert time.perf_counter() - t0 < 2.0, unit
    assert r.kind in ("task", "document", "relation", "agency", "none") and isinstance(text, str)
