"""libcst transformers and config writers. Rules detect; codemods rewrite.

`CODEMODS` maps each `FixOperation.kind` to the codemod that performs it.
"""

from __future__ import annotations

from goldenpath_audit.codemods.base import Codemod, CodemodError, apply_operations
from goldenpath_audit.codemods.keywords import RenameKeyword

CODEMODS: dict[str, Codemod] = {codemod.KIND: codemod for codemod in (RenameKeyword(),)}

__all__ = ["CODEMODS", "Codemod", "CodemodError", "apply_operations"]
