"""Energy pages of EMS imports: upload an export, read its preview, confirm it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, UploadFile
from fastapi.responses import PlainTextResponse, Response

from portal.accounts.models import Role
from portal.db import DbSession
from portal.energy import emsfile, imports
from portal.errors import Conflict, InvalidInput
from portal.security import Principal, require_roles
from portal.web import ExportHeaders, redirect, render

router = APIRouter()
Importer = Annotated[Principal, Depends(require_roles(Role.ESG, Role.ADMIN))]
ImportId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _page(request: Request, db: DbSession, status: int = 200, **extra: object) -> Response:
    return render(
        request,
        "energy/imports.html",
        {
            "imports": imports.recent(db),
            "columns": emsfile.COLUMNS,
            "max_lines": emsfile.MAX_LINES,
            "file_error": "",
            **extra,
        },
        status,
    )


@router.get("/energy/imports", name="energy_imports")
def import_page(request: Request, db: DbSession, _who: Importer) -> Response:
    """The EMS import page: the format, an upload form and the latest imports."""
    return _page(request, db)


@router.get("/energy/imports/template.csv", name="energy_import_template")
def import_template(_who: Importer, headers: ExportHeaders) -> Response:
    """An example EMS export, its headers in the user's language (or as chosen)."""
    return PlainTextResponse(
        "\ufeff" + emsfile.template_csv(headers),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ems-readings.csv"'},
    )


@router.post("/energy/imports", name="energy_upload_import")
def upload_import(request: Request, db: DbSession, who: Importer, file: UploadFile) -> Response:
    """Read the file and show its preview; nothing is stored until it is confirmed."""
    data = file.file.read(imports.MAX_FILE_BYTES + 1)
    try:
        record = imports.upload(
            db,
            actor=who.actor(request),
            user_id=who.user.id,
            filename=file.filename or "",
            data=data,
        )
    except InvalidInput as error:
        db.rollback()
        return _page(request, db, 422, file_error=error.message)
    db.commit()
    return redirect(f"/energy/imports/{record.id}", request)


@router.get("/energy/imports/{import_id}", name="energy_import_preview")
def import_preview(
    request: Request, db: DbSession, _who: Importer, import_id: ImportId
) -> Response:
    """What the file stores: new, unchanged and flagged readings, and each refused line."""
    record = imports.get_import(db, import_id)
    return render(
        request,
        "energy/import_preview.html",
        {"imp": record, "errors": imports.errors_of(record), "refused": ""},
    )


@router.post("/energy/imports/{import_id}/confirm", name="energy_confirm_import")
def confirm_import(request: Request, db: DbSession, who: Importer, import_id: ImportId) -> Response:
    """Store the file's readings, all of them or none."""
    try:
        imports.confirm(db, actor=who.actor(request), import_id=import_id)
    except Conflict as error:
        db.rollback()
        record = imports.get_import(db, import_id)
        return render(
            request,
            "energy/import_preview.html",
            {"imp": record, "errors": imports.errors_of(record), "refused": error.message},
            error.status_code,
        )
    db.commit()
    return redirect(f"/energy/imports/{import_id}", request)
