"""Bounded worker processes shared by the PDF reader and the ERP import reader."""

from portal.workers.pool import WorkerLost, WorkerPool, limit_resources, serve_forever

__all__ = ["WorkerLost", "WorkerPool", "limit_resources", "serve_forever"]
