"""The flat, depth-ordered ledger list as nested nodes, for nested HTML lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.ledger.queries import ItemRow


@dataclass
class Node:
    row: ItemRow
    children: list[Node] = field(default_factory=list)


def nest(rows: list[ItemRow]) -> list[Node]:
    """Rows in tree order (parents first, `depth` set) as a forest."""
    roots: list[Node] = []
    stack: list[Node] = []
    for row in rows:
        node = Node(row)
        while stack and stack[-1].row.depth >= row.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots
