"""A unified diff made from the edits themselves: linear in the file (no sequence matching), with the
``\\ No newline at end of file`` marker ``git apply`` and ``patch`` need, lines split at ``\\n`` only (as they
split them; a CRLF line ends in ``\\r\\n`` on both sides)."""

from __future__ import annotations

import bisect
from typing import Iterator, Sequence

from .scan import Edit

CONTEXT = 3
NO_NEWLINE = "\\ No newline at end of file\n"


def _lines(text: str) -> tuple[list[str], list[int]]:
    """The lines (each with its ``\\n``, the last maybe without) and the offset each starts at."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    starts, at = [], 0
    for line in out:
        starts.append(at)
        at += len(line)
    return out, starts


def _blocks(edits: Sequence[Edit], starts: list[int]) -> list[tuple[int, int, list[Edit]]]:
    """Edits grouped by the lines they touch: (first line, last line + 1, edits), in order, lines not shared."""
    blocks: list[tuple[int, int, list[Edit]]] = []
    for edit in edits:
        first = bisect.bisect_right(starts, edit.start) - 1
        last = bisect.bisect_right(starts, max(edit.end - 1, edit.start)) - 1
        if blocks and first < blocks[-1][1]:
            a, _, group = blocks[-1]
            blocks[-1] = (a, max(last + 1, blocks[-1][1]), [*group, edit])
        else:
            blocks.append((first, last + 1, [edit]))
    return blocks


def _out(prefix: str, line: str) -> Iterator[str]:
    yield prefix + line
    if not line.endswith("\n"):
        yield "\n" + NO_NEWLINE


def unified_diff(text: str, edits: Sequence[Edit], old_name: str, new_name: str) -> Iterator[str]:
    """The unified diff of applying ``edits`` (sorted, not overlapping) to ``text``."""
    if not edits:
        return
    lines, starts = _lines(text)
    changed = []
    for a, b, group in _blocks(edits, starts):
        block_start = starts[a]
        block = "".join(lines[a:b])
        new, last = [], 0
        for edit in group:
            new += [block[last : edit.start - block_start], edit.text]
            last = edit.end - block_start
        new.append(block[last:])
        changed.append((a, b, _lines("".join(new))[0]))
    yield f"--- {old_name}\n"
    yield f"+++ {new_name}\n"
    delta = 0
    i = 0
    while i < len(changed):
        j = i  # the blocks of one hunk: those whose contexts touch
        while j + 1 < len(changed) and changed[j + 1][0] - changed[j][1] <= 2 * CONTEXT:
            j += 1
        first = max(changed[i][0] - CONTEXT, 0)
        end = min(changed[j][1] + CONTEXT, len(lines))
        body: list[str] = []
        at, new_count = first, 0
        for a, b, new_lines in changed[i : j + 1]:
            for line in lines[at:a]:
                body += _out(" ", line)
            for line in lines[a:b]:
                body += _out("-", line)
            for line in new_lines:
                body += _out("+", line)
            new_count += (a - at) + len(new_lines)
            at = b
        for line in lines[at:end]:
            body += _out(" ", line)
        new_count += end - at
        old_count = end - first
        yield f"@@ -{first + 1},{old_count} +{first + 1 + delta},{new_count} @@\n"
        yield from body
        delta += new_count - old_count
        i = j + 1
