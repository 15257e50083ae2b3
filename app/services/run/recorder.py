"""A Run's outputs: kept within the output limit, and written to its ``run_record`` row in batches.

``RunRecorder`` sits between the kernel's output callback and the Run: every output goes through
``add``, which applies ``run_output_limit_chars`` (counted as the kernel runtime counts it, notices
included: the Run's list and the row hold exactly the same outputs) and appends it to the Run's in-memory
list, which this replica's polls read. With a database (a ``RunStore``), a flusher task writes what arrived
since the last write: at once after a quiet spell, then at most once every ``FLUSH_S`` while output keeps
coming, so a chatty cell costs a few ``UPDATE``s a second however many lines it prints. ``running``, ``heartbeat``
(every few seconds while the Run lasts: how other replicas tell a live Run from one whose replica died)
and ``finish`` write at once; ``finish`` writes the outcome with the last outputs in one statement.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from app.models import RunStatus
from kernels.execute import output_size
from kernels.outcomes import Output

if TYPE_CHECKING:
    from app.services.run.store import RunStore

log = logging.getLogger(__name__)

FLUSH_S = 0.25  # at most one output write per Run this often


class RunRecorder:
    def __init__(
        self,
        *,
        run_id: str,
        user_id: int,
        outputs: list[Output],
        limit: int,
        store: RunStore | None = None,
        flush_s: float = FLUSH_S,
    ) -> None:
        self.run_id = run_id
        self.user_id = user_id
        self.outputs = outputs
        self.left = limit
        self.store = store
        self.flush_s = flush_s
        self.truncated = False
        self.writes = 0  # statements written (tests)
        self._pending: list[Output] = []
        self._pending_chars = 0
        self._pending_truncated = False
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._finished = False

    # -- life cycle ----------------------------------------------------------------------------
    def create(self) -> None:
        """Insert the row (queued): from now on any replica can poll the Run."""
        if self.store is None:
            return
        self.store.create_run(run_id=self.run_id, user_id=self.user_id)
        self.writes += 1
        self._flusher = asyncio.create_task(self._flush_loop(), name=f"jaxtutor-run-output-{self.run_id}")

    def add(self, out: Output) -> None:
        """One output of the Run, cut or dropped at the limit (then ``truncated``)."""
        if self._finished:
            return
        size = output_size(out)
        if size > self.left:
            self.truncated = self._pending_truncated = True
            if out.kind != "stream" or self.left <= 0:
                self.left = 0
                return
            out, size = Output(kind="stream", name=out.name, text=out.text[: self.left]), self.left
        self.left -= size
        self.outputs.append(out)
        if self.store is not None:
            self._pending.append(out)
            self._pending_chars += size
            self._wake.set()

    def running(self) -> None:
        self._write(status=RunStatus.RUNNING.value)

    def heartbeat(self) -> None:
        self._write()

    def finish(
        self,
        status: str,
        message: str,
        *,
        reason: str | None = None,
        duration_s: float | None = None,
        traceback: list[str] | None = None,
    ) -> None:
        """The outcome and the outputs not yet written, in one statement; later outputs are ignored."""
        if self._finished:
            return
        self._finished = True
        if self._flusher is not None:
            self._flusher.cancel()  # it only ever waits between writes: no write is cut short
        if self.store is None:
            return
        batch, chars, cut = self._take()
        try:
            self.store.finish_run(
                run_id=self.run_id,
                status=status,
                message=message,
                reason=reason,
                duration_s=duration_s,
                traceback=traceback,
                outputs=batch,
                chars=chars,
                truncated=cut,
            )
            self.writes += 1
        except Exception:
            log.exception("recording the end of run %s failed", self.run_id)

    # -- writing ---------------------------------------------------------------------------------
    def _take(self) -> tuple[list[Output], int, bool]:
        batch, chars, cut = self._pending, self._pending_chars, self._pending_truncated
        self._pending, self._pending_chars, self._pending_truncated = [], 0, False
        self._wake.clear()
        return batch, chars, cut

    def _write(self, status: str | None = None) -> None:
        if self.store is None or self._finished:
            return
        batch, chars, cut = self._take()
        try:
            self.store.append_output(run_id=self.run_id, outputs=batch, chars=chars, truncated=cut, status=status)
            self.writes += 1
        except Exception:  # keep the batch for the next write
            log.exception("recording output of run %s failed", self.run_id)
            self._pending[:0] = batch
            self._pending_chars += chars
            self._pending_truncated = self._pending_truncated or cut
            self._wake.set()  # the flusher tries again after its pause

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._write()
            await asyncio.sleep(self.flush_s)
