"""Reading our PDFs back with pypdf (no poppler needed): text, embedded fonts, embedded files."""
from __future__ import annotations

import io
import re


def pdf_reader(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pdf_reader(pdf).pages]


def pdf_text(pdf: bytes) -> str:
    """All text, with the spaces pypdf puts between letter-spaced characters removed."""
    return "\n".join(page_texts(pdf))


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def embedded_fonts(pdf: bytes) -> list[dict]:
    """[{name, file_key, size}] of every font program embedded in the PDF."""
    reader = pdf_reader(pdf)
    found = {}
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            for f in ([d.get_object() for d in descendants] if descendants else [font]):
                desc = f.get("/FontDescriptor")
                if desc is None:
                    continue
                desc = desc.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in desc:
                        data = desc[key].get_object().get_data()
                        found[str(f["/BaseFont"])] = {"name": str(f["/BaseFont"]), "file_key": key,
                                                      "size": len(data), "data": data}
    return list(found.values())


def embedded_files(pdf: bytes) -> list[str]:
    """Names of files embedded in the PDF (document attachments and file annotations)."""
    reader = pdf_reader(pdf)
    names = []
    root = reader.trailer["/Root"]
    tree = (root.get("/Names") or {}).get("/EmbeddedFiles")
    if tree is not None:
        arr = tree.get_object().get("/Names") or []
        names += [str(arr[i]) for i in range(0, len(arr), 2)]
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                names.append(str(annot.get("/FS", {}).get("/F", "?")))
    return names


def all_decoded_streams(pdf: bytes) -> bytes:
    """Every stream of the file, decompressed, concatenated: to look for leaked content."""
    reader = pdf_reader(pdf)
    ids = {num for table in reader.xref.values() for num in table} | set(reader.xref_objStm)
    out = []
    for num in sorted(ids):
        try:
            obj = reader.get_object(num)
            if hasattr(obj, "get_data"):
                out.append(obj.get_data())
        except Exception:  # free entries, objects that are not streams
            continue
    return b"\n".join(out)
