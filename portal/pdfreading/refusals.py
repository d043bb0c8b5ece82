"""Why a PDF was not read: one exception with a code and messages in Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class RefusalCode(StrEnum):
    """Reasons a PDF is refused; the web layer maps them to messages and status codes."""

    EMPTY = "empty"
    NOT_PDF = "not_pdf"
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    ENCRYPTED = "encrypted"
    BROKEN = "broken"
    BOMB = "bomb"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"


_MESSAGES: dict[RefusalCode, tuple[str, str]] = {
    RefusalCode.EMPTY: ("The file is empty.", "文件为空。"),
    RefusalCode.NOT_PDF: (
        "The file is not a PDF (no %PDF- header at its start), whatever its name says.",
        "该文件不是 PDF 文件（文件开头没有 %PDF- 标记），与文件扩展名无关。",
    ),
    RefusalCode.TOO_LARGE: (
        "The file is {size_mib} MiB; at most {limit_mib} MiB are accepted.",
        "文件大小为 {size_mib} MiB，超过上限 {limit_mib} MiB。",
    ),
    RefusalCode.TOO_MANY_PAGES: (
        "The PDF has {pages} pages; at most {limit} are accepted.",
        "该 PDF 共 {pages} 页，超过上限 {limit} 页。",
    ),
    RefusalCode.ENCRYPTED: (
        "The PDF is encrypted or password-protected; please upload it without protection.",
        "该 PDF 已加密或设有密码，请上传未加密的文件。",
    ),
    RefusalCode.BROKEN: (
        "The PDF is damaged or incomplete and cannot be read.",
        "该 PDF 已损坏或不完整，无法读取。",
    ),
    RefusalCode.BOMB: (
        "The PDF expands to more data than allowed when unpacked (possible decompression bomb).",
        "该 PDF 解压后的数据量超过允许上限（疑似解压炸弹）。",
    ),
    RefusalCode.TIMEOUT: (
        "Reading the PDF took longer than {limit_s} seconds and was stopped.",
        "读取该 PDF 超过 {limit_s} 秒，已中止。",
    ),
    RefusalCode.OUT_OF_MEMORY: (
        "Reading the PDF needed more than {limit_mb} MiB of memory and was stopped.",
        "读取该 PDF 所需内存超过 {limit_mb} MiB，已中止。",
    ),
}


class PdfRefused(Exception):
    """A PDF that was not read, and why (`code`, `message_en`, `message_zh`)."""

    def __init__(self, code: RefusalCode | str, *, detail: str = "", **params: Any) -> None:
        self.code = RefusalCode(code)
        self.params = params
        self.detail = detail[:500]  # technical cause, for logs rather than for suppliers
        english, chinese = _MESSAGES[self.code]
        self.message_en = english.format(**params)
        self.message_zh = chinese.format(**params)
        super().__init__(self.message_en)

    def __reduce__(self) -> tuple[Any, ...]:
        return (PdfRefused.from_dict, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; `from_dict` rebuilds the same refusal."""
        return {
            "code": str(self.code),
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "params": self.params,
            "detail": self.detail,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PdfRefused:
        """Inverse of `to_dict`."""
        return cls(data["code"], detail=str(data.get("detail", "")), **dict(data.get("params", {})))
