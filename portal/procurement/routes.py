"""Pages of this feature (being built)."""

from fastapi import APIRouter

router = APIRouter()
